"""The sample format, defined once: 16 kHz mono signed 16-bit PCM, and the few conversions on it.

Everything between the microphone and the recognizer (the echo canceller, the endpointer, every
engine) takes this format; sound arriving at another rate or width (a WAV file, Piper's 22,050 Hz
voice) is converted here, in one place. Product code and the tests' audio helpers
(testkit/testaudio.py) both use these functions.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

SAMPLE_RATE = 16_000
"""Samples per second of all audio the listener and recognizers take."""

SAMPLE_WIDTH = 2
"""Bytes per sample (signed 16-bit little-endian)."""

BYTES_PER_SECOND = SAMPLE_RATE * SAMPLE_WIDTH


def seconds_of(pcm: bytes, rate: int = SAMPLE_RATE) -> float:
    """How long `pcm` (16-bit mono at `rate`) lasts."""
    return len(pcm) / SAMPLE_WIDTH / rate


def to_pcm(samples: np.ndarray) -> bytes:
    """float [-1, 1] -> signed 16-bit little-endian mono PCM bytes (clipped)."""
    clipped = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 32767 / 32768)
    return (np.round(clipped * 32768.0)).astype("<i2").tobytes()


def from_pcm(pcm: bytes) -> np.ndarray:
    """Signed 16-bit PCM bytes -> float32 in [-1, 1]."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Linear-interpolation resampling from `rate` to `target`, as float32.

    The one resampler (the player, the microphone path and WAV files use it). Linear is ample
    for speech at 16-48 kHz and costs ~5 ms per 8 s of audio here; it has no anti-alias filter,
    so sound above 8 kHz in a 44.1/48 kHz source folds down a little (the project does not ship
    scipy, whose polyphase filter an earlier version used when present)."""
    samples = np.asarray(samples, dtype=np.float32)
    if rate == target or samples.size == 0:
        return samples
    n_out = int(round(samples.size * target / rate))
    x_out = np.arange(n_out) * (rate / target)
    return np.interp(x_out, np.arange(samples.size), samples).astype(np.float32)


def to_stream_format(pcm: bytes, rate: int, width: int = SAMPLE_WIDTH, channels: int = 1) -> bytes:
    """16-bit PCM at `rate` with `channels` interleaved -> the stream format (16 kHz mono).

    The one converter between a device's own format and the listener's (a microphone that
    cannot deliver 16 kHz is captured at its own rate and converted here, chunk by chunk)."""
    if width != SAMPLE_WIDTH:
        raise ValueError(f"{8 * width}-bit audio: the microphone path takes 16-bit samples")
    if rate == SAMPLE_RATE and channels == 1:
        return pcm
    samples = from_pcm(pcm)
    if channels > 1:
        samples = samples[: len(samples) - len(samples) % channels].reshape(-1, channels).mean(axis=1)
    return to_pcm(resample(samples, rate, SAMPLE_RATE))


def chunks(pcm: bytes, chunk_ms: int = 20, rate: int = SAMPLE_RATE,
           start: float = 0.0) -> Iterator[tuple[bytes, float]]:
    """Split PCM into chunks, yielding (chunk, stream time of the chunk's end in seconds)."""
    step = rate * chunk_ms // 1000 * SAMPLE_WIDTH
    for offset in range(0, len(pcm), step):
        piece = pcm[offset: offset + step]
        yield piece, start + (offset + len(piece)) / SAMPLE_WIDTH / rate


def active_rms(samples: np.ndarray, frame: int = 320, top: float = 0.5) -> float:
    """RMS over the loudest `top` fraction of frames: the level of the speech, not the pauses.

    A level that counted the pauses would depend on how much silence surrounds the words.
    """
    n = len(samples) // frame
    if n == 0:
        return float(np.sqrt(np.mean(np.square(samples)))) if len(samples) else 0.0
    energies = np.mean(np.square(samples[: n * frame].reshape(n, frame), dtype=np.float64), axis=1)
    keep = max(1, int(n * top))
    return float(np.sqrt(np.mean(np.sort(energies)[-keep:])))
