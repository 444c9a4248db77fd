"""Keep a test or benchmark run inside temporary folders, and fail it loudly when it is not.

Why: issue 25 found three ways the test suite and the benchmark wrote into the user's home (a
module-scoped Piper fixture opening onnxruntime's database in `~/.cache` before the per-test
folders were set, the Whisper stamp in `~/.cache/massage-coach/`, the benchmark's launch row
creating `~/.local/share/massage-coach/`). Each was fixed where it happened; this makes the
next one visible.

* `private_environment(base)`: HOME, the XDG folders and `$MASSAGE_COACH_DATA` under `base`, for
  the whole run (set before anything is imported or started, so every fixture of every scope,
  and every program a test starts, inherits it).
* `private_run(repo)`: both, around a whole program (the benchmark's `main`).
* `WriteGuard`: a listing of the real `~/.cache`, `~/.local/share`, `~/.local/state`,
  `~/.config` and the repository (path, size, mtime for every file and folder) before the run;
  `changes()` afterwards lists what appeared, and in the home also what changed: the issue's
  own case was onnxruntime writing into a database that already existed. In the repository only
  new paths count (see `changes`).

Another program writing into the same home while the run lasts (a desktop session's browser,
another test run) shows up too; the message lists the paths so that can be told apart.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

HOME_FOLDERS = (".cache", ".local/share", ".local/state", ".config")
# Inside the repository: what Python and pytest themselves keep (bytecode, the pytest cache),
# the environment and git. Everything else the run may not touch.
REPO_SKIP = frozenset({".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache",
                       ".ruff_cache"})

Listing = dict[str, tuple[int, int]]


def private_environment(base: Path) -> dict[str, str]:
    """HOME, XDG_* and MASSAGE_COACH_DATA under `base` (created): a whole private user."""
    home = base / "home"
    folders = {"HOME": home, "XDG_DATA_HOME": home / ".local/share",
               "XDG_CONFIG_HOME": home / ".config", "XDG_CACHE_HOME": home / ".cache",
               "XDG_STATE_HOME": home / ".local/state", "MASSAGE_COACH_DATA": base / "coach-data"}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {name: str(folder) for name, folder in folders.items()}


def listing(roots: Iterable[Path], skip: frozenset[str] = frozenset()) -> Listing:
    """Every file and folder under `roots` (symlinks not followed) with its size and mtime."""
    found: Listing = {}
    for root in roots:
        if not root.is_dir():
            continue
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs[:] = [d for d in dirs if d not in skip and not d.endswith(".egg-info")]
            for name in [*dirs, *files]:
                path = os.path.join(folder, name)
                try:
                    stat = os.lstat(path)
                except OSError:  # gone while we looked
                    continue
                found[path] = (stat.st_size, stat.st_mtime_ns) if name in files else (0, 0)
    return found


@dataclass
class WriteGuard:
    """What the run may not touch: the real home's folders and the repository."""

    home: Path
    repo: Path
    repo_allowed: tuple[str, ...] = ()  # relative paths the run is meant to write (bench results)
    _before: Listing = field(default_factory=dict)

    @property
    def _repo_prefix(self) -> str:
        return str(self.repo) + os.sep

    def roots(self) -> list[Path]:
        return [self.home / name for name in HOME_FOLDERS]

    def _now(self) -> Listing:
        return {**listing(self.roots()), **listing([self.repo], REPO_SKIP)}

    def start(self) -> WriteGuard:
        self._before = self._now()
        log.info("write guard: %d paths under %s and %s", len(self._before), self.home, self.repo)
        return self

    def changes(self) -> list[str]:
        """Paths that appeared since `start()`, and in the home's folders also those whose size
        or mtime changed. In the repository only new paths count: a developer editing a file
        while the suite runs is not the run's doing, and a test rewriting a tracked file shows
        in `git status` anyway."""
        after = self._now()
        allowed = tuple(str(self.repo / rel) for rel in self.repo_allowed)
        changed = []
        for path, state in sorted(after.items()):
            if path.startswith(allowed) if allowed else False:
                continue
            before = self._before.get(path)
            if before is None:
                changed.append(f"new: {path}")
            elif before != state and state != (0, 0) and not path.startswith(self._repo_prefix):
                changed.append(f"changed: {path}")
        return changed

    def report(self) -> str:
        changed = self.changes()
        if not changed:
            return ""
        shown = "\n  ".join(changed[:40])
        more = f"\n  ... and {len(changed) - 40} more" if len(changed) > 40 else ""
        return (f"{len(changed)} path(s) outside the run's temporary folders were written "
                f"(the real home {self.home}, or the repository {self.repo}):\n  {shown}{more}\n"
                "Point whatever wrote them at the private folders (HOME, XDG_*, "
                "MASSAGE_COACH_DATA, or tmp_path); another program writing into this home "
                "meanwhile shows up here too.")


@contextmanager
def private_run(repo: Path, repo_allowed: tuple[str, ...] = ()) -> Iterator[WriteGuard]:
    """Run the block as a private user under a temporary folder (environment restored and the
    folder removed afterwards); the yielded guard's `report()` says what escaped. For a whole
    program such as the benchmark; the tests use the same parts from conftest.py."""
    guard = WriteGuard(Path(os.environ.get("HOME") or Path.home()), repo, repo_allowed).start()
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="coach-private-") as base:
        os.environ.update(private_environment(Path(base)))
        try:
            yield guard
        finally:
            os.environ.clear()
            os.environ.update(saved)
