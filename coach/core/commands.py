"""What people can say, and what it means.

One table maps every accepted phrasing to an `Intent`. Text mode parses typed lines with it, the
recognizers build their grammars from it, and `massage-coach commands` prints it, so the three can
never disagree. Short single words are misheard most, so most intents offer a two-word form too.

Each intent also carries how sure a recognizer must be before acting on it (`Strictness`): a
missed "stop" is worse than a spurious one, while a wrong "next" loses the receiver's place.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Intent(str, enum.Enum):
    NEXT = "next"
    BACK = "back"
    REPEAT = "repeat"
    PAUSE = "pause"
    RESUME = "resume"
    SKIP = "skip"
    STOP = "stop"
    END = "end"
    SOFTER = "softer"
    OUCH = "ouch"
    HARDER = "harder"
    GOOD = "good"
    HOW_LONG = "how_long"
    MORE_TIME = "more_time"
    HELP = "help"
    YES = "yes"
    NO = "no"
    LEFT = "left"
    RIGHT = "right"
    SLOWER = "slower"
    FASTER = "faster"
    LOUDER = "louder"
    QUIETER = "quieter"
    OTHER_POSITION = "other_position"
    NOTE = "note"
    WARNING = "warning"  # a warning sign: numbness, tingling, sharp or shooting pain, burning


class Strictness(str, enum.Enum):
    """How much evidence a recognizer needs before firing an intent."""

    EAGER = "eager"  # safety: act on a stable partial result, accept lower confidence
    NORMAL = "normal"
    SURE = "sure"  # loses the receiver's place if wrong: demand high confidence


@dataclass(frozen=True)
class CommandSpec:
    intent: Intent
    phrases: tuple[str, ...]
    meaning: str
    strictness: Strictness = Strictness.NORMAL
    barge_in: bool = False  # may interrupt the coach while it is speaking


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(Intent.NEXT, ("next", "next step", "done", "continue", "ready", "go", "go ahead",
                              "move on"), "go to the next step", Strictness.SURE),
    CommandSpec(Intent.BACK, ("back", "go back", "previous", "previous step"),
                "go back one step", Strictness.SURE),
    CommandSpec(Intent.REPEAT, ("repeat", "again", "say that again", "repeat that"),
                "say the last instruction again"),
    CommandSpec(Intent.PAUSE, ("pause", "wait", "hold on"), "pause the timer and the coach",
                Strictness.EAGER, barge_in=True),
    CommandSpec(Intent.RESUME, ("resume", "go on", "carry on", "keep going"),
                "carry on after a pause"),
    CommandSpec(Intent.SKIP, ("skip", "skip this", "skip step"), "skip this step",
                Strictness.SURE),
    CommandSpec(Intent.STOP, ("stop", "stop now", "stop stop"),
                "silence the coach at once and pause", Strictness.EAGER, barge_in=True),
    CommandSpec(Intent.END, ("end session", "finish", "finish session"),
                "end the session now", Strictness.SURE),
    CommandSpec(Intent.SOFTER, ("softer", "lighter", "gentler", "ease off", "too much",
                                "less pressure"), "use lighter pressure", Strictness.EAGER),
    CommandSpec(Intent.OUCH, ("ouch", "that hurts", "it hurts"),
                "ease off a lot, pause and check in", Strictness.EAGER, barge_in=True),
    # Heard only from a free transcript (TRANSCRIPT_ONLY): said in the receiver's own words.
    CommandSpec(Intent.WARNING, ("numb", "tingling", "pins and needles", "sharp pain",
                                 "shooting pain", "burning"),
                "a warning sign (numbness, tingling, sharp or shooting pain, burning): stop at "
                "once, take the pressure off, ask before going on", Strictness.EAGER,
                barge_in=True),
    CommandSpec(Intent.HARDER, ("harder", "firmer", "deeper", "more pressure"),
                "use firmer pressure"),
    CommandSpec(Intent.GOOD, ("that's good", "that is good", "perfect", "that's perfect",
                                "good pressure"),
                "keep the pressure as it is"),
    CommandSpec(Intent.HOW_LONG, ("how long", "time left", "how much time", "how much longer"),
                "say how long is left on this hold"),
    CommandSpec(Intent.MORE_TIME, ("more time", "another minute", "stay here", "stay longer"),
                "add time to this hold"),
    CommandSpec(Intent.HELP, ("help", "what can i say"), "list what you can say now"),
    CommandSpec(Intent.YES, ("yes", "yeah", "yes please"), "answer yes"),
    CommandSpec(Intent.NO, ("no", "nope", "no thanks"), "answer no"),
    CommandSpec(Intent.LEFT, ("left", "left side", "left leg"), "start on the left side"),
    CommandSpec(Intent.RIGHT, ("right", "right side", "right leg"), "start on the right side"),
    CommandSpec(Intent.SLOWER, ("slower", "speak slower", "slow down"), "speak more slowly"),
    CommandSpec(Intent.FASTER, ("faster", "speak faster", "speed up"), "speak more quickly"),
    CommandSpec(Intent.LOUDER, ("louder", "speak up"), "speak more loudly"),
    CommandSpec(Intent.QUIETER, ("quieter", "not so loud"), "speak more quietly"),
    CommandSpec(Intent.OTHER_POSITION, ("other position", "another position"),
                "describe the alternative position for this step"),
    # No bare "note": it is one sound away from "no", which answers every question. SURE: a
    # wrong one makes the coach transcribe the next thing anyone says and read it back.
    CommandSpec(Intent.NOTE, ("take a note", "make a note"),
                "keep a note about this spot for next time (read back before it is kept)",
                Strictness.SURE),
)

SPEC_BY_INTENT: dict[Intent, CommandSpec] = {spec.intent: spec for spec in COMMANDS}
_INTENT_BY_PHRASE: dict[str, Intent] = {
    phrase: spec.intent for spec in COMMANDS for phrase in spec.phrases
}
if len(_INTENT_BY_PHRASE) != sum(len(spec.phrases) for spec in COMMANDS):
    raise AssertionError("a phrase is listed under two intents")  # pragma: no cover

BARGE_IN_INTENTS: frozenset[Intent] = frozenset(s.intent for s in COMMANDS if s.barge_in)

SAFETY_INTENTS: frozenset[Intent] = frozenset(
    s.intent for s in COMMANDS if s.strictness is Strictness.EAGER)
"""Stop, pause, ouch, a warning sign, softer: where a miss costs most (the listener's second
look, coach.voice.asr.whisper_engine.SECOND_LOOK_BEAM)."""

TRANSCRIPT_ONLY: frozenset[Intent] = frozenset({Intent.WARNING})
"""Intents read only from words (Whisper's free transcript, typed text), never put in a closed
grammar (pocketsphinx, vosk), and honoured in every phase.

Why: a warning sign is said in the receiver's own words ("my leg's gone numb", "pins and needles
down my foot"); a closed grammar would force chatter onto "numb" or "burning" and would grow
past the 20 intents a phase may listen for (tests/test_session.py). A free transcript costs
nothing to read for one more meaning, and a missed warning sign is the worst miss there is
(docs/listening.md, "Understanding")."""

DEFAULT_ADVANCE_WORD = "next"
"""The word prompts ask for to move on ("Say next when you're done"). An engine that hears another
way of saying NEXT more reliably asks for that one instead (`SessionOptions.advance_word`)."""


VOICE_EXCLUDED: frozenset[str] = frozenset({
    # "ready" and "done" (go to the next step): one-syllable words that ordinary speech imitates.
    # On 194 non-commands (100 real distractor words, 84 synthesized chatter lines) they fired 3
    # of 8 false accepts, while being heard right almost never (synthesized "done" 0.2-0.65,
    # under SURE's 0.80); without them: 5 false accepts, and 42 vs 40 of 90 commands right.
    # A wrong "next" loses the receiver's place. "go" stays: real speakers' "go" is heard 7/10.
    "ready", "done",
})
"""Phrasings the voice grammar leaves out (still accepted typed) because measurements showed they
hurt recognition; each entry says why."""


def all_phrases() -> list[str]:
    """Every phrasing a recognizer grammar may hold, lower case (TRANSCRIPT_ONLY intents left
    out: they are only ever read from words)."""
    return [phrase for phrase, intent in _INTENT_BY_PHRASE.items()
            if intent not in TRANSCRIPT_ONLY]


def normalize(text: str) -> str:
    """Lower-case, straighten apostrophes, drop punctuation and extra spaces."""
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"[^a-z' ]+", " ", text)
    return " ".join(text.split())


def parse(text: str) -> Intent | None:
    """The intent of a whole utterance, or None when it is not exactly a command.

    Deliberately strict: "please go to the next step" is not a command. Talking to the receiver
    must fire nothing, and a closed phrase list is what keeps it that way. Polite padding at the
    ends ("okay", "please", "coach") is allowed because people add it without thinking.
    """
    return _INTENT_BY_PHRASE.get(" ".join(_unpadded_words(text)))


def _unpadded_words(text: str) -> list[str]:
    """The normalized words of `text` without polite padding at either end."""
    words = normalize(text).split()
    while words and words[0] in _PADDING:
        words = words[1:]
    while words and words[-1] in _PADDING:
        words = words[:-1]
    return words


_PADDING = frozenset({"okay", "ok", "please", "coach", "um", "uh"})


def phrases_of(intent: Intent) -> tuple[str, ...]:
    """The intent's phrasings, its canonical (most natural) one first."""
    return SPEC_BY_INTENT[intent].phrases


# ------------------------------------------------------------------ natural phrasings

NATURAL_PHRASES: dict[str, Intent] = {
    # Said in pain or in a hurry, not the exact command. Measured for what they add on chatter and
    # on the coach's own lines (docs/listening.md, "Natural phrasings").
    "stop it": Intent.STOP, "stop that": Intent.STOP, "stop there": Intent.STOP,
    "stop right there": Intent.STOP, "stop right now": Intent.STOP,
    "ow": Intent.OUCH, "oh ow": Intent.OUCH, "ouch that hurts": Intent.OUCH,
    "ow that hurts": Intent.OUCH, "that really hurts": Intent.OUCH,
    "it really hurts": Intent.OUCH, "that's painful": Intent.OUCH, "that is painful": Intent.OUCH,
    "it's painful": Intent.OUCH, "that's sore": Intent.OUCH, "too painful": Intent.OUCH,
    "too hard": Intent.SOFTER, "too deep": Intent.SOFTER, "too strong": Intent.SOFTER,
    "too firm": Intent.SOFTER, "too much pressure": Intent.SOFTER, "not so hard": Intent.SOFTER,
    "a bit softer": Intent.SOFTER, "a little softer": Intent.SOFTER, "bit softer": Intent.SOFTER,
    "a bit lighter": Intent.SOFTER, "a little lighter": Intent.SOFTER,
    "a bit gentler": Intent.SOFTER, "a little gentler": Intent.SOFTER, "a bit less": Intent.SOFTER,
    "lighter pressure": Intent.SOFTER, "softer pressure": Intent.SOFTER,
    "a bit harder": Intent.HARDER, "a little harder": Intent.HARDER, "a bit firmer": Intent.HARDER,
    "a little firmer": Intent.HARDER, "a bit deeper": Intent.HARDER, "a little deeper": Intent.HARDER,
    "firmer pressure": Intent.HARDER,
    "wait a sec": Intent.PAUSE, "wait a second": Intent.PAUSE, "wait a moment": Intent.PAUSE,
    "wait a minute": Intent.PAUSE, "hold on a sec": Intent.PAUSE, "hold on a second": Intent.PAUSE,
    "hold on a moment": Intent.PAUSE, "hang on": Intent.PAUSE, "one moment": Intent.PAUSE,
    "just a moment": Intent.PAUSE, "one sec": Intent.PAUSE, "one second": Intent.PAUSE,
    "how long left": Intent.HOW_LONG, "how much time left": Intent.HOW_LONG,
    "how long is left": Intent.HOW_LONG, "how much longer is left": Intent.HOW_LONG,
    "how long now": Intent.HOW_LONG,
    "thats good": Intent.GOOD, "that's fine": Intent.GOOD, "that feels good": Intent.GOOD,
    "that's great": Intent.GOOD, "that's just right": Intent.GOOD,
    "yep": Intent.YES, "yup": Intent.YES, "yes it is": Intent.YES, "that's correct": Intent.YES,
    "correct": Intent.YES, "yes that's right": Intent.YES, "that's right": Intent.YES,
    "that is right": Intent.YES, "that's wrong": Intent.NO, "no that's wrong": Intent.NO,
    "nah": Intent.NO, "no it isn't": Intent.NO, "not really": Intent.NO, "no not at all": Intent.NO,
    "next one": Intent.NEXT, "next step please": Intent.NEXT, "let's move on": Intent.NEXT,
    "say again": Intent.REPEAT, "say it again": Intent.REPEAT, "come again": Intent.REPEAT,
    "end the session": Intent.END, "stop the session": Intent.END, "quit": Intent.END,
    "exit": Intent.END,
}
"""Natural phrasings accepted beyond the command table, typed or transcribed (`interpret`). They
are not in any grammar: a closed-grammar engine would only force more chatter onto them."""

TYPED_ABBREVIATIONS: dict[str, Intent] = {
    "y": Intent.YES, "n": Intent.NO, "q": Intent.END, "end": Intent.END,
}
"""One-letter answers people type, never taken from speech."""

def collapse_repeats(words: list[str]) -> list[str]:
    """"stop stop stop" -> "stop", "ow ow" -> "ow": people repeat themselves, and Whisper writes a
    held word out more than once."""
    out: list[str] = []
    for word in words:
        if not out or out[-1] != word:
            out.append(word)
    return out


def interpret(text: str, *, typed: bool = False) -> Intent | None:
    """The intent of a whole utterance, accepting natural phrasings; None when it is no command.

    In order: the exact table (`parse`); the same with repeated words collapsed; `NATURAL_PHRASES`
    (typed: also `TYPED_ABBREVIATIONS`); then, for safety only, the natural-language reader
    (`coach.core.understanding.understand`), which finds a stop, pain, warning or pressure cue
    said as a report or request in an utterance of any length, and leaves negated ones ("don't
    stop", "it doesn't hurt") and talk ("I stopped by the shop") alone.
    """
    exact = parse(text)
    if exact is not None:
        return exact
    words = collapse_repeats(_unpadded_words(text))
    if not words:
        return None
    joined = " ".join(words)
    intent = _INTENT_BY_PHRASE.get(joined) or NATURAL_PHRASES.get(joined)
    if intent is None and typed:
        intent = TYPED_ABBREVIATIONS.get(joined)
    if intent is not None:
        return intent
    return understanding.understand(text)


# At the end: the reader needs `Intent` from this module, and `interpret` needs the reader.
from coach.core import understanding  # noqa: E402
