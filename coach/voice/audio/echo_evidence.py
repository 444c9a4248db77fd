"""The echo canceller's evidence of who is speaking: how much of the microphone's energy it
removed over a stretch of time.

Why: the coach's own voice leaking through the canceller is mostly removed (the microphone held
far more energy than comes out); a person speaking over the coach adds energy the canceller
cannot remove (what comes out is about what went in). The listener's own-voice rule weighs this
(coach.voice.listen.judge.own_voice): a person's "ouch" said over the coach's own "out" is a
person's, though Whisper writes both "out". Figures in docs/listening.md ("Echo evidence").

The evidence is only given when it means something: the canceller must be removing its own
voice well just before the utterance (`CONVERGED_DB` over the sounding frames of the previous
`LOOK_BACK_SECONDS`), no frame of the utterance may have been cancelled before its reference
was written (a late frame leaves the coach's voice in, which would look like a person), and the
microphone must have heard more than the coach's playback explains (`EXCESS`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

KEEP_SECONDS = 30.0  # how far back the record goes (an utterance is at most 4 s)
LOOK_BACK_SECONDS = 4.0  # the canceller's recent performance on its own voice, before an utterance
MIN_SOUNDING_SECONDS = 0.5  # ...of which at least this much must be the coach sounding
CONVERGED_DB = 8.0
"""Least removed from the coach's own voice just before an utterance for the evidence to count.
Measured through the simulated room: figures in docs/listening.md ("Echo evidence")."""
EXCESS = 2.0
"""The microphone's energy over an utterance must be at least this many times what the coach's
playback explains (the echo path's gain measured just before, times the reference's energy):
at least half of it is someone else. Without this a canceller that lost its alignment under
load (output underflows move the stream anchor 48-117 ms) would make the coach look like a
person."""


@dataclass(frozen=True)
class _Frame:
    end: float  # stream time of the frame's last sample, as the canceller hands it on
    mic: float  # energy (sum of squares) in
    out: float  # energy out
    ref: float  # energy of the reference the frame was cancelled against
    sounding: bool  # the coach's reference was sounding (or its echo tail still ringing)
    late: bool  # cancelled before its reference was written


def power(samples: np.ndarray) -> float:
    """Sum of squares of int16 samples (as floats: no overflow)."""
    x = samples.astype(np.float64)
    return float(np.dot(x, x))


class EchoEvidence:
    """A record of each frame's energy in and out of the canceller (see the module docstring)."""

    def __init__(self, frame_seconds: float) -> None:
        self._frames: deque[_Frame] = deque(maxlen=int(KEEP_SECONDS / frame_seconds))
        self._frame_seconds = frame_seconds

    def add(self, end: float, mic: np.ndarray, out: np.ndarray, ref: float, sounding: bool,
            late: bool) -> None:
        self._frames.append(_Frame(end, power(mic), power(out), ref, sounding, late))

    def clear(self) -> None:
        self._frames.clear()

    def removed_db(self, start: float, end: float) -> float | None:
        """dB of microphone energy removed over the frames ending in (start, end], or None when
        that means nothing: no frames, a late frame, or a canceller not yet removing its own
        voice well (`CONVERGED_DB` over the previous `LOOK_BACK_SECONDS`)."""
        inside = [f for f in self._frames if start < f.end <= end + 1e-9]
        if not inside or any(f.late for f in inside):
            return None
        before = [f for f in self._frames
                  if start - LOOK_BACK_SECONDS < f.end <= start and f.sounding and not f.late]
        if len(before) * self._frame_seconds < MIN_SOUNDING_SECONDS:
            return None
        if _db(before) < CONVERGED_DB:
            return None
        # The echo path's gain, from the coach's own voice just before: the microphone must have
        # heard well more than the coach's playback explains (a misaligned canceller, say after
        # an output underflow, removes little of the coach's voice too, but adds nothing).
        gain = sum(f.mic for f in before) / max(sum(f.ref for f in before), 1e-9)
        expected = gain * sum(f.ref for f in inside)
        if sum(f.mic for f in inside) < EXCESS * expected:
            return None
        return _db(inside)

    def recent_db(self, start: float) -> float | None:
        """dB removed from the coach's sounding frames in the LOOK_BACK_SECONDS before `start`
        (None if too few): how well the canceller is doing, for measurements."""
        before = [f for f in self._frames
                  if start - LOOK_BACK_SECONDS < f.end <= start and f.sounding and not f.late]
        return _db(before) if len(before) * self._frame_seconds >= MIN_SOUNDING_SECONDS else None


def _db(frames: list[_Frame]) -> float:
    mic = sum(f.mic for f in frames)
    out = sum(f.out for f in frames)
    return float(10.0 * np.log10((mic + 1e-3) / (out + 1e-3)))
