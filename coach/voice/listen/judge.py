"""The listener's judgement, as pure functions: does a recognizer's result stand as a person's
command, and which phrases does a context listen for?

No audio and no state here: each rule takes the hypothesis, what is on the air and the engine's
pronunciations, and returns why the result cannot be trusted ("" when it can). The listener
(`coach.voice.listen.listener`) applies them in the order its docstring gives; every figure
behind a constant is in docs/listening.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from coach.core.commands import (BARGE_IN_INTENTS, COMMANDS, SPEC_BY_INTENT, VOICE_EXCLUDED,
                                 CommandSpec, Intent, Strictness, interpret, normalize, parse)
from coach.core.events import CommandHeard, CommandSource, NoteTaken
from coach.voice.asr.base import Hypothesis, phone_distance
from coach.voice.audio.on_air import Airing
from coach.voice.listen.dictation import Transcript

Pronounce = Callable[[str], "tuple[str, ...] | None"]
"""A word's phones in the engine's dictionary, or None (`Recognizer.pronunciation`)."""

DEFAULT_THRESHOLDS: dict[Strictness, float] = {
    Strictness.EAGER: 0.69,
    Strictness.NORMAL: 0.77,
    Strictness.SURE: 0.80,
}
"""Final-result confidence each strictness needs, on the pocketsphinx confidence scale
(CONFIDENCE_WEIGHTS). Chosen on the fit half of a held-out split (bench/fit_rejection.py):
EAGER the lowest with <= 2 false accepts per 100 non-commands, NORMAL <= 1 per 100; SURE a
little above (wrong SURE commands lose the receiver's place; right commands were flat from 0.77
to 0.80). Held-out at 0.77: real commands 21/35, false accepts 1.9 per 100."""


ON_AIR_MIN = 0.6
"""Least confidence a barge-in needs while the coach speaks (pocketsphinx's scale; engines with
another scale set `Recognizer.on_air_min`)."""


STRETCHED_SECONDS_PER_PHONE = 0.2
STRETCHED_MIN_SECONDS = 1.4
"""A phrase of two or more words aligned over more than max(STRETCHED_MIN_SECONDS,
STRETCHED_SECONDS_PER_PHONE x its phones) is a sentence forced onto a command, not a person
saying it: the coach's own voice, or chatter. Measured with pocketsphinx:
* the coach's own voice, all 469 routine lines heard raw (no echo canceller), three grammars, two
  renderings: every two-word phrase that reached its threshold ("hold on" 10, "stop stop" 2) was
  aligned over 1.7-3.4 s (0.22-0.47 s per phone);
* chatter (quick benchmark): 5 of the 6 false accepts were two-word phrases over 1.8-2.7 s;
* people: the clean synthesized grid (6 voices x 140-200 wpm, 394 right two-word results) took at
  most 0.78 s, 0.195 s per phone ("ease off" at 140 wpm: 4 long phones, hence the 1.4 s floor);
  espeak-ng at a drawling 100 wpm: "hold on" 1.25 s, "stop stop" 1.49 s (limit 1.6 s); two-word
  barge-ins said over the coach through the canceller 0.11-0.14 s per phone.
While the coach speaks the 1.4 s floor does not apply: two-word barge-ins said over it took
0.11-0.14 s per phone, and session 3's own-voice "hold on" was 1.31 s (0.22 s per phone).
One-word phrases are exempt: a drawn-out "stooop" or "ouuuch" in pain must still stop the coach,
and no one-word phrase reached its threshold on the coach's own voice."""


def stretched(hyp: Hypothesis, pronunciation: Pronounce,
              floor: float = STRETCHED_MIN_SECONDS) -> str:
    """Why a phrase of several words is too slow to be a person's (see STRETCHED_MIN_SECONDS;
    `floor` 0 while the coach speaks), or "" (also when the engine gives no span or phones)."""
    words = normalize(hyp.text).split()
    if len(words) < 2 or hyp.span is None:
        return ""
    prons = [pronunciation(word) for word in words]
    if any(not pron for pron in prons):
        return ""
    phones = sum(len(pron) for pron in prons)  # type: ignore[arg-type]
    limit = max(floor, STRETCHED_SECONDS_PER_PHONE * phones)
    if hyp.span <= limit:
        return ""
    return (f"{hyp.text!r} took {hyp.span:.1f} s, slower than a person says it (at most "
            f"{limit:.1f} s): a sentence forced onto a command")


WORD_MARGIN = 0.4
"""Seconds either side of an utterance in which a word the coach said counts as on the air with
it. Covers the error of the estimated word times (`coach.voice.speech.word_times`, against
Piper's own alignments over 978 words: p95 0.24 s, p99 0.35 s) and the room's echo tail (the
simulated room's reflections reach 95 ms); the utterance's own start already holds the
endpointer's 0.2 s pre-roll. Figures in docs/listening.md ("Word times on the air")."""


PERSON_MAX_REMOVED_DB = 3.0
"""At most this much of the microphone's energy removed by the echo canceller over an utterance
(`EchoCanceller.removed_db`) means most of what was heard is not the coach: a person's voice is
energy the canceller cannot remove. Then no word of the coach's line vetoes a safety word, and
the bar is the intent's own. Measured through the simulated room and the canceller: a person's
"stop"/"ouch" over the coach -0.3 to 2.0 dB (188 placements, both engines); the coach's own
voice reaching the judge, figures in docs/listening.md ("Echo evidence")."""

PERSON_BAR = 0.55
"""Least confidence (pocketsphinx's scale) a barge-in needs, instead of its strictness's
threshold (EAGER 0.69), when the canceller's evidence says a person said it over the coach;
the listener also reads such a word again from other frame phases (`spoken_over.realigned`)
before it gives up on it. Why: for a safety word a false fire is the safe error, and a person's
"stop" over the coach's own stop reply came out at 0.36-0.52 on a busy machine
(tests/test_voice_session.py), at 0.80+ from another phase of the same audio.

Measured with pocketsphinx through the simulated room and the canceller (docs/listening.md,
"A barge-in read at several frame phases"), with the second readings: 12 real people's "stop"
at four places over the long line (48 placements) fire 28 times at 0.55 (27 at the old 0.5
without second readings, 28 at 0.5 with them); 111 real non-command clips at the same four
places (444 placements) fire 1 at 0.55 ("house" as "ouch", 0.60), 2 at the old 0.5, 3 at 0.5
with second readings. Before the second readings (session 9): 0.5, when the nearest
non-command seen was 0.47."""

SMALL_SHARE = 0.4
SMALL_SHARE_MIN_SECONDS = 1.2
"""While the coach speaks, a phrase aligned over less than SMALL_SHARE of an utterance longer
than SMALL_SHARE_MIN_SECONDS is one word of a sentence forced onto a command (the rest of the
utterance is speech that is not it): pocketsphinx fired "wait" (0.23-0.30 s) in 2.1-2.6 s of the
coach's "Massage could move a clot..." and "Lay both palms flat on the low back..." (shares
0.11-0.14; 8 fires in 5 runs of the benchmark's 40-line own-voice row); people's barge-ins
through the canceller: shares 0.9-1.3. Beside it, a grammar result that the engine's
competitor pass beat (`Hypothesis.other_words`) is the coach's while it speaks: every one of
those fires had it, and "that hurts" over "...or cause harm" (1.1 s, twice) too; none of 94
people's "stop"/"ouch" over the long line through the canceller."""


def is_person(removed_db: float | None) -> bool:
    """Does the echo canceller's evidence say the utterance is mostly not the coach?"""
    return removed_db is not None and removed_db <= PERSON_MAX_REMOVED_DB


def own_voice(intent: Intent, hyp: Hypothesis, airings: Sequence[Airing], on_air_min: float,
              pronunciation: Pronounce, start: float | None = None,
              end: float | None = None, removed_db: float | None = None) -> str:
    """Why the coach's own voice (`airings`: its lines overlapping the utterance [start, end])
    makes this result untrustworthy, or "" if it does not.

    Only the words the coach said during the utterance (give or take `WORD_MARGIN`) count, not
    its whole line: a 12 s line that says "breathing out" once vetoed a real "ouch" (written
    "out") for all of its 12 s (issue 20). Without word times (a cue, an old record), or without
    `start`/`end`, the whole line counts.

    Every on-air intent is a safety word ("stop", "ouch", "pause"/"wait"), for which a false fire
    is the safe error, so the veto needs the same word on the air. A closed grammar
    (pocketsphinx: no `transcript`) must answer with one of its phrases, so the coach's "waist"
    comes out as "wait" (0.93, seen): there a word that sounds like the coach's, said at that
    moment, vetoes too. A free transcriber writes what it heard ("waist", or "out" that the
    rescue reads as "ouch"), and its words meet the exact-word veto; a sound-alike check on top
    would only throw away a person's "ouch" said while the coach says "out" or "couch".

    `removed_db` (the echo canceller's `removed_db` over the utterance; None without one) is
    evidence from the audio: when the canceller removed little (`is_person`), the utterance is
    a person's, so no word of the line vetoes it and its intent's own bar applies, not
    `on_air_min` (a person's "ouch" said over the coach's "out", written "out", 2 of 47
    placements; a person's "stop" over the coach's stop reply at 0.52)."""
    if not airings:
        return ""
    if intent not in BARGE_IN_INTENTS:
        return "coach speaking: not a barge-in command"
    person = is_person(removed_db)
    if hyp.confidence < on_air_min and not person:
        return f"coach speaking: confidence {hyp.confidence:.2f} below {on_air_min}"
    too_slow = stretched(hyp, pronunciation, floor=0.0)  # people barging in speak sharply
    if too_slow:
        return f"coach speaking: {too_slow}"
    if person:
        return ""
    small = small_share(hyp, start, end)
    if small:
        return f"coach speaking: {small}"
    if hyp.other_words:
        return ("coach speaking: ordinary English words explain the audio better than "
                f"{hyp.text!r} (the competitor pass)")
    # A free transcript's own words count too: the coach's "out" leaking through the canceller
    # is written "out" and may be rescued as "ouch"; the phrase alone ("ouch") is in no line.
    words = set(normalize(hyp.text).split()) | set(normalize(hyp.transcript or "").split())
    for airing in airings:
        said = airing.text if start is None or end is None else \
            airing.words_between(start - WORD_MARGIN, end + WORD_MARGIN)
        line_words = set(normalize(said).split())
        if words & line_words:
            return "coach speaking: the phrase is in its own line, said at that moment"
        stem = shared_stem(words, line_words)
        if stem:
            return (f"coach speaking: {stem[0]!r} is the start of {stem[1]!r} in its own line, "
                    "said at that moment")
        if hyp.transcript is not None:
            continue  # the free transcript already tells "wait" from "waist": see below
        alike = sounds_like_line(words, line_words, pronunciation)
        if alike:
            return (f"coach speaking: {alike[0]!r} sounds like {alike[1]!r} in its own line, "
                    "said at that moment")
    return ""


def small_share(hyp: Hypothesis, start: float | None, end: float | None) -> str:
    """Why the phrase is too small a part of its utterance to be a person's barge-in (see
    SMALL_SHARE), or "" (also when the engine gives no span, or no times are known)."""
    if hyp.span is None or start is None or end is None:
        return ""
    length = end - start
    if length <= SMALL_SHARE_MIN_SECONDS or hyp.span >= SMALL_SHARE * length:
        return ""
    return (f"{hyp.text!r} took {hyp.span:.2f} s of a {length:.1f} s utterance: one word of a "
            "sentence forced onto a command")


STEM_MIN_LETTERS = 4
"""Shortest heard word that counts as the start of a longer word the coach said."""


def shared_stem(words: set[str], line_words: set[str]) -> tuple[str, str] | None:
    """A (heard word, line word) pair where one is the start of the other, at least
    STEM_MIN_LETTERS long, or None.

    Why: the endpointer can cut the coach's own word short, and Whisper writes the piece as a
    word of its own: the first half-second of "Numbness, tingling, or a sharp pain means lift
    your hands and stop." came out as "numb", a warning sign (the benchmark's own-voice row,
    2026-12-07). Only words said at that moment count (`own_voice`), so a person's "stop" is
    lost only where the coach says "stopping" within `WORD_MARGIN` of it. Three-letter words
    ("out" in "outside") stay exact: too many words start with them."""
    for word in words:
        for other in line_words:
            shorter, longer = sorted((word, other), key=len)
            if len(shorter) >= STEM_MIN_LETTERS and shorter != longer and \
                    longer.startswith(shorter):
                return word, other
    return None


def sounds_like_line(words: set[str], line_words: set[str],
                     pronunciation: Pronounce) -> tuple[str, str] | None:
    """A (phrase word, line word) pair whose pronunciations differ by at most
    `soundalike_phones(len)` phones, or None.

    Why: a closed grammar cannot tell "waist" from "wait" or "weight"; when the coach says the
    one, hearing the other is its own voice (an on-air "waist" fired "wait" at 0.93)."""
    for word in words:
        mine = pronunciation(word)
        if not mine:
            continue
        allowed = soundalike_phones(len(mine))
        for other in line_words:
            theirs = pronunciation(other)
            if theirs and abs(len(theirs) - len(mine)) <= allowed and \
                    phone_distance(mine, theirs) <= allowed:
                return word, other
    return None


SHORT_NOTE_WORDS = 2
"""A transcribed note this short may really be a command the command recognizer is sure of."""

NOTE_START_MARGIN = 0.3
"""Seconds before a line's end after which an utterance that starts is the person's (notes)."""


def note_or_command(transcript: Transcript, hyp: Hypothesis, in_context: Callable[[Intent], bool],
                    thresholds: dict[Strictness, float]) -> tuple[Intent | None, Transcript]:
    """What an utterance taken while a note was expected means: the command its words are, or
    None (a note). A short transcript (at most SHORT_NOTE_WORDS words) that the command
    recognizer is sure is an in-context command is that command: a note model hears a lone
    "stop" as "the elbow". Returns the intent and the transcript that stands for it."""
    intent = interpret(transcript.text) if transcript.text else None
    command = parse(hyp.text) if hyp.text else None
    if (intent is None and command is not None and in_context(command)
            and len(transcript.text.split()) <= SHORT_NOTE_WORDS
            and hyp.confidence >= thresholds[SPEC_BY_INTENT[command].strictness]):
        return command, Transcript(hyp.text, hyp.confidence, transcript.detail)
    return intent, transcript


def note_event(transcript: Transcript, hyp: Hypothesis, in_context: Callable[[Intent], bool],
               thresholds: dict[Strictness, float],
               engine: str) -> tuple[CommandHeard | NoteTaken, Transcript]:
    """The event an utterance taken while a note was expected stands for (`note_or_command`):
    the in-context command it is, or the note; and the transcript that stands for it."""
    intent, transcript = note_or_command(transcript, hyp, in_context, thresholds)
    if intent is not None and in_context(intent):
        return CommandHeard(intent, transcript.text, round(transcript.confidence, 3),
                            CommandSource.SPOKEN, engine, dict(transcript.detail)), transcript
    return NoteTaken(transcript.text, CommandSource.SPOKEN, engine), transcript


def began_mid_line(start: float, airings: Sequence[Airing]) -> bool:
    """Did an utterance starting at `start` begin while one of `airings` was on the air, well
    before its end?

    The margin matters: the endpointer's pre-roll puts `start` ~0.2 s before the speech, and
    people answer "Go ahead." the moment it ends, so an utterance starting in the last
    NOTE_START_MARGIN seconds of a line (or in the guard after it) is the person's.
    """
    return any(a.started <= start and (a.ended is None or a.ended - start > NOTE_START_MARGIN)
               for a in airings)


def soundalike_phones(length: int) -> int:
    """Phone edits under which a word of `length` phones counts as sounding like another.

    Exact pronunciation for short words (two-phone words such as "no"/"go" differ from a lot of
    words by one phone: only homophones like "know" count); one edit from three phones on
    ("wait" ~ "waist", "weight"; "stop" ~ "top", "stopped")."""
    return 0 if length < 3 else 1


def context_phrases(intents: Iterable[Intent]) -> list[str]:
    """The voice phrases of `intents`, in table order (what the grammar listens for)."""
    wanted = set(intents)
    return [p for spec in COMMANDS if spec.intent in wanted for p in voice_phrases(spec)]


def voice_phrases(spec: CommandSpec) -> tuple[str, ...]:
    """The phrasings of one intent the recognizer listens for (see VOICE_EXCLUDED in commands)."""
    return tuple(p for p in spec.phrases if p not in VOICE_EXCLUDED)
