"""Writes that could not be made yet, kept in memory in order until the file takes them.

Another program may hold the history (a backup, a second coach, `sqlite3` in a terminal) for
longer than a session waits, or the disk may be full for a moment. Dropping the write then loses
the session start, and with it everything after it, while the coach goes on saying "Noted". So a
write that meets a busy file or a full disk is kept here and written, in the original order, with
the next write that gets through, or when the session closes. While writes are waiting, each try
waits only briefly, so a locked file never stalls the coaching loop more than once.

Only errors that say the file is momentarily unavailable keep a write; a write the file refuses
for its content (a constraint) is logged and dropped, as before.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from coach.app.history.errors import is_busy

log = logging.getLogger("coach.app.history")

Write = Callable[[sqlite3.Connection], None]
MAX_KEPT = 50_000  # writes kept in memory at most (hours of a session); older ones are dropped
RETRY_WAIT_MS = 50  # how long each try waits for a busy file while writes are kept


def _transient(error: BaseException) -> bool:
    """Busy, locked, a full disk or an I/O error: the same write may work a moment later."""
    code = getattr(error, "sqlite_errorcode", None)
    return is_busy(error) or (code is not None and (code & 0xFF) in (sqlite3.SQLITE_FULL,
                                                                      sqlite3.SQLITE_IOERR))


@dataclass
class _Kept:
    what: str
    write: Write


class PendingWrites:
    """Runs each write as its own transaction on `db`, keeping the ones that must wait. Not
    thread-safe by itself: `History` calls it under its lock."""

    def __init__(self, db: sqlite3.Connection, wait_ms: int) -> None:
        self._db = db
        self._wait_ms = wait_ms
        self._kept: list[_Kept] = []
        self._failed_once = False
        self.dropped = 0  # writes given up (the queue overflowed, or the session closed)

    @property
    def waiting(self) -> int:
        return len(self._kept)

    def save(self, what: str, write: Write) -> str:
        """"saved", "kept" (in memory, written later) or "failed" (logged, dropped)."""
        if self._kept and not self.flush():
            self._keep(what, write, None)
            return "kept"
        try:
            self._once(write)
        except (sqlite3.Error, ValueError, OverflowError) as error:
            if isinstance(error, sqlite3.Error) and _transient(error):
                self._keep(what, write, error)
                return "kept"
            self._failed(what, error)
            return "failed"
        return "saved"

    def flush(self) -> bool:
        """Write what was kept, in order; True when nothing is left waiting."""
        if not self._kept:
            return True
        while self._kept:
            kept = self._kept[0]
            try:
                self._once(kept.write)
            except (sqlite3.Error, ValueError, OverflowError) as error:
                if isinstance(error, sqlite3.Error) and _transient(error):
                    return False
                self._failed(kept.what, error)
            self._kept.pop(0)
        self._set_wait(self._wait_ms)
        log.info("history: the file took the writes that were waiting")
        return True

    def close(self) -> None:
        """A last try, waiting as long as a session start does; what still cannot be written is
        said at error level, with how much."""
        if not self._kept:
            return
        self._set_wait(self._wait_ms)
        if not self.flush():
            self.dropped += len(self._kept)
            log.error("history: %d record(s) of this session could not be saved (the history "
                      "file stayed busy or the disk full); the rest of the history is intact",
                      len(self._kept))
            self._kept.clear()

    def _once(self, write: Write) -> None:
        with self._db:  # BEGIN ... COMMIT, or ROLLBACK on error
            write(self._db)

    def _keep(self, what: str, write: Write, error: BaseException | None) -> None:
        if not self._kept:
            log.warning("history: cannot save %s now (%s); keeping this session's records in "
                        "memory and saving them when the file is free", what, error)
            self._set_wait(RETRY_WAIT_MS)
        if len(self._kept) >= MAX_KEPT:
            self._kept.pop(0)
            self.dropped += 1
        self._kept.append(_Kept(what, write))

    def _failed(self, what: str, error: BaseException) -> None:
        """Logged once at error level (later ones at debug): a full disk must not print a warning
        between every coaching line."""
        level = logging.DEBUG if self._failed_once else logging.ERROR
        self._failed_once = True
        log.log(level, "history: could not save %s: %s", what, error)

    def _set_wait(self, milliseconds: int) -> None:
        try:
            self._db.execute(f"PRAGMA busy_timeout={int(milliseconds)}")
        except sqlite3.Error as error:  # pragma: no cover - a pragma on an open connection
            log.debug("history: busy_timeout: %s", error)
