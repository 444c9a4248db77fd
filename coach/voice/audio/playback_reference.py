"""What the coach played, kept for the echo canceller (coach.voice.audio.echo).

The player writes every block it sends to the output, resampled to 16 kHz mono, at the
`time.monotonic()` it reaches the DAC, into a ring buffer laid out on an absolute timeline (sample
index = round(t * 16000)). Reading any window gives zeros where nothing was played, so the
canceller never needs to know about lines, cues or gaps.
"""

from __future__ import annotations

import threading

import numpy as np

from coach.voice.audio.pcm import SAMPLE_RATE



class PlaybackReference:
    """Thread-safe ring buffer of what was played, on the absolute 16 kHz monotonic timeline.

    Written from the audio callback (cheap: one lock, one copy); read by the microphone thread.
    `seconds` must exceed the output latency + the delay search range; a few seconds is ample.
    """

    def __init__(self, seconds: float = 6.0, rate: int = SAMPLE_RATE) -> None:
        self.rate = rate
        self.size = int(seconds * rate)
        self._samples = np.zeros(self.size, np.float32)
        self._index = np.full(self.size, -1, np.int64)  # absolute index held in each slot
        self._lock = threading.Lock()
        self.last_written = -1  # absolute index of the last sample written (-1: never)
        self._streams = 0  # output streams open now (the player says so)
        self.streams_started = 0

    @property
    def playing(self) -> bool:
        """True while an output stream is open: more reference may still be written."""
        return self._streams > 0

    def stream_opened(self) -> None:
        with self._lock:
            self._streams += 1
            self.streams_started += 1

    def stream_closed(self) -> None:
        with self._lock:
            self._streams = max(0, self._streams - 1)

    def index(self, at: float) -> int:
        """Absolute sample index of monotonic time `at`."""
        return int(round(at * self.rate))

    def write(self, samples: np.ndarray, at: float) -> None:
        """Record `samples` (float32, 16 kHz) whose first sample reaches the DAC at `at`."""
        self.write_index(np.asarray(samples, np.float32), self.index(at))

    def write_index(self, samples: np.ndarray, start: int) -> None:
        n = min(samples.size, self.size)
        if n == 0:
            return
        samples = samples[-n:]
        start += samples.size - n
        idx = np.arange(start, start + n, dtype=np.int64)
        slots = idx % self.size
        with self._lock:
            self._samples[slots] = samples
            self._index[slots] = idx
            self.last_written = max(self.last_written, start + n - 1)

    def read_index(self, start: int, n: int) -> np.ndarray:
        """Samples at absolute indices [start, start + n): zeros where nothing was played."""
        idx = np.arange(start, start + n, dtype=np.int64)
        slots = idx % self.size
        with self._lock:
            held = self._index[slots] == idx
            out = np.where(held, self._samples[slots], np.float32(0.0))
        return out.astype(np.float32, copy=False)

    def read(self, at: float, n: int) -> np.ndarray:
        return self.read_index(self.index(at), n)

    def clear_range(self, start: int, end: int) -> None:
        """Forget absolute indices [start, end): a stream's anchor moved, and what was written
        there is rewritten where it really sounds (coach/voice/audio/stream_anchor.py)."""
        if end <= start:
            return
        idx = np.arange(start, min(end, start + self.size), dtype=np.int64)
        slots = idx % self.size
        with self._lock:
            held = self._index[slots] == idx
            self._index[slots[held]] = -1
            self._samples[slots[held]] = 0.0

    def clear_after(self, at: float) -> None:
        """Forget what was written for times after `at`: a cut line's buffered tail never
        reached the speaker, and a reference without echo would only confuse the filter."""
        start = self.index(at)
        with self._lock:
            stale = self._index > start
            self._index[stale] = -1
            self._samples[stale] = 0.0
            if self.last_written > start:
                self.last_written = start
