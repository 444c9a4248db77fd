"""Music-like audio for the tests and the benchmark (the project ships no music): plucked
arpeggios over a bass line, in 4/4 at 96 beats a minute, with the attacks a drum-less pop song
has. Rhythm matters: `testaudio.music`'s slow pads are nearly steady tones, which an echo
canceller follows easily; note onsets every 0.31 s are what its filter must keep up with."""

from __future__ import annotations

import numpy as np

from testkit.testaudio import SAMPLE_RATE, save_wav

BPM = 96
CHORDS = ((220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (196.0, 246.9, 293.7),
          (164.8, 207.7, 246.9))  # Am, F, G, E: one bar each


def _note(freq: float, seconds: float, rate: int, decay: float) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    envelope = np.minimum(1.0, t / 0.005) * np.exp(-t * decay)  # a 5 ms pluck, then decay
    tone = sum(weight * np.sin(2 * np.pi * freq * k * t)
               for k, weight in ((1, 1.0), (2, 0.5), (3, 0.25), (4, 0.12)))
    return envelope * tone


def arpeggios(seconds: float, level_dbfs: float = -20.0, seed: int = 0,
              rate: int = SAMPLE_RATE) -> np.ndarray:
    """`seconds` of music at an RMS of `level_dbfs`; `seed` shifts the key and the pattern."""
    rng = np.random.default_rng(seed)
    shift = 2 ** (int(rng.integers(-3, 4)) / 12)
    beat = 60.0 / BPM
    n = int(seconds * rate)
    out = np.zeros(n + 2 * rate)
    pattern = rng.permutation([0, 1, 2, 1, 2, 0, 2, 1])
    eighth = 0
    while (start := int(eighth * beat / 2 * rate)) < n:
        chord = CHORDS[(eighth // 8) % len(CHORDS)]
        note = _note(2 * chord[pattern[eighth % 8]] * shift, 0.6, rate, 6.0)
        out[start:start + note.size] += 0.6 * note
        if eighth % 4 == 0:  # the bass on beats 1 and 3
            bass = _note(chord[0] / 2 * shift, 1.2, rate, 2.5)
            out[start:start + bass.size] += bass
        eighth += 1
    out = out[:n]
    rms = float(np.sqrt(np.mean(out ** 2))) or 1.0
    return (out / rms * 10 ** (level_dbfs / 20)).astype(np.float32)


def save_music(path, seconds: float = 20.0, seed: int = 0) -> None:  # noqa: ANN001 - a path
    """`arpeggios` written as a 16 kHz 16-bit WAV file, as a user's music file would be."""
    save_wav(path, arpeggios(seconds, seed=seed))
