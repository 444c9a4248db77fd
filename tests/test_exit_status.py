"""Exit statuses have one home, `coach.exit_status.ExitStatus`: no bare number is passed to an
exit, so a status cannot drift from what it means (2 had three names and two bare uses)."""

from __future__ import annotations

import re
import signal
from pathlib import Path

from coach.exit_status import ExitStatus

COACH = Path(__file__).resolve().parent.parent / "coach"
BARE_EXIT = re.compile(r"\b(?:exit|_exit|SystemExit)\(\s*\d")


def test_no_exit_in_coach_is_given_a_bare_number() -> None:
    bare = [f"{path.relative_to(COACH.parent)}:{number}: {line.strip()}"
            for path in sorted(COACH.rglob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if BARE_EXIT.search(line)]
    assert not bare, "use coach.exit_status.ExitStatus instead of a number:\n" + "\n".join(bare)


def test_the_statuses_keep_their_numbers() -> None:
    """Scripts and the tests tell outcomes apart by these numbers; they never change."""
    assert [int(status) for status in ExitStatus] == [0, 1, 2, 130]
    assert ExitStatus.after_signal(signal.SIGINT) == ExitStatus.INTERRUPTED
    assert ExitStatus.after_signal(signal.SIGTERM) == 143
