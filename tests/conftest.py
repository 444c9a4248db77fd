"""Shared test fixtures: the PulseAudio virtual speaker/microphone and a recorder of its monitor.

`virtual_audio` (session scope) starts one private PulseAudio daemon with a 16 kHz mono null
sink whose monitor is the default input (see coach/voice/virtual_audio.py). Without PulseAudio
the tests that use it are skipped with the reason, except on CI (env ``CI`` set), where a
missing audio stack is a broken build and the fixture fails loudly instead.

`sink_recorder` records the monitor (what the coach "said") with a monotonic timestamp per
block. It waits for the first input block before handing over, because the first input stream
in a process stalls 0.7-1.9 s (and the null sink only runs in real time while something reads
its monitor).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from coach.voice.virtual_audio import VirtualAudio, VirtualAudioError, VirtualAudioInfo


@pytest.fixture(scope="session")
def virtual_audio() -> Iterator[VirtualAudioInfo]:
    audio = VirtualAudio()
    try:
        info = audio.start()
    except VirtualAudioError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the PulseAudio virtual device but it did not start: {exc}")
        pytest.skip(f"PulseAudio virtual device unavailable: {exc}")
    try:
        yield info
    finally:
        audio.stop()


class SinkRecorder:
    """Records the virtual sink's monitor: `blocks` is a list of (monotonic end time, samples)."""

    def __init__(self, rate: int = 16000, block: int = 160) -> None:
        import sounddevice as sd

        self.rate = rate
        self.blocks: list[tuple[float, np.ndarray]] = []
        self.overflows = 0
        self._first = threading.Event()

        def callback(indata: np.ndarray, frames: int, t: Any, status: Any) -> None:
            if status.input_overflow:
                self.overflows += 1
            self.blocks.append((time.monotonic(), indata[:, 0].copy()))
            self._first.set()

        self.stream = sd.InputStream(
            samplerate=rate, channels=1, dtype="float32", latency="high", blocksize=block,
            callback=callback,
        )

    def start(self, timeout: float = 5.0) -> None:
        self.stream.start()
        if not self._first.wait(timeout):
            raise RuntimeError("the monitor recorder never delivered audio")
        time.sleep(0.2)  # let the stall's backlog drain

    def close(self) -> None:
        self.stream.stop()
        self.stream.close()

    def rms_between(self, start: float, end: float) -> float:
        """RMS of the blocks captured (by arrival time) in [start, end]."""
        chunks = [b for t, b in list(self.blocks) if start <= t <= end]
        if not chunks:
            return 0.0
        data = np.concatenate(chunks)
        return float(np.sqrt(np.mean(data.astype(np.float64) ** 2)))

    def loud_times(self, threshold: float = 0.01) -> list[float]:
        """Arrival times of blocks whose RMS is above `threshold`."""
        return [t for t, b in list(self.blocks) if float(np.sqrt(np.mean(b**2))) > threshold]


@pytest.fixture
def sink_recorder(virtual_audio: VirtualAudioInfo) -> Iterator[SinkRecorder]:
    recorder = SinkRecorder(rate=virtual_audio.rate)
    recorder.start()
    try:
        yield recorder
    finally:
        recorder.close()
