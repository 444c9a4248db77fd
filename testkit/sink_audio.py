"""Playing into the private PulseAudio sink (testkit/virtual_audio.py), and watching what plays
there: the coach opens one output stream per line, so a sink input on the sink is the coach
speaking (or a test's own clip playing)."""

from __future__ import annotations

import os
import subprocess
import time
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


def wait_until_sink_quiet(info: VirtualAudioInfo, quiet_for: float, timeout: float) -> None:
    """Wait until nothing has played into the virtual sink for `quiet_for` seconds (the coach
    opens one output stream per line, so no sink input = not speaking)."""
    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        if sink_inputs(info):
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_for:
            return
        time.sleep(0.1)
    raise AssertionError(f"the coach kept speaking for {timeout} s")


def wait_until_sink_playing(info: VirtualAudioInfo, timeout: float) -> None:
    """Wait until something plays into the virtual sink (the coach opens an output stream per
    line, after rendering it: the printed line comes earlier, by the render time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sink_inputs(info):
            return
        time.sleep(0.05)
    raise AssertionError(f"the coach did not start speaking within {timeout} s")
