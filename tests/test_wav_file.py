"""Recordings for `hear` and `run --audio-in`: every WAV layout read the same, every bad file
refused before anything starts, and long files streamed in bounded memory."""

from __future__ import annotations

import os
import resource
import struct
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from coach.cli import main
from testkit.testaudio import load_wav, resample, speech_file
from coach.voice.audio.wav_file import WavError, inspect_wav, stream_wav

ROOT = Path(__file__).resolve().parents[1]
SPEECH = "sentences/cards/001.wav"  # in ../shared/speech: missing, the test fails naming it


def _riff(path: Path, code: int, channels: int, rate: int, bits: int, data: bytes,
          extensible: bool = False) -> Path:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 0xFFFE if extensible else code, channels, rate, rate * block,
                      block, bits)
    if extensible:
        guid_tail = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", code) + guid_tail
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"LIST" + \
        struct.pack("<I", 3) + b"abc\x00" + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return load_wav(speech_file(SPEECH))


@pytest.mark.parametrize("code, bits, extensible", [
    (1, 8, False), (1, 16, False), (1, 24, False), (1, 32, False), (3, 32, False),
    (3, 64, False), (1, 16, True), (3, 32, True), (1, 24, True)])
def test_every_layout_reads_as_the_same_audio(tmp_path: Path, speech: np.ndarray, code: int,
                                              bits: int, extensible: bool) -> None:
    stereo = np.repeat(resample(speech, 16000, 44100)[:, None], 2, axis=1)
    if code == 3:
        raw = stereo.astype("<f4" if bits == 32 else "<f8").tobytes()
    elif bits == 8:
        raw = (np.clip(stereo * 128 + 128, 0, 255)).astype(np.uint8).tobytes()
    elif bits == 24:
        ints = np.clip(stereo * 8388607, -8388608, 8388607).astype("<i4")
        raw = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    else:
        dtype = "<i2" if bits == 16 else "<i4"
        raw = np.clip(stereo * (2 ** (bits - 1) - 1), -2 ** (bits - 1), 2 ** (bits - 1) - 1) \
            .astype(dtype).tobytes()
    path = _riff(tmp_path / "x.wav", code, 2, 44100, bits, raw, extensible)
    info = inspect_wav(path)
    assert (info.rate, info.channels, info.bits) == (44100, 2, bits)
    got = np.concatenate(list(stream_wav(path, block_seconds=0.25)))
    expected = resample(stereo[:, 0], 44100, 16000)  # the same audio, never quantized
    assert len(got) == len(expected) == len(speech)
    tolerance = 0.02 if bits == 8 else 1e-3
    assert float(np.max(np.abs(got - expected))) < tolerance


def test_blocks_join_without_seams(tmp_path: Path, speech: np.ndarray) -> None:
    path = tmp_path / "s.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes((resample(speech, 16000, 22050) * 32767).astype("<i2").tobytes())
    whole = np.concatenate(list(stream_wav(path, block_seconds=100)))
    for block_seconds in (0.1, 0.33, 1.0):
        pieces = np.concatenate(list(stream_wav(path, block_seconds=block_seconds)))
        assert np.allclose(pieces, whole, atol=1e-6)


@pytest.mark.parametrize("content, words", [
    (b"", "the file is empty"),
    (b"hello, not audio", "not a WAV file"),
    (b"RIFF\x10\x00\x00\x00WAVE", "no audio part"),
])
def test_bad_files_say_what_is_wrong(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(WavError, match=words):
        inspect_wav(path)


def test_unsupported_and_empty_wavs(tmp_path: Path) -> None:
    alaw = _riff(tmp_path / "a.wav", 6, 1, 8000, 8, b"\x00" * 800)
    with pytest.raises(WavError, match=r"A-law audio \(format 6\).*expected a WAV file with"):
        inspect_wav(alaw)
    empty = tmp_path / "empty.wav"
    with wave.open(str(empty), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
    with pytest.raises(WavError, match="no audio in it"):
        inspect_wav(empty)
    with pytest.raises(WavError, match="not a regular file"):
        inspect_wav("/dev/zero")


def test_hear_says_what_is_wrong_and_carries_on(tmp_path: Path) -> None:
    """Once: "cannot read: unknown format: 3" for a float WAV, "cannot read: " for an empty file.
    """
    (tmp_path / "empty.wav").write_bytes(b"")
    float_wav = _riff(tmp_path / "float.wav", 3, 1, 16000, 32,
                      np.zeros(16000, dtype="<f4").tobytes())
    result = CliRunner().invoke(
        main, ["hear", "--engine", "pocketsphinx", str(tmp_path / "empty.wav"), str(float_wav)])
    assert result.exit_code == 1
    assert "empty.wav: cannot use this file: the file is empty; expected a WAV file" in \
        result.stderr
    assert "float.wav:\n  nothing" in result.stdout  # a float WAV is read, not refused


def test_run_checks_its_recording_before_starting(tmp_path: Path) -> None:
    """A bad --audio-in file once looked like a lost microphone: the session waited forever."""
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    empty = tmp_path / "empty.wav"
    with wave.open(str(empty), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
    for path, words in ((bad, "not a WAV file"), (empty, "no audio in it")):
        result = subprocess.run(
            [sys.executable, "-m", "coach", "run", "--audio-in", str(path), "--quiet",
             "--no-screen"], capture_output=True, text=True, timeout=60, cwd=ROOT,
            stdin=subprocess.DEVNULL, env={**os.environ, "MASSAGE_COACH_DATA": str(tmp_path)})
        assert result.returncode == 2, result.stderr
        assert words in result.stderr and "Traceback" not in result.stderr
        assert "Welcome" not in result.stdout


def test_a_float_recording_session_ends_when_the_recording_does(tmp_path: Path) -> None:
    recording = _riff(tmp_path / "float.wav", 3, 1, 16000, 32,
                      np.zeros(16000 * 2, dtype="<f4").tobytes())
    result = subprocess.run(
        [sys.executable, "-m", "coach", "run", "--audio-in", str(recording), "--quiet",
         "--no-screen", "--engine", "pocketsphinx"], capture_output=True, text=True, timeout=90,
        cwd=ROOT, stdin=subprocess.DEVNULL,
        env={**os.environ, "MASSAGE_COACH_DATA": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "Take it easy getting up" in result.stdout


def _peak_memory_hearing(path: Path) -> int:
    """Peak RSS (KB) of `hear` on one file, in its own process."""
    code = ("import resource, sys\n"
            "from coach.cli import main\n"
            "try:\n"
            f"    main(['hear', '--engine', 'pocketsphinx', {str(path)!r}])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def test_hear_streams_long_recordings(tmp_path: Path) -> None:
    """10 min of silence once took 370 MB and 30 min 896 MB: memory grew with length."""
    sizes = {}
    for minutes in (0.25, 4):
        path = tmp_path / f"silence-{minutes}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(44100)
            for _ in range(int(minutes * 60)):
                out.writeframes(bytes(44100 * 4))
        sizes[minutes] = _peak_memory_hearing(path)
    # 4 minutes of 44.1 kHz stereo is 42 MB of samples (170 MB as float64 work arrays).
    assert sizes[4] - sizes[0.25] < 25_000, sizes
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0
