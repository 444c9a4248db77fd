"""When one output stream's samples reach the DAC, and the echo reference that follows it.

Why a module of its own: the echo canceller (echo.py) can only subtract the coach's voice if the
reference sits where the sound really came out, to the sample. The player used to take the first
callback's DAC time as the stream's anchor. On PulseAudio (through the ALSA plugin) that first
callback reports no output latency at all (``outputBufferDacTime == currentTime``), and the
stream only starts sounding once PortAudio's prefill (the first ~8 callbacks, 80 ms) is done:
when the callback thread is held up during the prefill (a loaded machine, the GIL), the whole
line comes out that much later, with no underflow reported. Measured with a 200 ms stall in the
second callback: the line sounded 200 ms after the anchor, the canceller found it 0.3 s into the
stream, and restarted its filter; the first second of the line leaked through (docs/echo.md).

The later callbacks do know: ``now + (outputBufferDacTime - currentTime) - pos / rate`` gave
the true start to 0.1-0.4 ms in every run, stalled or not. Those estimates can only be late
(the callback may enter Python after PortAudio took its time stamp), so the earliest one over
a short settling window is the anchor, and what was already written for this stream is moved
there. An output underflow shifts what follows (PulseAudio waits for data, then plays it late):
it opens a new settling window from that sample on, and only what follows is moved.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from coach.voice.audio.playback_reference import PlaybackReference

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.2  # of the stream (from its start or an underflow) over which the anchor settles


class StreamAnchor:
    """The DAC time of one output stream's sample 0, and its reference writes (see module doc).

    Called from the audio callback only: `observe` with each callback's timing before the block
    is written, then `write` with what the block sent, resampled to the reference's rate.
    """

    def __init__(self, reference: PlaybackReference | None, rate: int, ref_rate: int,
                 fallback_latency: float = 0.0,
                 settle_seconds: float = SETTLE_SECONDS) -> None:
        self.reference = reference
        self.rate = rate
        self.ref_rate = ref_rate
        self.fallback_latency = fallback_latency
        self.settle = int(settle_seconds * rate)
        self.anchor: float | None = None  # monotonic time stream sample 0 reaches the DAC
        self.known = False  # True once a callback reported the output latency (or settled)
        self.moves: list[float] = []  # seconds the anchor moved, for logs and tests
        self.underflows = 0
        self._best: float | None = None
        self._from = 0  # stream sample where the current settling window began
        self._until = self.settle
        # what this settling window wrote to the reference (gain applied), to move it if the
        # anchor moves: (reference position in the stream, samples). The stream lives for a
        # whole session, so only the current window is kept.
        self._kept: list[tuple[int, np.ndarray]] = []

    def observe(self, now: float, current_time: float, dac_time: float, pos: int,
                underflow: bool) -> None:
        """Take one callback's timing (`now`: its monotonic arrival; `pos`: stream samples
        already sent) before its block is written."""
        delay = dac_time - current_time
        reported = dac_time != 0 and 0.0 < delay < 1.0
        if self.anchor is None:
            # the first callback: provisional unless it reported a real latency
            if not (dac_time != 0 and 0.0 <= delay < 1.0):
                delay = self.fallback_latency
            self.anchor = now + delay - pos / self.rate
        if underflow and pos > 0:
            # the device ran dry: what follows comes out later than planned
            self.underflows += 1
            self._from, self._until, self._best = pos, pos + self.settle, None
            self._kept = []
        if reported and pos < self._until:
            estimate = now + delay - pos / self.rate
            if self._best is None or estimate < self._best:
                self._best = estimate
            if round(self._best * self.ref_rate) != round(self.anchor * self.ref_rate):
                self._move(self._best)
            self.known = True
        elif pos >= self._until:
            self.known = True

    def _move(self, anchor: float) -> None:
        """Move the anchor, and this settling window's reference already written with it."""
        old = self.anchor
        assert old is not None
        self.anchor = anchor
        self.moves.append(anchor - old)
        if abs(anchor - old) > 0.002:
            log.debug("output stream anchor moved by %.1f ms at sample %d",
                      (anchor - old) * 1000, self._from)
        reference = self.reference
        if reference is None:
            return
        old_index, new_index = reference.index(old), reference.index(anchor)
        for ref_pos, samples in self._kept:
            reference.clear_range(old_index + ref_pos, old_index + ref_pos + samples.size)
        for ref_pos, samples in self._kept:
            reference.write_index(samples, new_index + ref_pos)

    def write(self, samples: np.ndarray, ref_pos: int) -> None:
        """Record one block (`samples` at the reference's rate, from the stream's reference
        position `ref_pos`): silence too, so the canceller knows nothing more is coming there."""
        reference = self.reference
        if reference is None or self.anchor is None or samples.size == 0:
            return
        if ref_pos * self.rate < self._until * self.ref_rate:  # may still move with the anchor
            self._kept.append((ref_pos, np.array(samples, np.float32)))
        reference.write_index(samples, reference.index(self.anchor) + ref_pos)
