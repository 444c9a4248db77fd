"""When is the coach's own voice (or a cue) coming out of the speaker, and what is it saying?

The speaker writes this record as it starts and finishes each line; the listener reads it to
decide which results to trust. While the coach talks, only barge-in commands ("stop", "pause",
"wait", "ouch") may fire, and never one whose words are in the line being spoken; a short guard
after each line covers the tail of the room's echo and the output latency.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Airing:
    text: str  # "" for a cue
    started: float  # time.monotonic()
    ended: float | None  # None while still playing


class OnAir:
    """Thread-safe record of the coach's recent output, in `time.monotonic()` seconds."""

    MAX_LINE_SECONDS = 120.0  # no line is longer: older airings cannot overlap a given moment

    def __init__(self, guard_seconds: float = 0.3, keep: int = 4096) -> None:
        self.guard_seconds = guard_seconds
        self._keep = keep
        self._lock = threading.Lock()
        self._airings: list[Airing] = []

    def started(self, text: str, at: float | None = None) -> None:
        with self._lock:
            self._airings.append(Airing(text, time.monotonic() if at is None else at, None))
            del self._airings[: -self._keep]

    def finished(self, at: float | None = None) -> None:
        """Mark the current airing (if any) as ended."""
        now = time.monotonic() if at is None else at
        with self._lock:
            for index in range(len(self._airings) - 1, -1, -1):
                airing = self._airings[index]
                if airing.ended is None:
                    self._airings[index] = Airing(airing.text, airing.started, now)

    def overlapping(self, start: float, end: float) -> list[Airing]:
        """Airings that were on the air (guard included) at any time in [start, end]."""
        with self._lock:
            airings = list(self._airings)
        result = []
        for airing in reversed(airings):  # newest first; stop where nothing older can overlap
            if airing.started < start - self.MAX_LINE_SECONDS:
                break
            stop = float("inf") if airing.ended is None else airing.ended + self.guard_seconds
            if airing.started <= end and stop >= start:
                result.append(airing)
        result.reverse()
        return result

    def speaking(self, at: float | None = None) -> bool:
        now = time.monotonic() if at is None else at
        return bool(self.overlapping(now, now))
