"""Real history files for the tests: filled like a user's, damaged a page at a time, checked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from coach.app.history import History
from coach.core.commands import Intent
from coach.core.events import CommandHeard, CommandSource

PAGE = 4096
"""SQLite's page size in the history file."""


def fill_history(path: Path, sessions: int) -> None:
    """A history like a real user's: sessions with steps, heard lines and pressure, and
    remembered preferences for three receivers."""
    with History.open(path) as history:
        for number in range(sessions):
            receiver = ("Lee", "Sam", "Ana")[number % 3]
            sid = history.start_session("calf", "Calf release", receiver, "vosk",
                                        at=1000.0 + number * 100)
            for index in range(1, 6):
                history.record(sid, "step", {"index": index, "title": f"Step {index} " + "x" * 40,
                                             "planned_hold": 60}, at=1001.0 + number * 100)
                history.record_heard(sid, CommandHeard(
                    Intent.NEXT, "next", 0.9, CommandSource.SPOKEN, "vosk"),
                                     at=1002.0 + number * 100)
            history.record(sid, "pressure", {"level": 1 + number % 3, "previous": 3,
                                             "reason": "softer"}, at=1003.0 + number * 100)
            history.end_session(sid, True, "done", at=1050.0 + number * 100)
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def leaf_page_of(path: Path, table: str) -> int:
    """A leaf page in the middle of `table`'s b-tree (1-based), found with SQLite's dbstat."""
    db = sqlite3.connect(path)
    pages = [row[0] for row in db.execute(
        "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
        (table,))]
    db.close()
    assert len(pages) > 3
    return pages[len(pages) // 2]


def is_healthy(path: Path) -> bool:
    db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()


def overwrite_page(path: Path, page: int) -> bytes:
    data = bytearray(path.read_bytes())
    junk = bytes((index * 37 + 11) % 256 for index in range(PAGE))
    data[(page - 1) * PAGE: page * PAGE] = junk
    path.write_bytes(bytes(data))
    return bytes(data)
