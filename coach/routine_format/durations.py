"""Durations in a routine file: read from what authors write, and described back to them.

Authors write a hold as a number of seconds or a short string ("30s", "2m", "1m30s", "90");
`parse_duration` reads all of these and refuses everything else with a reason the loader turns
into a problem report. `describe_duration` and `describe_hold` put them back into words with
digits ("1 minute 30 seconds"), for the routine guide and the checker's messages.
"""

from __future__ import annotations

import math
import re

from coach.core.routine import Hold

_DURATION = re.compile(
    r"^\s*(?:(?P<m>\d+(?:\.\d+)?)\s*(?:minutes|minute|mins|min|m))?"
    r"\s*(?:(?P<s>\d+(?:\.\d+)?)\s*(?:seconds|second|secs|sec|s)?)?\s*$",
    re.IGNORECASE,
)


def parse_duration(value: object) -> float:
    """Seconds from a number of seconds or a string like "30s", "2m", "1m30s", "90".

    Raises ValueError with a readable reason. Booleans are refused even though they are ints in
    Python, because `hold: yes` is a mistake, not one second.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("not a duration")
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match or (match.group("m") is None and match.group("s") is None):
            raise ValueError("not a duration")
        seconds = float(match.group("m") or 0) * 60 + float(match.group("s") or 0)
    else:
        try:
            seconds = float(value)
        except OverflowError:  # an int too big for a float
            raise ValueError("not a finite number") from None
    if not math.isfinite(seconds):
        raise ValueError("not a finite number")
    if not seconds > 0:
        raise ValueError("not more than zero")
    return seconds


def describe_duration(seconds: float) -> str:
    """A duration in words, as the coach says it: "30 seconds", "2 minutes", "1 minute 30 seconds"."""
    total = int(round(seconds))
    minutes, rest = divmod(total, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if rest or not minutes:
        parts.append(f"{rest} second{'s' if rest != 1 else ''}")
    return " ".join(parts)


def describe_hold(hold: Hold) -> str:
    """A hold in words: "30 seconds", "2 to 5 minutes, usually 3, until the tissue softens"."""
    if not hold.is_range:
        text = describe_duration(hold.default)
    else:
        low, high = hold.minimum, hold.maximum
        if low % 60 == 0 and high % 60 == 0:
            text = f"{int(low // 60)} to {describe_duration(high)}"
        elif low < 60 and high < 60:
            text = f"{int(low)} to {describe_duration(high)}"
        else:
            text = f"{describe_duration(low)} to {describe_duration(high)}"
        if hold.default != hold.minimum:
            text += f", usually {describe_duration(hold.default)}"
    if hold.until_softened:
        text += ", until the tissue softens"
    return text
