"""One payload class per kind of record the engine keeps: the fields of each `Record`, typed.

Why: a `Record`'s `data` is a plain dict, because that is what the history stores (JSON in
`events.data`, and the typed tables filled from it). Written by hand at each place, its fields were
documented only in comments on `RecordKind`, so a misspelt key ("step" for "step_id") or a
missing one was stored silently where no reader looks. The engine now builds each record from
its payload class (`StepStarted(...).record()`): the fields are checked where they are made, and
the dict the history gets, its keys and their order, is exactly what it was.

The history store's own kinds (`session_start`, `session_end`, `heard`, `not_understood`) are
written by the store from its arguments and need no class here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from coach.core.actions import Record
from coach.core.record_kinds import RecordKind


@dataclass(frozen=True)
class RecordData:
    """The base: a payload knows its kind and becomes a `Record`."""

    kind: ClassVar[RecordKind]

    def record(self) -> Record:
        """The record action, its data the payload's fields in order."""
        return Record(self.kind, {f.name: getattr(self, f.name) for f in fields(self)})


@dataclass(frozen=True)
class SessionBegan(RecordData):
    kind = RecordKind.SESSION_BEGAN
    routine: str
    pressure: int


@dataclass(frozen=True)
class SessionEnded(RecordData):
    kind = RecordKind.SESSION_OVER
    completed: bool
    steps_done: int
    skipped: int
    pressure: int


@dataclass(frozen=True)
class Contraindicated(RecordData):
    """A safety question answered yes: the routine does not start."""

    kind = RecordKind.CONTRAINDICATION
    question: str


@dataclass(frozen=True)
class ScreeningConfirmed(RecordData):
    kind = RecordKind.SCREENING_CONFIRMED
    questions: int


@dataclass(frozen=True)
class ScreeningRestarted(RecordData):
    kind = RecordKind.SCREENING_RESTARTED


@dataclass(frozen=True)
class OptionalStep(RecordData):
    kind = RecordKind.OPTIONAL_STEP
    index: int
    step_id: str
    wanted: bool


@dataclass(frozen=True)
class StepStarted(RecordData):
    """Fills a row of the `steps` table (`index` is 1-based)."""

    kind = RecordKind.STEP
    index: int
    step_id: str
    title: str
    side: str | None
    planned_hold: float | None


@dataclass(frozen=True)
class StepDone(RecordData):
    """Finished, not skipped: what "steps done" counts."""

    kind = RecordKind.STEP_DONE
    index: int
    step_id: str


@dataclass(frozen=True)
class HoldStarted(RecordData):
    kind = RecordKind.HOLD_STARTED
    step: str
    planned: float


@dataclass(frozen=True)
class HoldCheck(RecordData):
    """An until-softened hold asked whether to move on, after `held` seconds."""

    kind = RecordKind.HOLD_CHECK
    step: str
    held: float


@dataclass(frozen=True)
class HoldExtended(RecordData):
    kind = RecordKind.HOLD_EXTENDED
    added: float


@dataclass(frozen=True)
class HoldEnded(RecordData):
    """How long a hold really lasted: fills in its step's row."""

    kind = RecordKind.HOLD
    index: int
    step_id: str
    actual_hold: float
    how: str


@dataclass(frozen=True)
class PressureChanged(RecordData):
    """Fills the `pressure_changes` table."""

    kind = RecordKind.PRESSURE
    level: int
    previous: int
    reason: str


@dataclass(frozen=True)
class PressureSettled(RecordData):
    """The receiver said the pressure is good: their preference for next time."""

    kind = RecordKind.PRESSURE_SETTLED
    level: int


@dataclass(frozen=True)
class CheckInAnswered(RecordData):
    kind = RecordKind.CHECK_IN
    question: str
    answer: str
    action: str


@dataclass(frozen=True)
class NoteKept(RecordData):
    """Fills the `notes` table, and the receiver's notes when the session has one."""

    kind = RecordKind.NOTE
    text: str
    step_id: str | None


@dataclass(frozen=True)
class NoteDropped(RecordData):
    kind = RecordKind.NOTE_DROPPED
    text: str
    why: str


@dataclass(frozen=True)
class DeviceChanged(RecordData):
    kind = RecordKind.DEVICE
    device: str
    lost: bool
    detail: str


@dataclass(frozen=True)
class EndedByInput(RecordData):
    """The input ran out or failed (`InputEnded`); `reason` is an `InputEndReason` value."""

    kind = RecordKind.INPUT_ENDED
    reason: str


@dataclass(frozen=True)
class EndedFromOutside(RecordData):
    """Ctrl-C and the like (`EndRequested`); `by` is an `EndRequester` value."""

    kind = RecordKind.END_REQUESTED
    by: str
