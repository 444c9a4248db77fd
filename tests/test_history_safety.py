"""The user's history is never lost or clobbered: locked files, damaged pages, read-only folders.

Real SQLite files, real locks held by another process, real damage written over a page.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach.app.history import History
from coach.cli import main
from testkit.history_files import fill_history, is_healthy, leaf_page_of, overwrite_page

REPO = Path(__file__).resolve().parent.parent


def test_one_damaged_page_keeps_every_session_and_preference(tmp_path: Path) -> None:
    """One 4 KB page of a 63-session history overwritten: reading shows all 63 and changes
    nothing; the next session salvages them into a fresh file and says what was lost."""
    path = tmp_path / "history.sqlite3"
    fill_history(path, 63)
    damaged = overwrite_page(path, leaf_page_of(path, "events"))
    assert not is_healthy(path)

    result = CliRunner().invoke(main, ["history", "--db", str(path), "-n", "100"])
    assert result.exit_code == 0, result.output
    assert "is damaged" in result.output and "Kept 63 sessions" in result.output
    assert "Lost" in result.output and "timeline events" in result.output
    assert "No sessions yet" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3"]
    assert path.read_bytes() == damaged  # a read command changed nothing

    with History.open(path) as history:  # a coaching session repairs it
        assert len(history.sessions(None)) == 63
        assert history.preferred_pressure("Lee", "calf") == 1
        assert history.preferred_pressure("Sam", "calf") == 2
        assert history.preferred_pressure("Ana", "calf") == 3
        [notice] = history.notices
        assert "was damaged" in notice and "Kept 63 sessions" in notice
        assert "3 remembered pressures" in notice and "Lost" in notice
    [aside] = tmp_path.glob("history.sqlite3.damaged-*")
    assert aside.read_bytes() == damaged
    assert is_healthy(path)

    # Later runs still mention it, while the damaged copy is there.
    with History.open(path) as history:
        assert len(history.notices) == 1 and str(aside) in history.notices[0]
        assert "repaired" in history.notices[0]
    later = CliRunner().invoke(main, ["history", "--db", str(path)])
    assert str(aside) in later.output.replace("\n", "")
    aside.unlink()
    with History.open(path) as history:
        assert history.notices == []


def test_a_lost_sessions_page_rebuilds_them_from_their_timelines(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    fill_history(path, 200)
    db = sqlite3.connect(path)
    pages = [row[0] for row in db.execute(
        "SELECT pageno FROM dbstat WHERE name = 'sessions' AND pagetype = 'leaf'")]
    db.close()
    overwrite_page(path, pages[0])
    with History.open(path) as history:
        sessions = history.sessions(None)
        assert len(sessions) == 200
        rebuilt = [s for s in sessions if s.id == 1][0]
        assert rebuilt.routine_title == "Calf release" and rebuilt.receiver == "Lee"
        assert rebuilt.outcome == "completed"
        assert "rebuilt from their timelines" in history.notices[0]


_LOCKER = textwrap.dedent("""
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("PRAGMA locking_mode=EXCLUSIVE")
    db.execute("BEGIN EXCLUSIVE")
    db.execute("INSERT INTO receiver_pressure VALUES ('Zed', 'calf', 2, 0)")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    db.execute("ROLLBACK")
""")


def _lock(path: Path, seconds: float) -> subprocess.Popen:
    locker = subprocess.Popen([sys.executable, "-c", _LOCKER, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
    return locker


def test_a_locked_history_is_waited_for_never_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    fill_history(path, 3)
    before = path.read_bytes()

    locker = _lock(path, 30)
    try:
        result = CliRunner().invoke(main, ["history", "--db", str(path)])
        assert result.exit_code == 1
        assert "in use by another program" in result.output
        with History.open(path) as history:  # a session: runs unsaved, says so once
            assert history.path is None
            [notice] = history.notices
            assert "in use by another program" in notice and "will not be saved" in notice
    finally:
        locker.kill()
        locker.wait()
    assert sorted(p.name for p in tmp_path.iterdir() if "-" not in p.name) == ["history.sqlite3"]
    assert not list(tmp_path.glob("history.sqlite3.*"))
    assert path.read_bytes() == before

    # A lock released while we wait is simply waited for.
    locker = _lock(path, 1.0)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["history", "--db", str(path)])
    locker.wait()
    assert result.exit_code == 0, result.output
    assert "Calf release" in result.output and time.monotonic() - started >= 0.5


def _read_only_runner(data: Path) -> list[str]:
    """A command prefix under which `data` cannot be written. Root ignores file modes, so as
    root the folder is bind-mounted read-only in a private mount namespace instead."""
    if os.geteuid() != 0:
        data.chmod(0o555)
        return []
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("running as root without mount namespaces: cannot make a read-only folder")
    return ["unshare", "--mount", "sh", "-c",
            f'mount --bind -o ro "{data}" "{data}" && exec "$@"', "read-only"]


def test_a_read_only_data_folder_is_read_not_renamed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    fill_history(data / "history.sqlite3", 2)
    with History.open(data / "history.sqlite3") as history:
        history.remember_pressure("Lee", "thai-hamstring-sit", 1)
    before = (data / "history.sqlite3").read_bytes()
    prefix = _read_only_runner(data)
    env = {**os.environ, "PYTHONPATH": str(REPO), "MASSAGE_COACH_DATA": str(data)}
    try:
        listed = subprocess.run([*prefix, sys.executable, "-m", "coach", "history"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.count("Calf release") == 2 and "No sessions" not in listed.stdout
        session = subprocess.run(
            [*prefix, sys.executable, "-m", "coach", "run", "thai-hamstring-sit", "--text",
             "--quiet", "--no-screen", "--side", "left", "--for", "Lee"],
            input="no\nno\nno\nno\nnext\nsofter\nend session\n", env=env,
            capture_output=True, text=True, timeout=60)
        assert session.returncode == 0, session.stderr
        assert session.stderr.count("will not be saved") == 1, session.stderr
        assert "could not save" not in session.stderr
        assert "Last time Lee liked very light pressure" in session.stdout  # still read
        assert sorted(p.name for p in data.iterdir()) == ["history.sqlite3"]
        assert (data / "history.sqlite3").read_bytes() == before
    finally:
        data.chmod(0o755)


def test_a_history_from_the_previous_version_is_read_then_upgraded(tmp_path: Path) -> None:
    from coach.app.history import MIGRATIONS, SCHEMA_VERSION

    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO sessions (routine_id, routine_title, engine, started_at) "
               "VALUES ('calf', 'Calf release', 'text', 1000)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    before = path.read_bytes()
    with History.open_for_reading(path) as history:  # read as it is: no upgrade, no change
        assert [s.routine_title for s in history.sessions()] == ["Calf release"]
        assert history.notices == []
    assert path.read_bytes() == before
    with History.open(path) as history:  # a session upgrades it in place
        assert len(history.sessions()) == 1 and history.notices == []
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def _cells(path: Path) -> dict[int, tuple[str, str, int]]:
    """page -> (table or index, page type, cells on it), from SQLite's dbstat."""
    db = sqlite3.connect(path)
    pages = {row[1]: (row[0], row[2], row[3]) for row in db.execute(
        "SELECT name, pageno, pagetype, ncell FROM dbstat")}
    db.close()
    return pages


def test_any_one_damaged_page_loses_at_most_the_rows_on_it(tmp_path: Path) -> None:
    """Interior pages hide whole branches from SQLite's own walk (once: all 3,900 events of 300
    sessions gone for one 4 KB page); reading the leaf pages directly keeps them. A damaged leaf
    page loses its own rows and nothing else."""
    import random
    import shutil

    base = tmp_path / "base.sqlite3"
    fill_history(base, 300)
    with History.open(base) as history:
        totals = {table: len(history._query(f"SELECT 1 FROM {table}"))
                  for table in ("sessions", "events", "receiver_pressure")}
    pages = _cells(base)
    interior = [page for page, (_, kind, _) in pages.items() if kind == "internal"]
    rng = random.Random(15)
    chosen = sorted(set(interior + rng.sample([p for p in pages if p > 1], 8)))
    for page in chosen:
        path = tmp_path / f"damaged-{page}.sqlite3"
        shutil.copy(base, path)
        overwrite_page(path, page)
        owner, kind, cells = pages[page]
        with History.open_for_reading(path) as history:
            for table, total in totals.items():
                kept = len(history._query(f"SELECT 1 FROM {table}"))
                may_lose = cells if (owner, kind) == (table, "leaf") else 0
                assert total - may_lose <= kept <= total, (page, owner, kind, table, kept)


def test_a_damaged_first_page_is_still_our_history(tmp_path: Path) -> None:
    """The first page holds the header that says "SQLite": without it the file once looked
    like someone else's and was moved aside whole, the session starting from nothing."""
    path = tmp_path / "history.sqlite3"
    fill_history(path, 63)
    damaged = overwrite_page(path, 1)
    listed = CliRunner().invoke(main, ["history", "--db", str(path), "-n", "100"])
    assert listed.exit_code == 0, listed.output
    assert "is damaged" in listed.output and "Kept 63 sessions" in listed.output
    assert path.read_bytes() == damaged
    with History.open(path) as history:
        assert len(history.sessions(None)) == 63
        assert history.preferred_pressure("Ana", "calf") == 3
        assert "was damaged" in history.notices[0]
    [aside] = tmp_path.glob("history.sqlite3.damaged-*")
    assert aside.read_bytes() == damaged
    notes = tmp_path / "notes.txt"  # while a file that never was a history is still refused
    notes.write_bytes(b"my notes\n" * 1000)
    refused = CliRunner().invoke(main, ["history", "--db", str(notes)])
    assert refused.exit_code == 1 and "not an SQLite database" in refused.output
