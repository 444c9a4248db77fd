"""A piece of sound with its sample format attached: `AudioChunk` (PCM bytes, coming in) and
`SoundBuffer` (samples to play, going out).

Why its own module, here in audio/: the sources (audio/sources.py) make chunks and the pipeline
(coach/voice/pipeline.py) converts them, and a chunk needs nothing but `pcm`. It used to live in
coach/voice/frames.py, a floor above the sources that import it; frames.py still re-exports it.
A chunk from a 44.1 kHz microphone cannot be mistaken for the 16 kHz mono audio the listener
takes; `to_stream_format` (in `pcm`) is the one converter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coach.voice.audio.pcm import SAMPLE_RATE, SAMPLE_WIDTH, to_stream_format


@dataclass(frozen=True)
class AudioChunk:
    """`pcm`: signed little-endian samples, interleaved when `channels` > 1. `at`: stream time
    of the chunk's *end* in seconds (the live loop uses `time.monotonic()`, the clock `OnAir`
    keeps; replays and tests use offsets in the file)."""

    pcm: bytes
    at: float
    rate: int = SAMPLE_RATE
    width: int = SAMPLE_WIDTH
    channels: int = 1

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (self.width * self.channels * self.rate)

    @property
    def in_stream_format(self) -> bool:
        """Already what the listener takes (16 kHz mono 16-bit)."""
        return (self.rate, self.width, self.channels) == (SAMPLE_RATE, SAMPLE_WIDTH, 1)

    def to_stream_format(self) -> AudioChunk:
        """This chunk as the listener takes it (itself when it already is)."""
        if self.in_stream_format:
            return self
        return AudioChunk(to_stream_format(self.pcm, self.rate, self.width, self.channels), self.at)


@dataclass(frozen=True)
class SoundBuffer:
    """Samples for the player (`Player.play`): int16 or float32 mono, at `rate` Hz. Why typed
    (issue 24): a bare ``(samples, rate)`` pair let a 22,050 Hz render be played as if it were
    16 kHz the moment one call site swapped or dropped the rate; here the rate travels with the
    samples, as `AudioChunk`'s does on the way in."""

    samples: np.ndarray
    rate: int

    def __post_init__(self) -> None:
        if self.samples.ndim != 1:
            raise ValueError(f"a sound to play is mono: got samples of shape "
                             f"{self.samples.shape}")
        if self.rate <= 0:
            raise ValueError(f"a sound to play needs a positive sample rate, not {self.rate}")

    @property
    def seconds(self) -> float:
        return self.samples.size / self.rate
