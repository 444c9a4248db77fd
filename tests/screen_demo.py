"""Runs `LiveScreen` through a few statuses, for tests/test_screen.py to watch under tmux.

Usage: python tests/screen_demo.py CONTROL_DIR. Each stage waits for CONTROL_DIR/go-N to exist,
so the test decides when the picture changes and can capture each one.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from coach.app.screen import LiveScreen
from coach.core.status import Phase, Status
from testkit.screen_status import sample_status


def status(**changes: object) -> Status:
    """The sample status, at 2:05 left."""
    return sample_status(**{"hold_remaining": 125.0, **changes})


def wait_for(control: Path, name: str) -> None:
    while not (control / name).exists():
        time.sleep(0.05)


def main() -> None:
    control = Path(sys.argv[1])
    with LiveScreen() as screen:
        screen.show_line("Ease off a little.")
        screen.update(status())
        wait_for(control, "go-1")
        screen.update(status(phase=Phase.PAUSED, paused=True, hold_remaining=64.2,
                             step_title="Heel drag", side="right", pressure=4,
                             last_heard="pass the towel", last_understood=False))
        wait_for(control, "go-2")
        # A real running countdown, updated 10 times a second.
        start = time.monotonic()
        while not (control / "go-3").exists():
            remaining = max(0.0, 9.0 - (time.monotonic() - start))
            screen.update(status(hold_remaining=remaining))
            time.sleep(0.1)
    print("screen closed", flush=True)
    wait_for(control, "go-4")


if __name__ == "__main__":
    main()
