"""Every "softer" or "ouch" reply takes weight or pressure away, and says so (issue 20).

Two halves: the engine says which way to move before the level's text ("Take some pressure
off."), proven over every step of every shipped routine at every level through the real session
engine; and `check` refuses a pressure table whose words point the wrong way on the way down or
up (kind `pressure-direction`), proven on small YAML files with their line and column.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from coach.core.routine import Routine, Side
from coach.core.session import SessionOptions
from coach.core.status import Phase
from coach.routine_format.library import load, shipped_ids
from coach.routine_format.loader import check_routine
from testkit.session_driver import Driver, pass_screening

# Words that ask for more weight or pressure: none may follow a move down.
# "a little toward the ball" is a move too, relative to where the level below was.
ADDS = re.compile(r"(?<!\bno\s)\bmore\b(?!\s+than\b)|\badd\b|\bdeeper\b|\bharder\b|"
                  r"\bfirmer\b|\bfurther\b|\ba little (?:toward|into|onto)\b", re.IGNORECASE)


def _pressure_steps(routine: Routine) -> list[str]:
    return [step.id for step in routine.steps if step.pressure]


def _walk_to(driver: Driver, step_id: str) -> None:
    """From the set-up to the (first side's) step `step_id`, saying yes to optional steps."""
    driver.say("next")
    while driver.session.walk.step_or_none() is None or \
            driver.session.walk.current_run.step.id != step_id:
        assert driver.phase is not Phase.ENDED, step_id
        driver.say("yes" if driver.phase is Phase.OPTIONAL else "next")
    if driver.phase is Phase.OPTIONAL:
        driver.say("yes")


CASES = [(rid, step_id, level) for rid in shipped_ids() for step_id in _pressure_steps(load(rid))
         for level in range(2, load(rid).max_pressure + 1)]


@pytest.mark.parametrize("rid,step_id,level", CASES)
def test_softer_and_ouch_take_pressure_away_and_never_ask_for_more(rid, step_id, level):
    routine = load(rid)
    driver = Driver(routine, SessionOptions(start_pressure=level, first_side=Side.LEFT))
    pass_screening(driver)
    _walk_to(driver, step_id)
    step = driver.session.walk.current_run.step
    softer = driver.say("softer")[0]
    assert softer.startswith("Lighter: level ") and "Take some pressure off." in softer, softer
    guidance = softer.split("Take some pressure off.", 1)[1]
    assert step.pressure[level - 1] in guidance
    assert not ADDS.search(guidance), f"{rid} {step_id} {level}->{level - 1}: {softer}"
    driver.session.pressure_talk.level = level  # back up, then the two levels of ouch
    ouch = driver.say("ouch")[-1]
    assert "Easing off." in ouch and ouch.endswith("Is that better?")
    if level > 1:
        assert "Take some pressure off." in ouch
        assert not ADDS.search(ouch.split("Take some pressure off.", 1)[1]), ouch


def test_harder_says_to_add_and_softer_to_take_off():
    routine = load("hamstring-foam-roller")
    driver = Driver(routine, SessionOptions(start_pressure=3, first_side=Side.LEFT))
    pass_screening(driver)
    _walk_to(driver, "roll-length")
    assert driver.say("softer")[0] == (
        "Lighter: level two, light. Take some pressure off. Rest part of the thigh's weight on "
        "the roller. Your hands and your other foot carry the rest.")
    assert driver.say("harder")[0].startswith("Firmer: level three, medium. Add a little "
                                              "pressure. Let the thigh rest fully")


# ----- check ----------------------------------------------------------------------------------

HEADER = """\
id: t
title: Test routine
audience: self
summary: A routine for tests.
contraindications: []
steps:
  - id: one
    title: Step one
    say: Do the thing.
    pressure:
"""


def _check(tmp_path: Path, levels: dict[int, str], extra: str = "") -> list:
    body = HEADER + "".join(f"      {n}: {text}\n" for n, text in levels.items())
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(extra) + body if extra else body, encoding="utf-8")
    routine, problems = check_routine(path)
    assert (routine is None) == bool(problems)
    return problems


GOOD = {1: "Keep most of your weight on your hands.",
        2: "Rest part of your weight on the roller.",
        3: "Let the thigh rest fully on the roller.",
        4: "Hold your other foot off the floor.",
        5: "Cross your other leg over this one, so more weight goes onto the roller."}


def test_a_table_that_says_where_the_weight_is_passes(tmp_path):
    assert _check(tmp_path, GOOD) == []


@pytest.mark.parametrize("level,text,word", [
    (2, "Let a little more of the thigh's weight sink onto the roller.", "more"),
    (2, "Add a little weight through your palms.", "Add"),
    (4, "Press a little deeper.", "deeper"),
    (3, "Tap a little harder.", "harder"),
])
def test_a_lower_level_asking_for_more_is_refused_at_its_line_and_column(tmp_path, level,
                                                                         text, word):
    problems = _check(tmp_path, {**GOOD, level: text})
    assert len(problems) == 1, problems
    problem = problems[0]
    assert (problem.line, problem.column) == (10 + level, 10)
    assert problem.field == f"steps[0].pressure.{level}"
    assert problem.kind == "pressure-direction"
    assert f"'{word}', which asks for more" in problem.found
    assert f"after softer or ouch from level {level + 1}" in problem.found
    assert re.match(rf".*t\.yaml:{10 + level}:10: steps\[0\]\.pressure\.{level}: ", str(problem))


def test_a_higher_level_asking_for_less_is_refused(tmp_path):
    problems = _check(tmp_path, {**GOOD, 3: "Take some weight off the roller."})
    assert [(p.line, p.kind) for p in problems] == [(13, "pressure-direction")]
    assert "asks for less" in problems[0].found and "after harder from level 2" in \
        problems[0].found


def test_the_ends_may_compare_and_amounts_are_not_comparisons(tmp_path):
    """Level 5 is only reached going up, level 1 only going down; "more than" is an amount."""
    assert _check(tmp_path, {**GOOD, 1: "Take all weight off but a little more than a brush.",
                             5: "Add more weight."}) == []
    assert _check(tmp_path, {**GOOD, 1: "Lighten right off, with less weight than that."}) == []


def test_the_top_is_the_routines_cap(tmp_path):
    levels = {1: "Rest your palms.", 2: "Press gently.", 3: "Squeeze more fully."}
    assert _check(tmp_path, levels, "max_pressure: 3\n") == []
    problems = _check(tmp_path, {**levels, 2: "Press a little more."}, "max_pressure: 3\n")
    assert [p.field for p in problems] == ["steps[0].pressure.2"]
