"""What can be wrong with a routine file, said precisely enough to fix it.

Every problem the loader finds is a `Problem` with file, line, column, field path, what was
expected and what was found, plus a hint when one helps; `kind` is a short stable code for tests
and tools (`KINDS`). `RoutineError` carries all of a file's problems at once, because a routine
author should not have to fix them one load at a time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a routine file, precise enough to fix without reading the loader.

    `line` and `column` are 1-based. `field` is a path such as `steps[2].hold.min` (list indices
    count from 0), or "" when the problem is with the file as a whole. `kind` is a short stable
    code (see `KINDS`) for tests and tools; people read the other fields.
    """

    file: str
    line: int
    column: int
    field: str
    expected: str
    found: str
    hint: str = ""
    kind: str = ""

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def message(self) -> str:
        """The problem without its location: `field: expected X, found Y`."""
        prefix = f"{self.field}: " if self.field else ""
        return f"{prefix}expected {self.expected}, found {self.found}"

    def __str__(self) -> str:
        text = f"{self.location}: {self.message()}"
        return f"{text} (hint: {self.hint})" if self.hint else text


KINDS = {
    "file": "the file is missing, a directory, unreadable, too big or not text",
    "syntax": "YAML syntax error",
    "empty": "the file holds nothing",
    "unknown-key": "a key the format does not have",
    "duplicate-key": "the same key twice in one mapping",
    "missing": "a required key is missing",
    "type": "a value of the wrong type",
    "value": "a value of the right type that is not allowed",
    "duration": "a duration that cannot be read",
    "hold-range": "a hold whose min, default and max are out of order",
    "empty-steps": "a routine without steps",
    "duplicate-id": "two steps with the same id",
    "id-mismatch": "the routine id is not the file name",
    "pressure": "pressure levels outside 1..5 or not all five",
    "placeholder": "an unknown {placeholder} or a stray brace",
    "side-placeholder": "{side} or {other_side} where there is no side",
    "pressure-direction": "a pressure level whose words ask for more (or less) than the level "
                          "beside it, read on the way down (or up)",
    "safety": "text telling someone to press on a joint or bone",
    "answers": "a question whose answers are not defined, or not allowed",
    "not-yes-no": "a question offered as yes/no that yes or no cannot answer",
    "internal": "a bug in the checker itself (reported, never a traceback)",
}


class RoutineError(Exception):
    """A routine file could not be loaded; `problems` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
