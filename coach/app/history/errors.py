"""What an SQLite or OS error says about the history file: damaged, busy, or neither.

This matters because the answer decides whether the user's only copy of their history is moved
aside and rebuilt. Only damage may lead there: a failed integrity check, "file is not a
database", "database disk image is malformed". A full disk, an I/O error, a read-only file or
folder, a file that cannot be opened say nothing about the file's content; the session then runs
unsaved and says why, and the file stays exactly where it is. An error we do not recognise is
treated the same way: moving a healthy file aside loses more than one unsaved session.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_DAMAGE_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
_DAMAGE_WORDS = ("malformed", "not a database", "corrupt")


def _code(error: BaseException) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_busy(error: BaseException) -> bool:
    """True for SQLite's "database is locked" / "busy": another program holds the file."""
    code = _code(error)
    if code is not None and code in _BUSY_CODES:
        return True
    text = str(error).lower()
    return "locked" in text or "busy" in text


def is_damage(error: BaseException) -> bool:
    """True only when the error says the file's content is bad (not when the disk, the
    permissions or another program are the trouble)."""
    code = _code(error)
    if code is not None:
        return code in _DAMAGE_CODES
    text = str(error).lower()
    return any(word in text for word in _DAMAGE_WORDS)


def disk_is_full(folder: Path) -> bool:
    """True when the file system holding `folder` has no free blocks left."""
    try:
        return os.statvfs(folder).f_bavail == 0
    except OSError:
        return False


def plain_reason(error: BaseException, folder: Path | None = None) -> str:
    """The error in words a user can act on. With the history's `folder`, an I/O error on a
    file system with no space left is called what it is (SQLite reports a full tmpfs while
    mapping its shared memory as "disk I/O error")."""
    code = _code(error)
    number = getattr(error, "errno", None)
    full = "the disk is full; free some space and the next session is saved again"
    if code == sqlite3.SQLITE_FULL or number in (errno.ENOSPC, errno.EDQUOT):
        return full
    if code == sqlite3.SQLITE_IOERR or number == errno.EIO:
        if folder is not None and disk_is_full(folder):
            return full
        return f"the disk could not be read or written: {error}"
    if code == sqlite3.SQLITE_READONLY or number == errno.EROFS:
        return "the file or its folder is read-only"
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM) or number in (errno.EACCES,
                                                                            errno.EPERM):
        if folder is not None and disk_is_full(folder):
            return full
        return f"it cannot be opened: {error}"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


class HistoryUnavailable(Exception):
    """The history cannot be read as asked, and nothing was changed: the message says why.

    `reason` is a short tag: "missing", "not-file", "not-sqlite", "not-ours", "newer", "in-use",
    "unreadable"; `problem` is the sentence without the "Nothing was changed" ending."""

    def __init__(self, problem: str, reason: str, hint: str = "") -> None:
        super().__init__(f"{problem} Nothing was changed.{' ' + hint if hint else ''}")
        self.problem = problem
        self.reason = reason
