"""A real, small file system for disk-full tests: a tmpfs, else a loop-mounted ext2 image.

A full disk cannot be faked convincingly (SQLite, Python and the kernel each report it their own
way), so the tests make one: `small_disk(tmp_path)` mounts a few megabytes at a folder and
`fill(folder)` writes until the kernel says ENOSPC. Both need root (or a user namespace); when
neither can be made the test is skipped with the reason printed, never passed silently.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)


def _mount_tmpfs(folder: Path, megabytes: int) -> str | None:
    if shutil.which("mount") is None:
        return "no mount command"
    done = _run("mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder))
    return None if done.returncode == 0 else (done.stderr.strip() or "mount failed")


def _mount_loop(folder: Path, image: Path, megabytes: int) -> str | None:
    if shutil.which("mkfs.ext2") is None:
        return "no mkfs.ext2"
    with open(image, "wb") as handle:
        handle.truncate(megabytes * 1024 * 1024)
    made = _run("mkfs.ext2", "-q", "-F", "-m", "0", str(image))
    if made.returncode != 0:
        return made.stderr.strip() or "mkfs.ext2 failed"
    done = _run("mount", "-o", "loop", str(image), str(folder))
    return None if done.returncode == 0 else (done.stderr.strip() or "loop mount failed")


@contextlib.contextmanager
def small_disk(tmp_path: Path, megabytes: int = 4) -> Iterator[Path]:
    """A folder on its own `megabytes`-sized file system, unmounted afterwards."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    tmpfs_problem = _mount_tmpfs(folder, megabytes)
    if tmpfs_problem is not None:
        loop_problem = _mount_loop(folder, tmp_path / "small-disk.img", megabytes)
        if loop_problem is not None:
            reason = (f"cannot make a small file system: tmpfs: {tmpfs_problem}; "
                      f"loop device: {loop_problem}")
            print(f"SKIPPED: {reason}")
            pytest.skip(reason)
    try:
        yield folder
    finally:
        _run("umount", "-l", str(folder))


def fill(folder: Path) -> Path:
    """Write a filler file into `folder` until its file system is full; returns it (delete it to
    free the space again)."""
    filler = folder / "filler"
    block = b"\0" * 4096
    with open(filler, "wb", buffering=0) as handle:
        while True:
            try:
                handle.write(block)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                break
    with contextlib.suppress(OSError):  # the last partial blocks, too
        with open(folder / "filler-tail", "wb", buffering=0) as handle:
            while handle.write(b"\0" * 64):
                pass
    return filler
