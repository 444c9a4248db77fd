"""The routines that ship with massage-coach, and finding a routine by id, file name or path.

Shipped routines are package data of `coach.routines` (the repository's top-level `routines/`
directory, mapped in pyproject.toml), so an installed program finds them from any working
directory. They are located with importlib.resources; when the package is not installed at all
(running `python -m coach` from a plain checkout) `coach.routines` cannot be imported, and the
`routines/` directory next to the `coach` package is used instead.
"""

from __future__ import annotations

import difflib
import importlib.resources
import logging
from dataclasses import dataclass
from pathlib import Path

import coach
from coach.core.plain_text import printable
from coach.core.routine import Audience, Routine
from coach.routine_format.loader import RoutineError, load_routine

log = logging.getLogger(__name__)

ROUTINE_SUFFIX = ".yaml"  # pyproject.toml ships "*.yaml" only, so that is the one suffix we scan


@dataclass(frozen=True)
class RoutineInfo:
    """What `list` shows about a routine, without the caller holding the whole routine."""

    id: str
    title: str
    audience: Audience
    summary: str
    path: Path
    step_count: int
    total_seconds: tuple[float, float]  # shortest and longest time in holds, both sides counted

    @classmethod
    def of(cls, routine: Routine, path: Path) -> "RoutineInfo":
        return cls(routine.id, routine.title, routine.audience, routine.summary, path,
                   len(routine.steps), routine.total_seconds())


@dataclass(frozen=True)
class Scan:
    """Every shipped routine file: the ones that load, and the errors of those that do not."""

    routines: list[RoutineInfo]
    broken: list[RoutineError]


class RoutineNotFound(LookupError):
    """No routine by that name; `available` lists the shipped ids (sorted, so the list reads
    the same every time), and `suggestion` is the closest one, if any is close."""

    def __init__(self, name: str, available: list[str], suggestion: str | None = None):
        self.name = name
        self.available = sorted(available)
        self.suggestion = suggestion
        listing = ", ".join(self.available) if available else "none are installed"
        guess = f" Did you mean '{suggestion}'?" if suggestion else ""
        shown = printable(name, one_line=True)  # the user's text, shown: no raw controls
        super().__init__(f"no routine called '{shown}'.{guess} Available: {listing}")


def routines_dir() -> Path:
    """The directory that holds the shipped routine files."""
    try:
        traversable = importlib.resources.files("coach.routines")
    except ModuleNotFoundError:
        traversable = None
    if traversable is not None:
        if isinstance(traversable, Path) and traversable.is_dir():
            return traversable
        log.warning("coach.routines is not a plain directory (%r); trying the source tree",
                    traversable)
    fallback = Path(coach.__file__).resolve().parent.parent / "routines"
    log.debug("coach.routines is not installed; using %s", fallback)
    return fallback


def shipped_ids() -> list[str]:
    """The ids of the shipped routines (file name stems), sorted, without loading them."""
    directory = routines_dir()
    if not directory.is_dir():
        return []
    return sorted(path.stem for path in directory.glob(f"*{ROUTINE_SUFFIX}") if path.is_file())


def scan() -> Scan:
    """Load every shipped routine; broken ones are collected, not raised."""
    routines: list[RoutineInfo] = []
    broken: list[RoutineError] = []
    directory = routines_dir()
    for routine_id in shipped_ids():
        path = directory / f"{routine_id}{ROUTINE_SUFFIX}"
        try:
            routines.append(RoutineInfo.of(load_routine(path), path))
        except RoutineError as error:
            log.info("shipped routine %s does not load:\n%s", path, error)
            broken.append(error)
    return Scan(routines, broken)


def available() -> list[RoutineInfo]:
    """The shipped routines that load, sorted by id."""
    return scan().routines


def find(name_or_path: str | Path) -> Path:
    """The file for a routine given as an id, a shipped file name, or a path to any file.

    An existing path wins, so people can run their own routines; otherwise the name (with or
    without ".yaml") is looked up among the shipped routines. Raises RoutineNotFound.
    """
    given = Path(name_or_path).expanduser()
    try:
        given.stat()
        return given
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError:  # a symlink loop, a name too long: the loader says which, precisely
        return given
    text = str(name_or_path)
    directory = routines_dir()
    name = given.name
    stem = name[: -len(ROUTINE_SUFFIX)] if name.endswith(ROUTINE_SUFFIX) else name
    # Only a bare name may come from the shipped routines: "my/thai.yaml" that does not exist is
    # a typo in a path, and quietly running a different file would hide it.
    if given.parent == Path(".") and not text.startswith("."):
        candidate = directory / f"{stem}{ROUTINE_SUFFIX}"
        if candidate.is_file():
            return candidate
    ids = shipped_ids()
    close = difflib.get_close_matches(stem.lower(), ids, n=1, cutoff=0.6)  # THAI-... too
    raise RoutineNotFound(text, ids, close[0] if close else None)


def load(name_or_path: str | Path) -> Routine:
    """`find` then `load_routine`: raises RoutineNotFound or RoutineError."""
    return load_routine(find(name_or_path))
