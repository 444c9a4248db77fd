"""Salvage: copy every row that can still be read out of a damaged history, row by row.

One bad page of an SQLite file makes a full scan fail at that page, but the rows on every other
page are still reachable through the table's b-tree. So each table is read in rowid order in
batches; when a batch fails, the rows after it are looked up one rowid at a time until one reads
again, and the batch scan resumes from there. A damaged interior page hides whole branches from
that walk, so the file's leaf pages are then also read directly (`page_scan` beside this module)
and the rows the walk missed are added. Rows that cannot be read, or that no longer fit the
schema, are counted as lost. Sessions whose own row was lost but whose timeline survived are
rebuilt from their `session_start` / `session_end` events, so their timelines stay reachable.

Ids in `sessions` and `events` are never reused or deleted, so the gaps up to the highest id are
what was lost, and the report can say so in plain words.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coach.app.history.describe import loads
from coach.app.history.page_scan import PageScan
from coach.app.history.schema import TABLES, table_names
from coach.core.record_kinds import RecordKind

log = logging.getLogger(__name__)

BATCH_ROWS = 256
MAX_BLIND_LOOKUPS = 200_000  # rowids tried one by one past a damaged spot before giving up

# What each table holds, in words, for the report.
_WHAT = {"sessions": ("session", "sessions"), "events": ("timeline event", "timeline events"),
         "receiver_pressure": ("remembered pressure", "remembered pressures"),
         "receiver_notes": ("tender-spot note", "tender-spot notes")}


@dataclass
class SalvageReport:
    """How many rows of each table were kept and lost, and how many sessions were rebuilt."""

    kept: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    rebuilt_sessions: int = 0
    unreadable_tables: list[str] = field(default_factory=list)

    @property
    def lost_anything(self) -> bool:
        return any(self.lost.values()) or bool(self.unreadable_tables)

    def kept_words(self) -> str:
        parts = []
        for table, (one, many) in _WHAT.items():
            count = self.kept.get(table, 0)
            part = f"{count:,} {one if count == 1 else many}"
            if table == "sessions" and self.rebuilt_sessions:
                part += f" ({self.rebuilt_sessions} rebuilt from their timelines)"
            parts.append(part)
        return ", ".join(parts)

    def lost_words(self) -> str:
        parts = []
        for table, (one, many) in _WHAT.items():
            count = self.lost.get(table, 0)
            if count:
                parts.append(f"{count:,} {one if count == 1 else many}")
        other = sum(count for table, count in self.lost.items() if table not in _WHAT)
        if other:
            parts.append(f"{other:,} rows of step, pressure and heard details "
                         "(the timeline still has them)")
        for table in self.unreadable_tables:
            parts.append(f"all of the {table.replace('_', ' ')} table")
        return ", ".join(parts) if parts else "nothing"

    def summary(self) -> str:
        """One plain sentence: what was kept, and what was lost."""
        text = f"Kept {self.kept_words()}."
        if self.lost_anything:
            return text + f" Lost {self.lost_words()}."
        return text + " Nothing was lost."


def readable_rows(db: sqlite3.Connection, table: str,
                  trouble: list[str] | None = None) -> Iterator[tuple]:
    """Every row of `table` that can be read, as (rowid, *columns), in rowid order. A read
    that failed on the way is noted in `trouble` (the walk may have missed rows)."""
    highest = _highest_rowid(db, table)
    if highest is None and trouble is not None and \
            _failed(db, f'SELECT max(rowid) FROM "{table}"'):
        trouble.append("at the highest rowid")
    last: int | None = None
    while True:
        try:
            if last is None:
                batch = db.execute(f'SELECT rowid, * FROM "{table}" ORDER BY rowid '
                                   f"LIMIT {BATCH_ROWS}").fetchall()
            else:
                batch = db.execute(f'SELECT rowid, * FROM "{table}" WHERE rowid > ? '
                                   f"ORDER BY rowid LIMIT {BATCH_ROWS}", (last,)).fetchall()
        except sqlite3.DatabaseError:
            if trouble is not None:
                trouble.append(f"after rowid {last}")
            found = _next_readable(db, table, last, highest)
            if found is None:
                return
            yield found
            last = found[0]
            continue
        if not batch:
            return
        yield from batch
        last = batch[-1][0]


def _failed(db: sqlite3.Connection, sql: str) -> bool:
    try:
        db.execute(sql).fetchall()
    except sqlite3.DatabaseError:
        return True
    return False


def _highest_rowid(db: sqlite3.Connection, table: str) -> int | None:
    try:
        value = db.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0]
    except sqlite3.DatabaseError:
        return None
    return None if value is None else int(value)


def _next_readable(db: sqlite3.Connection, table: str, last: int | None,
                   highest: int | None) -> tuple | None:
    """The first row after `last` that a point lookup can read, or None."""
    rowid = 0 if last is None else last
    tries = 0
    while tries < MAX_BLIND_LOOKUPS and (highest is None or rowid < highest):
        rowid += 1
        tries += 1
        try:
            row = db.execute(f'SELECT rowid, * FROM "{table}" WHERE rowid = ?',
                             (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            continue
        if row is not None:
            return row
    return None


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]


def salvage(source: sqlite3.Connection, target: sqlite3.Connection,
            path: Path | None = None) -> SalvageReport:
    """Copy what `source` still holds into `target` (a fresh history at the current schema,
    autocommit connection). Never raises for damage in `source`. With the file's `path`, rows
    that the b-tree walk could not reach are looked for page by page (`PageScan`)."""
    report = SalvageReport()
    try:
        present = table_names(source)
    except sqlite3.DatabaseError:
        present = set()  # the schema page itself is gone: only a page scan can find rows
    target.execute("PRAGMA foreign_keys=OFF")
    target.execute("BEGIN")
    try:
        highest: dict[str, int] = {}
        failed: dict[str, int] = {}
        incomplete = [table for table in TABLES
                      if not _copy_table(source, target, table, present, highest, failed)]
        if path is not None:  # a damaged b-tree can also hide rows without an error
            scan = PageScan(path)
            for table in TABLES:
                _add_scanned(target, table, scan, highest, failed)
        for table in TABLES:
            _count(target, table, highest, failed, report)
            if table in incomplete and not report.kept[table] and table != "recoveries" \
                    and table not in present and _held_rows(target, table, path is not None):
                report.unreadable_tables.append(table)
        report.rebuilt_sessions = _rebuild_missing_sessions(target)
        report.kept["sessions"] += report.rebuilt_sessions
        report.lost["sessions"] = max(0, report.lost["sessions"] - report.rebuilt_sessions)
        target.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):  # a full disk may have rolled it back already:
            target.execute("ROLLBACK")           # the error worth reporting is the first one
        raise
    finally:
        with contextlib.suppress(sqlite3.Error):
            target.execute("PRAGMA foreign_keys=ON")
    return report


_DENSE = ("sessions", "events", "receiver_notes")  # ids never deleted or reused: gaps are lost


def _copy_table(source: sqlite3.Connection, target: sqlite3.Connection, table: str,
                present: set[str], highest: dict[str, int], failed: dict[str, int]) -> bool:
    """Copy the rows the b-tree walk reaches; False when it may have missed some."""
    if table not in present:
        return False
    try:
        source_columns = _columns(source, table)
    except sqlite3.DatabaseError:
        return False
    wanted = [name for name in _columns(target, table) if name in source_columns]
    positions = [source_columns.index(name) + 1 for name in wanted]  # +1: rowid comes first
    insert = (f'INSERT INTO "{table}" ({", ".join(wanted)}) '
              f'VALUES ({", ".join("?" for _ in wanted)})')
    trouble: list[str] = []
    for row in readable_rows(source, table, trouble):
        highest[table] = max(highest.get(table, 0), int(row[0]))
        try:
            target.execute(insert, [row[i] for i in positions])
        except sqlite3.DatabaseError:  # garbage that no longer fits: NOT NULL, CHECK, types
            failed[table] = failed.get(table, 0) + 1
    highest[table] = max(highest.get(table, 0), _highest_rowid(source, table) or 0)
    if trouble:
        log.info("salvage: %s: reading stopped %s", table, trouble[:3])
    return not trouble


def _add_scanned(target: sqlite3.Connection, table: str, scan: PageScan,
                 highest: dict[str, int], failed: dict[str, int]) -> None:
    """Rows of `table` found on the pages, where the walk did not already copy them."""
    columns = _columns(target, table)
    insert = (f'INSERT OR IGNORE INTO "{table}" ({", ".join(columns)}) '
              f'VALUES ({", ".join("?" for _ in columns)})')
    rowid_column = table in _DENSE or table in ("pressure_changes", "heard", "notes",
                                                "recoveries")
    for rowid, values in scan.table(table):
        if rowid_column:
            values = [rowid, *values[1:]]  # the INTEGER PRIMARY KEY is stored as the rowid
        highest[table] = max(highest.get(table, 0), rowid)
        try:
            target.execute(insert, values)
        except sqlite3.DatabaseError:
            failed[table] = failed.get(table, 0) + 1


def _count(target: sqlite3.Connection, table: str, highest: dict[str, int],
           failed: dict[str, int], report: SalvageReport) -> None:
    kept = int(target.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
    report.kept[table] = kept
    report.lost[table] = max(0, highest.get(table, 0) - kept) if table in _DENSE \
        else failed.get(table, 0)
    if report.lost[table]:
        log.info("salvage: %s: kept %d rows, lost %d", table, kept, report.lost[table])


# The timeline entries that each detail table repeats: what says it held rows.
_TIMELINE_KINDS = {"heard": (RecordKind.HEARD, RecordKind.NOT_UNDERSTOOD),
                   "steps": (RecordKind.STEP, RecordKind.HOLD),
                   "pressure_changes": (RecordKind.PRESSURE,), "notes": (RecordKind.NOTE,)}


def _held_rows(target: sqlite3.Connection, table: str, scanned: bool) -> bool:
    """Whether a table the schema no longer names had rows, so that "lost all of it" is true.
    Without a page scan nothing is known, so it may have. After one, a table's surviving rows
    would have been found: only the timeline can show that rows existed (a detail table with
    none left while the timeline has its kind of entries); a table with no timeline to compare
    (the remembered preferences) is not claimed lost, because it was most likely empty."""
    if not scanned:
        return True
    kinds = _TIMELINE_KINDS.get(table)
    if kinds is None:
        return False
    marks = ", ".join("?" for _ in kinds)
    row = target.execute(f"SELECT 1 FROM events WHERE kind IN ({marks}) LIMIT 1",
                         [str(kind) for kind in kinds]).fetchone()
    return row is not None


def _rebuild_missing_sessions(target: sqlite3.Connection) -> int:
    """A session row for every session id that rows still refer to but whose own row was lost."""
    missing = [row[0] for row in target.execute(
        "SELECT DISTINCT session_id FROM events WHERE session_id NOT IN (SELECT id FROM sessions) "
        "UNION SELECT DISTINCT session_id FROM steps "
        "WHERE session_id NOT IN (SELECT id FROM sessions)")]
    for session_id in missing:
        start: dict = {}
        end: dict = {}
        first_at = last_at = None
        for at, kind, data in target.execute(
                "SELECT at, kind, data FROM events WHERE session_id = ? ORDER BY at, id",
                (session_id,)):
            first_at = at if first_at is None else first_at
            last_at = at
            if kind == RecordKind.SESSION_OPENED:
                start = loads(data)
            elif kind == RecordKind.SESSION_CLOSED:
                end = loads(data)
        target.execute(
            "INSERT INTO sessions (id, routine_id, routine_title, receiver, engine, started_at, "
            "ended_at, completed, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, str(start.get("routine_id") or "unknown"),
             str(start.get("routine_title") or "(details lost in a damaged file)"),
             start.get("receiver"), str(start.get("engine") or "?"),
             first_at if first_at is not None else 0.0, last_at if end else None,
             int(bool(end.get("completed"))), end.get("summary")))
    return len(missing)
