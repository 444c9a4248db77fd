"""What the coach says during a timed hold, and when: cue markers and the move-on check point.

A hold's cues ("halfway", the check-in question, "about a minute left", the countdown ticks) are
`Marker`s (what they do, and the seconds a reminder or tick stands for), placed by the time left
when they are due. Everything here is
a pure function of the step, the hold's timer and the set of markers already given, so the
session only has to keep that set; nothing here reads a clock or counts utterances.

An until-softened hold has a check point instead of an end: at its default the coach asks
whether to move on, and asks again a minute later (never past the maximum) if they stay.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from coach.core.commands import DEFAULT_ADVANCE_WORD
from coach.core.hold import HoldTimer
from coach.core.routine import DEFAULT_HOLD_QUESTION, Step, StepRun
from coach.core.timewords import rounded_words, time_left

DECISION_RECHECK_SECONDS = 60.0  # an until-softened hold asks again after this long
LONGEST = "That's the longest time for this spot."


class MarkerKind(enum.Enum):
    """What a hold cue does when it falls due."""

    HALFWAY = "halfway"  # says "Halfway."
    CHECK_IN = "check_in"  # asks the step's check-in question
    REMAINING = "remaining"  # says the time left ("About a minute left.")
    TICK = "tick"  # a countdown tick: a sound, not words


@dataclass(frozen=True)
class Marker:
    """One cue of a hold, and its identity in the set of cues already given: the kind, and for
    a time-left reminder or a tick the seconds it stands for. Halfway and the check-in carry no
    seconds, so a hold made longer still knows it said them (their moment moves with the
    target; see `rearmed`)."""

    kind: MarkerKind
    seconds: float = 0.0


HALFWAY = Marker(MarkerKind.HALFWAY)
CHECK_IN = Marker(MarkerKind.CHECK_IN)
_KEPT_WHEN_REARMED = (HALFWAY, CHECK_IN)  # said once per hold, however long it grows

Due = tuple[Marker, float]  # a marker, and the seconds remaining when it is due


def cue_markers(step: Step, target: float) -> list[Due]:
    """The step's hold cue markers for a hold of `target` seconds, each with the seconds
    remaining when due. Halfway cues are left out of holds too short for them to help."""
    cues = step.cues
    found: list[Due] = []
    if cues.halfway and target >= 20:
        found.append((HALFWAY, target / 2))
    if step.check_in and target >= 20:
        found.append((CHECK_IN, target / 2))
    for seconds in cues.remaining:
        if seconds < target:
            found.append((Marker(MarkerKind.REMAINING, float(seconds)), float(seconds)))
    for n in range(1, cues.countdown + 1):
        if n < target:
            found.append((Marker(MarkerKind.TICK, float(n)), float(n)))
    return found


def fire_due(markers: list[Due], fired: set[Marker], remaining: float) -> list[Marker]:
    """The markers to act on now, in order; every marker that is due is added to `fired`.

    A spoken cue that only falls due as the hold ends is dropped ("halfway" after the end would
    be wrong); countdown ticks are not, so the last tick still sounds.
    """
    act: list[Marker] = []
    for marker, at in markers:
        if marker not in fired and remaining <= at:
            fired.add(marker)
            if remaining > 0 or marker.kind is MarkerKind.TICK:
                act.append(marker)
    return act


def next_due(markers: list[Due], fired: set[Marker], remaining: float) -> float:
    """The time remaining at the next marker still to fire (0.0: the end of the hold)."""
    due = [at for marker, at in markers if marker not in fired and at < remaining]
    return max(due, default=0.0)


def rearmed(markers: list[Due], fired: set[Marker], remaining: float) -> set[Marker]:
    """The fired set after the hold's target moved: the cues still ahead are armed again, but
    "halfway" and the check-in are never repeated.

    A reminder whose moment is already past (or is now) stays fired, so adding a minute does not
    make the coach say "about a minute left" straight away.
    """
    return {marker for marker, at in markers
            if marker in _KEPT_WHEN_REARMED and marker in fired or at >= remaining}


def cue_words(marker: Marker, remaining: float) -> str:
    """What to say for "halfway" or a time-left marker (the check-in asks the step's own
    question; a countdown tick is a sound)."""
    if marker == HALFWAY:
        return "Halfway."
    return time_left(remaining)


def next_check(timer: HoldTimer, now: float) -> float:
    """The target for an until-softened hold's next check: a minute on, or its maximum."""
    return min(timer.maximum, timer.elapsed(now) + DECISION_RECHECK_SECONDS)


def decision_question(run: StepRun, held: float,
                      advance_word: str = DEFAULT_ADVANCE_WORD) -> str:
    """The check point's question: the routine's own `ask`, or the default wording."""
    hold = run.step.hold
    question = run.render(hold.ask) if hold and hold.ask else DEFAULT_HOLD_QUESTION
    return (f"That's about {rounded_words(held)}. {question} Say {advance_word} to move on, or "
            f"more time to stay.")


def staying(check_in: float, left: float) -> str:
    """The answer to "stay longer" at the check point."""
    return (f"Staying. I'll check again in {rounded_words(check_in)}; you can stay up to "
            f"{rounded_words(left)} more.")


def how_long(timer: HoldTimer, now: float, deciding: bool) -> str:
    """The answer to "how long?" while a hold runs, or waits at its check point."""
    if deciding:
        text = (f"You've held about {rounded_words(timer.elapsed(now))}. You can stay up to "
                f"{rounded_words(timer.remaining_to_maximum(now))} more.")
    else:
        text = time_left(timer.remaining(now))
    if timer.paused:
        text += " The timer is paused."
    return text
