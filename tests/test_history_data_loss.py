"""Issue 23, section 1: no data is lost to a full disk, an export or an interrupted repair.

Real SQLite files, a real small file system (`testkit.small_disk`) for the full disk, and real
subprocesses of the CLI.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach.app.history import History
from coach.cli import main
from testkit.small_disk import fill, small_disk
from testkit.history_files import fill_history, is_healthy, leaf_page_of, overwrite_page

REPO = Path(__file__).resolve().parent.parent


def _cli(*args: str, data: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MASSAGE_COACH_DATA": str(data)}
    return subprocess.run([sys.executable, "-m", "coach", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=60, cwd=REPO)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("filler"))


# ------------------------------------------------------------------ a full disk


def test_a_full_disk_at_session_start_never_moves_the_history_aside(tmp_path: Path) -> None:
    with small_disk(tmp_path) as data:
        path = data / "history.sqlite3"
        fill_history(path, 8)
        with History.open(path) as history:
            history.remember_pressure("Lee", "thai-hamstring-sit", 1)
        before = path.read_bytes()
        filler = fill(data)

        run = _cli("run", "thai-hamstring-sit", "--text", "--quiet", "--no-screen", "--for",
                   "Lee", data=data, stdin="no\n")
        assert "Traceback" not in run.stderr + run.stdout
        # nothing moved aside (an empty WAL and its index may stay: SQLite's own, harmless)
        assert [n for n in _names(data) if not n.endswith(("-wal", "-shm"))] == \
            ["history.sqlite3"], _names(data)
        assert path.read_bytes() == before
        assert "will not be saved" in run.stderr and "the disk is full" in run.stderr, run.stderr
        assert "damaged" not in run.stderr, run.stderr  # a healthy file is never called so
        assert "Last time Lee liked very light pressure" in run.stdout  # still read
        still_full = _cli("history", data=data)  # and readable while the disk is full
        assert still_full.returncode == 0, still_full.stderr
        assert still_full.stdout.count("Calf release") == 8

        filler.unlink()
        (data / "filler-tail").unlink(missing_ok=True)
        listed = _cli("history", data=data)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.count("Calf release") == 8
        with History.open(path) as history:
            assert history.preferred_pressure("Lee", "calf") == 1
            assert history.notices == []


@pytest.mark.parametrize("free", [0, 128 * 1024], ids=["full", "no-room-for-the-copy"])
def test_a_full_disk_during_a_repair_leaves_the_damaged_file_and_reads_it(
        tmp_path: Path, damaged_500: bytes, free: int) -> None:
    """No room for the repaired copy (or none at all): the original stays as it was, no
    half-written file is left, and the session still has every session and preference (read
    into memory)."""
    with small_disk(tmp_path) as data:
        path = data / "history.sqlite3"
        path.write_bytes(damaged_500)
        filler = fill(data)
        (data / "filler-tail").unlink(missing_ok=True)
        os.truncate(filler, filler.stat().st_size - free)
        with History.open(path) as history:
            assert len(history.sessions(None)) == 500
            assert history.preferred_pressure("Sam", "calf") == 2
            assert any("the disk is full" in notice for notice in history.notices), \
                history.notices
            assert any("will not be saved" in notice for notice in history.notices)
        assert path.read_bytes() == damaged_500
        assert [n for n in _names(data) if not n.endswith(("-wal", "-shm"))] == \
            ["history.sqlite3"], _names(data)


def test_a_full_disk_never_truncates_the_previous_export(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    fill_history(path, 40)
    with small_disk(tmp_path) as disk:
        backup = disk / "backup.json"
        first = CliRunner().invoke(main, ["history", "export", "--db", str(path),
                                          "--out", str(backup), "--session", "1"])
        assert first.exit_code == 0, first.output
        before = backup.read_bytes()
        fill(disk)
        again = CliRunner().invoke(main, ["history", "export", "--db", str(path),
                                          "--out", str(backup), "--force"])
        assert again.exit_code == 1 and "disk" in again.output.lower(), again.output
        assert "Traceback" not in again.output
        assert backup.read_bytes() == before
        assert len(json.loads(before)["sessions"]) == 1
        assert not [p for p in disk.iterdir() if p.name.endswith(".partial")]


# ------------------------------------------------------------------ exporting onto the history


def test_export_onto_the_history_itself_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = data / "history.sqlite3"
    fill_history(path, 8)
    before = path.read_bytes()
    os.link(path, tmp_path / "hard-link.sqlite3")
    (tmp_path / "sym-link.sqlite3").symlink_to(path)
    env = {"MASSAGE_COACH_DATA": str(data)}
    for target in (path, data / "." / "history.sqlite3", tmp_path / "hard-link.sqlite3",
                   tmp_path / "sym-link.sqlite3"):
        for force in ([], ["--force"]):
            result = CliRunner().invoke(main, ["history", "export", "--out", str(target),
                                               *force], env=env)
            assert result.exit_code == 1, (target, result.output)
            assert "is the history itself" in result.output, result.output
    # also with --db naming it, and onto its WAL
    result = CliRunner().invoke(main, ["history", "export", "--db", str(path), "--out",
                                       f"{path}-wal"])
    assert result.exit_code == 1 and "is the history itself" in result.output, result.output
    assert path.read_bytes() == before
    listed = _cli("history", data=data)  # the real program still reads all of it
    assert listed.returncode == 0 and listed.stdout.count("Calf release") == 8


def test_export_never_overwrites_a_file_without_force(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    fill_history(path, 3)
    out = tmp_path / "notes.txt"
    out.write_text("my own notes\n")
    refused = CliRunner().invoke(main, ["history", "export", "--db", str(path), "--out",
                                        str(out)])
    assert refused.exit_code == 1 and "already exists" in refused.output
    assert "--force" in refused.output
    assert out.read_text() == "my own notes\n"
    forced = CliRunner().invoke(main, ["history", "export", "--db", str(path), "--out",
                                       str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert len(json.loads(out.read_text())["sessions"]) == 3
    assert is_healthy(path)


# ------------------------------------------------------------------ an interrupted repair


@pytest.fixture(scope="module")
def damaged_500(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a 500-session history with one damaged page of timeline events."""
    path = tmp_path_factory.mktemp("damaged-500") / "history.sqlite3"
    fill_history(path, 500)
    return overwrite_page(path, leaf_page_of(path, "events"))


def _repair_started(data: Path) -> bool:
    """The repair is under way: its work file is there (or, before issue 23's fix, the
    original was moved aside to be rebuilt)."""
    return any(p.name.endswith(".repairing") or ".damaged-" in p.name for p in data.iterdir())


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP,
                                           signal.SIGKILL],
                         ids=["SIGINT", "SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_signal_during_a_repair_keeps_every_session(tmp_path: Path, damaged_500: bytes,
                                                      signal_number: int) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = data / "history.sqlite3"
    path.write_bytes(damaged_500)
    env = {**os.environ, "PYTHONPATH": str(REPO), "MASSAGE_COACH_DATA": str(data)}
    coach = subprocess.Popen(
        [sys.executable, "-m", "coach", "run", "thai-hamstring-sit", "--text", "--quiet",
         "--no-screen"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while not _repair_started(data):
            assert coach.poll() is None, coach.communicate()
            assert time.monotonic() < deadline, "the repair never started"
            time.sleep(0.001)
        coach.send_signal(signal_number)
        _, errors = coach.communicate(timeout=30)
    finally:
        if coach.poll() is None:
            coach.kill()
            coach.wait()
    assert "Traceback" not in errors, errors

    # The original is where it was, whole; a half-done repair may be left, nothing else.
    assert path.read_bytes() == damaged_500
    assert not list(data.glob("history.sqlite3.damaged-*")), _names(data)
    listed = CliRunner().invoke(main, ["history", "-n", "1000"], env={"MASSAGE_COACH_DATA":
                                                                      str(data)})
    assert listed.exit_code == 0, listed.output
    assert "Kept 500 sessions" in listed.output
    assert listed.output.count("Calf release") == 500

    with History.open(path) as history:  # the next session finishes the repair
        assert len(history.sessions(None)) == 500
        assert history.preferred_pressure("Ana", "calf") == 3
        assert any("Kept 500 sessions" in notice for notice in history.notices)
    [aside] = data.glob("history.sqlite3.damaged-*")
    assert aside.read_bytes() == damaged_500
    assert not list(data.glob("*.repair*")) and is_healthy(path)


def test_a_complete_salvage_interrupted_before_the_swap_is_swapped_in(
        tmp_path: Path, damaged_500: bytes) -> None:
    """Killed between "the salvage is complete" and the rename: the next run finishes the
    swap instead of salvaging again."""
    from coach.app.history.connections import connect_read_only
    from coach.app.history.repair import REPAIRED, salvage_beside

    path = tmp_path / "history.sqlite3"
    path.write_bytes(damaged_500)
    done = salvage_beside(connect_read_only(path), path, path)
    assert done.name == "history.sqlite3" + REPAIRED and path.read_bytes() == damaged_500
    marked = sqlite3.connect(done)  # to tell the finished salvage from one done again
    marked.execute("INSERT INTO receiver_pressure VALUES ('Marker', 'calf', 4, 0)")
    marked.commit()
    marked.close()
    with History.open(path) as history:
        assert len(history.sessions(None)) == 500
        assert history.preferred_pressure("Marker", "calf") == 4  # swapped in, not redone
        [notice] = history.notices
        assert "Kept 500 sessions" in notice and "damaged" in notice
    assert not done.exists() and is_healthy(path)
    [aside] = tmp_path.glob("history.sqlite3.damaged-*")
    assert aside.read_bytes() == damaged_500


# ------------------------------------------------------------------ a busy file


_LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another program holding `BEGIN EXCLUSIVE` on the history for `seconds`."""
    locker = subprocess.Popen([sys.executable, "-c", _LOCKER, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
    return locker


def test_a_session_started_under_a_long_lock_is_kept_and_written_when_it_goes(
        tmp_path: Path) -> None:
    """The lock outlasts the session's 5 s wait: the session start, every answer and a note
    typed after the lock went are all in the file afterwards, and "Noted" was true."""
    from testkit.coach_process import CoachProcess, start_first_spot

    path = tmp_path / "history.sqlite3"
    fill_history(path, 1)
    coach = CoachProcess("thai-hamstring-sit", "--text", "--quiet", "--side", "left", "--for",
                         "Sam", "--no-screen", env={"MASSAGE_COACH_DATA": str(tmp_path)})
    coach.expect(r"not medical advice")  # the history is open; nothing is written yet
    locker = _hold_lock(path, 6.5)
    start_first_spot(coach)  # the first answer starts the session: it meets the lock
    locker.wait(timeout=30)
    coach.type("note knot near the sit bone")
    coach.expect(r"^coach: Noted: knot near the sit bone\.$")
    coach.type("end session")
    assert coach.finish() == 0
    assert not any("Traceback" in line for line in coach.seen)
    assert any("keeping this session's records in memory" in line for line in coach.seen), (
        "the lock was never met:\n" + "\n".join(coach.seen[-20:]))

    with History.open_for_reading(path) as history:
        [session, _] = history.sessions(None)
        assert session.receiver == "Sam" and session.outcome == "ended early"
        kinds = [entry.kind for entry in history.timeline(session.id)]
        assert kinds[0] == "session_start" and kinds[-1] == "session_end"
        assert kinds.count("heard") >= 8 and "note" in kinds
        assert history.step_notes("Sam", "thai-hamstring-sit")
    assert is_healthy(path)


def test_a_busy_file_mid_session_keeps_the_records_in_order(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Busy for longer than a write waits, in the middle of a session: the records are kept
    in memory and written, in order, when the file is free (here at the session's end)."""
    monkeypatch.setattr("coach.app.history.connections.SESSION_WAIT_SECONDS", 0.3)
    monkeypatch.setattr("coach.app.history.store.SESSION_WAIT_SECONDS", 0.3)
    path = tmp_path / "history.sqlite3"
    with History.open(path) as history:
        sid = history.start_session("calf", "Calf release", "Lee", "text", at=100.0)
        history.record(sid, "step", {"index": 1, "title": "One"}, at=101.0)
        locker = _hold_lock(path, 1.5)
        started = time.monotonic()
        history.record(sid, "pressure", {"level": 2, "previous": 3, "reason": "softer"},
                       at=102.0)
        for number in range(20):
            history.record(sid, "note", {"text": f"spot {number}", "step_id": "one"},
                           at=103.0 + number)
        assert time.monotonic() - started < 3  # one wait, then no stall per record
        locker.wait(timeout=30)
        history.end_session(sid, True, "done", at=200.0)
    with History.open_for_reading(path) as history:
        entries = history.timeline(sid)
        assert [entry.at for entry in entries] == sorted(entry.at for entry in entries)
        assert [entry.kind for entry in entries].count("note") == 20
        assert history.preferred_pressure("Lee", "calf") == 2
        assert len(history.step_notes("Lee", "calf")["one"]) == 20
