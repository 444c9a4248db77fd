"""Playing into the private PulseAudio sink (testkit/virtual_audio.py), and watching what plays
there. The coach keeps one output stream open for the whole session, playing exact zeros
between lines, so "speaking" is sound in the sink's monitor, not a sink input being there."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from testkit.testaudio import save_wav
from testkit.virtual_audio import VirtualAudioInfo


def play_into_sink(info: VirtualAudioInfo, samples: np.ndarray) -> None:
    """Play audio to the virtual speaker; the session hears it through the monitor."""
    path = Path(info.runtime_dir) / f"play-{time.monotonic_ns()}.wav"
    save_wav(path, samples)
    subprocess.run(["paplay", "--device", info.sink, str(path)], check=True, timeout=30,
                   env={**os.environ, **info.env})


def sink_inputs(info: VirtualAudioInfo) -> str:
    """`pactl list short sink-inputs` on the private daemon: empty when nothing plays."""
    return subprocess.run(["pactl", "list", "short", "sink-inputs"], capture_output=True,
                          text=True, timeout=10, env={**os.environ, **info.env}).stdout.strip()


SOUNDING = 1e-3
"""Peak above which a 0.1 s block of the sink's monitor counts as sound (the coach's silences
are exact zeros)."""


def _sink_peaks(info: VirtualAudioInfo, timeout: float) -> Iterator[float]:
    """The peak of each 0.1 s block the sink plays (its monitor, through `parec`), until
    `timeout` seconds have passed."""
    proc = subprocess.Popen(
        ["parec", "--device", info.monitor, "--format=float32le", "--rate=16000",
         "--channels=1", "--raw", "--latency-msec=50"],
        stdout=subprocess.PIPE, env={**os.environ, **info.env})
    deadline = time.monotonic() + timeout
    try:
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            block = proc.stdout.read(1600 * 4)
            if not block:
                raise AssertionError("parec stopped recording the sink's monitor")
            yield float(np.max(np.abs(np.frombuffer(block, "<f4"))))
    finally:
        proc.kill()
        proc.wait(timeout=10)


def wait_until_sink_quiet(info: VirtualAudioInfo, quiet_for: float, timeout: float,
                          below: float = SOUNDING) -> None:
    """Wait until nothing has sounded in the virtual sink for `quiet_for` seconds (nothing
    peaking at `below` or more: raise it to wait for the coach's voice under its music)."""
    quiet = 0.0
    for peak in _sink_peaks(info, timeout):
        quiet = quiet + 0.1 if peak < below else 0.0
        if quiet >= quiet_for - 1e-9:
            return
    raise AssertionError(f"the coach kept speaking for {timeout} s")


def wait_until_sink_playing(info: VirtualAudioInfo, timeout: float) -> None:
    """Wait until something sounds in the virtual sink (the coach prints a line before it is
    rendered and played: the sound comes later, by the render time)."""
    for peak in _sink_peaks(info, timeout):
        if peak >= SOUNDING:
            return
    raise AssertionError(f"the coach did not start speaking within {timeout} s")
