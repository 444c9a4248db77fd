"""Text mode as a new user meets it: what is shown, and the advice given."""

from __future__ import annotations

from tests.test_cli_run_text import CoachProcess, start_first_spot


def test_text_mode_shows_each_steps_title_as_it_starts() -> None:
    """The format promises a title is announced when its step starts; text mode never showed
    one."""
    coach = CoachProcess("thai-hamstring-sit", "--text", "--quiet", "--side", "left",
                         "--no-screen")
    start_first_spot(coach)
    heading = coach.seen.index("== Step 1 of 8: Find the centre of the thigh (left) ==")
    assert coach.seen[heading + 1].startswith("coach: ")  # before the step's own lines
    assert any(line.startswith("== Step 2 of 8: ") for line in coach.seen)
    coach.type("end session")
    assert coach.finish() == 0
