"""The output stream's anchor (coach/voice/audio/stream_anchor.py) follows the callbacks' timing.

The timings are the pattern measured on the PulseAudio null sink (docs/echo.md, "The player's
anchor"): the first callback reports no latency, the prefill callbacks report 10, 20, ... ms,
and a callback thread held up for 200 ms during the prefill delays the whole line by 200 ms.
Only the clock is faked here; the real sound is in test_echo.py and test_barge_in_e2e.py.
"""

from __future__ import annotations

import numpy as np

from coach.voice.audio.playback_reference import PlaybackReference
from coach.voice.audio.stream_anchor import StreamAnchor

RATE = 16000
BLOCK = 160


def _play(anchor: StreamAnchor, samples: np.ndarray, arrivals: list[float],
          underflow_at: int = -1) -> None:
    """Feed callbacks: block k arrives at arrivals[k] and reports the latency PulseAudio would
    (0 for the first, then what is buffered: k blocks during the prefill, 70 ms after it)."""
    for k, now in enumerate(arrivals):
        pos = k * BLOCK
        latency = min(k, 7) * BLOCK / RATE
        anchor.observe(now, now, now + latency, pos, underflow=k == underflow_at)
        anchor.write(samples[pos:pos + BLOCK], pos)


def test_a_stall_in_the_prefill_moves_the_whole_line_and_its_reference() -> None:
    ref = PlaybackReference(seconds=6.0)
    samples = np.linspace(0.1, 0.2, 40 * BLOCK, dtype=np.float32)
    anchor = StreamAnchor(ref, RATE, RATE)
    # block 0 at t=10, then the thread stalls 0.2 s; the stream only starts once primed
    arrivals = [10.0] + [10.2 + k * 0.0001 for k in range(1, 8)] + \
        [10.2 + (k - 7) * 0.01 for k in range(8, 40)]
    _play(anchor, samples, arrivals)
    assert anchor.known
    assert abs(anchor.anchor - 10.2) < 1e-4
    start = ref.index(10.2)
    np.testing.assert_array_equal(ref.read_index(start, samples.size), samples)
    assert not ref.read_index(ref.index(10.0), 3200).any(), "the provisional copy is left"


def test_without_a_stall_the_anchor_stays_on_the_first_callback() -> None:
    ref = PlaybackReference(seconds=6.0)
    samples = np.full(40 * BLOCK, 0.1, np.float32)
    anchor = StreamAnchor(ref, RATE, RATE)
    arrivals = [10.0 + k * 0.00005 for k in range(8)] + [10.0 + (k - 7) * 0.01 + 0.0003
                                                         for k in range(8, 40)]
    _play(anchor, samples, arrivals)
    assert abs(anchor.anchor - 10.0) < 1e-4  # the prefill's own jitter (50 us here) at most


def test_an_underflow_moves_only_what_follows_it() -> None:
    ref = PlaybackReference(seconds=6.0)
    samples = np.linspace(0.1, 0.2, 60 * BLOCK, dtype=np.float32)
    anchor = StreamAnchor(ref, RATE, RATE)
    arrivals = [10.0 + k * 0.00005 for k in range(8)] + [10.0 + (k - 7) * 0.01
                                                         for k in range(8, 30)]
    arrivals += [arrivals[-1] + 0.15 + (k - 30) * 0.01 for k in range(30, 60)]
    _play(anchor, samples, arrivals, underflow_at=30)
    shift = 0.15 - 0.01  # the stall, less the block's own 10 ms
    assert abs(anchor.anchor - (10.0 + shift)) < 1e-4 and anchor.underflows == 1
    np.testing.assert_array_equal(ref.read_index(ref.index(10.0), 30 * BLOCK),
                                  samples[:30 * BLOCK])
    moved = ref.index(10.0 + shift) + 30 * BLOCK
    np.testing.assert_allclose(ref.read_index(moved, 30 * BLOCK), samples[30 * BLOCK:])
