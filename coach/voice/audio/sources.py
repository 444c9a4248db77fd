"""Audio input: the microphone, or a recording replayed as if it were one.

Both sources yield `AudioChunk`s (coach.voice.frames): int16 samples with their rate, and the
stream time of the chunk's end in `time.monotonic()` seconds (the clock `OnAir` uses). The
pipeline converts them to the listener's format in one place, so it cannot tell them apart.

Microphone rules from the field (python-sounddevice #100/#128, vosk's test_microphone.py): the
PortAudio callback does nothing but copy the block into a queue; overflows are counted and logged
because accuracy drops silently otherwise; the device is opened after the models are loaded. If the
device cannot deliver 16 kHz we capture at its own rate, and the chunks say so. A device that vanishes
mid-stream ends the iteration with `lost = True` and a logged reason rather than an exception deep
in a thread.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from pathlib import Path
from typing import Iterator

from coach.voice.audio.chunk import AudioChunk
from coach.voice.audio.devices import AudioDeviceError
from coach.voice.audio.pcm import SAMPLE_RATE
from coach.voice.audio.wav_file import WavError, inspect_wav, pcm_chunks

log = logging.getLogger(__name__)


def _device_hint(device: object) -> str:
    name = "the default input device" if device is None else f"input device {device!r}"
    return (f"{name}. Check that a microphone is connected and not used by another program "
            "(`massage-coach doctor` lists devices; pick one with --input-device), or run with "
            "--text to type commands instead.")


class MicrophoneSource:
    """Live capture through sounddevice; iterate to get `AudioChunk`s at the device's rate.

    `chunk_ms`: block size handed to the listener (20 ms keeps endpointing latency low).
    `max_queue`: blocks buffered before the consumer is considered stalled; extra blocks are
    dropped and counted as overflows (a slow consumer must never make the audio thread block).
    """

    def __init__(self, device: int | str | None = None, chunk_ms: int = 20,
                 max_queue: int = 500, stall_timeout: float = 2.0) -> None:
        self.device = device
        self.chunk_ms = chunk_ms
        self.stall_timeout = stall_timeout
        self.overflows = 0
        self.dropped = 0
        self.lost = False
        self.lost_reason = ""
        self._queue: queue.Queue[tuple[bytes, float]] = queue.Queue(maxsize=max_queue)
        self._stream = None
        self._rate = SAMPLE_RATE
        self._stop = threading.Event()

    # The callback runs on PortAudio's thread: copy and go.
    def _callback(self, indata, frames, time_info, status) -> None:  # pragma: no cover - needs a device
        if status and status.input_overflow:
            self.overflows += 1
        try:
            self._queue.put_nowait((bytes(indata), time.monotonic()))
        except queue.Full:
            self.dropped += 1

    def open(self) -> "MicrophoneSource":
        """Open the stream (16 kHz if the device allows, else its default rate)."""
        try:
            import sounddevice as sd
        except OSError as error:  # PortAudio library missing
            raise AudioDeviceError(f"PortAudio is not available ({error}) for {_device_hint(self.device)}") from error
        rate = SAMPLE_RATE
        try:
            sd.check_input_settings(device=self.device, samplerate=SAMPLE_RATE, channels=1, dtype="int16")
        except Exception:
            try:
                info = sd.query_devices(self.device, "input")
                rate = int(info["default_samplerate"])
            except Exception as error:
                raise AudioDeviceError(f"cannot use {_device_hint(self.device)} ({error})") from error
        self._rate = rate
        blocksize = int(rate * self.chunk_ms / 1000)
        try:
            self._stream = sd.RawInputStream(samplerate=rate, blocksize=blocksize, device=self.device,
                                             channels=1, dtype="int16", callback=self._callback,
                                             latency="high")
            self._stream.start()
        except Exception as error:
            self._stream = None
            raise AudioDeviceError(f"cannot open {_device_hint(self.device)} ({error})") from error
        log.info("microphone open: device=%s rate=%d block=%d", self.device, rate, blocksize)
        return self

    def close(self) -> None:
        self._stop.set()
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception as error:  # closing a vanished device can fail too
                log.warning("closing microphone: %s", error)
            self._stream = None
        if self.overflows or self.dropped:
            log.warning("microphone: %d input overflows, %d blocks dropped", self.overflows, self.dropped)

    def __enter__(self) -> "MicrophoneSource":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[AudioChunk]:
        if self._stream is None:
            self.open()
        reported_overflows = 0
        stalls = 0
        while not self._stop.is_set():
            try:
                pcm, at = self._queue.get(timeout=self.stall_timeout)
            except queue.Empty:
                stream = self._stream
                stalls += 1
                # A stream that stopped is a lost device; so is one that says it is active but
                # has delivered nothing for two stall periods (opened just as the sound server
                # died, PortAudio's ALSA path reports an active stream that never calls back).
                if stream is None or not getattr(stream, "active", False) or stalls >= 2:
                    self.lost = True
                    self.lost_reason = f"no audio from {_device_hint(self.device)}"
                    log.error("microphone lost: %s", self.lost_reason)
                    return
                continue
            stalls = 0
            if self.overflows > reported_overflows:
                log.warning("microphone input overflow (%d so far): audio was lost", self.overflows)
                reported_overflows = self.overflows
            yield AudioChunk(pcm, at, rate=self._rate)


class WavFileSource:
    """Replay a recording as a live source: same chunks and clock, at `speed` x real time.

    `speed=0` (or `math.inf`) replays as fast as possible. Times start at `start` (default: the
    current `time.monotonic()`), so `OnAir` and latency arithmetic work as with a microphone.
    The file is checked when the source is made and read a few seconds at a time while it plays
    (`coach.voice.audio.wav_file`), so a long recording does not sit in memory.
    """

    def __init__(self, path: str | Path, speed: float = 1.0, chunk_ms: int = 20,
                 start: float | None = None) -> None:
        self.path = Path(path)
        self.speed = speed
        self.chunk_ms = chunk_ms
        self.start = start
        try:
            self.info = inspect_wav(self.path)
        except WavError as error:  # says what is wrong and what works
            raise AudioDeviceError(f"cannot use {self.path}: {error}") from error
        self.overflows = 0
        self.lost = False

    @property
    def seconds(self) -> float:
        return self.info.seconds

    def __iter__(self) -> Iterator[AudioChunk]:
        origin = time.monotonic() if self.start is None else self.start
        wall0 = time.monotonic()
        realtime = self.speed and not math.isinf(self.speed)
        for piece, t in pcm_chunks(self.path, self.chunk_ms, SAMPLE_RATE):
            if realtime:
                delay = wall0 + t / self.speed - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield AudioChunk(piece, origin + t)
