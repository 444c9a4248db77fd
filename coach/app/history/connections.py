"""The three ways the history is connected to: in memory, read-only, and for a session to write.

Kept apart from `opening` (which decides *which* of them a file gets) so that `repair` can open
the repaired file exactly as a session would.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from coach.app.history.errors import HistoryUnavailable
from coach.app.history.schema import migrate

SESSION_WAIT_SECONDS = 5.0  # a session waits this long for a busy file before going unsaved
READ_WAIT_SECONDS = 3.0  # a read command waits this long before saying the file is in use


def memory_history() -> sqlite3.Connection:
    """An empty history in memory (for a session that cannot be saved, or nothing on disk)."""
    db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    migrate(db, ":memory:")
    db.execute("PRAGMA foreign_keys=ON")
    db.isolation_level = "DEFERRED"
    return db


def connect_read_only(target: Path, immutable: bool = False) -> sqlite3.Connection:
    """A read-only connection that creates no files: `-wal`/`-shm` only exist while a session
    writes, so without them the file is opened immutable (nothing else is writing it)."""
    uri = f"file:{quote(str(target.resolve()))}?mode=ro"
    if immutable or not os.path.exists(str(target) + "-wal"):
        uri += "&immutable=1"
    try:
        return sqlite3.connect(uri, uri=True, timeout=READ_WAIT_SECONDS,
                               check_same_thread=False, isolation_level=None)
    except sqlite3.Error as error:
        raise HistoryUnavailable(f"Cannot open the history file {target} ({error}).",
                                 "unreadable") from None


def connect_writing(target: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(target), timeout=SESSION_WAIT_SECONDS, check_same_thread=False,
                           isolation_level=None)


def prepare(db: sqlite3.Connection, target: Path) -> None:
    """WAL, migrations, and per-statement transactions from here on (see `coach.app.history`)."""
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    migrate(db, target)
    db.isolation_level = "DEFERRED"
