"""A private tmux server for the tests that read the screen a person sees."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable


class Tmux:
    """A private tmux server (its own socket), so tests never touch anyone's sessions."""

    def __init__(self, name: str) -> None:
        self.socket = name

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, text=True,
                              capture_output=True, timeout=10).stdout

    def capture(self) -> list[str]:
        return self.run("capture-pane", "-p", "-t", "demo").splitlines()

    def wait_for(self, check: Callable[[list[str]], bool], what: str,
                 timeout: float = 10) -> list[str]:
        deadline = time.monotonic() + timeout
        lines = self.capture()
        while not check(lines):
            if time.monotonic() > deadline:
                size = self.run("display", "-p", "-t", "demo", "#{pane_width}x#{pane_height}").strip()
                raise AssertionError(f"timed out waiting for {what}; pane ({size}):\n"
                                     + "\n".join(lines))
            time.sleep(0.1)
            lines = self.capture()
        return lines
