"""`massage-coach run ... --text` in a subprocess, read expect-style, and the typed answers that
take a session to its first hold: for the tests that drive the real CLI."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from coach.routine_format.library import find
from coach.routine_format.loader import load_routine

ROOT = Path(__file__).resolve().parents[1]
"""The repository: the working folder of every program a test starts."""


class CoachProcess:
    """`massage-coach run ... --text` in a subprocess, with expect-style reading.

    Every one started is killed when its test ends (`kill_leftovers`, an autouse fixture in
    conftest.py): a failed expect must not leave a session running, retrying a lost microphone
    and taking CPU from the tests after it.
    """

    running: "list[subprocess.Popen[str]]" = []

    def __init__(self, *args: str, env: dict[str, str] | None = None,
                 coach_options: tuple[str, ...] = ()) -> None:
        # coach_options go before `run` (e.g. "-v" for the INFO log on stderr)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "coach", *coach_options, "run", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            cwd=ROOT, env={**os.environ, **(env or {})}, bufsize=1)
        CoachProcess.running.append(self.process)
        self.lines: "queue.Queue[str | None]" = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def expect(self, pattern: str, timeout: float = 20) -> tuple[str, float]:
        """Wait for a line matching `pattern`; returns it and how long it took."""
        started = time.monotonic()
        deadline = started + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line matching {pattern!r}; saw:\n" +
                                     "\n".join(self.seen[-30:]))
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"process ended before {pattern!r}; saw:\n" +
                                     "\n".join(self.seen[-30:]))
            self.seen.append(line)
            if re.search(pattern, line):
                return line, time.monotonic() - started

    @classmethod
    def kill_leftovers(cls) -> None:
        """Kill every process started by a CoachProcess that is still running."""
        while cls.running:
            process = cls.running.pop()
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)

    def finish(self, timeout: float = 30) -> int:
        code = self.process.wait(timeout=timeout)
        while (line := self.lines.get(timeout=5)) is not None:
            self.seen.append(line)
        return code


def screening_count() -> int:
    return len(load_routine(find("thai-hamstring-sit")).contraindications)


def answer_screening(coach: CoachProcess) -> None:
    """No to each safety question, then yes when the answers are read back: typed answers are
    confirmed like spoken ones."""
    for _ in range(screening_count()):
        coach.expect(r"\?$")
        coach.type("no")
    coach.expect(r"^coach: So: no heart condition, .* Is that right\?$")
    coach.type("yes")


def start_first_spot(coach: CoachProcess) -> float:
    """Answer the screening, start, pass the first step: the first hold is about to run.
    Returns the real time it took for the hold's instruction to appear after "next"."""
    answer_screening(coach)
    coach.expect(r"Say next when you're ready")
    coach.type("next")
    coach.expect(r"Say next when you're done")
    coach.type("next")
    return coach.expect(r"until the tissue softens")[1]
