"""The whole program under tmux in text mode: type commands, read the screen a person sees."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from testkit.coach_process import screening_count
from testkit.tmux import Tmux

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


SERVER = Tmux(f"coach-e2e-{uuid.uuid4().hex[:8]}")  # a private tmux server: never the user's


def tmux(*args: str) -> str:
    return SERVER.run(*args)


def wait_for_pane(name: str, text: str, timeout: float = 20) -> str:
    """The pane once it shows `text` and has been drawn whole: the same in two captures 0.2 s
    apart. A capture can land inside a frame's write (tmux takes the terminal's output as it
    comes): on a busy machine one showed the new frame's "PAUSED" header above the previous
    frame's lines."""
    deadline = time.monotonic() + timeout
    pane, last = "", None
    while time.monotonic() < deadline:
        pane = tmux("capture-pane", "-t", name, "-p")
        if text in pane and pane == last:
            return pane
        last = pane if text in pane else None
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared on a settled screen; it shows:\n{pane}")


def test_live_screen_follows_a_typed_session(tmp_path):
    name = f"coach-{uuid.uuid4().hex[:8]}"
    command = (f"cd {shlex.quote(str(ROOT))} && env -u COLUMNS -u LINES "
               f"MASSAGE_COACH_DATA={shlex.quote(str(tmp_path))} {shlex.quote(sys.executable)} "
               f"-m coach run thai-hamstring-sit --text --quiet --side left; sleep 30")
    tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command)
    try:
        wait_for_pane(name, "Thai hands-free hamstring sit")
        for _ in range(screening_count()):
            tmux("send-keys", "-t", name, "no", "Enter")
            time.sleep(0.15)
        tmux("send-keys", "-t", name, "yes", "Enter")  # the answers read back: right
        time.sleep(0.15)
        tmux("send-keys", "-t", name, "next", "Enter")
        wait_for_pane(name, "FIND THE CENTRE")
        tmux("send-keys", "-t", name, "next", "Enter")
        pane = wait_for_pane(name, "SIT ON THE FIRST SPOT")
        assert "LEFT SIDE" in pane and "step 2 of 6" in pane  # two spots per leg
        tmux("send-keys", "-t", name, "softer", "Enter")
        pane = wait_for_pane(name, "2 light")
        assert "understood" in pane and "softer" in pane
        assert pane.count("████") > 20  # the big countdown digits fill the middle
        assert "how long" in pane  # what can be said now
        tmux("send-keys", "-t", name, "pass the towel", "Enter")
        pane = wait_for_pane(name, "not understood")
        tmux("send-keys", "-t", name, "pause", "Enter")
        pane = wait_for_pane(name, "PAUSED")
        # The paused screen fits 80 columns. A capture is cut at the pane's width, so also
        # check that nothing was cut: the coach's line and the whole list of what to say.
        # (`capture-pane -J` cannot tell: a row drawn exactly 80 cells wide is flagged as
        # wrapped into the next.)
        assert all(len(line) <= 80 for line in pane.splitlines()), pane
        assert "Coach: Paused. Say resume when you're ready." in pane, pane
        say = " ".join(line.strip() for line in pane.splitlines() if "·" in line)
        assert say.startswith("Say: resume · stop") and say.endswith("end session"), pane
        assert "…" not in pane, pane
    finally:
        subprocess.run(["tmux", "-L", SERVER.socket, "kill-server"], capture_output=True,
                       timeout=10)
