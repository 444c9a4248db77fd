"""Pressure: a level from 1 (lightest) to 5, and what to say when it changes.

Each change is acknowledged with which way to move ("Take some pressure off.") and the step's
own guidance for the new level (where the weight is in *this* movement at that level), so
"softer" during the Thai sit says to shift weight onto your feet while "softer" on the foam
roller says to take weight onto your hands, and neither can read as "add weight".
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.core.routine import PRESSURE_LEVELS, PRESSURE_NAMES, Step

LIGHTEST, FIRMEST = PRESSURE_LEVELS[0], PRESSURE_LEVELS[-1]

# Which way to move, said before the step's text for the new level. The level's text says where
# the weight is at that level (the checker refuses comparative words that would point the wrong
# way on the way down or up: coach.routine_format.pressure_direction); the direction comes from
# here, so a "softer" reply always says to take pressure away, whatever the routine wrote.
LESS = "Take some pressure off."
MORE = "Add a little pressure."


@dataclass(frozen=True)
class PressureChange:
    old: int
    new: int
    requested: int  # the signed change asked for

    @property
    def at_limit(self) -> bool:
        """True when the request could not be met in full."""
        return self.new - self.old != self.requested

    @property
    def changed(self) -> bool:
        return self.new != self.old


def change(level: int, delta: int, ceiling: int = FIRMEST) -> PressureChange:
    """`level` moved by `delta`, kept within the lightest level and `ceiling` (the routine's
    max_pressure)."""
    new = min(ceiling, FIRMEST, max(LIGHTEST, level + delta))
    return PressureChange(level, new, delta)


def describe(level: int) -> str:
    """'level two, light'."""
    from coach.core.timewords import number_words

    return f"level {number_words(level)}, {PRESSURE_NAMES[level]}"


def acknowledge(result: PressureChange, step: Step | None, ceiling: int = FIRMEST) -> str:
    """The spoken reply to a pressure request, specific to the step where possible.

    Under a routine's cap (`ceiling` below the firmest level) the coach says so as "harder"
    reaches it, and again if asked for more: the routine promised that pressure.
    """
    capped = ceiling < FIRMEST
    if not result.changed:
        if result.requested < 0:
            if step is not None and not step.pressure:  # a stretch: no pressure to lighten
                return ("That's already the gentlest. If it still hurts, say stop, and come out "
                        "of the stretch.")
            return ("That's already the lightest pressure. If it still hurts, say stop, "
                    "and we'll move off this spot.")
        if capped:
            return (f"That's already the firmest this routine goes: it stays at "
                    f"{describe(ceiling)}, or lighter.")
        return "That's already the firmest pressure this routine uses."
    direction = "Lighter" if result.new < result.old else "Firmer"
    limit = " That's the lightest." if result.new == LIGHTEST and result.at_limit else ""
    if capped and result.new == ceiling and result.new > result.old:
        limit = " That's as firm as this routine goes."
    limit = limit or (" That's the firmest." if result.new == FIRMEST and result.at_limit else "")
    if step is not None and step.pressure:
        way = LESS if result.new < result.old else MORE
        return f"{direction}: {describe(result.new)}. {way} {step.pressure[result.new]}{limit}"
    if step is not None:
        gentle = "Ease off: go only as far as feels comfortable."
        deeper = "Go a little further, only while it stays comfortable."
        return f"{direction}. {gentle if result.new < result.old else deeper}{limit}"
    return f"Starting pressure set to {describe(result.new)}.{limit}"
