"""The history file's tables, their versions, and the record kinds that fill them.

`MIGRATIONS[n]` takes a database at version n to n + 1 (kept in `PRAGMA user_version`). Add to the
end; never edit a shipped one: a user's file written by an older coach must upgrade in place.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3

log = logging.getLogger(__name__)

DB_FILENAME = "history.sqlite3"
SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file

# The record kinds (what fills `events`, and the typed tables behind some of them) are
# `coach.core.record_kinds.RecordKind`, shared with the engine.

_SCHEMA_V1 = """
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    routine_id    TEXT NOT NULL,
    routine_title TEXT NOT NULL,
    receiver      TEXT,
    engine        TEXT NOT NULL,
    started_at    REAL NOT NULL,
    ended_at      REAL,
    completed     INTEGER NOT NULL DEFAULT 0,
    summary       TEXT
);
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at         REAL NOT NULL,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_session ON events(session_id, at, id);
CREATE TABLE steps (
    session_id   INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    step_id      TEXT,
    title        TEXT,
    side         TEXT,
    planned_hold REAL,
    actual_hold  REAL,
    started_at   REAL NOT NULL,
    PRIMARY KEY (session_id, idx)
);
CREATE TABLE pressure_changes (
    event_id   INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at         REAL NOT NULL,
    level      INTEGER NOT NULL,
    previous   INTEGER,
    reason     TEXT
);
CREATE TABLE heard (
    event_id   INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at         REAL NOT NULL,
    understood INTEGER NOT NULL,
    intent     TEXT,
    text       TEXT NOT NULL,
    confidence REAL,
    source     TEXT NOT NULL
);
CREATE TABLE notes (
    event_id   INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at         REAL NOT NULL,
    step_id    TEXT,
    text       TEXT NOT NULL
);
CREATE TABLE receiver_pressure (
    receiver   TEXT NOT NULL COLLATE NOCASE,
    routine_id TEXT NOT NULL,
    level      INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    updated_at REAL NOT NULL,
    PRIMARY KEY (receiver, routine_id)
);
CREATE TABLE receiver_notes (
    id         INTEGER PRIMARY KEY,
    receiver   TEXT NOT NULL COLLATE NOCASE,
    routine_id TEXT NOT NULL,
    step_id    TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at REAL NOT NULL,
    session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL
);
CREATE INDEX receiver_notes_by_step ON receiver_notes(receiver, routine_id, step_id);
"""

# v2: a damaged file was salvaged into this one. Kept so that later runs still say so (and where
# the damaged copy is) for as long as that copy exists.
_SCHEMA_V2 = """
CREATE TABLE recoveries (
    id            INTEGER PRIMARY KEY,
    at            REAL NOT NULL,
    damaged_copy  TEXT NOT NULL,
    summary       TEXT NOT NULL
);
"""

MIGRATIONS: tuple[str, ...] = (_SCHEMA_V1, _SCHEMA_V2)
SCHEMA_VERSION = len(MIGRATIONS)

# Every table salvage copies, parents before children.
TABLES: tuple[str, ...] = ("sessions", "events", "steps", "pressure_changes", "heard", "notes",
                           "receiver_pressure", "receiver_notes", "recoveries")


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def table_names(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def looks_like_ours(db: sqlite3.Connection) -> bool:
    """True for an empty database or one with our tables; False for someone else's database."""
    names = table_names(db)
    return not names or "sessions" in names and "events" in names


def migrate(db: sqlite3.Connection, path: object = "") -> None:
    """Bring `db` (autocommit connection) up to SCHEMA_VERSION, all or nothing."""
    version = schema_version(db)
    if version >= SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for script in MIGRATIONS[version:]:
            for statement in script.split(";"):
                if statement.strip():
                    db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):  # a full disk may have rolled it back already:
            db.execute("ROLLBACK")               # the error worth reporting is the first one
        raise
    log.info("history at %s is at schema %d", path, SCHEMA_VERSION)
