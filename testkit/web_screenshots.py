"""The README's screenshots of the live page: three moments of the Thai sit, light and dark.

    python -m testkit.web_screenshots docs/screenshots

A real typed session (`run --text --quiet --screen web`) is driven to each moment and a headless
Chromium (testkit/browser.py) photographs the page, once per theme. Kept out of the tests (the
pictures are for people; the tests check the same page by its contents).
"""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from testkit.browser import chromium

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 960, 600


class Typed:
    """A typed session whose lines (stdout and stderr) can be waited for."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "coach", "run", *args],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, cwd=ROOT, bufsize=1)
        self.lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if re.search(pattern, line):
                return line

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    coach = Typed("thai-hamstring-sit", "--text", "--quiet", "--side", "left", "--screen", "web")
    url = coach.expect(r"^Live page: ").split()[-1]
    with chromium(WIDTH, HEIGHT) as light, chromium(WIDTH, HEIGHT, dark=True) as dark:
        for driver in (light, dark):
            driver.get(url)

        def shoot(name: str) -> None:
            time.sleep(0.6)  # a pushed snapshot is drawn within 0.1 s
            for theme, driver in (("light", light), ("dark", dark)):
                driver.save_screenshot(str(folder / f"web-{name}-{theme}.png"))

        coach.expect(r"heart condition\?")
        while True:  # the safety questions: no to each, then yes to the read-back
            coach.type("no")
            line = coach.expect(r"\?$")
            if line.startswith("coach: So: "):
                coach.type("yes")
                break
        coach.expect(r"Say next when you're ready")
        coach.type("next")
        coach.expect(r"Say next when you're done")
        shoot("1-step")
        coach.type("next")
        coach.expect(r"until the tissue softens")
        time.sleep(2.5)
        coach.type("softer")
        coach.expect(r"^coach: Lighter")
        shoot("2-hold")
        coach.type("stop")
        coach.expect(r"^coach: Stopped")
        shoot("3-stopped")
        coach.type("end session")
        coach.process.wait(30)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
