"""Reading the history: sessions, timelines, receivers' preferences and notes, and exports.

A mixin for `coach.app.history.store.History`, which owns the connection (`_db`) and its lock.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from coach.core.record_kinds import RecordKind
from coach.core.routine import PRESSURE_NAMES
from coach.core.timewords import number_words
from coach.app.history.describe import (
    Entry,
    SessionInfo,
    clean_name,
    iso,
    loads,
    session_info,
)
from coach.app.history.schema import SCHEMA_VERSION


# Steps done: finished and not skipped, as the spoken summary counts them (the engine records
# `step_done` for each). Sessions saved before that record existed keep their own count.
STEPS_DONE = (
    "COALESCE(NULLIF((SELECT COUNT(*) FROM events e WHERE e.session_id = s.id AND "
    f"e.kind = '{RecordKind.STEP_DONE}'), 0), (SELECT json_extract(o.data, '$.steps_done') FROM events "
    f"o WHERE o.session_id = s.id AND o.kind = '{RecordKind.SESSION_OVER}' ORDER BY o.id DESC "
    "LIMIT 1), 0)")

_SESSION_ROWS = ("SELECT s.id, s.routine_id, s.routine_title, s.receiver, s.engine, s.started_at, "
                 f"s.ended_at, s.completed, s.summary, {STEPS_DONE} FROM sessions s")


class HistoryQueries:
    """Everything that reads; no method here writes."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    # ---------------------------------------------------------------- reading

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def preferred_pressure(self, receiver: str | None, routine_id: str) -> int | None:
        """The receiver's remembered pressure for this routine, or None (no name, or first time)."""
        name = clean_name(receiver)
        if name is None:
            return None
        rows = self._query("SELECT level FROM receiver_pressure WHERE receiver = ? AND "
                           "routine_id = ?", (name, routine_id))
        return int(rows[0][0]) if rows else None

    def notes_for(self, receiver: str | None, routine_id: str, step_id: str) -> list[str]:
        """Tender-spot notes for this receiver at this step, oldest first."""
        name = clean_name(receiver)
        if name is None:
            return []
        rows = self._query("SELECT text FROM receiver_notes WHERE receiver = ? AND routine_id = ? "
                           "AND step_id = ? ORDER BY created_at, id", (name, routine_id, step_id))
        return [row[0] for row in rows]

    def step_notes(self, receiver: str | None, routine_id: str) -> dict[str, tuple[str, ...]]:
        """All tender-spot notes for this receiver and routine, by step id: what
        `SessionOptions.step_notes` takes."""
        name = clean_name(receiver)
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
        name = clean_name(receiver)
        if name is None:
            return ()
        rows = self._query("SELECT receiver, level FROM receiver_pressure WHERE receiver = ? AND "
                           "routine_id = ?", (name, routine_id))
        if not rows or rows[0][1] not in PRESSURE_NAMES:
            return ()
        name, level = rows[0]  # the name as first written: "Sam", not "sam"
        where = f" on {area}" if area else ""
        return (f"Last time {name} liked {PRESSURE_NAMES[level]} pressure{where}: starting at "
                f"level {number_words(level)}.",)

    def receivers(self) -> list[str]:
        """Every receiver name seen, for completion and `history receivers`."""
        rows = self._query("SELECT receiver FROM sessions WHERE receiver IS NOT NULL UNION "
                           "SELECT receiver FROM receiver_pressure ORDER BY 1 COLLATE NOCASE")
        return [row[0] for row in rows]

    def sessions(self, limit: int | None = 20) -> list[SessionInfo]:
        """The most recent sessions first."""
        rows = self._query(f"{_SESSION_ROWS} ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
                           (-1 if limit is None else limit,))
        return [session_info(row) for row in rows]

    def session(self, session_id: int) -> SessionInfo | None:
        if not 0 < session_id < 2**63:  # SQLite cannot even bind it: no such session
            return None
        rows = self._query(f"{_SESSION_ROWS} WHERE s.id = ?", (session_id,))
        return session_info(rows[0]) if rows else None

    def timeline(self, session_id: int) -> list[Entry]:
        """Everything that happened in the session, in order."""
        rows = self._query("SELECT at, kind, data FROM events WHERE session_id = ? "
                           "ORDER BY at, id", (session_id,))
        return [Entry(row[0], row[1], loads(row[2])) for row in rows]

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
                writer.writerow([info.id, info.routine_id, info.receiver or "", iso(entry.at),
                                 f"{entry.at - info.started_at:.1f}", entry.kind,
                                 entry.describe(), json.dumps(entry.data, ensure_ascii=False)])
        return len(chosen)


# -------------------------------------------------------------------- helpers
