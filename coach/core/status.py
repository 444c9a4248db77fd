"""A read-only snapshot of a session, for screens, logs and tests.

`Session.status()` builds one on demand; displays poll it (at least twice a second during holds)
instead of reaching into the engine's state.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from coach.core.commands import Intent


class Phase(str, enum.Enum):
    WELCOME = "welcome"
    SCREENING = "screening"  # contraindication questions
    CHOOSE_SIDE = "choose_side"
    SETUP = "setup"
    STEP = "step"  # instruction read, waiting for "next" (or a hold that has not started)
    HOLD = "hold"  # a timed hold is running
    HOLD_DECISION = "hold_decision"  # an until-softened hold reached its default: move on or stay?
    OPTIONAL = "optional"  # an optional step is on offer: do it (yes/next) or skip it (no/skip)?
    PAUSED = "paused"
    CLOSING = "closing"
    ENDED = "ended"


@dataclass(frozen=True)
class Status:
    phase: Phase
    routine_title: str
    step_number: int  # 1-based position in the expanded step list; 0 before the first step
    step_count: int
    step_title: str
    side: str | None
    hold_remaining: float | None  # seconds; None when no hold is running or paused
    hold_total: float | None
    pressure: int  # 1..5
    paused: bool
    last_heard: str  # the last input, as heard or typed
    last_understood: bool
    can_say: tuple[str, ...]  # the phrases that fit this moment, for the screen and "help"
    listening_for: tuple[Intent, ...] = ()  # what the voice listener accepts now
    taking_note: bool = False  # the next utterance is a note to transcribe, not a command
    note_read_back: str = ""  # a spoken note waiting for "yes" to be kept
