"""Text mode as a new user meets it: what is shown, and the advice given."""

from __future__ import annotations

from coach.core.routine import Side
from coach.routine_format.library import load
from testkit.coach_process import CoachProcess, start_first_spot


def steps_in(routine_id: str) -> int:
    """Steps as the session counts them: a step with sides once per side."""
    return len(load(routine_id).expanded_steps(Side.LEFT))


def test_text_mode_shows_each_steps_title_as_it_starts() -> None:
    """The format promises a title is announced when its step starts; text mode never showed
    one."""
    coach = CoachProcess("thai-hamstring-sit", "--text", "--quiet", "--side", "left",
                         "--no-screen")
    start_first_spot(coach)
    count = steps_in("thai-hamstring-sit")
    heading = coach.seen.index(f"== Step 1 of {count}: Find the centre of the thigh (left) ==")
    assert coach.seen[heading + 1].startswith("coach: ")  # before the step's own lines
    assert any(line.startswith(f"== Step 2 of {count}: ") for line in coach.seen)
    coach.type("end session")
    assert coach.finish() == 0


def test_a_missing_speaker_is_reported_once_with_the_right_options(tmp_path) -> None:
    """The advice named `--device` (the options are --input-device and --output-device),
    suggested --text to someone already using it, and came twice (a log line and a note)."""
    import os
    import subprocess
    import sys

    from testkit.coach_process import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "coach", "run", "thai-hamstring-sit", "--text", "--no-screen",
         "--output-device", "no-such-speaker-here"], input="end session\n", text=True,
        capture_output=True, timeout=60, cwd=ROOT,
        env={**os.environ, "MASSAGE_COACH_DATA": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("cannot play sound") == 1, result.stderr
    assert "WARNING" not in result.stderr
    assert "--output-device" in result.stderr
    assert "`--device`" not in result.stderr and "--device " not in result.stderr
    assert "--text" not in result.stderr
