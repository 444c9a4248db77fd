"""A microphone that disappears mid-session: the session pauses, says so, recovers, never crashes.

The "microphone" is the monitor of a private PulseAudio daemon; the test kills the daemon under
the running program, then starts it again at the same socket.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from coach.voice.virtual_audio import VirtualAudio, VirtualAudioError
from tests.test_cli_run_text import CoachProcess

VOICE_TEST = str(Path(__file__).resolve().parents[1] / "tests" / "data" / "voice-test.yaml")


@pytest.mark.audio
def test_lost_microphone_pauses_and_comes_back(tmp_path):
    audio = VirtualAudio()
    try:
        info = audio.start()
    except VirtualAudioError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PulseAudio here: {error}")
    env = {**os.environ, **info.env}
    try:
        coach = CoachProcess(VOICE_TEST, "--quiet", "--no-screen", "--engine", "pocketsphinx",
                             env={**info.env, "MASSAGE_COACH_DATA": str(tmp_path)})
        coach.expect(r"Say next when you're ready to begin", timeout=60)

        subprocess.run(["pulseaudio", "--kill"], env=env, timeout=10, check=False)
        line, _ = coach.expect(r"I lost the audio device", timeout=20)
        assert "microphone" in line and "timer is paused" in line

        subprocess.run(["pulseaudio", "-D", "--system=false", "--exit-idle-time=-1",
                        "--disallow-exit", "-n", "-F", str(Path(info.runtime_dir) / "virt.pa")],
                       env=env, timeout=20, check=True)
        coach.expect(r"The audio device is back", timeout=30)

        coach.process.send_signal(signal.SIGINT)
        assert coach.finish() == 130
        assert not any("Traceback" in line for line in coach.seen)
    finally:
        audio.stop()
