"""Stop, end session and the closing say to lift off first, where the giver's weight or a tool
is on the receiver (issue 20: the Thai sit's "stop" never said to lift the seat off the thigh).

The routine's `release` sentence, read by `check` with line and column like every field, comes
from one place (`Routine.release_first`), so a reply added later (a warning sign such as
numbness, which acts like stop) says the same words.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from coach.core.commands import interpret
from coach.core.routine import Side
from coach.core.session import SessionOptions
from coach.core.status import Phase
from coach.routine_format.library import load
from coach.routine_format.loader import check_routine
from testkit.session_driver import Driver, pass_screening, sample_routine, to_phase

RELEASE = "Lift your seat off the thigh first."


def released() -> Driver:
    return to_phase(Phase.HOLD, replace(sample_routine(), release=RELEASE))


def test_stop_in_a_step_says_to_lift_off_first():
    driver = released()
    assert driver.say("stop") == [f"Stopped. {RELEASE} Say resume to carry on, or end session "
                                  f"to finish."]
    assert driver.phase is Phase.PAUSED


def test_stop_before_any_step_has_nothing_to_lift_off():
    driver = Driver(replace(sample_routine(), release=RELEASE))
    assert driver.say("stop") == ["Stopped. Say resume to carry on, or end session to finish."]


def test_end_session_says_to_lift_off_before_the_closing():
    driver = released()
    replies = driver.say("end session")
    assert replies[:3] == ["Ending the session here.", RELEASE, "Drink a glass of water."]
    assert driver.phase is Phase.ENDED


def test_the_closing_after_a_last_step_with_its_own_lift_off_does_not_repeat_it():
    routine = replace(sample_routine(), release=RELEASE)
    last = routine.steps[-1]
    routine_with_after = replace(routine, steps=(*routine.steps[:-1],
                                                 replace(last, after=("Lift off slowly.",))))
    driver = Driver(routine_with_after, SessionOptions(first_side=Side.LEFT))
    pass_screening(driver)
    driver.say("next")
    while driver.phase is not Phase.ENDED:
        driver.say("next")
    assert "Lift off slowly." in driver.said and RELEASE not in driver.said


def test_the_closing_after_a_skipped_last_step_says_to_lift_off():
    routine = replace(sample_routine(), release=RELEASE)
    driver = Driver(routine, SessionOptions(first_side=Side.LEFT))
    pass_screening(driver)
    driver.say("next")
    while driver.session.index < len(driver.session.runs) - 1:
        driver.say("next")
    closing = driver.say("skip")
    assert closing[1:3] == [RELEASE, "Drink a glass of water."], closing


@pytest.mark.parametrize(("first", "then", "lower_by"), [
    ("my leg is numb", "ouch", 2), ("sharp", "pain", 2), ("stop", "ouch", 2),
    ("stop", "softer", 1), ("my leg is numb", "too hard", 1),
])
def test_ouch_or_softer_after_a_lift_off_does_not_cut_it_short(first: str, then: str,
                                                                lower_by: int) -> None:
    """A receiver often says it in two breaths: "Sharp... pain." The first fires a warning sign,
    whose reply says to take the pressure off and lift the seat; the second must not silence
    that reply for an ouch's "Easing off. <lean a little less> Is that better?" (a pressing
    instruction after a lift-off). The level goes down for later, and the coach says so once
    the lift-off has been heard."""
    driver = released()
    level = driver.session.pressure_talk.level
    assert RELEASE in driver.command(interpret(first), first)[0]
    silenced = driver.stops()
    reply = driver.command(interpret(then), then)
    assert driver.stops() == silenced, "the lift-off reply was cut short"
    now = max(1, level - lower_by)
    assert driver.session.pressure_talk.level == now
    words = {1: "one, very light", 2: "two, light", 3: "three, medium"}[now]
    assert reply == [f"Keep the pressure off. When you carry on, it will be level {words}. Say "
                     f"resume when you're ready to carry on."], reply
    assert driver.phase is Phase.PAUSED
    driver.say("resume")
    assert driver.phase is not Phase.PAUSED
    assert driver.say("ouch")[-1].endswith("Is that better?")  # pressing again: asked as ever
    assert driver.stops() == silenced + 1


def test_softer_after_a_stop_before_any_step_is_plain_softer() -> None:
    """Before the work has begun nothing was lifted (the stop said no lift-off), so "softer"
    is the usual answer, not "Keep the pressure off"."""
    driver = Driver(replace(sample_routine(), release=RELEASE))
    driver.say("stop")
    reply = driver.say("softer")
    assert reply and not reply[0].startswith("Keep the pressure off"), reply


def test_ouch_still_hurting_at_the_lightest_lifts_off_before_leaving_the_spot():
    driver = released()
    driver.say("ouch")
    assert driver.say("no") == [f"{RELEASE} Then let's leave this spot. Say next to move on, or "
                                f"end session to finish."]
    assert driver.phase is Phase.PAUSED


def test_the_release_comes_from_one_place():
    routine = replace(sample_routine(), release=RELEASE)
    assert routine.release_first() == RELEASE
    assert replace(sample_routine()).release_first() == ""


# ----- the shipped routines -------------------------------------------------------------------

ON_THE_BODY = {  # the giver's weight or a tool on the receiver, and what must be lifted
    "thai-hamstring-sit": "seat off the thigh",
    "hamstring-foam-roller": "off the roller",
    "hamstring-massage-ball": "off the ball",
    "hamstring-massage-stick": "stick off",
    "back-effleurage": "weight off the back",
}


@pytest.mark.parametrize("rid", sorted(ON_THE_BODY))
def test_shipped_stop_and_end_lift_off_first(rid):
    routine = load(rid)
    assert ON_THE_BODY[rid] in routine.release_first()
    driver = Driver(routine, SessionOptions(first_side=Side.LEFT))
    pass_screening(driver)
    driver.say("next")
    while driver.phase is not Phase.HOLD:
        driver.say("yes" if driver.phase is Phase.OPTIONAL else "next")
    stopped = driver.say("stop")[0]
    assert stopped.startswith(f"Stopped. {routine.release_first()} Say resume"), stopped
    driver.say("resume")
    ended = driver.say("end session")
    assert ended[:2] == ["Ending the session here.", routine.release_first()], ended


def test_the_thai_sit_stop_says_to_lift_the_seat_off():
    routine = load("thai-hamstring-sit")
    assert routine.release_first().startswith("Lift your seat off the thigh first")


# ----- check ----------------------------------------------------------------------------------

HEAD = """\
id: t
title: Test routine
audience: partner
summary: A routine for tests.
contraindications: []
steps:
  - id: one
    title: Step one
    say: Press the calf.
"""


def check(tmp_path: Path, release_line: str) -> list:
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(HEAD + release_line), encoding="utf-8")
    routine, problems = check_routine(path)
    assert (routine is None) == bool(problems)
    if routine is not None:
        assert routine.release_first() == release_line.split(": ", 1)[1].strip()
    return problems


def test_a_release_sentence_loads(tmp_path):
    assert check(tmp_path, "release: Lift the roller out first.\n") == []


@pytest.mark.parametrize("line, kind, found", [
    ("release: [Lift off.]\n", "type", "a list"),
    ("release: Lift off first\n", "value", "'Lift off first'"),
    ("release: Lift off the {side} leg first.\n", "side-placeholder", "{side}"),
    ("release: Sit back on the kneecap first.\n", "safety", "kneecap"),
])
def test_a_bad_release_is_refused_at_its_line_and_column(tmp_path, line, kind, found):
    problems = check(tmp_path, line)
    assert [(p.line, p.column, p.field, p.kind) for p in problems] == [(10, 10, "release", kind)]
    assert found in problems[0].found


def test_a_misspelt_release_key_is_suggested(tmp_path):
    [problem] = check(tmp_path, "relase: Lift off first.\n")
    assert (problem.line, problem.column, problem.kind) == (10, 1, "unknown-key")
    assert "release" in problem.hint


def test_a_reply_that_acts_like_stop_gets_the_same_release():
    """What the warning-sign reply (numbness, tingling, sharp pain: it acts like stop) calls:
    its own opening, then the same release and the same pause."""
    driver = released()
    driver.feed(driver.session.replies.easing.stop("That's a warning sign. Stopping."))
    assert driver.said[-1] == (f"That's a warning sign. Stopping. {RELEASE} Say resume to carry "
                               f"on, or end session to finish.")
    assert driver.phase is Phase.PAUSED and driver.session.hold.paused
