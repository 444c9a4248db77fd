"""Read a routine YAML file into a `Routine`, reporting every problem in it at once.

People write routines by hand, often without knowing YAML well, and a coach that stops halfway
through a session because of a typo is worse than no coach. So loading is also validation: the
file is composed with yaml's node API (which keeps a line and column for every value), walked
field by field, and every problem is collected as a `Problem` naming file, line, column, field
path, what was expected and what was found. Nothing is raised until the whole file is checked,
and nothing but `RoutineError` is ever raised, whatever the file holds.

This module reads the file and runs the check. The parts are beside it in this package: the YAML
with its positions read as typed values (`document`), the format's rules field by field
(`checker`), the problem reports (`problems`), durations (`durations`) and the safety lint
(`safety_lint`: a routine must never tell anyone to press, sit, push or lean on a joint or bone).

The format itself is documented for routine authors in docs/routine-format.md.
"""

from __future__ import annotations

import errno
import logging
import stat
from pathlib import Path

from coach.core.routine import Routine
from coach.routine_format.checker import RoutineChecker
from coach.routine_format.document import Document
from coach.routine_format.durations import describe_duration, describe_hold, parse_duration
from coach.routine_format.problems import KINDS, Problem, RoutineError
from coach.routine_format.safety_lint import unsafe_phrases

# The loader's public names, some defined in the modules it is built from: import them from here.
__all__ = ["KINDS", "Problem", "RoutineError", "check_routine", "describe_duration",
           "describe_hold", "load_routine", "parse_duration", "parse_routine", "unsafe_phrases"]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000  # a routine is a few kilobytes; anything this big is the wrong file


def load_routine(path: str | Path) -> Routine:
    """Load and validate one routine file; raise RoutineError listing every problem in it."""
    routine, problems = check_routine(path)
    if problems or routine is None:
        raise RoutineError(problems)
    return routine


def check_routine(path: str | Path) -> tuple[Routine | None, list[Problem]]:
    """Validate one file: the routine (None if it cannot be built) and every problem found.

    A routine is returned only when there are no problems, so callers cannot run a half-checked
    one by accident.
    """
    path = Path(path)
    name = str(path)
    text, problem = _read_text(path)
    if problem:
        return None, [problem]
    stem = path.stem if path.suffix.lower() in (".yaml", ".yml") else path.name
    return parse_routine(text, name, expected_id=stem)


def parse_routine(text: str, file: str = "<text>",
                  expected_id: str | None = None) -> tuple[Routine | None, list[Problem]]:
    """Validate routine YAML held in a string (`file` is only used in messages).

    `expected_id`, when given, is what the routine's `id` must be: the file name stem.
    """
    doc = Document(file, text)
    try:
        routine = RoutineChecker(doc).run(expected_id)
    except Exception as error:  # a bug here must not become a traceback for a routine author
        log.exception("internal error while checking %s", file)
        doc.problems.append(Problem(
            file, 1, 1, "", "a file the checker can handle",
            f"an internal error ({type(error).__name__}: {error})",
            "please report this with the file attached", "internal"))
        routine = None
    problems = sorted(doc.problems, key=lambda p: (p.line, p.column))
    log.debug("%s: %d problem(s)", file, len(problems))
    return (None if problems else routine), problems


def unusable_path(error: OSError) -> tuple[str, str]:
    """What is wrong with a path the system refused, and what to do, for errors that are not
    "no such file": the plain `strerror` ("Too many levels of symbolic links") says little."""
    if error.errno == errno.ELOOP:
        return ("a symbolic link that loops back on itself",
                "point the link at the routine file itself (`ls -l` shows where it leads)")
    if error.errno == errno.ENAMETOOLONG:
        return ("a file name longer than the system allows (255 bytes a name)",
                "shorten the name of the file or of a folder on its path")
    return error.strerror or type(error).__name__, ""


def _read_text(path: Path) -> tuple[str, Problem | None]:
    """The file's text, or the one problem that stops us from reading it as text."""
    name = str(path)

    def fail(expected: str, found: str, hint: str = "") -> tuple[str, Problem]:
        return "", Problem(name, 1, 1, "", expected, found, hint, "file")

    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return fail("an existing routine file", "nothing at this path",
                    "check the spelling; `massage-coach list` shows the routines that ship")
    except OSError as error:  # a symlink loop or an over-long name is not "nothing here"
        return fail("a readable file", *unusable_path(error))
    try:
        if stat.S_ISDIR(mode):
            return fail("a routine file", "a directory",
                        "give the .yaml file inside it, or a routine id")
        if not stat.S_ISREG(mode):  # a device, FIFO or pipe: never opened,
            return fail("a routine file", "a device or pipe, not a regular file",  # (it may
                        "save the routine to a .yaml file and give its path")  # never end)
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # what is read is capped, whatever the size
        if len(raw) > MAX_FILE_BYTES:
            return fail(f"a routine file under {MAX_FILE_BYTES // 1000} kB",
                        f"more than {MAX_FILE_BYTES // 1000} kB")
    except OSError as error:
        return fail("a readable file", error.strerror or type(error).__name__)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return "", Problem(name, line, column, "", "UTF-8 text",
                           f"bytes that are not text (0x{raw[error.start]:02x})",
                           "is this really the YAML file? save it as UTF-8", "file")
    return text, None
