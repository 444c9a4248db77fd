"""Clocks the session reads time from.

The engine never calls `time` itself: it asks a `Clock`. Production uses a monotonic clock
(optionally sped up for demos), tests use `FakeClock` and advance it by hand.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything with a monotonic `now()` in seconds. A clock may also have `speed`: session
    seconds per real second (1 when absent). Waits for a person to speak use it, because a
    person does not talk faster when a demo runs the holds faster."""

    def now(self) -> float: ...


# Sane bounds for a sped-up (or slowed) clock: at 1000x an hour-long routine takes 3.6 s, and
# holds and timers still get whole milliseconds; beyond that (or inf, nan) nothing advances.
MIN_SPEED = 0.1
MAX_SPEED = 1000.0


class MonotonicClock:
    """Real time from `time.monotonic`, optionally running `speed` times faster.

    Monotonic so that a wall-clock change (NTP, daylight saving) never stretches or cuts a hold.
    """

    def __init__(self, speed: float = 1.0) -> None:
        if not MIN_SPEED <= speed <= MAX_SPEED:  # also refuses nan
            raise ValueError(f"speed must be between {MIN_SPEED:g} and {MAX_SPEED:g}, "
                             f"got {speed}")
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._origin) * self.speed

    def real_seconds(self, session_seconds: float) -> float:
        """How long to really wait for `session_seconds` of session time to pass."""
        return session_seconds / self.speed


class FakeClock:
    """A clock that only moves when told to: for tests."""

    def __init__(self, start: float = 0.0, speed: float = 1.0) -> None:
        self._now = start
        self.speed = speed  # what a sped-up MonotonicClock would say, for person-paced waits

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds
