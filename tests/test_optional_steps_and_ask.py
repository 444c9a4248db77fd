"""Optional steps and a hold's own move-on question, end to end: a real YAML file through the
real loader into the session (driven on the fake clock), and the printed guide."""

from __future__ import annotations

import textwrap
from pathlib import Path

from coach.cli.routine_commands import format_guide
from coach.core.routine import Side
from coach.core.session import SessionOptions
from coach.core.status import Phase
from coach.routine_format.library import find
from coach.routine_format.loader import load_routine
from testkit.session_driver import Driver

ROUTINE = """\
id: calf-extras
title: Calf extras
audience: partner
summary: Calf presses with an optional extra spot.
contraindications:
  - question: Does the receiver have a blood clot in the leg?
    reason: Pressure could move a clot, so we will not start.
    read_back: no clot in the leg
steps:
  - id: press
    title: Press the {side} calf
    sides: [left, right]
    say: Press the middle of the {side} calf with both palms.
    hold:
      min: 30s
      max: 2m
      default: 1m
      until_softened: true
      ask: Has the {side} calf loosened?
  - id: extra
    title: One more spot on the {side} calf
    optional: true
    sides: [left, right]
    say: Press a hand's width lower on the {side} calf.
    hold: 30s
closing: Rest the legs.
"""


def load(tmp_path: Path):
    path = tmp_path / "calf-extras.yaml"
    path.write_text(textwrap.dedent(ROUTINE), encoding="utf-8")
    return load_routine(path)


def test_a_written_routine_asks_its_own_question_and_offers_its_extra_per_side(tmp_path):
    routine = load(tmp_path)
    driver = Driver(routine, SessionOptions(first_side=Side.RIGHT))
    driver.say("no")  # screening
    driver.say("yes")  # its read-back
    driver.say("next")  # set-up
    driver.wait_for(Phase.HOLD_DECISION)
    assert "Has the right calf loosened?" in driver.said[-1]
    assert "Has the right calf loosened?" in driver.say("repeat")[0]
    offer = driver.say("yes")[-1]  # loosened: move on, to the offer
    assert offer.startswith("Next is an optional step: One more spot on the right calf. "
                            "Do you want to do it?")
    assert driver.say("yes")[0] == "Press a hand's width lower on the right calf."
    driver.wait(31)  # the extra's fixed hold ends by itself; the left side starts
    assert driver.session.current_run.side is Side.LEFT
    driver.wait_for(Phase.HOLD_DECISION)
    assert "Has the left calf loosened?" in driver.said[-1]
    driver.say("next")
    assert driver.phase is Phase.OPTIONAL
    driver.say("no")  # no extra on the left
    assert driver.phase is Phase.ENDED
    assert "three of four steps, skipping one," in driver.over().summary
    assert [r["wanted"] for r in driver.records("optional_step")] == [True, False]


def test_the_guide_marks_optional_steps_and_gives_the_question(tmp_path):
    guide = format_guide(load(tmp_path), width=200)
    assert "2. One more spot on the [side] calf (optional)\n" in guide
    assert "the coach asks first; say no to leave it out" in guide
    assert "At the check point the coach asks: Has the [side] calf loosened?" in guide
    assert "1. Press the [side] calf\n" in guide  # a step that is not optional is not marked


def test_the_shipped_guide_marks_tapping_and_the_knot_question():
    guide = format_guide(load_routine(find("back-effleurage")), width=200)
    assert "Light fingertip tapping (optional)" in guide
    assert "the coach asks: Has the knot or sore spot eased?" in guide
    thai = format_guide(load_routine(find("thai-hamstring-sit")), width=200)
    assert "the coach asks: Has the tissue softened?" in thai
