"""Short feedback tones, generated in numpy.

Why generated: no sound files to ship or lose, and exact control of length, level and fades.
Design choices from what users of voice assistants and workout timers ask for (see the notes):
cues are short, soft and distinct from speech; every note has raised-cosine fades so nothing
clicks; the peak sits at -18 dBFS, well under the voice (normalised to about -3 dBFS), so a cue
never startles someone lying on a mat; and they can be switched off (``--no-cues``).

Tones are pure sines with a little second harmonic: easy for the listener's "is the coach
making sound" logic to account for, and unlike any command word.
"""

from __future__ import annotations

import functools

import numpy as np

from coach.core.actions import CueKind

CUE_PEAK_DBFS = -18.0
CUE_SAMPLE_RATE = 22050  # same rate as the voice, so one output stream setting serves both
FADE_SECONDS = 0.008  # long enough to avoid clicks, short enough to keep the onset crisp

# Each cue: a list of (frequency Hz or None for a gap, seconds).
_PATTERNS: dict[CueKind, list[tuple[float | None, float]]] = {
    # soft two-note blip, up a fourth: "got it"
    CueKind.UNDERSTOOD: [(660.0, 0.06), (None, 0.02), (880.0, 0.08)],
    # rising three notes: "hold starts now"
    CueKind.HOLD_START: [(523.25, 0.09), (659.25, 0.09), (783.99, 0.14)],
    # gentle chime: one bell-like note with a long decay
    CueKind.HOLD_END: [(880.0, 0.6)],
    # short tick for the 3-2-1 countdown
    CueKind.TICK: [(1200.0, 0.03)],
    # attention: two equal notes, a question is waiting
    CueKind.ATTENTION: [(740.0, 0.12), (None, 0.08), (740.0, 0.12)],
}
_DECAYING = {CueKind.HOLD_END}


def _note(freq: float, seconds: float, rate: int, decay: bool) -> np.ndarray:
    n = max(1, int(round(seconds * rate)))
    t = np.arange(n) / rate
    wave = np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(2 * np.pi * 2 * freq * t)
    fade = min(int(FADE_SECONDS * rate), n // 2)
    env = np.ones(n)
    if fade > 0:
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, fade))  # raised cosine, 0 -> 1
        env[:fade] = ramp
        env[-fade:] = np.minimum(env[-fade:], ramp[::-1])
    if decay:
        env *= np.exp(-t / (seconds / 4))  # bell-like: fades to ~2 % by the end
        env[-fade:] *= np.linspace(1.0, 0.0, fade)  # and truly reaches zero
    return wave * env


@functools.lru_cache(maxsize=32)
def _cue_cached(kind: CueKind, rate: int, peak_dbfs: float) -> np.ndarray:
    parts = []
    for freq, seconds in _PATTERNS[kind]:
        if freq is None:
            parts.append(np.zeros(int(round(seconds * rate))))
        else:
            parts.append(_note(freq, seconds, rate, kind in _DECAYING))
    signal = np.concatenate(parts)
    signal *= 10 ** (peak_dbfs / 20) / np.max(np.abs(signal))
    out = signal.astype(np.float32)
    out.setflags(write=False)
    return out


def cue_samples(
    kind: CueKind | str, sample_rate: int = CUE_SAMPLE_RATE, peak_dbfs: float = CUE_PEAK_DBFS
) -> np.ndarray:
    """The cue as read-only float32 samples in [-1, 1], peak at `peak_dbfs`, zero at both ends."""
    return _cue_cached(CueKind(kind), int(sample_rate), float(peak_dbfs))


def cue_duration(kind: CueKind | str) -> float:
    """Nominal length of a cue in seconds."""
    return sum(seconds for _, seconds in _PATTERNS[CueKind(kind)])
