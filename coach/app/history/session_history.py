"""Connects one running session to the history database and the receiver's profile.

The runner hands every heard event and every `Record` action here; each is committed as it
happens (see `coach.app.history`), so killing the program loses at most the event in flight.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from coach.app.history import History
from coach.core.events import CommandHeard, CommandSource, NotUnderstood
from coach.core.record_kinds import RecordKind
from coach.core.routine import Routine
from coach.core.session import SessionOptions

log = logging.getLogger(__name__)


class SessionHistory:
    """One session's record. It is written from the moment the session gets going: the person
    says or types something, or a step starts. A run that never got that far (no microphone, the
    output closed at once, input empty) leaves no entry in the list; what the engine recorded
    before that moment is written then, with its own times."""

    def __init__(self, history: History, routine: Routine, receiver: str | None,
                 engine: str) -> None:
        self.history = history
        self._start = (routine.id, routine.title, receiver, engine, time.time())
        self.session_id: int | None = None
        self._waiting: list[tuple[str, dict[str, Any], float]] = []
        # "auto" names no engine: the first word a recognizer hears says which one was used
        self._engine_known = engine != AUTO_ENGINE

    @property
    def started(self) -> bool:
        return self.session_id is not None

    def _begin(self) -> int:
        if self.session_id is None:
            routine_id, title, receiver, engine, at = self._start
            self.session_id = self.history.start_session(routine_id, title, receiver, engine,
                                                         at=at)
            for kind, data, when in self._waiting:
                self.history.record(self.session_id, kind, data, at=when)
            self._waiting.clear()
        return self.session_id

    def heard(self, event: CommandHeard | NotUnderstood) -> None:
        """What the person said, typed or pressed. The input ending and Ctrl-C are not heard:
        they reach the history as the session's own records (`RecordKind.INPUT_ENDED`,
        `END_REQUESTED`), and before the session got going they leave no entry at all."""
        if not self._engine_known and event.source is CommandSource.SPOKEN and event.engine:
            self._engine_known = True
            if self.started:
                self.history.set_engine(self._begin(), event.engine)
            else:
                routine_id, title, receiver, _, at = self._start
                self._start = (routine_id, title, receiver, event.engine, at)
        self.history.record_heard(self._begin(), event)

    def record(self, kind: str, data: dict[str, Any]) -> None:
        if self.started or kind == RecordKind.STEP:
            self.history.record(self._begin(), kind, data)
        else:
            self._waiting.append((kind, dict(data), time.time()))

    def close(self, completed: bool, summary: str) -> None:
        if self.session_id is not None:
            self.history.end_session(self.session_id, completed, summary)


AUTO_ENGINE = "auto"


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
