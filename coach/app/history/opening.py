"""Opening the history file: for a coaching session (may repair our own file) or for reading.

The rules, because this is the user's only copy of their sessions and receivers' preferences:

* A command that only reads never renames, replaces or creates anything. A path that is not our
  history (not SQLite, someone else's database, a device or a pipe) is refused with a message; a
  damaged file is salvaged into memory and shown with a note of what could not be read.
* "Locked" and "busy" mean another program holds the file: wait a while, then say so. They never
  mean the file is bad.
* Only a coaching session, on our own file, may move a file aside: a damaged one is first
  salvaged row by row into a fresh file (`coach.app.history.recovery`), and the new file remembers
  that, so later runs keep mentioning the damaged copy while it exists.
* A file or folder that cannot be written is read read-only; the session says once, at the start,
  that it will not be saved.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import sqlite3
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from coach.app.history.connections import (
    READ_WAIT_SECONDS,
    SESSION_WAIT_SECONDS,
    connect_read_only as _connect_read_only,
    connect_writing as _connect_writing,
    memory_history,
    prepare as _prepare,
)
from coach.app.history.errors import HistoryUnavailable, is_busy, is_damage, plain_reason
from coach.app.history.page_scan import PageScan
from coach.app.history.recovery import salvage
from coach.app.history.repair import finish_interrupted, move_aside, repair_damaged
from coach.app.history.schema import (
    DB_FILENAME,
    SCHEMA_VERSION,
    SQLITE_HEADER,
    looks_like_ours,
    schema_version,
    table_names,
)
from coach.folders import DATA_ENV, data_dir  # noqa: F401 - DATA_ENV is re-exported

log = logging.getLogger(__name__)

__all__ = ["READ_WAIT_SECONDS", "SESSION_WAIT_SECONDS", "HistoryUnavailable", "Opened",
           "default_path", "is_busy", "memory_history", "move_aside", "open_for_reading",
           "open_for_session"]


class _Damaged(Exception):
    """The file is SQLite but cannot be fully read (failed integrity check, malformed pages)."""


@dataclass
class Opened:
    """A connection ready for `History`, and what the user should be told about it."""

    db: sqlite3.Connection
    path: Path | None  # None when the history lives in memory only
    writable: bool  # False for a read-only file: writes are skipped, not attempted
    notices: list[str] = field(default_factory=list)


def default_path() -> Path:
    """Where the history lives: `$MASSAGE_COACH_DATA/history.sqlite3`, else the user data dir."""
    return data_dir() / DB_FILENAME  # coach.folders: the one resolution of the coach's folders


# ------------------------------------------------------------------ reading


def open_for_reading(path: Path | None = None) -> Opened:
    """Open the history for a read command. Raises `HistoryUnavailable`; never writes."""
    target = path if path is not None else default_path()
    if not os.path.lexists(target):
        if path is not None:
            raise HistoryUnavailable(f"There is no history file at {target}.", "missing")
        return Opened(memory_history(), None, writable=True)
    try:
        _refuse_odd_file(target)
    except HistoryUnavailable as problem:
        if problem.reason != "not-sqlite" or not PageScan(target).found_history:
            raise
        _damaged = _Damaged("its first page, which says what the file is, is unreadable")
        log.info("history %s is damaged (%s); reading what can be read", target, _damaged)
        memory, report = _salvage_into(_connect_read_only(target, immutable=True),
                                       memory_history(), target)
        return Opened(memory, target, writable=True, notices=[_damaged_notice(target, report)])
    if target.stat().st_size == 0:
        return Opened(memory_history(), None, writable=True)  # an empty file: an empty history
    db = _connect_read_only(target)
    try:
        try:
            _probe(db, target, READ_WAIT_SECONDS)
        except HistoryUnavailable as problem:
            if problem.reason != "unreadable" or not _wal_is_empty(target):
                raise
            # A full disk cannot hold the shared-memory index a WAL reader needs; with nothing
            # in the WAL the file alone is the whole history, so it is read as it is.
            db.close()
            db = _connect_read_only(target, immutable=True)
            _probe(db, target, READ_WAIT_SECONDS)
    except _Damaged as problem:
        log.info("history %s is damaged (%s); reading what can be read", target, problem)
        memory, report = _salvage_into(db, memory_history(), target)
        return Opened(memory, target, writable=True, notices=[_damaged_notice(target, report)])
    except BaseException:
        db.close()
        raise
    if not table_names(db):  # SQLite with no tables yet (made, never written): an empty history
        db.close()
        return Opened(memory_history(), None, writable=True)
    return Opened(db, target, writable=False, notices=recovery_notices(db))


def _wal_is_empty(target: Path) -> bool:
    try:
        return os.stat(f"{target}-wal").st_size == 0
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _damaged_notice(target: Path, summary: str) -> str:
    return (f"The history file {target} is damaged. Showing what could be read. {summary} "
            "Nothing was changed; the next coaching session repairs the file, keeping all of "
            "this.")


def _refuse_odd_file(target: Path) -> None:
    """Refuse what is not a regular file whose first bytes say SQLite, without blocking on it."""
    try:
        mode = target.stat().st_mode
    except OSError as error:
        raise HistoryUnavailable(f"Cannot read the history file {target}: {error.strerror}.",
                                 "unreadable") from None
    if not stat.S_ISREG(mode):
        raise HistoryUnavailable(f"{target} is not a regular file, so it is not a massage-coach "
                                 "history.", "not-file")
    try:
        with open(target, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise HistoryUnavailable(f"Cannot read the history file {target}: {error.strerror}.",
                                 "unreadable") from None
    if header and header != SQLITE_HEADER:
        raise HistoryUnavailable(f"{target} is not a massage-coach history (it is not an SQLite "
                                 "database).", "not-sqlite")


def _probe(db: sqlite3.Connection, target: Path, wait: float) -> int:
    """Check the file is a readable history of a version we understand; returns its version.
    Raises `HistoryUnavailable` (in use, newer, not ours) or `_Damaged`."""
    deadline = time.monotonic() + wait
    while True:
        try:
            version = schema_version(db)
            ours = looks_like_ours(db)
            check = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
            break
        except sqlite3.DatabaseError as error:
            if is_busy(error):
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                raise HistoryUnavailable(
                    f"The history file {target} is in use by another program (it is locked).",
                    "in-use", "Try again when that program has finished.") from None
            if not is_damage(error):  # the disk or the permissions, not the file's content
                why = plain_reason(error, target.parent)
                raise HistoryUnavailable(f"Cannot use the history file {target}: {why}.",
                                         "unreadable") from None
            raise _Damaged(str(error)) from None
    if version > SCHEMA_VERSION:
        raise HistoryUnavailable(
            f"The history file {target} was written by a newer massage-coach (schema {version}; "
            f"this one understands {SCHEMA_VERSION}).", "newer")
    if not ours:
        raise HistoryUnavailable(f"{target} is an SQLite database but not a massage-coach "
                                 "history.", "not-ours")
    if check != ["ok"]:
        raise _Damaged("; ".join(check[:3]))
    return version


def _salvage_into(source: sqlite3.Connection, fresh: sqlite3.Connection,
                  path: Path) -> tuple[sqlite3.Connection, str]:
    """Copy what `source` (the file at `path`) still holds into `fresh`, closing `source`;
    returns the summary."""
    level = fresh.isolation_level
    fresh.isolation_level = None
    try:
        report = salvage(source, fresh, path)
    finally:
        source.close()
        fresh.isolation_level = level
    return fresh, report.summary()


def recovery_notices(db: sqlite3.Connection, skip: Path | None = None) -> list[str]:
    """One line per earlier repair whose damaged copy is still on disk (but `skip`, the one
    just reported)."""
    try:
        if "recoveries" not in table_names(db):
            return []
        rows = db.execute("SELECT at, damaged_copy, summary FROM recoveries ORDER BY id").fetchall()
    except sqlite3.DatabaseError:
        return []
    notices = []
    for at, copy, summary in rows:
        if os.path.exists(copy) and (skip is None or Path(copy) != skip):
            when = _dt.datetime.fromtimestamp(at).strftime("%d %b %Y %H:%M")
            notices.append(f"On {when} the history file was found damaged and repaired. {summary} "
                           f"The damaged copy is still at {copy}; delete it when you no longer "
                           "need it and this note goes away.")
    return notices


# ------------------------------------------------------------------ a coaching session


def open_for_session(path: Path | None = None) -> Opened:
    """Open (creating, upgrading or repairing) the history a session writes to. Never raises:
    when the file cannot be written the session still runs, and the notices say so once."""
    target = path if path is not None else default_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return _unsaved(f"History cannot be saved at {target} ({error.strerror or error}); "
                        "this session will not be saved.")
    if os.path.lexists(target) and not stat.S_ISREG(os.stat(target).st_mode):
        return _unsaved(f"{target} is not a regular file, so the history cannot be kept there; "
                        "this session will not be saved. Nothing was changed.")
    if not _writable(target):
        return _read_only(target)
    notices: list[str] = []
    try:
        finished = finish_interrupted(target)
        if finished:
            notices.append(finished[0])
        if _foreign_bytes(target) and PageScan(target).found_history:
            return _repair(target, "its first page is unreadable", notices)
        if _foreign_bytes(target):
            aside = move_aside(target, "corrupt")
            notices.append(f"The history file {target} could not be used (it is not an SQLite "
                           f"database). It was moved to {aside.name} and a new history was "
                           "started.")
            log.info("%s", notices[-1])
        db = _connect_writing(target)
        try:
            _probe(db, target, SESSION_WAIT_SECONDS)
        except _Damaged as problem:
            db.close()
            return _repair(target, str(problem), notices)
        except HistoryUnavailable as problem:
            db.close()
            if problem.reason == "unreadable":  # a full disk, an I/O error: still read it
                return _read_only(target, f"{problem.problem} This session will not be saved.",
                                  notices)
            if problem.reason not in ("newer", "not-ours"):  # in use: wait for another day
                return _unsaved(f"{problem.problem} This session will not be saved.", notices)
            reason = f"newer-v{schema_version_of(target)}" if problem.reason == "newer" \
                else problem.reason
            aside = move_aside(target, reason)
            notices.append(f"{problem.problem} It was moved to {aside.name} and a new history "
                           "was started.")
            db = _connect_writing(target)
        notices += recovery_notices(db, skip=finished[1] if finished else None)
        _prepare(db, target)
        return Opened(db, target, writable=True, notices=notices)
    except HistoryUnavailable as problem:
        return _unsaved(f"{problem.problem} This session will not be saved.", notices)
    except (OSError, sqlite3.Error) as error:
        if is_busy(error):
            return _unsaved(f"The history file {target} is in use by another program (it is "
                            "locked); this session will not be saved.", notices)
        why = plain_reason(error, target.parent)  # a full disk during a repair, say: still read
        return _read_only(target, f"History cannot be saved at {target} ({why}); this session "
                          "will not be saved.", notices)


def schema_version_of(target: Path) -> int:
    db = _connect_read_only(target)
    try:
        return schema_version(db)
    finally:
        db.close()


def _writable(target: Path) -> bool:
    if os.path.exists(target) and not os.access(target, os.W_OK):
        return False
    return os.access(target.parent, os.W_OK)


def _foreign_bytes(target: Path) -> bool:
    """True when our history's place holds a non-empty file that is not SQLite."""
    if not os.path.exists(target) or target.stat().st_size == 0:
        return False
    with open(target, "rb") as handle:
        return handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER


def _repair(target: Path, detail: str, notices: list[str]) -> Opened:
    """Our damaged file, salvaged beside itself and swapped in (see `coach.app.history.repair`:
    no interruption can leave the user with less than the damaged file)."""
    db, notice = repair_damaged(target, detail)
    return Opened(db, target, writable=True, notices=[*notices, notice])


def _read_only(target: Path, notice: str | None = None,
               notices: list[str] | None = None) -> Opened:
    """A file or folder we may not write (read-only, a full disk): use what is there, save
    nothing, say so once."""
    notice = notice or (f"The history at {target} cannot be written (the file or its folder is "
                        "read-only): this session will not be saved.")
    if not os.path.exists(target):
        return _unsaved(notice, notices)
    try:
        opened = open_for_reading(target)
    except HistoryUnavailable as problem:
        return _unsaved(f"{notice} {problem}", notices)
    if opened.path is None:  # an empty file
        return _unsaved(notice, notices)
    opened.notices[:0] = [*(notices or []), notice + " Past sessions and preferences are still "
                          "used."]
    return opened


def _unsaved(message: str, notices: list[str] | None = None) -> Opened:
    log.info("%s", message)  # the notices are shown once, by whoever opened the history
    return Opened(memory_history(), None, writable=True, notices=[*(notices or []), message])
