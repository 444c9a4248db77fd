"""When is the coach's own voice (or a cue) coming out of the speaker, and what is it saying?

The speaker writes this record as it starts and finishes each line; the listener reads it to
decide which results to trust. While the coach talks, only barge-in commands ("stop", "pause",
"wait", "ouch") may fire, and never one whose words are in the line being spoken; a short guard
after each line covers the tail of the room's echo and the output latency.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class TimedWord:
    """One word of a line and when it is heard, in seconds from the line's first sample."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Airing:
    text: str  # "" for a cue
    started: float  # time.monotonic()
    ended: float | None  # None while still playing
    words: tuple[TimedWord, ...] = ()  # when each word is heard; () = not known

    def words_between(self, start: float, end: float) -> str:
        """The words of the line on the air at any moment in [start, end] (the same clock as
        `started`), as text: the whole line when its word times are not known."""
        if not self.words:
            return self.text
        cut = float("inf") if self.ended is None else self.ended  # a cut line says no more
        return " ".join(word.text for word in self.words
                        if self.started + word.start <= min(end, cut)
                        and self.started + word.end >= start)


class OnAir:
    """Thread-safe record of the coach's recent output, in `time.monotonic()` seconds."""

    MAX_LINE_SECONDS = 120.0  # no line is longer: older airings cannot overlap a given moment

    def __init__(self, guard_seconds: float = 0.3, keep: int = 4096) -> None:
        self.guard_seconds = guard_seconds
        self._keep = keep
        self._lock = threading.Lock()
        self._airings: list[Airing] = []

    def started(self, text: str, at: float | None = None,
                words: tuple[TimedWord, ...] | None = None) -> None:
        """`text` is on the air from `at`; `words`: when each of its words is heard (from the
        rendering, `Rendered.words`), so the listener can tell which were said when."""
        with self._lock:
            self._airings.append(Airing(text, time.monotonic() if at is None else at, None,
                                        tuple(words or ())))
            del self._airings[: -self._keep]

    def finished(self, at: float | None = None) -> None:
        """Mark the current airing (if any) as ended."""
        now = time.monotonic() if at is None else at
        with self._lock:
            for index in range(len(self._airings) - 1, -1, -1):
                airing = self._airings[index]
                if airing.ended is None:
                    self._airings[index] = replace(airing, ended=now)

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
