"""History and receiver profiles through the real CLI: remembered across runs, kept when killed."""

from __future__ import annotations

import signal

from coach.history import History
from tests.test_cli_run_text import CoachProcess, start_first_spot


def test_the_receivers_pressure_and_notes_come_back_next_time(tmp_path):
    env = {"MASSAGE_COACH_DATA": str(tmp_path)}
    args = ("thai-hamstring-sit", "--text", "--quiet", "--side", "left", "--for", "Sam",
            "--no-screen")
    first = CoachProcess(*args, env=env)
    start_first_spot(first)
    first.type("softer")
    first.expect(r"Lighter: level two")
    first.type("note knot near the sit bone")
    first.expect(r"^coach: Noted: knot near the sit bone\.$")
    first.type("end session")
    assert first.finish() == 0

    second = CoachProcess(*args, env=env)
    second.expect(r"Last time Sam liked light pressure on the hamstrings: starting at level two\.")
    start_first_spot(second)
    assert any("A note from last time: knot near the sit bone" in line for line in second.seen)
    second.type("end session")
    assert second.finish() == 0

    with History.open(tmp_path / "history.sqlite3") as history:
        assert history.preferred_pressure("Sam", "thai-hamstring-sit") == 2
        assert len(history.sessions()) == 2


def test_killing_the_program_mid_hold_keeps_the_history(tmp_path):
    coach = CoachProcess("thai-hamstring-sit", "--text", "--quiet", "--side", "left",
                         "--no-screen", env={"MASSAGE_COACH_DATA": str(tmp_path)})
    start_first_spot(coach)
    coach.type("harder")
    coach.expect(r"Firmer: level four")
    coach.type("how long")
    coach.expect(r"left\.$")
    coach.process.send_signal(signal.SIGKILL)
    coach.process.wait(timeout=10)

    with History.open(tmp_path / "history.sqlite3") as history:
        (session,) = history.sessions()
        assert session.outcome == "unfinished"
        kinds = [entry.kind for entry in history.timeline(session.id)]
        assert "step" in kinds and "pressure" in kinds
        heard = [entry.data.get("intent") for entry in history.timeline(session.id)
                 if entry.kind == "heard"]
        assert heard[-2:] == ["harder", "how_long"]
