"""Reading WAV recordings safely: checked before use, and streamed in bounded memory.

`hear` and `run --audio-in` take any recording a user points them at. Python's `wave` module
reads only integer PCM and raises bare errors ("unknown format: 3", or an empty message for an
empty file), and reading a whole 30-minute file at once took 900 MB. So the RIFF header is parsed
here: `inspect_wav` says plainly what is wrong with a file and what is supported, before anything
starts, and `stream_wav` yields 16 kHz mono float32 blocks of a few seconds each, whatever the
file's length, format (8/16/24/32-bit PCM, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE), rate or
channel count.
"""

from __future__ import annotations

import math
import os
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.voice.audio.pcm import SAMPLE_RATE, resample, to_pcm

SUPPORTED = ("a WAV file with 8, 16, 24 or 32-bit integer or 32/64-bit float samples (any "
             "sample rate, any number of channels)")
_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE
_FORMAT_NAMES = {2: "ADPCM", 6: "A-law", 7: "mu-law", 0x11: "IMA ADPCM", 0x55: "MP3",
                 0x50: "MPEG"}
MAX_CHUNKS = 10_000  # RIFF chunks looked at before giving up on finding the audio
BLOCK_SECONDS = 5.0  # audio decoded at a time: memory stays at a few MB for any length
MAX_POLYPHASE_DOWN = 2_000  # 44.1 kHz -> 16 kHz is 160/441; odd rates are interpolated
_PAD_SECONDS = 0.05  # context on each side of a block, so block-wise resampling has no seams


class WavError(ValueError):
    """The file cannot be used as a recording; the message says why and what is supported."""


@dataclass(frozen=True)
class WavInfo:
    rate: int
    channels: int
    bits: int
    is_float: bool
    data_offset: int
    data_bytes: int

    @property
    def frame_bytes(self) -> int:
        return self.channels * self.bits // 8

    @property
    def frames(self) -> int:
        return self.data_bytes // self.frame_bytes

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


def inspect_wav(path: str | Path) -> WavInfo:
    """The recording's format, or `WavError` saying plainly what is wrong with it."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise WavError(f"cannot open it ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        raise WavError("it is not a regular file (a folder, device or pipe); expected "
                       f"{SUPPORTED}")
    size = os.path.getsize(path)
    try:
        with open(path, "rb") as handle:
            return _parse_header(handle, size)
    except OSError as error:
        raise WavError(f"cannot read it ({error.strerror})") from None


def _parse_header(handle, size: int) -> WavInfo:
    if size == 0:
        raise WavError(f"the file is empty; expected {SUPPORTED}")
    head = handle.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise WavError(f"it is not a WAV file (a WAV file starts with RIFF...WAVE); expected "
                       f"{SUPPORTED}")
    fmt: bytes | None = None
    for _ in range(MAX_CHUNKS):
        header = handle.read(8)
        if len(header) < 8:
            break
        chunk_id, chunk_size = header[:4], struct.unpack("<I", header[4:])[0]
        if chunk_id == b"fmt ":
            fmt = handle.read(min(chunk_size, 64))
            handle.seek(chunk_size - len(fmt) + (chunk_size & 1), os.SEEK_CUR)
        elif chunk_id == b"data":
            if fmt is None:
                raise WavError("the WAV file's audio comes before its format description; "
                               "save it again with a sound editor")
            offset = handle.tell()
            info = _format(fmt, offset, min(chunk_size, size - offset))
            if info.frames == 0:
                raise WavError("the WAV file has no audio in it (0 seconds)")
            return info
        else:
            handle.seek(chunk_size + (chunk_size & 1), os.SEEK_CUR)
    raise WavError("the WAV file has no audio part (it may be cut short)")


def _format(fmt: bytes, offset: int, data_bytes: int) -> WavInfo:
    if len(fmt) < 16:
        raise WavError("the WAV file's format description is cut short")
    code, channels, rate, _, _, bits = struct.unpack("<HHIIHH", fmt[:16])
    if code == _EXTENSIBLE and len(fmt) >= 26:
        code = struct.unpack("<H", fmt[24:26])[0]  # the sub-format GUID starts with the code
    if code not in (_PCM, _FLOAT):
        name = _FORMAT_NAMES.get(code, "compressed or unknown")
        raise WavError(f"it is a WAV file with {name} audio (format {code}), which is not "
                       f"supported; expected {SUPPORTED}. Convert it, e.g. "
                       "`ffmpeg -i in.wav -acodec pcm_s16le out.wav`")
    if code == _PCM and bits not in (8, 16, 24, 32) or code == _FLOAT and bits not in (32, 64):
        kind = "integer" if code == _PCM else "float"
        raise WavError(f"it is a WAV file with {bits}-bit {kind} samples; expected "
                       f"{SUPPORTED}")
    if channels == 0 or not 1000 <= rate <= 384_000:
        raise WavError(f"the WAV file's header is impossible ({channels} channels at {rate} Hz)")
    return WavInfo(rate, channels, bits, code == _FLOAT, offset, max(0, data_bytes))


def _decode(raw: bytes, info: WavInfo) -> np.ndarray:
    """Whole frames of `raw` as mono float32 in -1..1."""
    usable = len(raw) - len(raw) % info.frame_bytes
    raw = raw[:usable]
    if info.is_float:
        data = np.frombuffer(raw, dtype="<f4" if info.bits == 32 else "<f8")
        data = np.clip(np.nan_to_num(data, nan=0.0), -1.0, 1.0).astype(np.float32)
    elif info.bits == 8:
        data = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif info.bits == 16:
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif info.bits == 24:
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        data = (np.where(values >= 1 << 23, values - (1 << 24), values) / 8388608.0).astype(
            np.float32)
    else:
        data = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    if info.channels > 1:
        data = data.reshape(-1, info.channels).mean(axis=1)
    return data


def _frames(path: Path, info: WavInfo, count: int) -> Iterator[np.ndarray]:
    """The file's audio as mono float32, `count` frames at a time."""
    with open(path, "rb") as handle:
        handle.seek(info.data_offset)
        left = info.frames * info.frame_bytes
        while left > 0:
            raw = handle.read(min(left, count * info.frame_bytes))
            if not raw:
                return
            left -= len(raw)
            yield _decode(raw, info)


def stream_wav(path: str | Path, target: int = SAMPLE_RATE,
               block_seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
    """The recording as mono float32 at `target` Hz, in blocks of about `block_seconds`.
    Raises `WavError` (before yielding anything) for a file that cannot be used."""
    path = Path(path)
    info = inspect_wav(path)
    if info.rate == target:
        yield from _frames(path, info, max(1, int(block_seconds * target)))
        return

    # Resample block by block with `pad` input samples of context on each side; sizes are
    # multiples of `down`, so each block's output starts at a whole output sample.
    g = math.gcd(info.rate, target)
    up, down = target // g, info.rate // g
    pad = down * math.ceil(_PAD_SECONDS * info.rate / down)
    block = down * max(1, round(block_seconds * info.rate / down))
    buffer = np.zeros(0, dtype=np.float32)
    start = 0  # input index of buffer[0]
    done = 0  # input index up to which output has been yielded
    for piece in _frames(path, info, block):
        buffer = np.concatenate([buffer, piece])
        while start + len(buffer) >= done + block + pad:
            yield _resampled_part(buffer, start, done, done + block, pad, up, down, resample,
                                  info.rate, target)
            done += block
            keep_from = max(0, done - pad - start)
            buffer, start = buffer[keep_from:], start + keep_from
    end = start + len(buffer)
    if end > done:
        yield _resampled_part(buffer, start, done, end, pad, up, down, resample, info.rate, target)


def _resampled_part(buffer: np.ndarray, start: int, begin: int, end: int, pad: int, up: int,
                    down: int, resample, rate: int, target: int) -> np.ndarray:
    """Output samples for input [begin, end), resampled with context from `buffer`."""
    lo = max(start, begin - pad)
    segment = buffer[lo - start: min(len(buffer), end + pad - start)]
    if down > MAX_POLYPHASE_DOWN:
        # An odd rate (say 44,101 Hz) would need a polyphase filter of millions of taps:
        # interpolate linearly at the same output times instead.
        first_out, last_out = -(-begin * up // down), -(-end * up // down)
        times = np.arange(first_out, last_out, dtype=np.float64) * down / up - lo
        return np.interp(times, np.arange(len(segment)), segment).astype(np.float32)
    out = resample(segment, rate, target)
    first = (begin - lo) * up // down
    count = -(-(end - begin) * up // down)  # ceiling
    return out[first: first + count]


def pcm_chunks(path: str | Path, chunk_ms: int = 20,
               rate: int = SAMPLE_RATE) -> Iterator[tuple[bytes, float]]:
    """The recording as 16-bit mono PCM chunks of `chunk_ms` (the last may be shorter), each
    with the time of its end in seconds from the start: what a microphone would deliver."""

    step = rate * chunk_ms // 1000 * 2
    done = 0  # bytes handed out
    carry = b""
    for block in stream_wav(path, rate):
        data = carry + to_pcm(block)
        whole = len(data) - len(data) % step
        for offset in range(0, whole, step):
            done += step
            yield data[offset: offset + step], done / 2 / rate
        carry = data[whole:]
    if carry:
        done += len(carry)
        yield carry, done / 2 / rate

