"""The lines the walk builds from the routine and the session's counts: a step's instruction as
it is read, the closing summary, and the answer to "how long?" when no timer runs.

`coach.core.walk` decides when each is said; the wording is here, apart from the moves, so the
state machine reads as moves and a change of wording touches only this file.
"""

from __future__ import annotations

from coach.core import pressure as pressure_rules
from coach.core.commands import DEFAULT_ADVANCE_WORD
from coach.core.routine import Hold, StepRun
from coach.core.timewords import duration_words, number_words, range_words


def instruction(run: StepRun, pressure: int,
                advance_word: str = DEFAULT_ADVANCE_WORD) -> tuple[str, ...]:
    """What is read for a step: its `say` lines, how to do it at the current pressure, and how
    long to hold (or to say the advance word when done)."""
    step = run.step
    lines = tuple(run.render(line) for line in step.say)
    if step.pressure:  # how to do this movement at the current level, before it starts
        lines += (run.render(step.pressure[pressure]),)
    hold = step.hold
    if hold is not None:
        if hold.until_softened:
            lines += (f"Stay about {range_words(hold.minimum, hold.maximum)}, until the "
                      f"tissue softens.",)
        elif step.cues.announce:  # neutral wording: fits a still hold and a rolling step
            lines += (f"{_capital(duration_words(hold.default))}, starting now.",)
    else:
        lines += (f"Say {advance_word} when you're done.",)
    return lines


def closing_summary(done: int, total: int, skipped: int, elapsed: float, pressure: int) -> str:
    """The summary said at the end: steps done of all (and skipped), the time rounded to whole
    minutes ("under a minute" below half a minute: a session ended at once did not take "about a
    minute"), and the pressure the session finished at. The counts are capped at `total`, so no
    summary can say more steps than the routine has."""
    done, skipped = min(max(done, 0), total), min(max(skipped, 0), total)
    minutes = round(elapsed / 60)
    took = "in under a minute" if minutes < 1 else f"in about {duration_words(minutes * 60)}"
    skipping = f", skipping {number_words(skipped)}," if skipped else ""
    return (f"You did {number_words(done)} of {number_words(total)} steps"
            f"{skipping} {took}, finishing at "
            f"{pressure_rules.describe(pressure)}.")


def no_timer_answer(step_hold: Hold | None, steps_left: int) -> str:
    """"How long?" with no timer running: the hold of the step being read (`step_hold`, None
    when no step is under way or it has no hold), else how many steps are left."""
    if step_hold is not None:
        return (f"No timer yet. This step holds for "
                f"{range_words(step_hold.minimum, step_hold.maximum)}.")
    return (f"No timer is running. {number_words(steps_left).capitalize()} "
            f"step{'s' if steps_left != 1 else ''} to go.")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
