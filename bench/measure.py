"""Measurements: push benchmark audio through the REAL listener and count what comes out.

Why these choices:
- Commands are scored in a context where the session would accept them: the listener is given
  the intents of a real session phase (`Session.active_intents()`, via testkit/session_driver.py)
  when it supports `set_context`, exactly as the live loop would. Non-command material rotates
  through the same phase contexts, so false accepts are measured against realistic grammars.
- An utterance is correct only when exactly the right intent fires, once.
- CPU is `time.process_time()` around listener calls only (synthesis and mixing excluded).
- Latency is measured at real-time pace: chunks are delivered when they would arrive from a
  microphone, so the figure includes the wait for the endpointer's trailing silence.
"""

from __future__ import annotations

import functools
import logging
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np

from coach.core.commands import Intent, normalize
from testkit import testaudio as ta
from coach.voice.listen.listener import Listener
from coach.voice.audio.chunk import AudioChunk
from coach.voice.frames import Heard
from coach.voice.pipeline import VoicePipeline, listen_pcm
from coach.voice.audio.on_air import OnAir

from bench.corpus import Clip

log = logging.getLogger(__name__)

Context = tuple[Intent, ...] | None


# ------------------------------------------------------------------------------------ contexts

@functools.lru_cache(maxsize=1)
def phase_contexts() -> dict[str, tuple[Intent, ...]]:
    """The intents the session listens for in each reachable phase (from a real Session)."""
    from coach.core.status import Phase
    from testkit.session_driver import to_phase

    out: dict[str, tuple[Intent, ...]] = {}
    for phase in (Phase.SCREENING, Phase.CHOOSE_SIDE, Phase.SETUP, Phase.STEP, Phase.HOLD,
                  Phase.HOLD_DECISION, Phase.PAUSED):
        try:
            out[phase.value] = tuple(to_phase(phase).session.active_intents())
        except Exception:  # noqa: BLE001 - a phase the driver cannot reach is simply skipped
            log.warning("cannot reach phase %s for its context", phase, exc_info=True)
    return out


def context_for(intent: Intent | None, index: int = 0) -> tuple[str, Context]:
    """(phase name, intents) where `intent` is accepted; non-commands rotate through phases."""
    contexts = phase_contexts()
    names = sorted(contexts)
    if intent is None:
        name = names[index % len(names)]
        return name, contexts[name]
    for name in names:
        if intent in contexts[name]:
            return name, contexts[name]
    return "all", None


def supports_context(listener: Listener) -> bool:
    return hasattr(listener, "set_context")


def apply_context(listener: Listener, context: Context) -> None:
    """Restrict the listener to `context` when it can (None: every phrase)."""
    if supports_context(listener):
        listener.set_context(context)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------ scoring

@dataclass
class Tally:
    """Counts for one row (and its finer labels)."""

    n: int = 0
    correct: int = 0
    fired: int = 0
    audio_seconds: float = 0.0
    by_label: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_speaker: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    errors: list[str] = field(default_factory=list)

    def pct(self) -> float:
        return 100.0 * self.correct / self.n if self.n else float("nan")


@dataclass
class Totals:
    tallies: dict[str, Tally] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    audio_seconds: float = 0.0

    def tally(self, group: str) -> Tally:
        return self.tallies.setdefault(group, Tally())


def run_clips(listener: Listener, clips: Iterable[Clip], totals: Totals,
              use_context: bool = True) -> None:
    """Score each clip as its own utterance (listener reset between clips)."""
    for i, clip in enumerate(clips):
        want = clip.intent
        _, context = context_for(want, i) if use_context else ("all", None)
        apply_context(listener, context)
        listener.reset()
        cpu = time.process_time()
        heard = listen_pcm(listener, ta.to_pcm(clip.samples))
        totals.cpu_seconds += time.process_time() - cpu
        totals.audio_seconds += clip.seconds
        got = [h.event.intent for h in heard if h.fired]
        tally = totals.tally(clip.group)
        tally.n += 1
        tally.fired += len(got)
        tally.audio_seconds += clip.seconds
        ok = got == [want] if want is not None else not got
        tally.correct += ok
        tally.by_label[clip.label][0] += ok
        tally.by_label[clip.label][1] += 1
        if clip.speaker:
            tally.by_speaker[clip.speaker][0] += ok
            tally.by_speaker[clip.speaker][1] += 1
        if not ok and len(tally.errors) < 30:
            tally.errors.append(f"{clip.truth or clip.label!r}->{','.join(g.value for g in got) or '-'}")


def stream(listener: Listener, samples: np.ndarray, context_cycle: float = 60.0) -> list[Heard]:
    """Feed one long recording without resets, switching phase context every `context_cycle`
    seconds (between utterances is not guaranteed: the live loop switches whenever the session
    moves on, too)."""
    contexts = list(phase_contexts().values())
    pcm = ta.to_pcm(samples)
    step = int(context_cycle * ta.SAMPLE_RATE) * 2
    out: list[Heard] = []
    listener.reset()
    pipeline = VoicePipeline(listener)
    for k, offset in enumerate(range(0, len(pcm), step)):
        apply_context(listener, contexts[k % len(contexts)] if contexts else None)
        piece = pcm[offset:offset + step]
        for chunk, at in ta.chunks(piece, start=offset / 32000):
            out += pipeline.push(AudioChunk(chunk, at))
    out += pipeline.flush(len(pcm) / 32000)
    return out


# ------------------------------------------------------------------------------------ own voice

def routine_lines() -> list[str]:
    """Every line the shipped routines make the coach say (sides filled in as "left")."""
    from coach.routine_format import library

    lines: list[str] = []
    for info in library.available():
        routine = library.load(info.path) if hasattr(info, "path") else library.load(info.id)
        texts = [routine.title, routine.summary, *routine.setup, *routine.cautions, *routine.closing]
        for c in routine.contraindications:
            texts += [c.question, c.reason]
        for step in routine.steps:
            texts += [step.title, *step.say, *step.after, *step.pressure.values(), *step.alternative]
            texts += [t for t in (step.check_in.spoken() if step.check_in else None, step.warning) if t]
        for text in texts:
            text = text.replace("{side}", "left").replace("{other_side}", "right").strip()
            if text and text not in lines:
                lines.append(text)
    return lines


@dataclass
class OwnVoice:
    samples: np.ndarray
    on_air: OnAir
    lines: int
    engine: str


def own_voice_stream(lines: Sequence[str], gap: float = 0.8, tts: str | None = None) -> OwnVoice:
    """The lines rendered by the real TTS (`tts`: "piper", "pyttsx3", or None for the speaker's
    default back-end) at its default rate, end to end, with `OnAir` marking each one in stream
    time exactly as the speaker would while playing it."""
    from coach.voice.speech.tts_select import make_renderer

    renderer = make_renderer(tts)
    on_air = OnAir()
    parts: list[np.ndarray] = []
    t = 0.5
    engines = set()
    try:
        parts.append(np.zeros(int(0.5 * ta.SAMPLE_RATE), dtype=np.float32))
        for line in lines:
            rendered = renderer.render(line)
            engines.add(rendered.engine)
            speech = ta.resample(rendered.with_volume(0.5), rendered.sample_rate)
            # the words said and when, as the speaker airs them (word times: the own-voice rule)
            on_air.started(rendered.text, at=t, words=rendered.words)
            t += len(speech) / ta.SAMPLE_RATE
            on_air.finished(at=t)
            silence = np.zeros(int(gap * ta.SAMPLE_RATE), dtype=np.float32)
            parts += [speech, silence]
            t += gap
    finally:
        renderer.close()
    samples = ta.with_noise_floor(np.concatenate(parts), -60.0, seed=3)
    return OwnVoice(samples, _WideOnAir(on_air), len(lines), "+".join(sorted(engines)))


class _WideOnAir(OnAir):
    """OnAir that keeps every airing (the stream is long; the live one keeps the last 16)."""

    def __init__(self, source: OnAir) -> None:
        super().__init__(source.guard_seconds, keep=1_000_000)
        self._airings = list(source._airings)  # noqa: SLF001 - a copy of the finished record


# ------------------------------------------------------------------------------------ latency

def realtime_latencies(listener: Listener, clips: Iterable[Clip], chunk_ms: int = 20) -> tuple[list[float], int]:
    """Stream clips at real-time pace; seconds from the spoken end of each command to the moment
    the listener hands the right command out. Returns (latencies, clips missed)."""
    out: list[float] = []
    missed = 0
    for i, clip in enumerate(clips):
        _, context = context_for(clip.intent, i)
        apply_context(listener, context)
        listener.reset()
        pcm = ta.to_pcm(clip.samples)
        pipeline = VoicePipeline(listener)
        t0 = time.perf_counter()
        got: float | None = None
        for piece, at in ta.chunks(pcm, chunk_ms):
            delay = t0 + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            for heard in pipeline.push(AudioChunk(piece, at)):
                if heard.fired and heard.event.intent is clip.intent and got is None:
                    got = time.perf_counter() - t0 - clip.speech_end
            if got is not None:
                break
        if got is None:
            for heard in pipeline.flush(len(pcm) / 32000):
                if heard.fired and heard.event.intent is clip.intent:
                    got = time.perf_counter() - t0 - clip.speech_end
        if got is None:
            missed += 1
        else:
            out.append(got)
    return out, missed


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(np.ceil(q / 100 * len(ordered))) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def words_in(text: str) -> set[str]:
    return set(normalize(text).split())


Progress = Callable[[str], None]
