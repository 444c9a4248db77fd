"""The always-on listener: audio chunks in, trusted commands out.

Synchronous and deterministic on purpose: `Listener.process(pcm, at)` does all the work for one
chunk on the caller's thread and returns what it heard, so tests and the benchmark push WAV files
through it faster than real time and get the same answers every run. The live loop simply calls it
from the thread that drains the microphone queue.

Clock: `at` is the stream time of the chunk's *end*, in the same clock as `OnAir` (the live loop
passes `time.monotonic()`-based times, tests pass file offsets and mark `OnAir` in file time).

Decisions, in order:
1. `Endpointer` (coach.voice.vad) finds utterances; audio between start and end (plus pre-roll)
   goes to the recognizer.
2. EAGER intents (stop, pause, ouch, softer) may fire from a partial hypothesis that is the same
   phrase in `stable_partials` consecutive partials with confidence >= the partial threshold, so
   "stop" acts before the speaker has even finished. At most one command per utterance.
3. Otherwise the final hypothesis fires if its confidence reaches the intent's `Strictness`
   threshold (SURE intents lose the receiver's place if wrong, so they need more). Never, final
   or partial, a phrase of several words stretched slower than a person says it
   (`STRETCHED_MIN_SECONDS`): that is a sentence forced onto it, the coach's or chatter
   ("hold on" aligned over 2 s of "Pressure can cause deep bruising...").
4. Own voice: if the utterance overlaps a line the coach is speaking (guard included), only
   `BARGE_IN_INTENTS` may fire, with at least `on_air_min` confidence, never a phrase sharing a
   word with that line or with a word that sounds like one of its words (the recognizer's
   pronunciations within `soundalike_phones` edits: "wait" is vetoed while the coach says
   "waist"). After each line ends the recognizer is reset so its voice cannot linger.
5. Context: `set_context(intents)` restricts the recognizer's grammar to the phrases of the
   intents that make sense now (`Session.active_intents()`), and only those intents fire. It takes
   effect when the next utterance starts, never mid-utterance. None = every phrase.
6. Notes: after `set_dictation(True)` (the session said "Go ahead." after "take a note") the next
   utterance also goes to the `Transcriber` and comes out as `NoteTaken(words)`, or as the
   command it is when the words are exactly an in-context command ("stop" still stops; see
   `_finish_note`). Only barge-in commands may fire from partials meanwhile, so "softer" inside
   a note is not acted on half-way. One note per arming. An utterance that starts while the
   coach is speaking is its own voice, not the note: it is dropped and the listener keeps waiting.
Rejected utterances come out as `NotUnderstood` (recorded, never answered).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from coach.core.commands import (BARGE_IN_INTENTS, COMMANDS, SPEC_BY_INTENT, VOICE_EXCLUDED, CommandSpec,
                                 Intent, Strictness, interpret, normalize, parse)
from coach.core.events import CommandHeard, NotUnderstood, NoteTaken
from coach.voice.asr.base import Hypothesis, Recognizer, phone_distance
from coach.voice.asr.dictation import Transcriber, Transcript
from coach.voice.on_air import OnAir
from coach.voice.pcm import chunks, seconds_of
from coach.voice.vad import Endpointer, Segment, make_classifier

log = logging.getLogger(__name__)

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


PEEK_AFTER = 0.06
"""Trailing silence after which a non-streaming engine (Whisper) is asked for its reading, and a
whole confident command it reads ends the utterance. Measured (20 clips at real-time pace, cores
busy): latency p50 about 90 ms lower than at 0.1 s (341-367 vs 433-466 ms), nothing more missed.
A reading taken in a consonant's closure ("sto-") is no command and simply waits for more."""

ON_AIR_MIN = 0.6
"""Least confidence a barge-in needs while the coach speaks (pocketsphinx's scale; engines with
another scale set `Recognizer.on_air_min`)."""

EARLY_HANGOVER = 0.1
"""Trailing silence after which a whole, confident, unextendable command ends its utterance.
Measured (25 real + 25 synthesized clips at real-time pace): latency p50 288 -> 199 ms, p95
325 -> 320 ms; on 128 non-commands 3 vs 3 false accepts, on 90 commands 35 vs 36 right."""

SHORT_NOTE_WORDS = 2
"""A transcribed note this short may really be a command the command recognizer is sure of."""

NOTE_START_MARGIN = 0.3
"""Seconds before a line's end after which an utterance that starts is the person's (notes)."""

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


@dataclass(frozen=True)
class Heard:
    """One decision of the listener.

    `speech_ended`: stream time the VAD saw the speech end (for a partial fire, the time of the
    partial: the speaker may still be talking). `emitted`: stream time of the chunk whose
    processing produced this. `compute`: wall seconds the listener spent in that `process` call
    before returning, so live latency = emitted - speech_ended + compute.
    """

    event: CommandHeard | NotUnderstood | NoteTaken
    speech_started: float
    speech_ended: float
    emitted: float
    confidence: float
    detail: dict[str, float] = field(default_factory=dict)
    partial: bool = False
    compute: float = 0.0

    @property
    def fired(self) -> bool:
        return isinstance(self.event, CommandHeard)

    @property
    def latency(self) -> float:
        return self.emitted - self.speech_ended + self.compute


@dataclass
class _Utterance:
    segment: Segment
    last_partial: str = ""
    partial_confidence: float = 0.0
    stable: int = 0
    fired: Intent | None = None
    fed_seconds: float = 0.0
    dictation: bool = False  # transcribe as a note instead of recognizing a command
    peeked: bool = False  # a non-streaming engine was asked for its reading at this pause
    audio: list[bytes] = field(default_factory=list)  # kept only for dictation


class Listener:
    """Endpointing + recognition + strictness + own-voice rules (see the module docstring)."""

    def __init__(self, recognizer: Recognizer, on_air: OnAir | None = None, *,
                 endpointer: Endpointer | None = None, vad: str = "silero",
                 thresholds: dict[Strictness, float] | None = None,
                 partial_threshold: float = 0.85, stable_partials: int = 3,
                 on_air_min: float | None = None, min_speech: float = 0.12,
                 transcriber: Transcriber | None = None,
                 early_hangover: float | None = EARLY_HANGOVER,
                 peek_after: float = PEEK_AFTER,
                 early_max_utterance: float = 1.5) -> None:
        """`min_speech`: utterances with less voiced audio are clicks/breaths: not decoded.
        `transcriber`: turns notes into words (`set_dictation`); None = notes by voice are off.
        `early_hangover`: close an utterance after this much trailing silence (instead of the
        endpointer's full hangover) when the partial result is already a whole in-context command
        that no longer phrase could extend, at that command's confidence, and the utterance is
        at most `early_max_utterance` long. None = always wait for the full hangover."""
        # A non-streaming engine is asked for its reading after `peek_after` of silence, and a
        # whole command it reads may end the utterance there (not after `early_hangover`).
        self.early_hangover = early_hangover if early_hangover is None or recognizer.streaming \
            else min(early_hangover, peek_after)
        self.early_max_utterance = early_max_utterance
        self.recognizer = recognizer
        self.transcriber = transcriber
        self._dictation_arg = False  # last value given to set_dictation
        self._dictation_armed = False  # the next utterance is a note
        self.on_air = on_air
        self.endpointer = endpointer or Endpointer(make_classifier(vad))
        # The engine's own calibration (its confidence scale) over the pocketsphinx defaults.
        self.thresholds = {**DEFAULT_THRESHOLDS, **(recognizer.thresholds or {}),
                           **(thresholds or {})}
        self.partial_threshold = partial_threshold
        self.stable_partials = stable_partials
        self.on_air_min = next(v for v in (on_air_min, recognizer.on_air_min, ON_AIR_MIN)
                               if v is not None)
        self.min_speech = min_speech
        self._utt: _Utterance | None = None
        # Context (see set_context): the raw argument last given, for the cheap unchanged check;
        # the intents it resolved to (None = all), waiting for the next utterance start; and the
        # intents in force for the current utterance.
        self._context_lock = threading.Lock()
        self._context_arg: object = None
        self._context_pending: frozenset[Intent] | None = None
        # Dirty from the start: the first utterance sets the recognizer to this listener's
        # context, so a recognizer shared with an earlier listener is never left restricted.
        self._context_dirty = True
        self._context: frozenset[Intent] | None = None
        self._reset_pending_for: float | None = None  # `ended` time of a line awaiting reset
        self._last_reset_for: float | None = None
        self._now = 0.0

    # ----------------------------------------------------------------- public API

    def set_context(self, intents: Iterable[Intent | str] | None) -> None:
        """Listen only for `intents` (Intent members or their values) from the next utterance on.

        Why: a grammar of the dozen commands that make sense now is recognized far more reliably,
        and maps far less chatter onto a command, than one of all phrases. None = every phrase.
        Thread-safe and cheap when unchanged (the live runner calls it ~10 times a second with
        the same tuple): a tuple compare under no lock. Unknown intent names raise ValueError.
        """
        if intents is not None and not isinstance(intents, (tuple, frozenset)):
            intents = tuple(intents)
        if intents == self._context_arg:
            return
        resolved = None if intents is None else frozenset(Intent(i) for i in intents)
        with self._context_lock:
            self._context_arg = intents
            self._context_pending = resolved
            self._context_dirty = True
        log.debug("context -> %s", "all" if resolved is None else sorted(i.value for i in resolved))

    def set_dictation(self, on: bool) -> None:
        """Take the next utterance as a note (`on`), or stop waiting for one.

        Called ~10 times a second with the session's `taking_note`; only a change counts, so a
        note already delivered is not re-armed by a status that has not caught up yet. Without a
        transcriber this does nothing (the session's wait for a note simply times out).
        """
        on = bool(on)
        if on == self._dictation_arg:
            return
        with self._context_lock:
            self._dictation_arg = on
            self._dictation_armed = on and self.transcriber is not None
        log.debug("dictation %s", "armed" if self._dictation_armed else "off")

    @property
    def context(self) -> frozenset[Intent] | None:
        """The intents in force for the current (or next) utterance; None = all."""
        with self._context_lock:
            return self._context_pending if self._context_dirty else self._context

    def process(self, pcm: bytes, at: float) -> list[Heard]:
        """Consume one chunk ending at stream time `at`; return commands/rejections decided now."""
        started = time.perf_counter()
        self._now = at
        self._maybe_reset_after_line(at)
        out: list[Heard] = []
        for event in self.endpointer.push(pcm, at):
            if event.kind == "start" and event.segment is not None:
                self._utt = _Utterance(event.segment)
                self._apply_context()
                with self._context_lock:
                    self._utt.dictation = self._dictation_armed
                self.recognizer.start_utterance()
                out.extend(self._feed(event.pcm, event.at))
            elif event.kind == "audio" and self._utt is not None:
                out.extend(self._feed(event.pcm, event.at))
                self._peek_at_pause()
                if self._utt is not None and self._command_complete(event.at):
                    if self.endpointer.end_now(self._utt.segment, event.at):
                        out.extend(self._finish(event.at))
            elif event.kind == "end" and self._utt is not None:
                out.extend(self._finish(event.at))
        compute = time.perf_counter() - started
        return [_with_compute(h, compute) for h in out]

    def flush(self, at: float | None = None) -> list[Heard]:
        """End of stream: close any open utterance and decide on it."""
        at = self._now if at is None else at
        started = time.perf_counter()
        out: list[Heard] = []
        for event in self.endpointer.flush(at):
            if event.kind == "end" and self._utt is not None:
                out.extend(self._finish(at))
        compute = time.perf_counter() - started
        return [_with_compute(h, compute) for h in out]

    def reset(self) -> None:
        """Forget the open utterance and decoder state."""
        self._utt = None
        self.endpointer.reset()
        self.recognizer.reset()

    # ----------------------------------------------------------------- internals

    def _apply_context(self) -> None:
        """Bring a pending context into force (at an utterance start, between utterances)."""
        if not self._context_dirty:
            return
        with self._context_lock:
            context, self._context_dirty = self._context_pending, False
        self._context = context
        self.recognizer.set_phrases(None if context is None else context_phrases(context))

    def _in_context(self, intent: Intent) -> bool:
        return self._context is None or intent in self._context

    def _maybe_reset_after_line(self, at: float) -> None:
        if self.on_air is None:
            return
        # Reset once per newly finished line: only a line that ended after the last reset counts.
        ended = [a.ended for a in self.on_air.overlapping(at - 30.0, at)
                 if a.ended is not None and a.ended <= at]
        latest = max(ended, default=None)
        if latest is not None and (self._last_reset_for is None or latest > self._last_reset_for):
            self._reset_pending_for = latest
        if self._reset_pending_for is not None and self._utt is None:
            log.debug("coach finished a line at %.2f: resetting recognizer", self._reset_pending_for)
            self.recognizer.reset()
            self._last_reset_for = self._reset_pending_for
            self._reset_pending_for = None

    def _feed(self, pcm: bytes, at: float) -> list[Heard]:
        utt = self._utt
        assert utt is not None
        utt.fed_seconds += seconds_of(pcm)
        if utt.dictation:
            utt.audio.append(pcm)
        hyp = self.recognizer.feed(pcm)
        if hyp is None or utt.fired is not None:
            return []
        if not hyp.text:
            utt.last_partial, utt.stable = "", 0
            return []
        if hyp.text == utt.last_partial:
            utt.stable += 1
        else:
            utt.last_partial, utt.stable = hyp.text, 1
        utt.partial_confidence = hyp.confidence
        intent = parse(hyp.text)
        if (intent is None or SPEC_BY_INTENT[intent].strictness is not Strictness.EAGER
                or not self._in_context(intent)
                or (utt.dictation and intent not in BARGE_IN_INTENTS)):
            return []
        if utt.stable < self.stable_partials or hyp.confidence < self.partial_threshold:
            return []
        verdict = self._stretched(hyp) or self._own_voice_veto(intent, hyp, utt.segment.start, at)
        if verdict:
            return []
        utt.fired = intent
        log.info("heard %s (partial, conf %.2f)", intent.value, hyp.confidence)
        return [Heard(self._command(intent, hyp), utt.segment.start, at, at, hyp.confidence,
                      dict(hyp.detail), partial=True)]

    def _finish(self, at: float) -> list[Heard]:
        utt, self._utt = self._utt, None
        assert utt is not None
        hyp = self.recognizer.end_utterance()
        if utt.dictation:
            return self._finish_note(utt, hyp, at)
        segment = utt.segment
        end = segment.end if segment.end is not None else at
        if utt.fired is not None:
            return []  # already acted on a partial; one command per utterance
        detail = dict(hyp.detail)
        voiced = end - segment.start
        intent = parse(hyp.text) if hyp.text else None
        reason = ""
        if voiced < self.min_speech:
            reason = "too short"
        elif intent is None:
            reason = "not a command"
        elif not self._in_context(intent):
            reason = f"{intent.value} not listened for now"
        elif hyp.confidence < self.thresholds[SPEC_BY_INTENT[intent].strictness]:
            reason = f"confidence {hyp.confidence:.2f} below {SPEC_BY_INTENT[intent].strictness.value}"
        else:
            reason = self._stretched(hyp) or self._own_voice_veto(intent, hyp, segment.start, end)
        if reason or intent is None:
            log.debug("rejected %r%s: %s", hyp.text,
                      f" (heard {hyp.transcript!r})" if hyp.transcript is not None else "", reason)
            return [Heard(NotUnderstood(hyp.text, source=self.recognizer.name), segment.start, end, at,
                          hyp.confidence, {**detail, "rejected": 1.0})]
        log.info("heard %s (%r, conf %.2f)", intent.value, hyp.text, hyp.confidence)
        return [Heard(self._command(intent, hyp), segment.start, end, at, hyp.confidence, detail)]

    def _peek_at_pause(self) -> None:
        """Ask a non-streaming engine (Whisper) for its reading once per pause, when the trailing
        silence first reaches `early_hangover`: its answer stands in for the partial result a
        streaming engine would have given, so a whole command can end its utterance early. Only
        in utterances short enough to end early (`early_max_utterance`): chatter's pauses cost a
        decode each (real-time factor 0.135 -> 0.195 in the benchmark before this limit)."""
        utt = self._utt
        if utt is None or self.recognizer.streaming or self.early_hangover is None:
            return
        if self.endpointer.trailing_silence < self.early_hangover - 1e-9:
            utt.peeked = False
            return
        if utt.peeked or utt.dictation or utt.fired is not None:
            return
        if self._now - utt.segment.start > self.early_max_utterance:
            return  # too long to end early anyway: a decode now would be wasted CPU
        utt.peeked = True
        hyp = self.recognizer.decode_now()
        if hyp is not None:
            utt.last_partial, utt.partial_confidence = hyp.text, hyp.confidence

    def _command_complete(self, at: float) -> bool:
        """May this utterance end now, before the full hangover? (See `early_hangover`.)"""
        utt = self._utt
        if (self.early_hangover is None or utt is None or utt.dictation or utt.fired is not None
                or self.endpointer.trailing_silence < self.early_hangover - 1e-9
                or at - utt.segment.start > self.early_max_utterance or not utt.last_partial):
            return False
        intent = parse(utt.last_partial)
        if intent is None or not self._in_context(intent):
            return False
        if utt.partial_confidence < self.thresholds[SPEC_BY_INTENT[intent].strictness]:
            return False
        phrase = normalize(utt.last_partial)
        longer = context_phrases(self._context) if self._context is not None else \
            [p for spec in COMMANDS for p in voice_phrases(spec)]
        return not any(other.startswith(phrase + " ") for other in longer)

    def _finish_note(self, utt: _Utterance, hyp: Hypothesis, at: float) -> list[Heard]:
        """Decide on an utterance taken while a note was expected (module docstring, rule 6).

        The command recognizer heard it too (`hyp`), because a note model hears a lone "stop"
        as "the elbow": a short utterance (at most SHORT_NOTE_WORDS transcribed words) that the
        command recognizer is sure is an in-context command is that command.
        """
        assert self.transcriber is not None
        segment = utt.segment
        if utt.fired is not None:  # "stop" acted on from a partial: that was no note
            with self._context_lock:
                self._dictation_armed = False
            return []
        end = segment.end if segment.end is not None else at
        source = self.recognizer.name
        if end - segment.start < self.min_speech:
            return [Heard(NotUnderstood("", source=source), segment.start, end, at, 0.0,
                          {"rejected": 1.0})]
        if self._began_mid_line(segment.start):
            log.debug("note wait: utterance began while the coach was speaking; still waiting")
            return [Heard(NotUnderstood("", source=source), segment.start, end, at, 0.0,
                          {"rejected": 1.0, "own_voice": 1.0})]
        transcript = self.transcriber.transcribe(b"".join(utt.audio))
        with self._context_lock:
            self._dictation_armed = False  # one note per "take a note"
        detail = {**transcript.detail, "note": 1.0}
        intent = interpret(transcript.text) if transcript.text else None
        command = parse(hyp.text) if hyp.text else None
        if (intent is None and command is not None and self._in_context(command)
                and len(transcript.text.split()) <= SHORT_NOTE_WORDS
                and hyp.confidence >= self.thresholds[SPEC_BY_INTENT[command].strictness]):
            intent, transcript = command, Transcript(hyp.text, hyp.confidence, transcript.detail)
        if intent is not None and self._in_context(intent):
            log.info("heard %s while waiting for a note", intent.value)
            event: CommandHeard | NoteTaken = CommandHeard(
                intent, transcript.text, round(transcript.confidence, 3), source, detail)
        else:
            log.info("note heard: %r", transcript.text)
            event = NoteTaken(transcript.text, source=source)
        return [Heard(event, segment.start, end, at, transcript.confidence, detail)]

    def _began_mid_line(self, start: float) -> bool:
        """Did this utterance begin while a line was on the air, well before its end?

        The margin matters: the endpointer's pre-roll puts `start` ~0.2 s before the speech, and
        people answer "Go ahead." the moment it ends, so an utterance starting in the last
        NOTE_START_MARGIN seconds of a line (or in the guard after it) is the person's.
        """
        if self.on_air is None:
            return False
        return any(a.started <= start and (a.ended is None or a.ended - start > NOTE_START_MARGIN)
                   for a in self.on_air.overlapping(start, start))

    def _own_voice_veto(self, intent: Intent, hyp: Hypothesis, start: float, end: float) -> str:
        """Why the coach's own voice makes this result untrustworthy, or "" if it does not."""
        if self.on_air is None:
            return ""
        airings = self.on_air.overlapping(start, end)
        if not airings:
            return ""
        if intent not in BARGE_IN_INTENTS:
            return "coach speaking: not a barge-in command"
        if hyp.confidence < self.on_air_min:
            return f"coach speaking: confidence {hyp.confidence:.2f} below {self.on_air_min}"
        stretched = self._stretched(hyp, floor=0.0)  # people barging in speak sharply
        if stretched:
            return f"coach speaking: {stretched}"
        # A free transcript's own words count too ("okay stop" while the coach says "okay").
        words = set(normalize(hyp.text).split()) | set(normalize(hyp.transcript or "").split())
        for airing in airings:
            line_words = set(normalize(airing.text).split())
            if words & line_words:
                return "coach speaking: the phrase is in its own line"
            alike = self._sounds_like_line(words, line_words)
            if alike:
                return f"coach speaking: {alike[0]!r} sounds like {alike[1]!r} in its own line"
        return ""

    def _stretched(self, hyp: Hypothesis, floor: float = STRETCHED_MIN_SECONDS) -> str:
        """Why a phrase of several words is too slow to be a person's (see
        STRETCHED_MIN_SECONDS; `floor` 0 while the coach speaks), or "" (also when the engine
        gives no span or phones)."""
        words = normalize(hyp.text).split()
        if len(words) < 2 or hyp.span is None:
            return ""
        prons = [self.recognizer.pronunciation(word) for word in words]
        if any(not pron for pron in prons):
            return ""
        phones = sum(len(pron) for pron in prons)  # type: ignore[arg-type]
        limit = max(floor, STRETCHED_SECONDS_PER_PHONE * phones)
        if hyp.span <= limit:
            return ""
        return (f"{hyp.text!r} took {hyp.span:.1f} s, slower than a person says it (at most "
                f"{limit:.1f} s): a sentence forced onto a command")

    def _sounds_like_line(self, words: set[str], line_words: set[str]) -> tuple[str, str] | None:
        """A (phrase word, line word) pair whose pronunciations differ by at most
        `soundalike_phones(len)` phones, or None.

        Why: a closed grammar cannot tell "waist" from "wait" or "weight"; when the coach says the
        one, hearing the other is its own voice (an on-air "waist" fired "wait" at 0.93)."""
        pron = self.recognizer.pronunciation
        for word in words:
            mine = pron(word)
            if not mine:
                continue
            allowed = soundalike_phones(len(mine))
            for other in line_words:
                theirs = pron(other)
                if theirs and abs(len(theirs) - len(mine)) <= allowed and \
                        phone_distance(mine, theirs) <= allowed:
                    return word, other
        return None

    def _command(self, intent: Intent, hyp: Hypothesis) -> CommandHeard:
        return CommandHeard(intent, hyp.text, round(hyp.confidence, 3), self.recognizer.name,
                            {k: float(v) for k, v in hyp.detail.items()})


def context_phrases(intents: Iterable[Intent]) -> list[str]:
    """The voice phrases of `intents`, in table order (what the grammar listens for)."""
    wanted = set(intents)
    return [p for spec in COMMANDS if spec.intent in wanted for p in voice_phrases(spec)]


def voice_phrases(spec: CommandSpec) -> tuple[str, ...]:
    """The phrasings of one intent the recognizer listens for (see VOICE_EXCLUDED in commands)."""
    return tuple(p for p in spec.phrases if p not in VOICE_EXCLUDED)


def soundalike_phones(length: int) -> int:
    """Phone edits under which a word of `length` phones counts as sounding like another.

    Exact pronunciation for short words (two-phone words such as "no"/"go" differ from a lot of
    words by one phone: only homophones like "know" count); one edit from three phones on
    ("wait" ~ "waist", "weight"; "stop" ~ "top", "stopped")."""
    return 0 if length < 3 else 1


def _with_compute(heard: Heard, compute: float) -> Heard:
    return Heard(heard.event, heard.speech_started, heard.speech_ended, heard.emitted,
                 heard.confidence, heard.detail, heard.partial, compute)


def listen_pcm(listener: Listener, pcm: bytes, chunk_ms: int = 20, start: float = 0.0) -> list[Heard]:
    """Push a whole recording through `listener` in `chunk_ms` chunks and flush: for tests/bench."""
    out: list[Heard] = []
    for piece, at in chunks(pcm, chunk_ms, start=start):
        out.extend(listener.process(piece, at))
    out.extend(listener.flush(start + seconds_of(pcm)))
    return out
