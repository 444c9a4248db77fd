"""History and receiver profiles through the real CLI: remembered across runs, kept when killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from coach.app.history import History
from testkit.coach_process import ROOT, CoachProcess, start_first_spot


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


def test_a_preference_survives_kill_9(tmp_path):
    """`--for Lee`, "softer", then SIGKILL: the next session still starts where Lee likes it."""
    env = {"MASSAGE_COACH_DATA": str(tmp_path)}
    args = ("thai-hamstring-sit", "--text", "--quiet", "--side", "left", "--for", "Lee",
            "--no-screen")
    first = CoachProcess(*args, env=env)
    start_first_spot(first)
    first.type("softer")
    first.expect(r"Lighter: level two")
    first.type("how long")  # one more round trip: "softer" has been handled and recorded
    first.expect(r"left\.$")
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)

    second = CoachProcess(*args, env=env)
    second.expect(r"Last time Lee liked light pressure on the hamstrings: starting at level two\.")
    second.process.kill()


def _run(tmp_path, *args, stdin=b"", timeout=60):
    env = {**os.environ, "MASSAGE_COACH_DATA": str(tmp_path), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "coach", "run", *args], input=stdin, env=env,
                          capture_output=True, timeout=timeout, cwd=ROOT)


def test_a_session_that_never_started_is_not_recorded(tmp_path):
    """Input closed at once, or the reader of the output gone: no entry of no length."""
    result = _run(tmp_path, "thai-hamstring-sit", "--text", "--quiet", "--no-screen")
    assert result.returncode == 0, result.stderr
    env = {**os.environ, "MASSAGE_COACH_DATA": str(tmp_path), "PYTHONPATH": str(ROOT)}
    piped = subprocess.run(
        f"{sys.executable} -m coach run thai-hamstring-sit --text --quiet --no-screen "
        "< /dev/null | head -1", shell=True, env=env, capture_output=True, timeout=60, cwd=ROOT)
    assert piped.stdout.decode().startswith("coach: Welcome.")
    assert b"Traceback" not in piped.stderr
    with History.open(tmp_path / "history.sqlite3") as history:
        assert history.sessions() == []
    # ...while a session the person answered is recorded, from its start.
    answered = _run(tmp_path, "thai-hamstring-sit", "--text", "--quiet", "--no-screen",
                    stdin=b"no\n")
    assert answered.returncode == 0
    with History.open(tmp_path / "history.sqlite3") as history:
        [session] = history.sessions()
        kinds = [entry.kind for entry in history.timeline(session.id)]
        assert kinds[:3] == ["session_start", "session_started", "heard"]


def test_bytes_that_are_not_utf8_on_stdin(tmp_path):
    """One stray byte once ended the session with a traceback and left it unfinished."""
    result = _run(tmp_path, "thai-hamstring-sit", "--text", "--quiet", "--no-screen",
                  stdin=b"no\ncaf\xe9\n\x1b[31mred\x07\n" + bytes(range(256)) + b"\nno\n")
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr and b"\x1b" not in result.stdout
    with History.open(tmp_path / "history.sqlite3") as history:
        [session] = history.sessions()
        assert session.outcome == "ended early"
        texts = [entry.data.get("text") for entry in history.timeline(session.id)
                 if entry.kind in ("heard", "not_understood")]
        assert "caf\ufffd" in texts and "\\x1b[31mred\\x07" in texts


def test_steps_done_is_counted_one_way_everywhere(tmp_path):
    """Once: spoken "one of eight steps", timeline "1 steps done", JSON and list 2."""
    import json

    from click.testing import CliRunner

    from coach.cli import main

    coach = CoachProcess("thai-hamstring-sit", "--text", "--quiet", "--side", "left",
                         "--no-screen", env={"MASSAGE_COACH_DATA": str(tmp_path)})
    start_first_spot(coach)  # the first step done, the second one's hold running
    coach.type("end session")
    coach.expect(r"You did one of \w+ steps")
    assert coach.finish() == 0
    db = str(tmp_path / "history.sqlite3")
    with History.open_for_reading(db) as history:
        (session,) = history.sessions()
        assert session.steps_done == 1
        described = [entry.describe() for entry in history.timeline(session.id)]
        assert "Session over: ended early, 1 step done" in described
        assert not any(line.startswith(("hold_started:", "session_started:", "step_done:"))
                       for line in described)
    exported = CliRunner().invoke(main, ["history", "export", "--db", db])
    assert json.loads(exported.output)["sessions"][0]["steps_done"] == 1
    listed = CliRunner().invoke(main, ["history", "--db", db]).output
    row = [line for line in listed.splitlines() if line.strip().startswith("1 ")][0]
    assert " 1  " in row.split("ended early")[0][-8:]


def test_a_voice_run_without_a_microphone_records_nothing(tmp_path):
    result = _run(tmp_path, "thai-hamstring-sit", "--quiet", "--no-screen", "--engine",
                  "pocketsphinx", "--input-device", "no-such-microphone-here")
    assert result.returncode == 2, result.stderr
    assert b"No usable microphone" in result.stderr
    with History.open_for_reading(tmp_path / "history.sqlite3") as history:
        assert history.sessions() == []
