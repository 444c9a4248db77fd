"""Test and benchmark audio: synthesized commands, real recordings, noise, mixing.

The sample format and its conversions are the product's (`coach.voice.audio.pcm`); this module adds
what only tests and the benchmark need.

Shared by the tests and the benchmark (`python -m bench`) so both measure the same material in the
same way. Everything returns float32 numpy arrays at 16 kHz in [-1, 1]; `to_pcm` turns one into the
16-bit bytes the listener and recognizers take.

Why the noise floor: espeak-ng writes perfect digital silence, which real microphones never
produce and which throws pocketsphinx's cepstral mean normalisation off (grammar accuracy 53 %
clean vs 87 % with a -60 dBFS floor, see shared/notes/voice-loop.md). Every synthesized clip gets
one by default.
"""

from __future__ import annotations

import csv
import functools
import logging
import math
import re
import shutil
import subprocess
import tempfile
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

log = logging.getLogger(__name__)

from coach.voice.audio.pcm import SAMPLE_RATE, active_rms, chunks, from_pcm, resample, to_pcm  # noqa: F401 (re-exported)

VOICES: tuple[str, ...] = ("en-us", "en-gb", "en-gb-x-rp", "en-us+f3", "en-029", "en-gb-scotland")
"""espeak-ng voices used for synthesized commands: accents and a female variant."""

PIPER_PREFIX = "piper:"
PIPER_SPEAKER = PIPER_PREFIX + "en_US-joe-medium"
"""Piper's neural voice as a synthesized speaker (`synthesize` takes it like an espeak voice):
more natural than espeak-ng's, and not the coach's voice when the coach speaks with pyttsx3."""

RATES: tuple[int, ...] = (140, 170, 200)
"""espeak-ng speaking rates (words per minute): slow, normal, hurried."""


# --------------------------------------------------------------------------- conversions

def load_wav(path: str | Path, target: int = SAMPLE_RATE) -> np.ndarray:
    """Read a WAV (8/16/24/32-bit PCM or float, any rate, any channels) as mono float32 at
    `target` Hz. Raises `coach.voice.audio.wav_file.WavError` (a ValueError) for a file it cannot use.
    Long files: use `coach.voice.audio.wav_file.stream_wav`, which this concatenates."""
    from coach.voice.audio.wav_file import stream_wav

    blocks = list(stream_wav(path, target))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)


def save_wav(path: str | Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Write float samples as a 16-bit mono WAV."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(to_pcm(samples))


# --------------------------------------------------------------------------- levels and noise

def dbfs(samples: np.ndarray) -> float:
    """RMS level in dB relative to full scale (-inf for silence)."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    return 20 * math.log10(rms) if rms > 0 else float("-inf")


def noise_floor(n: int, level_dbfs: float = -60.0, seed: int = 0) -> np.ndarray:
    """Gaussian white noise of `n` samples at an RMS of `level_dbfs`."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n) * 10 ** (level_dbfs / 20)).astype(np.float32)


def pink_noise(n: int, level_dbfs: float = -30.0, seed: int = 0) -> np.ndarray:
    """1/f noise (a fan, a road outside) at an RMS of `level_dbfs`."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1] if len(freqs) > 1 else 1.0
    pink = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    return _at_level(pink, level_dbfs)


def music(n: int, level_dbfs: float = -30.0, seed: int = 0, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Soft spa-style music: slow chords of harmonic tones with gentle attacks."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    out = np.zeros(n)
    chord_len = int(1.5 * rate)
    roots = [220.0, 246.9, 196.0, 261.6, 174.6]
    for start in range(0, n, chord_len):
        root = roots[int(rng.integers(len(roots)))]
        seg = slice(start, min(n, start + chord_len))
        tt = t[seg] - t[start]
        envelope = np.minimum(1.0, tt / 0.15) * np.exp(-tt * 0.8)
        for ratio in (1.0, 1.26, 1.5, 2.0):
            for harmonic, weight in ((1, 1.0), (2, 0.4), (3, 0.15)):
                out[seg] += weight * envelope * np.sin(2 * np.pi * root * ratio * harmonic * tt)
    return _at_level(out, level_dbfs)


def _at_level(samples: np.ndarray, level_dbfs: float) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(samples)))) or 1.0
    return (samples / rms * 10 ** (level_dbfs / 20)).astype(np.float32)


def with_noise_floor(samples: np.ndarray, level_dbfs: float = -60.0, seed: int = 0) -> np.ndarray:
    """Add a microphone-like noise floor (see the module docstring for why)."""
    return (samples + noise_floor(len(samples), level_dbfs, seed)).astype(np.float32)


def mix_at_snr(signal: np.ndarray, noise: np.ndarray, snr_db: float, offset: int = 0) -> np.ndarray:
    """`signal` plus `noise` scaled so speech-level SNR is `snr_db`.

    The result is as long as the longer input; `signal` starts `offset` samples into the noise.
    Noise shorter than the signal is tiled. Speech level is `active_rms` (ignores pauses).
    """
    length = max(len(noise), offset + len(signal))
    if len(noise) < length:
        noise = np.tile(noise, int(math.ceil(length / max(1, len(noise)))))[:length]
    sig_rms = active_rms(signal)
    noise_rms = float(np.sqrt(np.mean(np.square(noise, dtype=np.float64)))) or 1.0
    gain = sig_rms / noise_rms / 10 ** (snr_db / 20)
    out = noise[:length].astype(np.float64) * gain
    out[offset: offset + len(signal)] += signal
    return out.astype(np.float32)


def pad(samples: np.ndarray, before: float = 0.3, after: float = 0.6,
        floor_dbfs: float | None = -60.0, seed: int = 0) -> np.ndarray:
    """Surround a clip with `before`/`after` seconds of (noise-floor) quiet, as a mic would."""
    out = np.concatenate([np.zeros(int(before * SAMPLE_RATE)), samples,
                          np.zeros(int(after * SAMPLE_RATE))]).astype(np.float32)
    if floor_dbfs is not None:
        out = with_noise_floor(out, floor_dbfs, seed)
    return out


def normalize_peak(samples: np.ndarray, peak_dbfs: float = -3.0) -> np.ndarray:
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    if peak == 0:
        return samples.astype(np.float32)
    return (samples / peak * 10 ** (peak_dbfs / 20)).astype(np.float32)


# --------------------------------------------------------------------------- synthesis

class SynthesisUnavailable(RuntimeError):
    """espeak-ng is not installed."""


@functools.lru_cache(maxsize=2048)
def _espeak(text: str, voice: str, rate: int, pitch: int) -> bytes:
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    if exe is None:
        raise SynthesisUnavailable("espeak-ng not found: apt-get install espeak-ng")
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run([exe, "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", tmp.name, text],
                       check=True, capture_output=True, timeout=30)
        return Path(tmp.name).read_bytes()


@functools.lru_cache(maxsize=4)
def _piper_renderer(voice: str):  # noqa: ANN202 - a PiperRenderer, imported lazily
    from coach.voice.speech.piper_tts import PiperRenderer

    return PiperRenderer(voice=voice, cache_size=0, variation=False)


@functools.lru_cache(maxsize=2048)
def _piper(text: str, voice: str, rate: int) -> np.ndarray:
    rendered = _piper_renderer(voice).render(text, rate=rate)
    out = resample(rendered.samples.astype(np.float32) / 32768.0, rendered.sample_rate)
    out.setflags(write=False)
    return out


CRY = re.compile(r"\b(ow+)\b", re.IGNORECASE)
"""The cry of pain "ow" ("oww", "owww"). espeak-ng reads it as "owe" ('oU), and Piper, which
phonemizes with espeak-ng, too: "Ow!" and "Oh!" came out as the same samples, so a test "ow"
held "oh", which no recognizer should hear as pain. `synthesize` gives it its sound, /aU/."""


def said_as_meant(text: str, piper: bool) -> str:
    """`text` with the cry "ow" written as its phonemes, for espeak-ng or for Piper (`CRY`)."""
    if piper:
        from coach.voice.speech.piper_tts import with_pronunciations

        cries = {m.group(1).lower() for m in CRY.finditer(text)}
        return with_pronunciations(text, {cry: "ˈaʊ" + "ː" * (len(cry) - 2) for cry in cries})
    return CRY.sub("[[aU]]", text)


def synthesize(text: str, voice: str = "en-us", rate: int = 170, pitch: int = 50,
               floor_dbfs: float | None = -60.0, seed: int = 0, level_dbfs: float = -20.0) -> np.ndarray:
    """Speak `text` with espeak-ng, or with Piper for a `PIPER_PREFIX` voice (both
    deterministic) -> float32 16 kHz, with a noise floor.

    The speech is scaled to `level_dbfs` active RMS, a normal conversational level at a laptop mic.
    No padding is added: use `pad` for the quiet before and after. `pitch` is espeak's only.
    """
    if voice.startswith(PIPER_PREFIX):
        samples = np.array(_piper(said_as_meant(text, True), voice[len(PIPER_PREFIX):], rate))
    else:
        data = _espeak(said_as_meant(text, False), voice, rate, pitch)
        with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
            Path(tmp.name).write_bytes(data)
            samples = load_wav(tmp.name)
    rms = active_rms(samples)
    if rms > 0:
        samples = samples / rms * 10 ** (level_dbfs / 20)
    if floor_dbfs is not None:
        samples = with_noise_floor(samples, floor_dbfs, seed)
    return samples.astype(np.float32)


def command_clip(text: str, voice: str = "en-us", rate: int = 170, snr_db: float | None = None,
                 noise: str = "pink", seed: int = 0, before: float = 0.3,
                 after: float = 0.6) -> np.ndarray:
    """A synthesized command padded with `before`/`after` seconds of quiet, optionally mixed with
    `noise` ("pink" | "music") at `snr_db`."""
    clip = pad(synthesize(text, voice, rate, seed=seed), before, after, seed=seed + 1)
    if snr_db is None:
        return clip
    make = {"pink": pink_noise, "music": music, "white": noise_floor}[noise]
    return mix_at_snr(clip, make(len(clip), seed=seed + 2), snr_db)


def command_pcm(text: str, voice: str = "en-us", rate: int = 170, **options: object) -> bytes:
    """`command_clip` as the 16-bit PCM the listener and the recognizers take: the one way the
    tests turn text into speech for a recognizer (`options` as `command_clip` takes them)."""
    return to_pcm(command_clip(text, voice, rate, **options))  # type: ignore[arg-type]


def korean_pcm(text: str, rate: int = 150, pad_s: float = 0.3, seed: int = 0) -> bytes:
    """Korean speech from espeak-ng as 16 kHz PCM (resampled by sox), `pad_s` seconds of quiet on
    each side, with a -60 dBFS Gaussian floor: the clips of the Korean vosk model's tests.

    Not `command_pcm`: the Korean grammar's answer on these rough clips turns on the exact
    samples (with `command_pcm`'s noise floor "바나나" comes out as "다리", not <UNK>), so the
    clips the vosk tests were tuned on are made exactly as they always were."""
    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", str(rate), "--stdout", text],
                         capture_output=True, check=True).stdout
    raw = subprocess.run(["sox", "-t", "wav", "-", "-t", "raw", "-r", str(SAMPLE_RATE), "-c", "1",
                          "-b", "16", "-e", "signed", "-"],
                         input=wav, capture_output=True, check=True).stdout
    speech = np.frombuffer(raw, dtype="<i2").astype(np.float64)
    quiet = np.zeros(int(pad_s * SAMPLE_RATE))
    audio = np.concatenate([quiet, speech, quiet])
    audio += np.random.default_rng(seed).normal(0.0, 32768 * 10 ** (-60 / 20), len(audio))
    return np.clip(np.round(audio), -32768, 32767).astype("<i2").tobytes()


# --------------------------------------------------------------------------- shared recordings

@dataclass(frozen=True)
class Recording:
    path: Path
    transcript: str
    speaker: str
    set: str
    sample_rate: int
    seconds: float


class MissingTestData(FileNotFoundError):
    """Recordings the tests need are not there. A test that reads them fails with this, naming the
    path: passing over zero clips, or skipping, would pass a test that measured nothing."""


SPEECH_DIR = Path("shared") / "speech"


def speech_root(start: Path | None = None) -> Path | None:
    """Find the shared real-speech folder (`../shared/speech` from the project root), or None."""
    here = (start or Path(__file__)).resolve()
    for parent in [here, *here.parents]:
        candidate = parent.parent / SPEECH_DIR
        if (candidate / "MANIFEST.csv").exists():
            return candidate
        candidate = parent / SPEECH_DIR
        if (candidate / "MANIFEST.csv").exists():
            return candidate
    return None


def require_speech_root() -> Path:
    """`speech_root()`, or `MissingTestData` naming where it was looked for."""
    root = speech_root()
    if root is None:
        project = Path(__file__).resolve().parents[1]
        raise MissingTestData(
            f"the real-speech recordings are missing: no {SPEECH_DIR}/MANIFEST.csv beside "
            f"{project} (expected {project.parent / SPEECH_DIR}) or above it. They are test data "
            "the tests must have; restore the folder")
    return root


def speech_file(relative: str | Path) -> Path:
    """A file of the shared real-speech folder, or `MissingTestData` naming it."""
    path = require_speech_root() / relative
    if not path.is_file():
        raise MissingTestData(f"the recording {path} is missing from the shared speech folder")
    return path


def recordings(root: Path | None = None, set_name: str | None = None,
               words: Sequence[str] | None = None) -> list[Recording]:
    """Entries of the shared MANIFEST.csv, optionally filtered by set and transcript. Never empty:
    a missing folder, or a filter that matches nothing, raises `MissingTestData`."""
    root = root or require_speech_root()
    out = []
    with open(root / "MANIFEST.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if set_name and row["set"] != set_name:
                continue
            if words is not None and row["transcript"] not in words:
                continue
            out.append(Recording(root / row["path"], row["transcript"], row["speaker"], row["set"],
                                 int(row["sample_rate"]), float(row["seconds"])))
    if not out:
        raise MissingTestData(f"no recordings of set {set_name!r}, words {words!r} in "
                              f"{root / 'MANIFEST.csv'}")
    return out


def stable_seed(*parts: object) -> int:
    """A 16-bit seed from `parts` that is the same in every process.

    Why not `hash()`: Python salts string hashes per process (PYTHONHASHSEED), so seeds made with
    it gave every benchmark run different noise and padding, and results moved by a few clips from
    run to run with the same code."""
    return zlib.crc32(repr(parts).encode("utf-8")) & 0xFFFF


def load_recording(rec: Recording, pad_after: float = 0.5, floor_dbfs: float = -70.0) -> np.ndarray:
    """A shared recording at 16 kHz with some trailing quiet so the endpointer can close it.

    Speech Commands clips end abruptly at 1 s; a user would fall silent afterwards, so we append
    `pad_after` seconds of faint noise (real recordings have their own floor; this only extends it).
    """
    samples = load_wav(rec.path)
    tail = noise_floor(int(pad_after * SAMPLE_RATE), floor_dbfs, seed=stable_seed(rec.speaker))
    head = noise_floor(int(0.2 * SAMPLE_RATE), floor_dbfs, seed=1)
    return np.concatenate([head, samples, tail]).astype(np.float32)


COACH_LINES: tuple[str, ...] = (
    "Place both hands flat on the upper back and glide slowly down towards the waist.",
    "Now use your thumbs to make small circles along both sides of the spine, not on it.",
    "Keep the pressure steady and ask if it feels good. Stop if anything hurts.",
    "Next, knead the left shoulder gently for thirty seconds, then move to the right side.",
    "Take a slow breath together. When you are ready, say next, or say repeat to hear this again.",
    "Press softer over the lower back and go back to long strokes if the muscles feel tight.",
    "Hold this position for one minute. I will tell you how long is left.",
    "Wait for the receiver to relax, then continue with the other position on the legs.",
)
"""Instruction lines like the coach speaks, deliberately full of command words ("next", "stop",
"repeat", "softer", "go back", "wait") to test that its own voice fires nothing."""


def speech_end(samples: np.ndarray, frame: int = 160, below_peak_db: float = 35.0) -> float:
    """Seconds at which the audible speech ends: the last 10 ms frame within `below_peak_db` of
    the loudest frame. Ground truth for latency (espeak pads its own silence, so clip length is not).
    """
    n = len(samples) // frame
    if n == 0:
        return 0.0
    energy = np.mean(np.square(samples[: n * frame].reshape(n, frame), dtype=np.float64), axis=1)
    loud = np.nonzero(energy >= energy.max() * 10 ** (-below_peak_db / 10))[0]
    return float((loud[-1] + 1) * frame / SAMPLE_RATE)
