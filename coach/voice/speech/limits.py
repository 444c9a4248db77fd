"""The speech rate and volume the coach allows, defined once.

Why a module of its own: the speaker clamps to these ranges, both back-ends clamp the rate they
render at, and the CLI refuses `--rate` and `--volume` outside them. Each used to keep its own
numbers (the rate was 100-260 in the speaker, 80-300 in the back-ends and 80-400 on the command
line, so `--rate 400` was accepted and then quietly spoken at 260). This module imports nothing
heavy, so the CLI can check its options before any audio library loads.
"""

from __future__ import annotations

from typing import NamedTuple


class Limits(NamedTuple):
    """An inclusive range, `low` to `high` (a tuple, so `low, high = LIMITS` works)."""

    low: float
    high: float

    def clamp(self, value: float) -> float:
        """`value`, moved into the range: "faster" at the top stays at the top."""
        return min(self.high, max(self.low, value))

    def allows(self, value: float) -> bool:
        """True for a value in the range (never for nan: every comparison with it is false)."""
        return self.low <= value <= self.high


RATE_LIMITS = Limits(100, 260)
"""Words per minute, on pyttsx3's scale (docs/speech-out.md). Slower than 100 drags; faster than
260 is hard to follow lying face down. Both voices render every rate in this range."""

RATE_STEP_WPM = 15
"""How far "slower" or "faster" moves the rate: a change one hears, 13 steps across the range."""

VOLUME_LIMITS = Limits(0.2, 1.0)
"""Speech volume, a gain of 0..1. Never fully silent by accident: "quieter" ten times stays
audible. For no speech at all there is `--quiet`."""

VOLUME_STEP = 0.15
"""How far "louder" or "quieter" moves the volume."""

DEFAULT_VOLUME = 0.85
"""Leaves headroom for "louder"."""
