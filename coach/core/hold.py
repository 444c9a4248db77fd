"""A hold's timer: exact time on a monotonic clock, through speech, pauses and extensions.

The timer never sleeps or ticks by itself. It stores when it started, how long it has been
paused and how long it should last, and answers questions about a given `now`; the session asks
it on every tick. That is why speaking, or a slow tick, can never stretch a hold.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class HoldTimer:
    target: float  # seconds the hold should last now (grows with "more time")
    maximum: float  # the step's longest allowed hold
    started_at: float
    paused_at: float | None = None
    paused_total: float = 0.0

    def elapsed(self, now: float) -> float:
        """Seconds held so far, pauses excluded."""
        end = self.paused_at if self.paused_at is not None else now
        return max(0.0, end - self.started_at - self.paused_total)

    def remaining(self, now: float) -> float:
        return max(0.0, self.target - self.elapsed(now))

    def remaining_to_maximum(self, now: float) -> float:
        return max(0.0, self.maximum - self.elapsed(now))

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    def pause(self, now: float) -> None:
        if self.paused_at is None:
            self.paused_at = now

    def resume(self, now: float) -> None:
        if self.paused_at is not None:
            self.paused_total += now - self.paused_at
            self.paused_at = None

    def extend(self, seconds: float) -> float:
        """Lengthen the hold by up to `seconds`, never past the maximum; returns what was added."""
        added = max(0.0, min(seconds, self.maximum - self.target))
        self.target += added
        return added

    def due_at(self, now: float, remaining: float) -> float | None:
        """The clock time at which `remaining` seconds will be left (None while paused)."""
        if self.paused:
            return None
        return now + (self.remaining(now) - remaining)
