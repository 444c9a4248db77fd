"""Session history and receiver profiles, kept in one SQLite file.

Why SQLite and why this shape:

* The laptop on the mat can be closed, run out of battery or be killed at any moment. Every event is
  its own small transaction, so a killed process loses at most the event being written. WAL mode
  makes each commit an append to the `-wal` file, and readers (`massage-coach history` in another
  terminal) never block the session that is writing.
* `synchronous=NORMAL`: in WAL mode a commit is still atomic and survives the *process* being
  killed (the data is in the OS page cache); only a power cut or OS crash can drop the last few
  commits, and even then the file stays consistent. FULL would add an fsync per event, which on a
  slow laptop disk can stall the voice loop for tens of milliseconds right when someone says
  "stop". Losing the last second of history in a power cut is the better trade.
* One append-only `events` table is the timeline (kind, time, JSON data), so kinds the engine adds
  later are kept without a schema change. The kinds we understand also fill typed tables (`steps`,
  `pressure_changes`, `heard`, `notes`) in the same transaction, for queries and exports.
* History must never stop a massage: a corrupt file, or one written by a newer version of the
  program, is moved aside with a timestamp and a fresh one is started; a write that fails is logged
  and skipped. `History.notices` holds what the user should be told.

Times (`at`) are wall-clock seconds since the epoch (`time.time()`), because history is read by
people ("last Tuesday"); the engine's monotonic clock is only for timing holds.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DB_FILENAME = "history.sqlite3"
DATA_ENV = "MASSAGE_COACH_DATA"  # a directory; the history file is created inside it

# Record kinds with a typed table behind them. Anything else is kept in `events` only.
# The engine's kinds (coach/core/session.py), and "heard"/"not_understood" from record_heard:
KIND_PRESSURE = "pressure"  # level, previous, reason
KIND_PRESSURE_SETTLED = "pressure_settled"  # level: the receiver said it is good
KIND_HEARD = "heard"  # intent, text, confidence, source
KIND_NOT_UNDERSTOOD = "not_understood"  # text, source
KIND_SESSION_OVER = "session_over"  # completed, steps_done, skipped, pressure
KIND_STEP = "step"  # index (1-based), step_id, title, side, planned_hold, actual_hold
KIND_HOLD = "hold"  # index, actual_hold (and optionally planned_hold): fills in a step row
KIND_NOTE = "note"  # text, step_id (a tender spot when the session has a receiver)
# Written by History itself:
KIND_SESSION_START = "session_start"
KIND_SESSION_END = "session_end"
_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}

_PRESSURE_NAMES = {1: "very light", 2: "light", 3: "medium", 4: "firm", 5: "deep"}

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

# MIGRATIONS[n] takes a database at version n to n + 1. Add to the end; never edit a shipped one.
MIGRATIONS: tuple[str, ...] = (_SCHEMA_V1,)
assert len(MIGRATIONS) == SCHEMA_VERSION


class _Unusable(Exception):
    """The file cannot be used as our history: `reason` goes into the moved-aside file's name."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def default_path() -> Path:
    """Where the history lives: `$MASSAGE_COACH_DATA/history.sqlite3`, else the user data dir."""
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override).expanduser() / DB_FILENAME
    import platformdirs

    return Path(platformdirs.user_data_dir("massage-coach", appauthor=False)) / DB_FILENAME


@dataclass(frozen=True)
class SessionInfo:
    """One row of the session list."""

    id: int
    routine_id: str
    routine_title: str
    receiver: str | None
    engine: str
    started_at: float
    ended_at: float | None
    completed: bool
    summary: str | None
    steps_done: int

    @property
    def outcome(self) -> str:
        """"completed", "ended early", or "unfinished": never ended, because it is running now or
        the program was killed (the timeline still has everything up to that moment)."""
        if self.ended_at is None:
            return "unfinished"
        return "completed" if self.completed else "ended early"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "routine_id": self.routine_id, "routine_title": self.routine_title,
            "receiver": self.receiver, "engine": self.engine,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at) if self.ended_at is not None else None,
            "completed": self.completed, "outcome": self.outcome, "summary": self.summary,
            "steps_done": self.steps_done,
        }


@dataclass(frozen=True)
class Entry:
    """One line of a session's timeline."""

    at: float
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """A short human sentence, for `history show` and the CSV export."""
        d = self.data
        if self.kind == KIND_SESSION_START:
            who = f" for {d['receiver']}" if d.get("receiver") else ""
            return f"Started {d.get('routine_title', '')}{who} ({d.get('engine', '?')})"
        if self.kind == KIND_SESSION_END:
            outcome = "Completed" if d.get("completed") else "Ended early"
            return f"{outcome}: {d['summary']}" if d.get("summary") else outcome
        if self.kind == KIND_PRESSURE_SETTLED:
            level = _as_int(d.get("level"))
            return f"Pressure {level} {_PRESSURE_NAMES.get(level or 0, '')} is good".replace(
                "  ", " ")
        if self.kind == KIND_SESSION_OVER:
            outcome = "completed" if d.get("completed") else "ended early"
            return f"Session over: {outcome}, {d.get('steps_done', '?')} steps done"
        if self.kind in (KIND_STEP, KIND_HOLD):
            text = f"Step {d.get('index', '?')}"
            if d.get("title"):
                text += f" · {d['title']}"
            if d.get("side"):
                text += f" ({d['side']})"
            if d.get("actual_hold") is not None:
                text += f" held {format_seconds(float(d['actual_hold']))}"
                if d.get("planned_hold") is not None:
                    text += f" of {format_seconds(float(d['planned_hold']))}"
            elif d.get("planned_hold") is not None:
                text += f", hold {format_seconds(float(d['planned_hold']))}"
            return text
        if self.kind == KIND_PRESSURE:
            level, previous, reason = _pressure_fields(d)
            name = _PRESSURE_NAMES.get(level or 0, "")
            text = f"Pressure {level} {name}".rstrip()
            if previous is not None:
                text = f"Pressure {previous} → {level} {name}".rstrip()
            return text + (f" ({reason})" if reason else "")
        if self.kind == KIND_HEARD:
            confidence = d.get("confidence")
            conf = f"{confidence:.2f}, " if isinstance(confidence, (int, float)) else ""
            return f"Heard \"{d.get('text', '')}\" → {d.get('intent')} ({conf}{d.get('source')})"
        if self.kind == KIND_NOT_UNDERSTOOD:
            return f"Not understood: \"{d.get('text', '')}\" ({d.get('source')})"
        if self.kind == KIND_NOTE:
            where = f" at {d['step_id']}" if d.get("step_id") else ""
            return f"Note{where}: {d.get('text', '')}"
        rest = ", ".join(f"{k}={v}" for k, v in d.items())
        return f"{self.kind}: {rest}" if rest else self.kind

    def to_dict(self) -> dict[str, Any]:
        return {"at": _iso(self.at), "kind": self.kind, **self.data}


class History:
    """The history database. Thread-safe: the voice loop and the main loop may both write.

    Use `History.open()`; it never raises for a bad file (see the module docstring).
    """

    def __init__(self, connection: sqlite3.Connection, path: Path | None,
                 notices: list[str] | None = None) -> None:
        self._db = connection
        self._lock = threading.RLock()
        self.path = path  # None when history fell back to memory
        self.notices: list[str] = notices or []

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> "History":
        """Open (creating or upgrading) the history at `path`, or at `default_path()`.

        A file that is not a usable history (garbage, failed integrity check, newer schema) is
        renamed to `<name>.<reason>-<timestamp>` and a fresh one is created. If even that fails
        (read-only disk), history is kept in memory for this run, so the session still happens.
        """
        target = Path(path) if path is not None else default_path()
        notices: list[str] = []
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                connection = _connect(target)
            except _Unusable as problem:
                aside = _move_aside(target, problem.reason)
                message = (f"The history file {target} could not be used ({problem.detail}). "
                           f"It was moved to {aside.name} and a new history was started.")
                log.warning(message)
                notices.append(message)
                connection = _connect(target)
            return cls(connection, target, notices)
        except (OSError, sqlite3.Error, _Unusable) as error:
            message = (f"History cannot be saved at {target} ({error}); "
                       "this session is kept in memory only.")
            log.error(message)
            notices.append(message)
            return cls(_connect(Path(":memory:")), None, notices)

    def close(self) -> None:
        with self._lock:
            try:
                self._db.close()
            except sqlite3.Error as error:  # pragma: no cover - closing should not fail
                log.warning("closing history: %s", error)

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- writing

    @contextmanager
    def _write(self, what: str) -> Iterator[sqlite3.Connection]:
        """One transaction, committed on exit. A failure is logged, never raised: the session
        matters more than its record."""
        with self._lock:
            try:
                with self._db:  # BEGIN ... COMMIT, or ROLLBACK on error
                    yield self._db
            except sqlite3.Error as error:
                log.error("history: could not save %s: %s", what, error)

    def start_session(self, routine_id: str, routine_title: str, receiver: str | None,
                      engine: str, at: float | None = None) -> int:
        """Record a new session and return its id (-1 if it could not be saved)."""
        at = time.time() if at is None else at
        receiver = _clean_name(receiver)
        session_id = -1
        with self._write("the session start") as db:
            cursor = db.execute(
                "INSERT INTO sessions (routine_id, routine_title, receiver, engine, started_at) "
                "VALUES (?, ?, ?, ?, ?)", (routine_id, routine_title, receiver, engine, at))
            session_id = int(cursor.lastrowid or -1)
            self._insert_event(db, session_id, at, KIND_SESSION_START, {
                "routine_id": routine_id, "routine_title": routine_title, "receiver": receiver,
                "engine": engine})
        return session_id

    def record(self, session_id: int, kind: str, data: dict[str, Any] | None = None,
               at: float | None = None) -> None:
        """Save one `Record(kind, data)` action from the engine, committed at once."""
        at = time.time() if at is None else at
        data = dict(data or {})
        with self._write(f"a {kind!r} record") as db:
            event_id = self._insert_event(db, session_id, at, kind, data)
            if kind in (KIND_STEP, KIND_HOLD):
                self._upsert_step(db, session_id, at, data)
            elif kind == KIND_PRESSURE and _pressure_fields(data)[0] is not None:
                level, previous, reason = _pressure_fields(data)
                db.execute(
                    "INSERT INTO pressure_changes (event_id, session_id, at, level, previous, "
                    "reason) VALUES (?, ?, ?, ?, ?, ?)",
                    (event_id, session_id, at, level, previous, reason))
            elif kind in (KIND_HEARD, KIND_NOT_UNDERSTOOD):
                understood = kind == KIND_HEARD
                db.execute(
                    "INSERT INTO heard (event_id, session_id, at, understood, intent, text, "
                    "confidence, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (event_id, session_id, at, int(understood),
                     data.get("intent") if understood else None, str(data.get("text", "")),
                     _as_float(data.get("confidence")) if understood else None,
                     str(data.get("source", "text"))))
            elif kind == KIND_NOTE and data.get("text"):
                self._insert_note(db, session_id, event_id, at, data.get("step_id"),
                                  str(data["text"]))

    def record_heard(self, session_id: int, event: Any, at: float | None = None) -> None:
        """Save a `CommandHeard` or `NotUnderstood` event: every input, understood or not.

        The runner calls this for each input event it hands the engine (the engine itself
        records only what it did, not what it heard).
        """
        at = time.time() if at is None else at
        intent = getattr(event, "intent", None)
        understood = intent is not None
        text = str(getattr(event, "text", ""))
        source = str(getattr(event, "source", "text"))
        confidence = getattr(event, "confidence", None) if understood else None
        intent_value = getattr(intent, "value", intent)
        data: dict[str, Any] = {"text": text, "source": source}
        if understood:
            data.update(intent=intent_value, confidence=confidence)
            detail = getattr(event, "engine_detail", None)
            if detail:
                data["detail"] = dict(detail)
        self.record(session_id, KIND_HEARD if understood else KIND_NOT_UNDERSTOOD, data, at)

    def end_session(self, session_id: int, completed: bool, summary: str = "",
                    at: float | None = None) -> None:
        """Close the session, and remember the receiver's pressure for this routine: the last
        level they called good ("that's good"), else the level the session ended at."""
        at = time.time() if at is None else at
        with self._write("the session end") as db:
            db.execute("UPDATE sessions SET ended_at = ?, completed = ?, summary = ? WHERE id = ?",
                       (at, int(completed), summary, session_id))
            self._insert_event(db, session_id, at, KIND_SESSION_END,
                               {"completed": completed, "summary": summary})
            owner = db.execute("SELECT receiver, routine_id FROM sessions WHERE id = ?",
                               (session_id,)).fetchone()
            if owner and owner[0]:
                level = self._session_preference(db, session_id)
                if level is not None:
                    self._remember(db, owner[0], owner[1], level, at)

    @staticmethod
    def _session_preference(db: sqlite3.Connection, session_id: int) -> int | None:
        settled: int | None = None
        latest: int | None = None
        for kind, text in db.execute(
                "SELECT kind, data FROM events WHERE session_id = ? AND kind IN (?, ?, ?) "
                "ORDER BY at, id", (session_id, KIND_PRESSURE_SETTLED, KIND_PRESSURE,
                                    KIND_SESSION_OVER)):
            data = _loads(text)
            if kind == KIND_PRESSURE_SETTLED:
                settled = _as_int(data.get("level")) or settled
            elif kind == KIND_PRESSURE:
                latest = _pressure_fields(data)[0] or latest
            else:
                latest = _as_int(data.get("pressure")) or latest
        level = settled if settled is not None else latest
        return level if level in _PRESSURE_NAMES else None

    def remember_pressure(self, receiver: str, routine_id: str, level: int,
                          at: float | None = None) -> None:
        """Set the receiver's preferred pressure for a routine (1..5)."""
        name = _clean_name(receiver)
        if name is None:
            raise ValueError("a pressure preference needs a receiver name")
        if level not in _PRESSURE_NAMES:
            raise ValueError(f"pressure level must be 1..5, got {level}")
        with self._write("a pressure preference") as db:
            self._remember(db, name, routine_id, level, time.time() if at is None else at)

    def add_note(self, receiver: str, routine_id: str, step_id: str, text: str,
                 session_id: int | None = None, at: float | None = None) -> None:
        """Keep a tender-spot note for this receiver at this step (also in the session, if given).
        """
        name = _clean_name(receiver)
        if name is None:
            raise ValueError("a tender-spot note needs a receiver name")
        at = time.time() if at is None else at
        with self._write("a note") as db:
            if session_id is not None:
                event_id = self._insert_event(db, session_id, at, KIND_NOTE,
                                              {"text": text, "step_id": step_id})
                db.execute("INSERT INTO notes (event_id, session_id, at, step_id, text) "
                           "VALUES (?, ?, ?, ?, ?)", (event_id, session_id, at, step_id, text))
            db.execute(
                "INSERT INTO receiver_notes (receiver, routine_id, step_id, text, created_at, "
                "session_id) VALUES (?, ?, ?, ?, ?, ?)",
                (name, routine_id, step_id, text, at, session_id))

    def _insert_event(self, db: sqlite3.Connection, session_id: int, at: float, kind: str,
                      data: dict[str, Any]) -> int:
        cursor = db.execute("INSERT INTO events (session_id, at, kind, data) VALUES (?, ?, ?, ?)",
                            (session_id, at, kind, json.dumps(data, default=str)))
        return int(cursor.lastrowid or 0)

    def _upsert_step(self, db: sqlite3.Connection, session_id: int, at: float,
                     data: dict[str, Any]) -> None:
        """A step row per position; a later record for the same position fills in what it has
        (the engine may record the step when it starts and the real hold when it ends)."""
        index = _as_int(data.get("index"))
        if index is None:
            return
        side = data.get("side")
        db.execute(
            "INSERT INTO steps (session_id, idx, step_id, title, side, planned_hold, actual_hold, "
            "started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (session_id, idx) DO UPDATE SET "
            "step_id = COALESCE(excluded.step_id, step_id), "
            "title = COALESCE(excluded.title, title), side = COALESCE(excluded.side, side), "
            "planned_hold = COALESCE(excluded.planned_hold, planned_hold), "
            "actual_hold = COALESCE(excluded.actual_hold, actual_hold), "
            "started_at = excluded.started_at",
            (session_id, index, data.get("step_id"), data.get("title"),
             getattr(side, "value", side), _as_float(data.get("planned_hold")),
             _as_float(data.get("actual_hold")), at))

    def _insert_note(self, db: sqlite3.Connection, session_id: int, event_id: int, at: float,
                     step_id: str | None, text: str) -> None:
        db.execute("INSERT INTO notes (event_id, session_id, at, step_id, text) "
                   "VALUES (?, ?, ?, ?, ?)", (event_id, session_id, at, step_id, text))
        row = db.execute("SELECT receiver, routine_id FROM sessions WHERE id = ?",
                         (session_id,)).fetchone()
        if row and row[0] and step_id:
            db.execute(
                "INSERT INTO receiver_notes (receiver, routine_id, step_id, text, created_at, "
                "session_id) VALUES (?, ?, ?, ?, ?, ?)",
                (row[0], row[1], step_id, text, at, session_id))

    @staticmethod
    def _remember(db: sqlite3.Connection, receiver: str, routine_id: str, level: int,
                  at: float) -> None:
        db.execute(
            "INSERT INTO receiver_pressure (receiver, routine_id, level, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (receiver, routine_id) DO UPDATE SET "
            "level = excluded.level, updated_at = excluded.updated_at",
            (receiver, routine_id, level, at))

    # ---------------------------------------------------------------- reading

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def preferred_pressure(self, receiver: str | None, routine_id: str) -> int | None:
        """The receiver's remembered pressure for this routine, or None (no name, or first time)."""
        name = _clean_name(receiver)
        if name is None:
            return None
        rows = self._query("SELECT level FROM receiver_pressure WHERE receiver = ? AND "
                           "routine_id = ?", (name, routine_id))
        return int(rows[0][0]) if rows else None

    def notes_for(self, receiver: str | None, routine_id: str, step_id: str) -> list[str]:
        """Tender-spot notes for this receiver at this step, oldest first."""
        name = _clean_name(receiver)
        if name is None:
            return []
        rows = self._query("SELECT text FROM receiver_notes WHERE receiver = ? AND routine_id = ? "
                           "AND step_id = ? ORDER BY created_at, id", (name, routine_id, step_id))
        return [row[0] for row in rows]

    def step_notes(self, receiver: str | None, routine_id: str) -> dict[str, tuple[str, ...]]:
        """All tender-spot notes for this receiver and routine, by step id: what
        `SessionOptions.step_notes` takes."""
        name = _clean_name(receiver)
        if name is None:
            return {}
        notes: dict[str, list[str]] = {}
        for step_id, text in self._query(
                "SELECT step_id, text FROM receiver_notes WHERE receiver = ? AND routine_id = ? "
                "ORDER BY created_at, id", (name, routine_id)):
            notes.setdefault(step_id, []).append(text)
        return {step_id: tuple(texts) for step_id, texts in notes.items()}

    def welcome_back(self, receiver: str | None, routine_id: str,
                     area: str = "") -> tuple[str, ...]:
        """Lines for `SessionOptions.greeting`: "Last time Sam liked light pressure on the
        hamstrings: starting at level two." (`area` is the routine's, see `Routine.area`; without
        it the place is left out.) Empty for a first session or no name."""
        name = _clean_name(receiver)
        if name is None:
            return ()
        rows = self._query("SELECT receiver, level FROM receiver_pressure WHERE receiver = ? AND "
                           "routine_id = ?", (name, routine_id))
        if not rows or rows[0][1] not in _PRESSURE_NAMES:
            return ()
        name, level = rows[0]  # the name as first written: "Sam", not "sam"
        where = f" on {area}" if area else ""
        return (f"Last time {name} liked {_PRESSURE_NAMES[level]} pressure{where}: starting at "
                f"level {_NUMBER_WORDS[level]}.",)

    def receivers(self) -> list[str]:
        """Every receiver name seen, for completion and `history receivers`."""
        rows = self._query("SELECT receiver FROM sessions WHERE receiver IS NOT NULL UNION "
                           "SELECT receiver FROM receiver_pressure ORDER BY 1 COLLATE NOCASE")
        return [row[0] for row in rows]

    def sessions(self, limit: int | None = 20) -> list[SessionInfo]:
        """The most recent sessions first."""
        rows = self._query(
            "SELECT s.id, s.routine_id, s.routine_title, s.receiver, s.engine, s.started_at, "
            "s.ended_at, s.completed, s.summary, "
            "(SELECT COUNT(*) FROM steps st WHERE st.session_id = s.id) "
            "FROM sessions s ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
            (-1 if limit is None else limit,))
        return [_session_info(row) for row in rows]

    def session(self, session_id: int) -> SessionInfo | None:
        rows = self._query(
            "SELECT s.id, s.routine_id, s.routine_title, s.receiver, s.engine, s.started_at, "
            "s.ended_at, s.completed, s.summary, "
            "(SELECT COUNT(*) FROM steps st WHERE st.session_id = s.id) "
            "FROM sessions s WHERE s.id = ?", (session_id,))
        return _session_info(rows[0]) if rows else None

    def timeline(self, session_id: int) -> list[Entry]:
        """Everything that happened in the session, in order."""
        rows = self._query("SELECT at, kind, data FROM events WHERE session_id = ? "
                           "ORDER BY at, id", (session_id,))
        return [Entry(row[0], row[1], _loads(row[2])) for row in rows]

    # ---------------------------------------------------------------- export

    def _chosen(self, session_ids: Sequence[int] | None) -> list[SessionInfo]:
        everything = self.sessions(limit=None)
        if session_ids is None:
            return list(reversed(everything))  # oldest first reads naturally in a file
        wanted = set(session_ids)
        return [info for info in reversed(everything) if info.id in wanted]

    def export_json(self, out: TextIO, session_ids: Sequence[int] | None = None) -> int:
        """Write the chosen sessions (all by default) with their timelines as JSON.
        Returns how many sessions were written."""
        chosen = self._chosen(session_ids)
        document = {
            "schema_version": SCHEMA_VERSION,
            "sessions": [{**info.to_dict(),
                          "timeline": [entry.to_dict() for entry in self.timeline(info.id)]}
                         for info in chosen],
        }
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return len(chosen)

    def export_csv(self, out: TextIO, session_ids: Sequence[int] | None = None) -> int:
        """Write one CSV row per timeline entry (spreadsheet-friendly); returns the session count.
        """
        chosen = self._chosen(session_ids)
        writer = csv.writer(out)
        writer.writerow(["session_id", "routine_id", "receiver", "time", "seconds", "kind",
                         "description", "data"])
        for info in chosen:
            for entry in self.timeline(info.id):
                writer.writerow([info.id, info.routine_id, info.receiver or "", _iso(entry.at),
                                 f"{entry.at - info.started_at:.1f}", entry.kind,
                                 entry.describe(), json.dumps(entry.data, ensure_ascii=False)])
        return len(chosen)


# -------------------------------------------------------------------- helpers


def _connect(path: Path) -> sqlite3.Connection:
    """Open, check and migrate. Raises `_Unusable` for a file that is not our history."""
    db = sqlite3.connect(str(path), timeout=5.0, check_same_thread=False, isolation_level=None)
    try:
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            check = db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as error:  # "file is not a database", "malformed"
            raise _Unusable("corrupt", str(error)) from error
        if [row[0] for row in check] != ["ok"]:
            raise _Unusable("corrupt", "integrity check failed: " + "; ".join(
                str(row[0]) for row in check[:3]))
        if version > SCHEMA_VERSION:
            raise _Unusable(f"newer-v{version}",
                            f"it was written by a newer massage-coach (schema {version}, "
                            f"this one understands {SCHEMA_VERSION})")
        if str(path) != ":memory:":
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        if version < SCHEMA_VERSION:
            # isolation_level=None: we manage transactions; a migration is all or nothing.
            db.execute("BEGIN IMMEDIATE")
            try:
                for script in MIGRATIONS[version:]:
                    for statement in script.split(";"):
                        if statement.strip():
                            db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            log.info("history at %s is at schema %d", path, SCHEMA_VERSION)
        # From here on, `with db:` blocks open and commit a transaction each.
        db.isolation_level = "DEFERRED"
        return db
    except BaseException:
        db.close()
        raise


def _move_aside(path: Path, reason: str) -> Path:
    """Rename a bad history (and its WAL) out of the way, keeping it for a human to look at."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{reason}-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{reason}-{stamp}-{counter}")
        counter += 1
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        extra = Path(str(path) + suffix)
        if extra.exists():
            if suffix == "-wal":
                extra.rename(Path(str(target) + suffix))
            else:
                extra.unlink()  # the shared-memory index is rebuilt from the WAL
    return target


def _session_info(row: tuple[Any, ...]) -> SessionInfo:
    return SessionInfo(id=row[0], routine_id=row[1], routine_title=row[2], receiver=row[3],
                       engine=row[4], started_at=row[5], ended_at=row[6],
                       completed=bool(row[7]), summary=row[8], steps_done=int(row[9]))


def _pressure_fields(data: dict[str, Any]) -> tuple[int | None, int | None, str | None]:
    """(level, previous, reason) of a pressure record."""
    level = _as_int(data.get("level"))
    previous = _as_int(data.get("previous"))
    reason = data.get("reason")
    return level, previous, None if reason is None else str(reason)


def _clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    name = " ".join(name.split())
    return name or None


def _as_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _as_float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _loads(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"value": value}


def _iso(at: float) -> str:
    return _dt.datetime.fromtimestamp(at).astimezone().isoformat(timespec="seconds")


def format_seconds(seconds: float) -> str:
    """1:05 style, for holds."""
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
