"""Connects one running session to the history database and the receiver's profile.

The runner hands every heard event and every `Record` action here; each is committed as it
happens (see `coach.history`), so killing the program loses at most the event in flight.
"""

from __future__ import annotations

import logging
from typing import Any

from coach.core.events import CommandHeard, NotUnderstood
from coach.core.routine import Routine
from coach.core.session import SessionOptions
from coach.history import History

log = logging.getLogger(__name__)


class SessionHistory:
    def __init__(self, history: History, routine: Routine, receiver: str | None,
                 engine: str) -> None:
        self.history = history
        self.session_id = history.start_session(routine.id, routine.title, receiver, engine)

    def heard(self, event: CommandHeard | NotUnderstood) -> None:
        self.history.record_heard(self.session_id, event)

    def record(self, kind: str, data: dict[str, Any]) -> None:
        self.history.record(self.session_id, kind, data)

    def close(self, completed: bool, summary: str) -> None:
        self.history.end_session(self.session_id, completed, summary)


def profile_options(history: History, routine: Routine, receiver: str | None,
                    options: SessionOptions) -> SessionOptions:
    """Start where this receiver left off: their pressure, and the tender spots they noted."""
    if not receiver:
        return options
    level = history.preferred_pressure(receiver, routine.id)
    if level is not None:
        options.start_pressure = level
    options.greeting = options.greeting + history.welcome_back(receiver, routine.id, routine.area)
    options.step_notes = history.step_notes(receiver, routine.id)
    return options
