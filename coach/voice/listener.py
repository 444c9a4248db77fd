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
   threshold (SURE intents lose the receiver's place if wrong, so they need more).
4. Own voice: if the utterance overlaps a line the coach is speaking (guard included), only
   `BARGE_IN_INTENTS` may fire, with at least `on_air_min` confidence, and never a phrase sharing a
   word with that line or with a word that sounds like one of its words (the recognizer's
   pronunciations within `soundalike_phones` edits: "wait" is vetoed while the coach says
   "waist"). After each line ends the recognizer is reset so its voice cannot linger.
5. Context: `set_context(intents)` restricts the recognizer's grammar to the phrases of the
   intents that make sense now (`Session.active_intents()`), and only those intents fire. It takes
   effect when the next utterance starts, never mid-utterance. None = every phrase.
Rejected utterances come out as `NotUnderstood` (recorded, never answered).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from coach.core.commands import (BARGE_IN_INTENTS, COMMANDS, SPEC_BY_INTENT, VOICE_EXCLUDED, CommandSpec,
                                 Intent, Strictness, normalize, parse)
from coach.core.events import CommandHeard, NotUnderstood
from coach.voice.asr.base import Hypothesis, Recognizer, phone_distance
from coach.voice.on_air import OnAir
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


@dataclass(frozen=True)
class Heard:
    """One decision of the listener.

    `speech_ended`: stream time the VAD saw the speech end (for a partial fire, the time of the
    partial: the speaker may still be talking). `emitted`: stream time of the chunk whose
    processing produced this. `compute`: wall seconds the listener spent in that `process` call
    before returning, so live latency = emitted - speech_ended + compute.
    """

    event: CommandHeard | NotUnderstood
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
    stable: int = 0
    fired: Intent | None = None
    fed_seconds: float = 0.0


class Listener:
    """Endpointing + recognition + strictness + own-voice rules (see the module docstring)."""

    def __init__(self, recognizer: Recognizer, on_air: OnAir | None = None, *,
                 endpointer: Endpointer | None = None, vad: str = "silero",
                 thresholds: dict[Strictness, float] | None = None,
                 partial_threshold: float = 0.85, stable_partials: int = 3,
                 on_air_min: float = 0.6, min_speech: float = 0.12) -> None:
        """`min_speech`: utterances with less voiced audio are clicks/breaths: not decoded."""
        self.recognizer = recognizer
        self.on_air = on_air
        self.endpointer = endpointer or Endpointer(make_classifier(vad))
        self.thresholds = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
        self.partial_threshold = partial_threshold
        self.stable_partials = stable_partials
        self.on_air_min = on_air_min
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
                self.recognizer.start_utterance()
                out.extend(self._feed(event.pcm, event.at))
            elif event.kind == "audio" and self._utt is not None:
                out.extend(self._feed(event.pcm, event.at))
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
        utt.fed_seconds += len(pcm) / 32000
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
        intent = parse(hyp.text)
        if (intent is None or SPEC_BY_INTENT[intent].strictness is not Strictness.EAGER
                or not self._in_context(intent)):
            return []
        if utt.stable < self.stable_partials or hyp.confidence < self.partial_threshold:
            return []
        verdict = self._own_voice_veto(intent, hyp, utt.segment.start, at)
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
            reason = self._own_voice_veto(intent, hyp, segment.start, end)
        if reason or intent is None:
            log.debug("rejected %r: %s", hyp.text, reason)
            return [Heard(NotUnderstood(hyp.text, source=self.recognizer.name), segment.start, end, at,
                          hyp.confidence, {**detail, "rejected": 1.0})]
        log.info("heard %s (%r, conf %.2f)", intent.value, hyp.text, hyp.confidence)
        return [Heard(self._command(intent, hyp), segment.start, end, at, hyp.confidence, detail)]

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
        words = set(normalize(hyp.text).split())
        for airing in airings:
            line_words = set(normalize(airing.text).split())
            if words & line_words:
                return "coach speaking: the phrase is in its own line"
            alike = self._sounds_like_line(words, line_words)
            if alike:
                return f"coach speaking: {alike[0]!r} sounds like {alike[1]!r} in its own line"
        return ""

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
    step = 16000 * chunk_ms // 1000 * 2
    out: list[Heard] = []
    for offset in range(0, len(pcm), step):
        piece = pcm[offset: offset + step]
        out.extend(listener.process(piece, start + (offset + len(piece)) / 32000))
    out.extend(listener.flush(start + len(pcm) / 32000))
    return out
