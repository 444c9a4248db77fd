"""A microphone that disappears mid-session: the session pauses, says so, recovers, never crashes.

The "microphone" is the monitor of a private PulseAudio daemon; the test kills the daemon under
the running program, then starts it again at the same socket.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import threading

import pytest

from coach.voice.audio.devices import open_within
from coach.voice.audio.devices import AudioDeviceError
from testkit.virtual_audio import VirtualAudio, VirtualAudioError
from testkit.coach_process import CoachProcess
from testkit.sink_audio import sink_inputs

VOICE_TEST = str(Path(__file__).resolve().parents[1] / "tests" / "data" / "voice-test.yaml")


@pytest.fixture
def own_audio():
    """A private PulseAudio daemon of this test's own, which the test may kill (its info).
    Skipped without PulseAudio, except on CI where that is a broken build."""
    audio = VirtualAudio()
    try:
        info = audio.start()
    except VirtualAudioError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PulseAudio here: {error}")
    try:
        yield info
    finally:
        audio.stop()


@pytest.mark.audio
def test_lost_microphone_pauses_and_comes_back(tmp_path, own_audio):
    info = own_audio
    env = {**os.environ, **info.env}
    coach = CoachProcess(VOICE_TEST, "--quiet", "--no-screen", "--engine", "pocketsphinx",
                         env={**info.env, "MASSAGE_COACH_DATA": str(tmp_path)})
    coach.expect(r"Say continue when you're ready to begin", timeout=60)

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


@pytest.mark.audio
def test_speaker_lost_in_the_middle_of_a_line_pauses_and_carries_on_in_print(tmp_path,
                                                                             own_audio):
    """The sound server dies while the coach is reading its welcome aloud. Listening is from a
    recording (`--audio-in`), so only the output is lost: the line in flight fails, the
    session pauses and says why (in print: there is no speaker), and it runs on to the end of
    the recording without a traceback."""
    import numpy as np

    from testkit.testaudio import SAMPLE_RATE, noise_floor, save_wav

    info = own_audio
    env = {**os.environ, **info.env}
    quiet = tmp_path / "quiet.wav"
    # Long enough that a slow first line (seen once in CI: nothing on the air 10 s after the
    # welcome was printed) still starts well before the recording, and the session, ends.
    save_wav(quiet, noise_floor(20 * SAMPLE_RATE).astype(np.float32))
    coach = CoachProcess(VOICE_TEST, "--no-screen", "--engine", "pocketsphinx",
                         "--audio-in", str(quiet),
                         env={**info.env, "MASSAGE_COACH_DATA": str(tmp_path)},
                         coach_options=("-v",))  # the log says why, should it fail
    coach.expect(r"^coach: Welcome\.", timeout=60)
    deadline = time.monotonic() + 15
    while not sink_inputs(info) and time.monotonic() < deadline:  # a line is on the air
        time.sleep(0.05)
    assert sink_inputs(info), "the coach never started speaking:\n" + "\n".join(coach.seen)
    time.sleep(0.5)
    subprocess.run(["pulseaudio", "--kill"], env=env, timeout=10, check=False)
    line, _ = coach.expect(r"I lost the audio device", timeout=15)
    assert "the speaker" in line and "timer is paused" in line, line
    assert coach.finish(timeout=60) == 0
    text = "\n".join(coach.seen)
    assert "Traceback" not in text, text
    assert "coach: Ending the session here." in coach.seen, text  # the recording's end


class Opened:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_a_quick_open_returns_the_source():
    source = Opened()
    assert open_within(lambda: source, "the default microphone", seconds=5) is source


def test_an_open_that_hangs_is_a_lost_device_and_closed_if_it_ever_finishes():
    release = threading.Event()
    late = Opened()

    def hangs() -> Opened:
        release.wait(10)
        return late

    with pytest.raises(AudioDeviceError, match="the default microphone did not open within"):
        open_within(hangs, "the default microphone", seconds=0.2)
    release.set()
    for _ in range(100):
        if late.closed:
            break
        threading.Event().wait(0.02)
    assert late.closed


def test_an_open_that_fails_names_the_device():
    def fails() -> Opened:
        raise OSError("Pa_OpenStream: Internal PortAudio error")

    with pytest.raises(AudioDeviceError, match="cannot open microphone 3: .*Internal PortAudio"):
        open_within(fails, "microphone 3", seconds=5)
