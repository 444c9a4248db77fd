"""`History`: the session's writer. See `coach.app.history` for why it is shaped this way."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from coach.core.events import CommandHeard, NotUnderstood
from coach.core.record_kinds import RecordKind
from coach.app.history.describe import (
    PRESSURE_NAMES,
    as_float,
    as_int,
    clean_name,
    loads,
    pressure_fields,
)
from coach.app.history.connections import SESSION_WAIT_SECONDS
from coach.app.history.opening import Opened, open_for_reading, open_for_session
from coach.app.history.pending import PendingWrites, Write
from coach.app.history.queries import HistoryQueries

log = logging.getLogger("coach.app.history")


def storable(value: Any) -> Any:
    """`value` with every string made encodable: a typed byte that is not UTF-8 arrives as a lone
    surrogate, which SQLite cannot store (it becomes U+FFFD)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8") if not value.isascii() else value
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(storable(item) for item in value)
    return value


class History(HistoryQueries):
    """The history database. Thread-safe: the voice loop and the main loop may both write.

    `History.open()` is for a coaching session: it never raises for a bad file (it repairs our
    own file, or keeps the session in memory, and `notices` says so). `History.open_for_reading()`
    is for commands that only read: it changes nothing and raises `HistoryUnavailable`.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path | None,
                 notices: list[str] | None = None, writable: bool = True) -> None:
        self._db = connection
        self._lock = threading.RLock()
        self.path = path  # None when history fell back to memory
        self.notices: list[str] = notices or []
        self.writable = writable  # False: a read-only file; writes are skipped
        self._writes = PendingWrites(connection, int(SESSION_WAIT_SECONDS * 1000))
        self._ids: dict[int, int] = {}  # a kept session start's stand-in id -> its real id
        self._next_stand_in = -2  # -1 means "not saved"; -2, -3, ... wait for a busy file

    @classmethod
    def _from(cls, opened: Opened) -> "History":
        return cls(opened.db, opened.path, opened.notices, opened.writable)

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> "History":
        """Open (creating, upgrading or repairing) the history at `path`, or `default_path()`,
        for a session to write to (see `coach.app.history.opening.open_for_session`)."""
        return cls._from(open_for_session(Path(path) if path is not None else None))

    @classmethod
    def open_for_reading(cls, path: str | os.PathLike[str] | None = None) -> "History":
        """Open the history without changing anything; raises `HistoryUnavailable`."""
        return cls._from(open_for_reading(Path(path) if path is not None else None))

    def close(self) -> None:
        """Write what is still kept in memory (a busy file may be free by now), then close."""
        with self._lock:
            if self.writable:
                self._writes.close()
            try:
                self._db.close()
            except sqlite3.Error as error:  # pragma: no cover - closing should not fail
                log.warning("closing history: %s", error)

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _save(self, what: str, write: Write) -> str:
        """Run `write` as one transaction: "saved", "kept" (the file is busy or the disk full:
        kept in memory, in order, and written when it can be; see `pending`), "failed" (logged,
        never raised: the session matters more than its record) or "skipped" (read-only)."""
        with self._lock:
            if not self.writable:
                return "skipped"
            return self._writes.save(what, write)

    def _real(self, session_id: int) -> int:
        """The session's id in the file (a stand-in id is replaced once its start is written)."""
        return self._ids.get(session_id, session_id)

    def start_session(self, routine_id: str, routine_title: str, receiver: str | None,
                      engine: str, at: float | None = None) -> int:
        """Record a new session and return its id (-1 if it could not be saved)."""
        at = time.time() if at is None else at
        receiver = storable(clean_name(receiver))
        routine_id, routine_title, engine = storable((routine_id, routine_title, engine))
        with self._lock:
            stand_in = self._next_stand_in
            self._next_stand_in -= 1

        def write(db: sqlite3.Connection) -> None:
            cursor = db.execute(
                "INSERT INTO sessions (routine_id, routine_title, receiver, engine, started_at) "
                "VALUES (?, ?, ?, ?, ?)", (routine_id, routine_title, receiver, engine, at))
            real = int(cursor.lastrowid or -1)
            self._ids[stand_in] = real  # later kept writes of this session use it
            self._insert_event(db, real, at, RecordKind.SESSION_OPENED, {
                "routine_id": routine_id, "routine_title": routine_title, "receiver": receiver,
                "engine": engine})

        outcome = self._save("the session start", write)
        if outcome == "saved":
            return self._ids.pop(stand_in)
        return stand_in if outcome == "kept" else -1

    def record(self, session_id: int, kind: str, data: dict[str, Any] | None = None,
               at: float | None = None) -> None:
        """Save one `Record(kind, data)` action from the engine, committed at once."""
        at = time.time() if at is None else at
        data = storable(dict(data or {}))

        def write(db: sqlite3.Connection, session_id: int = session_id) -> None:
            session_id = self._real(session_id)
            event_id = self._insert_event(db, session_id, at, kind, data)
            if kind in (RecordKind.STEP, RecordKind.HOLD):
                self._upsert_step(db, session_id, at, data)
            elif kind == RecordKind.PRESSURE and pressure_fields(data)[0] is not None:
                level, previous, reason = pressure_fields(data)
                db.execute(
                    "INSERT INTO pressure_changes (event_id, session_id, at, level, previous, "
                    "reason) VALUES (?, ?, ?, ?, ?, ?)",
                    (event_id, session_id, at, level, previous, reason))
            elif kind in (RecordKind.HEARD, RecordKind.NOT_UNDERSTOOD):
                understood = kind == RecordKind.HEARD
                db.execute(
                    "INSERT INTO heard (event_id, session_id, at, understood, intent, text, "
                    "confidence, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (event_id, session_id, at, int(understood),
                     data.get("intent") if understood else None, str(data.get("text", "")),
                     as_float(data.get("confidence")) if understood else None,
                     str(data.get("source", "text"))))
            elif kind == RecordKind.NOTE and data.get("text"):
                self._insert_note(db, session_id, event_id, at, data.get("step_id"),
                                  str(data["text"]))
            if kind in (RecordKind.PRESSURE, RecordKind.PRESSURE_SETTLED, RecordKind.SESSION_OVER):
                self._keep_preference(db, session_id, at)  # saved now: a kill -9 keeps it

        self._save(f"a {kind!r} record", write)

    def set_engine(self, session_id: int, engine: str) -> None:
        """Name the recognizer a session used, once it is known (a session started with
        `--engine auto` only learns it from the first thing heard)."""
        engine = storable(engine)

        def write(db: sqlite3.Connection, session_id: int = session_id) -> None:
            db.execute("UPDATE sessions SET engine = ? WHERE id = ?",
                       (engine, self._real(session_id)))

        self._save("the engine used", write)

    def record_heard(self, session_id: int, event: CommandHeard | NotUnderstood,
                     at: float | None = None) -> None:
        """Save what the person said, typed or pressed, understood or not.

        The runner calls this for each such event it hands the engine (the engine itself
        records only what it did, not what it heard). The input ending is no such event.
        """
        at = time.time() if at is None else at
        # spoken input under its engine's name, as older files hold it (CommandSource.from_label)
        data: dict[str, Any] = {"text": event.text,
                                "source": event.source.stored_label(event.engine)}
        if isinstance(event, CommandHeard):
            data.update(intent=event.intent.value, confidence=event.confidence)
            if event.engine_detail:
                data["detail"] = dict(event.engine_detail)
            self.record(session_id, RecordKind.HEARD, data, at)
        else:
            self.record(session_id, RecordKind.NOT_UNDERSTOOD, data, at)

    def end_session(self, session_id: int, completed: bool, summary: str = "",
                    at: float | None = None) -> None:
        """Close the session, and remember the receiver's pressure for this routine: the last
        level they called good ("that's good"), else the level the session ended at."""
        at = time.time() if at is None else at
        summary = storable(summary)

        def write(db: sqlite3.Connection, session_id: int = session_id) -> None:
            session_id = self._real(session_id)
            db.execute("UPDATE sessions SET ended_at = ?, completed = ?, summary = ? WHERE id = ?",
                       (at, int(completed), summary, session_id))
            self._insert_event(db, session_id, at, RecordKind.SESSION_CLOSED,
                               {"completed": completed, "summary": summary})
            self._keep_preference(db, session_id, at)

        self._save("the session end", write)

    def _keep_preference(self, db: sqlite3.Connection, session_id: int, at: float) -> None:
        """Remember the receiver's pressure as the session stands now (see `end_session`)."""
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
                "ORDER BY at, id", (session_id, RecordKind.PRESSURE_SETTLED, RecordKind.PRESSURE,
                                    RecordKind.SESSION_OVER)):
            data = loads(text)
            if kind == RecordKind.PRESSURE_SETTLED:
                settled = as_int(data.get("level")) or settled
            elif kind == RecordKind.PRESSURE:
                latest = pressure_fields(data)[0] or latest
            else:
                latest = as_int(data.get("pressure")) or latest
        level = settled if settled is not None else latest
        return level if level in PRESSURE_NAMES else None

    def remember_pressure(self, receiver: str, routine_id: str, level: int,
                          at: float | None = None) -> None:
        """Set the receiver's preferred pressure for a routine (1..5)."""
        name = clean_name(receiver)
        if name is None:
            raise ValueError("a pressure preference needs a receiver name")
        if level not in PRESSURE_NAMES:
            raise ValueError(f"pressure level must be 1..5, got {level}")
        when = time.time() if at is None else at

        def write(db: sqlite3.Connection) -> None:
            self._remember(db, name, routine_id, level, when)

        self._save("a pressure preference", write)

    def add_note(self, receiver: str, routine_id: str, step_id: str, text: str,
                 session_id: int | None = None, at: float | None = None) -> None:
        """Keep a tender-spot note for this receiver at this step (also in the session, if given).
        """
        name = clean_name(receiver)
        if name is None:
            raise ValueError("a tender-spot note needs a receiver name")
        at = time.time() if at is None else at
        text = storable(text)

        def write(db: sqlite3.Connection, session_id: int | None = session_id) -> None:
            session_id = None if session_id is None else self._real(session_id)
            if session_id is not None:
                event_id = self._insert_event(db, session_id, at, RecordKind.NOTE,
                                              {"text": text, "step_id": step_id})
                db.execute("INSERT INTO notes (event_id, session_id, at, step_id, text) "
                           "VALUES (?, ?, ?, ?, ?)", (event_id, session_id, at, step_id, text))
            db.execute(
                "INSERT INTO receiver_notes (receiver, routine_id, step_id, text, created_at, "
                "session_id) VALUES (?, ?, ?, ?, ?, ?)",
                (name, routine_id, step_id, text, at, session_id))

        self._save("a note", write)

    def _insert_event(self, db: sqlite3.Connection, session_id: int, at: float, kind: str,
                      data: dict[str, Any]) -> int:
        cursor = db.execute("INSERT INTO events (session_id, at, kind, data) VALUES (?, ?, ?, ?)",
                            (session_id, at, kind, json.dumps(data, default=str)))
        return int(cursor.lastrowid or 0)

    def _upsert_step(self, db: sqlite3.Connection, session_id: int, at: float,
                     data: dict[str, Any]) -> None:
        """A step row per position; a later record for the same position fills in what it has
        (the engine may record the step when it starts and the real hold when it ends)."""
        index = as_int(data.get("index"))
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
             getattr(side, "value", side), as_float(data.get("planned_hold")),
             as_float(data.get("actual_hold")), at))

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
