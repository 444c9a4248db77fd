"""The talk before starting, remembered for a named receiver through the real CLI and history:
a note typed during the set-up comes back at the next set-up with `--for NAME`."""

from __future__ import annotations

from testkit.coach_process import CoachProcess, answer_screening


def test_what_was_agreed_before_starting_comes_back_next_time(tmp_path):
    env = {"MASSAGE_COACH_DATA": str(tmp_path)}
    args = ("thai-hamstring-sit", "--text", "--quiet", "--side", "left", "--for", "Sam",
            "--no-screen")
    first = CoachProcess(*args, env=env)
    answer_screening(first)
    first.expect(r"talk for a moment about where it is sore")
    first.expect(r"Say next when you're ready")
    first.type("note keep away from the left calf, likes it light")
    first.expect(r"^coach: Noted: keep away from the left calf, likes it light\.$")
    first.type("end session")
    assert first.finish() == 0

    second = CoachProcess(*args, env=env)
    answer_screening(second)
    line, _ = second.expect(r"A note from last time: keep away from the left calf")
    second.expect(r"Say next when you're ready")
    second.type("end session")
    assert second.finish() == 0
    assert second.seen.index(line) < next(i for i, seen in enumerate(second.seen)
                                          if "talk for a moment" in seen)
