"""Repairing our damaged history file without ever leaving the user with less than they had.

The salvage of a large file takes a while, and the user may press Ctrl-C, close the terminal or
kill the program at any moment of it. So the damaged file stays where it is, untouched, until a
complete repaired copy exists:

1. What can be read is salvaged into `history.sqlite3.repairing`, beside the original (same
   folder, so the final rename is atomic). The new file records the repair in `recoveries`,
   naming where the damaged original will be kept.
2. It is committed, fsynced and renamed `history.sqlite3.repaired`: from here on the salvage is
   known to be complete.
3. The swap: the original is hard-linked to `history.sqlite3.damaged-<time>` (its WAL too), the
   original's WAL is removed, and the repaired file is renamed over `history.sqlite3`; the folder
   is fsynced after each step.

A run that finds `.repairing` knows the salvage was interrupted: it deletes it and starts again
from the original, which is still whole. A run that finds `.repaired` finishes the swap. At no
moment is `history.sqlite3` missing or empty, so `history` never shows "No sessions yet" for a
history that exists.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import logging
import os
import sqlite3
import time
from pathlib import Path

from coach.app.history.atomic import fsync_dir, fsync_file, replace_durably
from coach.app.history.connections import connect_read_only, connect_writing, prepare
from coach.app.history.recovery import salvage
from coach.app.history.schema import migrate

log = logging.getLogger(__name__)

REPAIRING = ".repairing"  # a salvage in progress (or interrupted): never trusted
REPAIRED = ".repaired"  # a complete, fsynced salvage waiting to be swapped in


def work_file(target: Path, suffix: str) -> Path:
    return target.with_name(target.name + suffix)


def aside_name(path: Path, reason: str) -> Path:
    """A free name beside `path` for keeping a bad file: `history.sqlite3.<reason>-<time>`."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{reason}-{stamp}")
    counter = 1
    while os.path.lexists(target) or os.path.lexists(f"{target}-wal"):
        target = path.with_name(f"{path.name}.{reason}-{stamp}-{counter}")
        counter += 1
    return target


def move_aside(path: Path, reason: str) -> Path:
    """Rename our bad history (and its WAL) out of the way, keeping it for a human to look at.
    For files that hold nothing we could salvage (not SQLite, not ours, newer): a damaged history
    goes through `salvage_beside` and `swap_in` instead."""
    target = aside_name(path, reason)
    path.rename(target)
    for suffix in ("-wal", "-shm"):
        extra = Path(str(path) + suffix)
        if extra.exists():
            if suffix == "-wal":
                extra.rename(Path(str(target) + suffix))
            else:
                extra.unlink()  # the shared-memory index is rebuilt from the WAL
    fsync_dir(path.parent)
    return target


def _remove(path: Path) -> None:
    for name in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError):
            name.unlink()


def salvage_beside(source: sqlite3.Connection, source_path: Path, target: Path) -> Path:
    """Salvage `source` (our damaged file at `target`, or a copy of it at `source_path`) into
    `target.repaired`, complete and on disk, closing `source`. The original is not touched.
    Returns the repaired file; on any failure or interruption nothing of it is left behind."""
    building = work_file(target, REPAIRING)
    done = work_file(target, REPAIRED)
    _remove(building)
    aside = aside_name(target, "damaged")
    try:
        fresh = sqlite3.connect(str(building), isolation_level=None)
        try:
            fresh.execute("PRAGMA journal_mode=MEMORY")  # one writer, fsynced below
            fresh.execute("PRAGMA synchronous=OFF")
            migrate(fresh, building)
            report = salvage(source, fresh, source_path)
            fresh.execute("INSERT INTO recoveries (at, damaged_copy, summary) VALUES (?, ?, ?)",
                          (time.time(), str(aside), report.summary()))
        finally:
            fresh.close()
            source.close()
        fsync_file(building)
        os.replace(building, done)
        fsync_dir(target.parent)
    except BaseException:
        _remove(building)
        raise
    return done


def pending_repair(target: Path) -> Path | None:
    """The complete repaired file of an interrupted swap, after removing an interrupted salvage
    (the original is still whole, so that one is simply done again)."""
    building = work_file(target, REPAIRING)
    if os.path.lexists(building):
        log.info("an interrupted repair of %s left %s; it is started again", target, building)
        _remove(building)
    done = work_file(target, REPAIRED)
    return done if os.path.lexists(done) else None


def repaired_summary(done: Path) -> tuple[Path, str] | None:
    """Where the damaged original goes and what was kept, as recorded in the repaired file; None
    when that file cannot be read (it is then thrown away and the repair done again)."""
    try:
        db = sqlite3.connect(f"file:{done}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT damaged_copy, summary FROM recoveries "
                             "ORDER BY id DESC LIMIT 1").fetchone()
        finally:
            db.close()
    except sqlite3.Error as error:
        log.info("cannot read the repaired file %s (%s); repairing again", done, error)
        _remove(done)
        return None
    return (Path(row[0]), str(row[1])) if row else None


def recorded_aside(done: Path) -> Path | None:
    recorded = repaired_summary(done)
    return None if recorded is None else recorded[0]


def swap_in(done: Path, target: Path, aside: Path) -> None:
    """Keep the damaged `target` (and its WAL) as `aside`, then rename `done` over `target`.
    Each step can be interrupted and done again: it checks what is already in place."""
    for suffix in ("", "-wal"):
        old, kept = Path(f"{target}{suffix}"), Path(f"{aside}{suffix}")
        if os.path.lexists(old) and os.path.lexists(kept) and not os.path.samefile(old, kept):
            # the name was taken by something else since: never replace the only copy
            raise FileExistsError(errno.EEXIST, "the name for the damaged copy is taken",
                                  str(kept))
        if os.path.lexists(old) and not os.path.lexists(kept):
            try:
                os.link(old, kept)
            except OSError as error:  # no hard links here: a rename, one step later
                log.debug("cannot link %s to %s (%s); renaming it", old, kept, error)
                os.rename(old, kept)
    fsync_dir(target.parent)
    for suffix in ("-wal", "-shm"):  # the old WAL belongs to the damaged file, not the new one
        with contextlib.suppress(FileNotFoundError):
            Path(f"{target}{suffix}").unlink()
    replace_durably(done, target)


def repair_damaged(target: Path, detail: str) -> tuple[sqlite3.Connection, str]:
    """Salvage our damaged file into a complete new one beside it, then swap it in, keeping the
    damaged original under another name. Returns the repaired history, ready to write, and what
    to tell the user."""
    log.info("history %s is damaged (%s); salvaging it", target, detail)
    done = salvage_beside(connect_read_only(target), target, target)
    return _swap(done, target)


def finish_interrupted(target: Path) -> tuple[str, Path] | None:
    """A repair cut short by Ctrl-C, a closed terminal or a kill: a complete salvage is swapped
    in now (returns the notice and where the damaged file is kept); an incomplete one is thrown
    away and done again when the file is next probed (the original is still whole)."""
    done = pending_repair(target)
    if done is None or recorded_aside(done) is None:
        return None
    log.info("finishing the interrupted repair of %s", target)
    aside = recorded_aside(done)
    db, notice = _swap(done, target)
    db.close()
    return notice, aside


def _swap(done: Path, target: Path) -> tuple[sqlite3.Connection, str]:
    recorded = repaired_summary(done)
    if recorded is None:
        raise sqlite3.DatabaseError(f"the repaired copy {done} could not be read")
    aside, summary = recorded
    swap_in(done, target, aside)
    db = connect_writing(target)
    prepare(db, target)
    return db, (f"The history file {target} was damaged; what could be read was saved into a "
                f"new one. {summary} The damaged file is kept as {aside}.")
