"""Whisper's log-mel input features, in numpy.

Whisper models take an 80-band log-mel spectrogram (25 ms Hann windows every 10 ms of 16 kHz
audio, Slaney mel scale and normalisation, log10, floored 8 decades under the peak, then scaled
by (x + 4) / 4). This module computes exactly that, so the engine needs neither PyTorch, librosa
nor faster-whisper's audio stack (PyAV): only numpy, which the coach already uses.

Why a fixed window (`WINDOW_SECONDS`): the model was trained on 30 s windows. Given only the
utterance's own second of audio, its decoder repeats the word without end ("go go go ..."); a
window padded with silence to 10 s keeps the accuracy of the full 30 s window (53 vs 54 of 60 real
commands) at a fifth of the encoder's cost. Padding is done on the *samples* (zeros), before the
features are computed, so the padding's features are the log-mel of silence under the same
normalisation, as in Whisper's own 30 s padding; zero-valued features would not be silence.
"""

from __future__ import annotations

import functools

import numpy as np

from coach.voice.audio.pcm import SAMPLE_RATE  # noqa: E402
N_FFT = 400
HOP = 160
N_MELS = 80
WINDOW_SECONDS = 10.0
"""Encoder input length. Measured in docs/listening.md (Whisper engine: window)."""


@functools.lru_cache(maxsize=4)
def mel_filters(n_mels: int = N_MELS, n_fft: int = N_FFT, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The Slaney-style mel filterbank Whisper was trained with, shape (n_mels, n_fft // 2 + 1)."""
    fft_freqs = np.linspace(0.0, rate / 2, 1 + n_fft // 2)
    mel_points = np.linspace(_hz_to_mel(0.0), _hz_to_mel(rate / 2), n_mels + 2)
    hz_points = _mel_to_hz(mel_points)
    widths = np.diff(hz_points)
    ramps = hz_points[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (hz_points[2:] - hz_points[:-2]))[:, None]  # Slaney: equal area per band
    return weights.astype(np.float32)


_F_SP = 200.0 / 3  # Hz per mel below 1 kHz (Slaney scale)
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOG_STEP = np.log(6.4) / 27.0


def _hz_to_mel(hz: float | np.ndarray) -> np.ndarray:
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / _F_SP
    log = _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOG_STEP
    return np.where(hz >= _MIN_LOG_HZ, log, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    linear = mel * _F_SP
    log = _MIN_LOG_HZ * np.exp(_LOG_STEP * (mel - _MIN_LOG_MEL))
    return np.where(mel >= _MIN_LOG_MEL, log, linear)


@functools.lru_cache(maxsize=1)
def _window() -> np.ndarray:
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)


def log_mel(samples: np.ndarray) -> np.ndarray:
    """Whisper's normalised log-mel spectrogram of float samples in [-1, 1] at 16 kHz.

    Returns shape (N_MELS, len(samples) // HOP), float32: one frame per 10 ms, as Whisper's own
    front end gives (a centred STFT whose last frame is dropped).
    """
    audio = np.asarray(samples, dtype=np.float32)
    padded = np.pad(audio, N_FFT // 2, mode="reflect") if audio.size > N_FFT // 2 else \
        np.pad(audio, N_FFT // 2)
    count = 1 + (padded.size - N_FFT) // HOP
    strides = (padded.strides[0] * HOP, padded.strides[0])
    frames = np.lib.stride_tricks.as_strided(padded, (count, N_FFT), strides)
    spectrum = np.fft.rfft(frames * _window(), axis=1)
    power = (spectrum.real ** 2 + spectrum.imag ** 2)[:-1].T  # drop the last frame, as Whisper
    mel = mel_filters() @ power.astype(np.float32)
    log_spec = np.log10(np.maximum(mel, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).astype(np.float32)


def window_features(pcm: bytes, seconds: float = WINDOW_SECONDS) -> np.ndarray:
    """Features of 16-bit PCM padded with silence (or cut) to exactly `seconds`: shape
    (1, N_MELS, seconds x 100), ready for the encoder."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    length = int(round(seconds * SAMPLE_RATE))
    samples = samples[:length]
    if samples.size < length:
        samples = np.concatenate([samples, np.zeros(length - samples.size, np.float32)])
    return log_mel(samples)[None, :, :]
