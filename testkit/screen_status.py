"""A sample `Status` for the screen's tests (tests/test_screen.py) and for the program they watch
under tmux (tests/screen_demo.py): a hold of the calf squeeze, step 3 of 12, at light pressure."""

from __future__ import annotations

from coach.core.status import Phase, Status

CAN_SAY = ("pause", "softer", "harder", "how long", "more time", "next", "stop")


def sample_status(**changes: object) -> Status:
    """The sample status, with `changes` to any of its fields."""
    base = dict(phase=Phase.HOLD, routine_title="Calf release", step_number=3, step_count=12,
                step_title="Calf squeeze", side="left", hold_remaining=124.3, hold_total=180.0,
                pressure=2, paused=False, last_heard="softer", last_understood=True,
                can_say=CAN_SAY)
    base.update(changes)
    return Status(**base)  # type: ignore[arg-type]
