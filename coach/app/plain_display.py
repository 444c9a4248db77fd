"""The plain display: what the coach says, printed one line each (text mode, pipes and CI).

Why its own module, beside screen.py (the rich terminal screen) and web_screen.py (the page):
the three are the display adapters the runner talks to through `DisplayLike`; the runner only
runs the loop.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from coach.core.plain_text import printable
from coach.core.status import Status

log = logging.getLogger(__name__)


class PlainDisplay:
    """Prints what the coach says, one line each: text mode, pipes and CI."""

    def __init__(self, stream: TextIO | None = None, prefix: str = "coach: ") -> None:
        self.stream: TextIO | None = stream or sys.stdout
        self.prefix = prefix

    def show_line(self, text: str) -> None:
        """One line, control characters escaped. A reader that went away (`| head -1`) is not
        an error for the session: the coaching goes on, unprinted."""
        if self.stream is None:
            return
        try:
            print(f"{self.prefix}{printable(text)}", file=self.stream, flush=True)
        except BrokenPipeError:
            log.info("the output was closed; the coach's lines are no longer printed")
            self._stop_printing()

    def _stop_printing(self) -> None:
        import os

        try:  # so that the interpreter's last flush does not fail on the closed pipe either
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        self.stream = None

    def update(self, status: Status) -> None:
        pass  # a plain log has no live view

    def step_started(self, number: int, count: int, title: str, side: str | None) -> None:
        """A heading line when a step starts: "== Step 2 of 8: Sit on the thigh (left) ==". """
        if self.stream is None or not title:
            return
        where = f" ({side})" if side else ""
        try:
            print(printable(f"== Step {number} of {count}: {title}{where} =="),
                  file=self.stream, flush=True)
        except BrokenPipeError:
            self._stop_printing()

    def __enter__(self) -> "PlainDisplay":
        return self

    def __exit__(self, *exc: object) -> None:
        pass
