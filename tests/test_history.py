"""History against real SQLite files: recording, profiles, bad files, and a real SIGKILL."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from coach.app.history import SCHEMA_VERSION, History, default_path
from coach.core.commands import Intent
from coach.core.events import CommandHeard, CommandSource, NotUnderstood

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


def _full_session(history: History) -> int:
    sid = history.start_session("calf", "Calf release", "Sam", "vosk", at=1000.0)
    history.record(sid, "step", {"index": 1, "step_id": "squeeze", "title": "Calf squeeze",
                                 "side": "left", "planned_hold": 120}, at=1001.0)
    history.record_heard(sid, CommandHeard(Intent.SOFTER, "softer", 0.87, CommandSource.SPOKEN,
                                           "vosk"), at=1010.0)
    history.record(sid, "pressure", {"level": 2, "previous": 3, "reason": "softer"}, at=1010.5)
    history.record_heard(sid, NotUnderstood("can you pass the towel", CommandSource.SPOKEN, "vosk"),
                         at=1020.0)
    history.record(sid, "hold", {"index": 1, "actual_hold": 131.4}, at=1132.0)
    history.record(sid, "step_done", {"index": 1, "step_id": "squeeze"}, at=1132.0)
    history.record(sid, "note", {"step_id": "squeeze", "text": "knot mid-calf"}, at=1133.0)
    history.record(sid, "voice", {"rate": 1}, at=1134.0)  # a kind with no table of its own
    history.end_session(sid, True, "Six steps, 18 minutes", at=2000.0)
    return sid


def test_session_round_trip(db_path: Path) -> None:
    with History.open(db_path) as history:
        sid = _full_session(history)
        [info] = history.sessions(10)
        assert (info.id, info.routine_id, info.receiver, info.engine) == (sid, "calf", "Sam", "vosk")
        assert info.completed and info.outcome == "completed" and info.steps_done == 1
        kinds = [entry.kind for entry in history.timeline(sid)]
        assert kinds == ["session_start", "step", "heard", "pressure", "not_understood", "hold",
                         "step_done", "note", "voice", "session_end"]
        described = [entry.describe() for entry in history.timeline(sid)]
        assert "Step 1 · Calf squeeze (left), hold 2:00" in described
        assert 'Not understood: "can you pass the towel" (vosk)' in described

    # The typed tables were filled, in a file another connection can read.
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT idx, title, side, planned_hold, actual_hold FROM steps").fetchall() \
        == [(1, "Calf squeeze", "left", 120.0, 131.4)]
    assert db.execute("SELECT understood, intent, text, confidence, source FROM heard "
                      "ORDER BY at").fetchall() == [
        (1, "softer", "softer", 0.87, "vosk"), (0, None, "can you pass the towel", None, "vosk")]
    assert db.execute("SELECT level, previous, reason FROM pressure_changes").fetchall() == [
        (2, 3, "softer")]
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_receiver_profile(db_path: Path) -> None:
    with History.open(db_path) as history:
        assert history.preferred_pressure("Sam", "calf") is None
        _full_session(history)
        # end_session remembered the last pressure of the session; names match loosely.
        assert history.preferred_pressure("sam ", "calf") == 2
        assert history.preferred_pressure("Sam", "neck") is None
        assert history.preferred_pressure(None, "calf") is None
        history.remember_pressure("Sam", "calf", 4)
        assert history.preferred_pressure("SAM", "calf") == 4
        with pytest.raises(ValueError):
            history.remember_pressure("Sam", "calf", 9)

        # A note recorded in a session with a receiver becomes a tender spot for next time.
        assert history.notes_for("Sam", "calf", "squeeze") == ["knot mid-calf"]
        history.add_note("Sam", "calf", "squeeze", "sore after running", at=3000.0)
        assert history.notes_for("sam", "calf", "squeeze") == ["knot mid-calf",
                                                               "sore after running"]
        assert history.notes_for("Alex", "calf", "squeeze") == []
        assert history.receivers() == ["Sam"]

    with History.open(db_path) as again:  # and it is all still there after reopening
        assert again.preferred_pressure("Sam", "calf") == 4
        assert len(again.notes_for("Sam", "calf", "squeeze")) == 2


def test_session_without_receiver_keeps_no_profile(db_path: Path) -> None:
    with History.open(db_path) as history:
        sid = history.start_session("calf", "Calf release", None, "text")
        history.record(sid, "pressure", {"level": 5})
        history.record(sid, "note", {"step_id": "squeeze", "text": "tight"})
        history.end_session(sid, False, "stopped")
        assert history.sessions(1)[0].outcome == "ended early"
        assert history.receivers() == []
        assert [e.kind for e in history.timeline(sid)][-2:] == ["note", "session_end"]


def test_exports(db_path: Path) -> None:
    with History.open(db_path) as history:
        first = _full_session(history)
        second = history.start_session("neck", "Neck release", None, "text", at=5000.0)
        buffer = io.StringIO()
        assert history.export_json(buffer) == 2
        document = json.loads(buffer.getvalue())
        assert [s["id"] for s in document["sessions"]] == [first, second]  # oldest first
        assert document["sessions"][1]["outcome"] == "unfinished"
        assert document["sessions"][0]["timeline"][2]["intent"] == "softer"

        buffer = io.StringIO()
        assert history.export_csv(buffer, [first]) == 1
        rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
        assert len(rows) == 10 and {row["session_id"] for row in rows} == {str(first)}
        assert rows[3]["kind"] == "pressure" and rows[3]["seconds"] == "10.5"
        assert json.loads(rows[3]["data"]) == {"level": 2, "previous": 3, "reason": "softer"}


def test_env_var_sets_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASSAGE_COACH_DATA", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "history.sqlite3"
    with History.open() as history:
        history.start_session("calf", "Calf release", None, "text")
    assert (tmp_path / "data" / "history.sqlite3").exists()


def test_garbage_file_is_moved_aside(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    garbage = os.urandom(8192)
    db_path.write_bytes(garbage)
    with caplog.at_level(logging.INFO, logger="coach.app.history"):  # shown once, as a notice
        history = History.open(db_path)
    with history:
        assert history.sessions() == []
        history.start_session("calf", "Calf release", None, "text")
        assert len(history.sessions()) == 1
        assert history.notices and "moved to history.sqlite3.corrupt-" in history.notices[0]
    assert "could not be used" in caplog.text
    [aside] = list(db_path.parent.glob("history.sqlite3.corrupt-*"))
    assert aside.read_bytes() == garbage  # kept untouched, for a human to look at


def test_damaged_pages_are_salvaged(db_path: Path) -> None:
    """A valid header but garbage in the middle: only the integrity check notices. What can be
    read is copied into a fresh file; the damaged one is kept beside it."""
    with History.open(db_path) as history:
        sid = history.start_session("calf", "Calf release", "Sam", "text")
        for index in range(300):
            history.record(sid, "step", {"index": index, "title": "x" * 200})
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(db_path.read_bytes())
    assert len(data) > 8 * 4096
    data[4096 * 3: 4096 * 6] = os.urandom(4096 * 3)
    db_path.write_bytes(bytes(data))
    with History.open(db_path) as history:
        [session] = history.sessions()
        assert session.receiver == "Sam"
        assert "was damaged" in history.notices[0] and "Kept 1 session" in history.notices[0]
        assert len(history.timeline(session.id)) > 1
    [aside] = list(db_path.parent.glob("history.sqlite3.damaged-*"))
    assert aside.read_bytes()[4096 * 3: 4096 * 6] == bytes(data[4096 * 3: 4096 * 6])


def test_newer_schema_is_moved_aside(db_path: Path) -> None:
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE sessions_v9 (id INTEGER PRIMARY KEY, stuff TEXT)")
    db.execute("INSERT INTO sessions_v9 (stuff) VALUES ('from the future')")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 8}")
    db.commit()
    db.close()
    with History.open(db_path) as history:
        assert "newer massage-coach" in history.notices[0]
        history.start_session("calf", "Calf release", None, "text")
    [aside] = list(db_path.parent.glob(f"history.sqlite3.newer-v{SCHEMA_VERSION + 8}-*"))
    old = sqlite3.connect(aside)
    assert old.execute("SELECT stuff FROM sessions_v9").fetchall() == [("from the future",)]
    old.close()
    assert sqlite3.connect(db_path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_unwritable_place_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data dir should be")
    with History.open(blocker / "history.sqlite3") as history:
        assert history.path is None and "will not be saved" in history.notices[0]
        sid = history.start_session("calf", "Calf release", None, "text")
        history.record(sid, "step", {"index": 1})
        assert len(history.timeline(sid)) == 2


def test_failed_write_is_logged_not_raised(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with History.open(db_path) as history:
        with caplog.at_level(logging.ERROR, logger="coach.app.history"):
            history.record(12345, "step", {"index": 1})  # no such session: foreign key fails
        assert "could not save" in caplog.text
        assert history.sessions() == []


_WRITER = textwrap.dedent("""
    import sys
    from coach.app.history import History
    from coach.core.commands import Intent
    from coach.core.events import CommandHeard, CommandSource

    history = History.open(sys.argv[1])
    sid = history.start_session("calf", "Calf release", "Sam", "vosk")
    print(f"session {sid}", flush=True)
    n = 0
    while True:
        n += 1
        if n % 3 == 0:
            history.record_heard(sid, CommandHeard(Intent.NEXT, f"next {n}", 0.9,
                                                   CommandSource.SPOKEN, "vosk"))
        else:
            history.record(sid, "step", {"index": n, "title": f"step {n}", "planned_hold": 30})
        print(n, flush=True)  # only after the commit returned
""")


def test_sigkill_mid_stream_loses_nothing_committed(db_path: Path, tmp_path: Path) -> None:
    """Kill a real writer process three times; every event it reported committed must be there."""
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    reported: dict[int, list[int]] = {}
    for _ in range(3):
        process = subprocess.Popen([sys.executable, str(script), str(db_path)], env=env,
                                   stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        session = int(process.stdout.readline().split()[1])
        numbers: list[int] = []
        deadline = time.monotonic() + 20
        while len(numbers) < 150 and time.monotonic() < deadline:
            numbers.append(int(process.stdout.readline()))
        os.kill(process.pid, signal.SIGKILL)  # mid-stream: it writes without pausing
        rest = process.stdout.read()
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL
        numbers.extend(int(line) for line in rest.split())
        assert len(numbers) >= 150
        reported[session] = numbers

    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    with History.open(db_path) as history:
        assert not history.notices
        assert len(history.sessions(None)) == 3
        for session, numbers in reported.items():
            entries = history.timeline(session)
            saved = {e.data["index"] if e.kind == "step" else int(e.data["text"].split()[1])
                     for e in entries if e.kind in ("step", "heard")}
            assert set(numbers) <= saved
            # at most the one event in flight was committed but never reported
            assert len(saved - set(numbers)) <= 1
            assert history.session(session).outcome == "unfinished"


def test_engine_record_kinds(db_path: Path) -> None:
    """What the real engine emits fills the typed tables and the receiver profile."""
    from coach.core.actions import Record
    from coach.core.commands import parse
    from coach.core.events import CommandHeard, CommandSource
    from coach.core.status import Phase
    from testkit.session_driver import Driver, sample_routine

    driver = Driver(sample_routine())
    heard = []
    # after "ouch" and "yes, better" the hold stays paused until "resume" (issue 20)
    for text in ("no", "no", "yes", "left", "next", "softer", "ouch", "yes", "resume", "harder",
                 "that's good"):
        heard.append(CommandHeard(parse(text), text, 0.9, CommandSource.SPOKEN, "pocketsphinx"))
        driver.say(text)
    driver.wait_for(Phase.HOLD_DECISION)
    driver.say("next")  # on to the calf press, which runs out by itself
    driver.wait(40)
    driver.say("firmer")  # after "that's good": not the preference
    driver.say("end session")
    records = [a for a in driver.actions if isinstance(a, Record)]

    with History.open(db_path) as history:
        sid = history.start_session("sample", "Sample routine", "Sam", "pocketsphinx", at=0.0)
        for event in heard:
            history.record_heard(sid, event, at=1.0)
        for second, record in enumerate(records, start=2):
            history.record(sid, record.kind, record.data, at=float(second))
        history.end_session(sid, False, "Ended early.", at=1000.0)

        assert history.preferred_pressure("Sam", "sample") == 2  # the level called good
        assert history.welcome_back("sam", "sample") == (
            "Last time Sam liked light pressure: starting at level two.",)
        assert history.welcome_back("Sam", "sample", "the calves") == (
            "Last time Sam liked light pressure on the calves: starting at level two.",)
        assert history.welcome_back("Alex", "sample", "the calves") == ()  # never seen
        described = [entry.describe() for entry in history.timeline(sid)]
        assert "Step 1 · Sit on the thigh (left), hold 3:00" in described
        assert "Pressure 3 → 2 light (softer)" in described
        assert "Pressure 2 light is good" in described

    db = sqlite3.connect(db_path)
    steps = db.execute("SELECT idx, step_id, side, planned_hold, actual_hold FROM steps "
                       "ORDER BY idx").fetchall()
    assert [row[:4] for row in steps[:2]] == [(1, "sit", "left", 180.0), (2, "press", "left", 30.0)]
    assert steps[0][4] is not None and steps[0][4] >= 180  # held until "next" at the check
    assert steps[1][4] == pytest.approx(30, abs=0.6)
    assert [row[0] for row in db.execute("SELECT intent FROM heard ORDER BY event_id")][4:7] == [
        "next", "softer", "ouch"]
    assert [row[0] for row in db.execute("SELECT level FROM pressure_changes ORDER BY at")] == [
        2, 1, 2, 3]
    db.close()


def test_step_notes_for_session_options(db_path: Path) -> None:
    with History.open(db_path) as history:
        history.add_note("Sam", "calf", "squeeze", "knot two fingers below the knee", at=1.0)
        history.add_note("Sam", "calf", "squeeze", "bruise on the left side", at=2.0)
        history.add_note("Sam", "calf", "heel_drag", "ticklish", at=3.0)
        history.add_note("Sam", "neck", "squeeze", "other routine", at=4.0)
        assert history.step_notes("SAM", "calf") == {
            "squeeze": ("knot two fingers below the knee", "bruise on the left side"),
            "heel_drag": ("ticklish",)}
        assert history.step_notes(None, "calf") == {}
