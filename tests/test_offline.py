""""Nothing goes over the network, ever" (README): a voice session and `hear`, offline.

Each program runs in a network namespace of its own (`unshare -n`: only a loopback that is
down) and, inside it, with every Internet socket refused and logged: `connect`, `connect_ex`,
`sendto` on an AF_INET/AF_INET6 socket and every name lookup. So the test proves two things:
the program works with no network at all, and it never even tries (an attempt that the program
caught and shrugged off would still be in the log). Unix sockets (PulseAudio, the TTS worker's
pipe) are not network and are allowed.

Seen to catch: `hear` made to fetch a URL first and ignore the failure (as a "check for a newer
model" might): the log showed the `create_connection` to example.org, and the test failed.

What it does NOT prove, and why tests/test_no_network.py exists (issue 25): the guard patches
Python's socket functions only, so a native library (onnxruntime's telemetry resolving its
collector through glibc) and `socket.sendmsg` pass it by; a `sendmsg` to port 53 at the start of
a session passed all three tests here. Inside the namespace such attempts fail quietly
(ENETUNREACH), and nothing here records them.
This file stays for what it does prove: the programs *work* with no network at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from testkit.testaudio import SAMPLE_RATE, command_clip, noise_floor, save_wav

ROOT = Path(__file__).resolve().parents[1]
VOICE_TEST = str(ROOT / "tests" / "data" / "voice-test.yaml")

GUARD = r'''
"""Run `python -m coach` with every Internet socket refused and each attempt logged."""
import json, os, runpy, socket, sys

LOG = os.environ["COACH_NETWORK_LOG"]
NET = (socket.AF_INET, socket.AF_INET6)


def refuse(what, detail):
    with open(LOG, "a") as log:
        log.write(json.dumps({"call": what, "detail": repr(detail)}) + "\n")
    raise OSError(f"the offline test refuses network use: {what} {detail!r}")


def guard(name):
    original = getattr(socket.socket, name)

    def checked(self, *args):
        if self.family in NET:
            refuse(name, args)
        return original(self, *args)
    setattr(socket.socket, name, checked)


for name in ("connect", "connect_ex", "sendto"):
    guard(name)
for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_connection"):
    setattr(socket, name, lambda *args, _name=name: refuse(_name, args))
sys.argv = ["massage-coach", *sys.argv[1:]]
runpy.run_module(os.environ.get("COACH_GUARD_MODULE", "coach"), run_name="__main__",
                 alter_sys=True)
'''


def isolation() -> list[str]:
    """`unshare -n` where the machine allows a network namespace (root, or CI), else nothing
    (the socket guard still catches every attempt)."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"],
                                                  capture_output=True).returncode == 0:
        return ["unshare", "-n"]
    return []


@pytest.fixture
def offline(tmp_path):
    """Runs the CLI offline; returns (run, attempts) where attempts() reads the log."""
    guard = tmp_path / "offline_guard.py"
    guard.write_text(GUARD)
    log = tmp_path / "network.log"
    env = {**os.environ, "COACH_NETWORK_LOG": str(log), "MASSAGE_COACH_DATA": str(tmp_path)}

    def run(*args: str, timeout: float = 120, module: str = "coach",
            path: Path | None = None) -> subprocess.CompletedProcess[str]:
        extra = {"COACH_GUARD_MODULE": module}
        if path is not None:
            extra["PYTHONPATH"] = str(path)
        return subprocess.run([*isolation(), sys.executable, str(guard), *args],
                              capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                              env={**env, **extra})

    def attempts() -> list[dict]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() \
            else []

    return run, attempts


def recording(path: Path) -> Path:
    """Commands the default engine hears in this routine (see test_voice_session.py)."""
    def quiet(seconds: float, seed: int) -> np.ndarray:
        return noise_floor(int(seconds * SAMPLE_RATE), seed=seed)

    save_wav(path, np.concatenate([
        quiet(3.0, 1), command_clip("continue", "en-gb", 170), quiet(8.0, 2),
        command_clip("how much time", "en-gb", 170), quiet(2.0, 3),
        command_clip("stop", "en-us", 170), quiet(2.0, 4)]))
    return path


def test_the_guard_catches_an_attempt_the_program_shrugs_off(offline, tmp_path):
    """The harness can fail: a module that tries the network and ignores the error (as a
    "check for a newer model" might) still leaves its attempt in the log."""
    run, attempts = offline
    (tmp_path / "phone_home.py").write_text(
        "import urllib.request\n"
        "try:\n    urllib.request.urlopen('http://example.org/latest', timeout=2)\n"
        "except OSError:\n    pass\nprint('carried on')\n")
    result = run(timeout=60, module="phone_home", path=tmp_path)
    assert result.returncode == 0 and "carried on" in result.stdout, result.stderr
    assert any("example.org" in a["detail"] for a in attempts()), attempts()


def test_a_voice_session_from_a_recording_works_offline(offline, tmp_path):
    run, attempts = offline
    result = run("run", VOICE_TEST, "--audio-in", str(recording(tmp_path / "commands.wav")),
                 "--quiet", "--no-screen")
    assert result.returncode == 0, result.stderr
    assert "Rest both hands on your thighs." in result.stdout  # "continue" started the step
    assert "seconds left." in result.stdout  # "how much time"
    assert "Stopped. Say resume" in result.stdout
    assert attempts() == [], attempts()
    assert (tmp_path / "history.sqlite3").is_file()  # and it was recorded, locally


def test_hear_works_offline(offline, tmp_path):
    run, attempts = offline
    result = run("hear", str(recording(tmp_path / "commands.wav")), "--json")
    assert result.returncode == 0, result.stderr
    assert {"next", "stop"} <= set(result.stdout.replace('"', " ").split()), result.stdout
    assert attempts() == [], attempts()
