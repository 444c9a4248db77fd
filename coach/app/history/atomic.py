"""Replacing a file all at once: the old version stays whole until the new one is complete.

A file written in place is truncated first, so a full disk or a kill half way leaves neither the
old content nor the new. Here the new content goes to a temporary file in the same folder (a
rename is only atomic within one file system), is flushed to the disk (`fsync`), and only then
renamed over the target; the folder is fsynced too, so the rename itself survives a power cut.
Used by `history export --out` and by the swap at the end of a repair.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)


def fsync_file(path: Path) -> None:
    """Flush `path`'s content to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename or a new name) to the disk. Some file systems do not
    allow fsync on a folder; there the rename is as durable as they make it, so that is logged,
    not raised."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as error:
        log.debug("cannot open %s to fsync it: %s", folder, error)
        return
    try:
        os.fsync(fd)
    except OSError as error:
        log.debug("cannot fsync %s: %s", folder, error)
    finally:
        os.close(fd)


def replace_durably(source: Path, target: Path) -> None:
    """Rename the complete file `source` over `target` (same folder): fsync the file, rename,
    fsync the folder."""
    fsync_file(source)
    os.replace(source, target)
    fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_write(target: Path, encoding: str = "utf-8", newline: str = "") -> Iterator[IO[str]]:
    """A text file to write; on a clean exit it replaces `target` at once, on any error (a full
    disk, Ctrl-C) the temporary file is removed and `target` is left exactly as it was."""
    target = Path(target)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding=encoding, newline=newline, dir=target.parent,
        prefix=f".{target.name}.", suffix=".partial", delete=False)
    temporary = Path(handle.name)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    fsync_dir(target.parent)
