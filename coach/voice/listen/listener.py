"""The always-on listener: audio chunks in, trusted commands out.

Synchronous and deterministic on purpose: `Listener.process(pcm, at)` does all the work for one
chunk on the caller's thread and returns what it heard, so tests and the benchmark push WAV files
through it faster than real time and get the same answers every run. The live loop simply calls it
from the thread that drains the microphone queue.

Clock: `at` is the stream time of the chunk's *end*, in the same clock as `OnAir` (the live loop
passes `time.monotonic()`-based times, tests pass file offsets and mark `OnAir` in file time).

Decisions, in order:
1. `Endpointer` (coach.voice.listen.vad) finds utterances; audio between start and end (plus pre-roll)
   goes to the recognizer.
2. EAGER intents (stop, pause, ouch, softer) may fire from a partial hypothesis that is the same
   phrase in `stable_partials` consecutive partials at >= `partial_threshold`: "stop" acts
   before the speaker has finished. At most one command per utterance. A whole command may end
   its utterance at the first pause (coach.voice.listen.early_end); "stop" acts there, and the
   utterance's whole is read again at its end, acting only if it says something else.
3. Otherwise the final hypothesis fires at its intent's `Strictness` threshold, never as a
   phrase of several words stretched slower than a person says it (`judge.stretched`).
4. Own voice: while a line is on the air (guard included) only `BARGE_IN_INTENTS` may fire, at
   `on_air_min` at least, and never a word the coach said during the utterance (or a sound-alike
   with a closed grammar): `judge.own_voice`. The echo canceller's evidence (`echo_removed`,
   set by the pipeline) that a person is speaking lifts the word vetoes and lowers the bar
   (`judge.PERSON_BAR`); a word short of it is read again from other frame phases
   (`spoken_over`). After each line ends the recognizer is reset so its voice cannot linger.
5. Context: `set_context(intents)` restricts the recognizer's grammar to the phrases of the
   intents that make sense now (`Session.active_intents()`), and only those intents fire, besides
   the `TRANSCRIPT_ONLY` ones (warning signs) that a free transcript yields in any phase. It takes
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from coach.core.commands import (BARGE_IN_INTENTS, SPEC_BY_INTENT, TRANSCRIPT_ONLY, Intent,
                                 Strictness, parse)
from coach.core.events import CommandHeard, CommandSource, NotUnderstood
from coach.voice.asr.base import Hypothesis, Recognizer
from coach.voice.audio.on_air import OnAir
from coach.voice.audio.pcm import seconds_of
from coach.voice.frames import Heard
from coach.voice.listen import early_end, judge, spoken_over
from coach.voice.listen.dictation import Transcriber
from coach.voice.listen.early_end import EARLY_HANGOVER, PEEK_AFTER, Early
from coach.voice.listen.judge import DEFAULT_THRESHOLDS, ON_AIR_MIN, context_phrases
from coach.voice.listen.note_taking import NoteTaking
from coach.voice.listen.vad import Endpointer, Segment, VadKind, make_classifier

log = logging.getLogger(__name__)

@dataclass
class _Utterance:
    segment: Segment
    last_partial: str = ""
    partial_confidence: float = 0.0
    stable: int = 0
    partial_hyp: Hypothesis | None = None  # what last_partial was read from
    fired: Intent | None = None
    fired_early: bool = False  # at a pause, with the utterance left open (early_end.Early.FIRE)
    early_tried: Hypothesis | None = None  # the reading last judged for an early fire
    fed_seconds: float = 0.0
    dictation: bool = False  # transcribe as a note instead of recognizing a command
    peeked: bool = False  # a non-streaming engine was asked for its reading at this pause
    audio: list[bytes] = field(default_factory=list)  # kept only for dictation


class Listener(NoteTaking):
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
        # The echo canceller's evidence (EchoCanceller.removed_db), set by the pipeline that
        # cancels before this listener: dB of microphone energy removed over [start, end].
        self.echo_removed: Callable[[float, float], float | None] | None = None
        # On the pocketsphinx scale only (measured there): see judge.PERSON_BAR.
        self.person_bar = judge.PERSON_BAR if recognizer.thresholds is None else None

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
            if event.kind is VadKind.START and event.segment is not None:
                self._utt = _Utterance(event.segment)
                self._apply_context()
                with self._context_lock:
                    self._utt.dictation = self._dictation_armed
                self.recognizer.start_utterance()
                out.extend(self._feed(event.pcm, event.at))
            elif event.kind is VadKind.AUDIO and self._utt is not None:
                out.extend(self._feed(event.pcm, event.at))
                self._peek_at_pause()
                early = self._early(event.at)
                if early is Early.END and self.endpointer.end_now(self._utt.segment, event.at):
                    out.extend(self._finish(event.at))
                elif early is Early.FIRE:
                    out.extend(self._fire_early(event.at))
            elif event.kind is VadKind.END and self._utt is not None:
                out.extend(self._finish(event.at))
        compute = time.perf_counter() - started
        return [h.with_compute(compute) for h in out]

    def flush(self, at: float | None = None) -> list[Heard]:
        """End of stream: close any open utterance and decide on it."""
        at = self._now if at is None else at
        started = time.perf_counter()
        out: list[Heard] = []
        for event in self.endpointer.flush(at):
            if event.kind is VadKind.END and self._utt is not None:
                out.extend(self._finish(at))
        compute = time.perf_counter() - started
        return [h.with_compute(compute) for h in out]

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
        """Listened for now. A TRANSCRIPT_ONLY intent (a warning sign) always is: only a free
        transcript can produce it, and a missed warning sign is never the safe error."""
        return self._context is None or intent in self._context or intent in TRANSCRIPT_ONLY

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
        utt.partial_confidence, utt.partial_hyp = hyp.confidence, hyp
        intent = parse(hyp.text)
        if (intent is None or SPEC_BY_INTENT[intent].strictness is not Strictness.EAGER
                or not self._in_context(intent)
                or (utt.dictation and intent not in BARGE_IN_INTENTS)):
            return []
        if utt.stable < self.stable_partials or hyp.confidence < self.partial_threshold:
            return []
        verdict = (judge.stretched(hyp, self.recognizer.pronunciation)
                   or self._own_voice_veto(intent, hyp, utt.segment.start, at))
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
        if utt.fired is not None and not utt.fired_early:
            return []  # already acted on a partial; one command per utterance
        intent = parse(hyp.text) if hyp.text else None
        if utt.fired_early and intent is utt.fired:
            return []  # read whole, it says what was done at its first pause
        reason, hyp = self._verdict(intent, hyp, segment.start, end, realign=True)
        detail = dict(hyp.detail)
        if reason or intent is None:
            log.debug("rejected %r%s: %s", hyp.text,
                      f" (heard {hyp.transcript!r})" if hyp.transcript is not None else "", reason)
            return [Heard(self._unheard(hyp.text), segment.start, end, at,
                          hyp.confidence, detail, rejected=True)]
        log.info("heard %s (%r, conf %.2f)", intent.value, hyp.text, hyp.confidence)
        return [Heard(self._command(intent, hyp), segment.start, end, at, hyp.confidence, detail)]

    def _verdict(self, intent: Intent | None, hyp: Hypothesis, start: float, end: float,
                 realign: bool) -> tuple[str, Hypothesis]:
        """Why `hyp` (read as `intent`) must not fire ("" when it may), and the hypothesis as
        judged: read again from other frame phases when a person spoke over the coach and it
        fell short of the lowered bar (`realign`; only for a whole utterance)."""
        if end - start < self.min_speech:
            return "too short", hyp
        if intent is None:
            return "not a command", hyp
        if not self._in_context(intent):
            return f"{intent.value} not listened for now", hyp
        threshold = self.thresholds[SPEC_BY_INTENT[intent].strictness]
        bar = spoken_over.bar(intent, threshold, self.person_bar, self.on_air,
                              self.echo_removed, start, end)
        if realign and hyp.confidence < bar < threshold:  # lowered: a person spoke over it
            hyp = spoken_over.realigned(self.recognizer, hyp, bar)
        if hyp.confidence < bar:
            return (f"confidence {hyp.confidence:.2f} below "
                    f"{SPEC_BY_INTENT[intent].strictness.value}"), hyp
        return (judge.stretched(hyp, self.recognizer.pronunciation)
                or self._own_voice_veto(intent, hyp, start, end)), hyp

    def _fire_early(self, at: float) -> list[Heard]:
        """Act on a whole command at a pause and leave the utterance open (`Early.FIRE`): a
        longer phrase of the same meaning may follow, and `_finish` reads the whole again,
        acting only if it says something else ("stop, ouch")."""
        utt = self._utt
        assert utt is not None
        hyp = utt.partial_hyp
        if hyp is None or hyp is utt.early_tried:
            return []
        utt.early_tried = hyp
        intent = parse(hyp.text) if hyp.text else None
        end = utt.segment.end if utt.segment.end is not None else at
        reason, _ = self._verdict(intent, hyp, utt.segment.start, end, realign=False)
        if reason or intent is None:
            return []  # not now: the utterance's end decides, as ever
        utt.fired, utt.fired_early = intent, True
        log.info("heard %s at a pause (%r, conf %.2f)", intent.value, hyp.text, hyp.confidence)
        return [Heard(self._command(intent, hyp), utt.segment.start, end, at, hyp.confidence,
                      dict(hyp.detail))]

    def _peek_at_pause(self) -> None:
        """Ask a non-streaming engine (Whisper) for its reading once per pause; its answer
        stands in for a streaming engine's partial result (early_end.should_peek)."""
        utt = self._utt
        if utt is None:
            return
        ask = early_end.should_peek(self.recognizer, self.early_hangover,
                                    self.endpointer.trailing_silence,
                                    self._now - utt.segment.start, self.early_max_utterance,
                                    utt.peeked or utt.dictation or utt.fired is not None)
        if ask is None:
            utt.peeked = False
        elif ask:
            utt.peeked = True
            hyp = self.recognizer.decode_now()
            got = early_end.reading(hyp)
            if got is not None:
                utt.last_partial, utt.partial_confidence = got
                utt.partial_hyp = hyp

    def _early(self, at: float) -> Early:
        """May this utterance act, or end, now, before the full hangover? (`early_hangover`.)"""
        utt = self._utt
        if (self.early_hangover is None or utt is None or utt.dictation or utt.fired is not None
                or self.endpointer.trailing_silence < self.early_hangover - 1e-9
                or at - utt.segment.start > self.early_max_utterance):
            return Early.WAIT
        return early_end.complete_command(utt.last_partial, utt.partial_confidence,
                                          self._context, self._in_context, self.thresholds,
                                          early_end.own_words(utt.partial_hyp))

    def _own_voice_veto(self, intent: Intent, hyp: Hypothesis, start: float, end: float) -> str:
        """Why the coach's own voice makes this result untrustworthy, or "" (judge.own_voice)."""
        if self.on_air is None:
            return ""
        airings = self.on_air.overlapping(start, end)
        removed = self.echo_removed(start, end) if airings and self.echo_removed else None
        verdict = judge.own_voice(intent, hyp, airings, self.on_air_min,
                                  self.recognizer.pronunciation, start, end, removed)
        if airings:
            log.debug("on air: %r (heard %r) conf %.2f over %.2f s, span %s, canceller removed "
                      "%s dB: %s", hyp.text, hyp.transcript, hyp.confidence, end - start,
                      hyp.span, removed, verdict or "fires")
        return verdict

    def _command(self, intent: Intent, hyp: Hypothesis) -> CommandHeard:
        return CommandHeard(intent, hyp.text, round(hyp.confidence, 3), CommandSource.SPOKEN,
                            self.recognizer.name, {k: float(v) for k, v in hyp.detail.items()})

    def _unheard(self, text: str) -> NotUnderstood:
        """Speech that fires nothing (chatter, a rejected word, an empty note)."""
        return NotUnderstood(text, CommandSource.SPOKEN, self.recognizer.name)
