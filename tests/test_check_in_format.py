"""`check` on check-ins, read-backs and the pressure cap: the bad kinds of question are refused
at their file:line:col with a message that says how to fix them. Real YAML, real loader, and the
real `massage-coach check` for the printed form."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coach.core.routine import AnswerAction, CheckIn, Choice
from coach.routine_format.check_ins import yes_no_wording_problem
from coach.routine_format.loader import check_routine, load_routine

ROOT = Path(__file__).resolve().parents[1]

HEAD = """\
id: t
title: Test routine
audience: partner
summary: A routine for tests.
contraindications:
  - question: Is this a test?
    reason: Tests only.
    read_back: not a test
steps:
  - id: one
    title: Step one
    say: Press the calf.
    hold: 1m
    other_position: Sit beside the leg instead.
"""
CHECK_IN_LINE = 15  # where a check-in appended to HEAD starts


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, check_in: str) -> list:
    routine, found = check_routine(write(tmp_path, HEAD + check_in))
    assert (routine is None) == bool(found)
    return found


def test_a_yes_no_check_in_with_its_actions_loads(tmp_path):
    routine = load_routine(write(tmp_path, HEAD + "    check_in:\n      ask: Is this too deep?\n"
                                 "      if_yes: softer\n      if_no: carry on\n"))
    assert routine.steps[0].check_in == CheckIn("Is this too deep?", AnswerAction.SOFTER,
                                                AnswerAction.CARRY_ON)


def test_a_choice_check_in_loads_and_names_its_choices_aloud(tmp_path):
    routine = load_routine(write(tmp_path, HEAD + "    check_in: {ask: \"How is it?\", "
                                 "choices: [softer, firmer, that's good]}\n"))
    check_in = routine.steps[0].check_in
    assert check_in.choices == (Choice.SOFTER, Choice.FIRMER, Choice.GOOD)
    assert check_in.spoken() == "How is it? Say softer, firmer, or that's good."


def test_a_question_alone_is_refused_where_it_is(tmp_path):
    [problem] = problems(tmp_path, "    check_in: How is the pressure?\n")
    assert (problem.line, problem.column, problem.field, problem.kind) == \
        (CHECK_IN_LINE, 15, "steps[0].check_in", "answers")
    assert "only the question 'How is the pressure?'" in problem.found
    assert "if_yes" in problem.hint and "choices" in problem.hint


@pytest.mark.parametrize("ask, what", [
    ("Is that a good ache, or too much?", "either-or"),
    ("Receiver, is that too much, or about right?", "either-or"),
    ("Is it okay or not?", "either-or"),
    ("Receiver, how does the weight feel?", "open question"),
    ("What do you feel?", "open question"),
    ("Receiver, is the oil warm enough, and is the speed all right?", "two questions"),
])
def test_a_question_yes_or_no_cannot_answer_is_refused_as_yes_no(tmp_path, ask, what):
    [problem] = problems(tmp_path, f"    check_in:\n      ask: {ask}\n      if_yes: carry on\n"
                                   "      if_no: softer\n")
    assert (problem.line, problem.column, problem.field, problem.kind) == \
        (CHECK_IN_LINE + 1, 12, "steps[0].check_in.ask", "not-yes-no")
    assert what in problem.found and "choices" in problem.hint


@pytest.mark.parametrize("ask", ["Is this too deep?", "Receiver, is the weight comfortable?",
                                 "Has the knot or sore spot eased?", "Does it feel sharp?",
                                 "Any tingling?", "Is that more than a good ache?"])
def test_plain_yes_no_questions_pass_the_wording_check(ask):
    assert yes_no_wording_problem(ask) is None


@pytest.mark.parametrize("body, field, kind, found", [
    ("      ask: Is this too deep?\n      if_yes: softer\n", "if_no", "answers", "no if_no"),
    ("      ask: Is this too deep?\n", "if_yes", "answers", "no answers"),
    ("      ask: Is this too deep?\n      if_yes: softer\n      if_no: softer\n", "if_no",
     "answers", "'softer' for both answers"),
    ("      ask: Is this too deep?\n      if_yes: lighter\n      if_no: carry on\n", "if_yes",
     "answers", "'lighter'"),
    ("      ask: How is it?\n      choices: [softer]\n", "choices", "answers", "1"),
    ("      ask: How is it?\n      choices: [softer, gentler]\n", "choices[1]", "answers",
     "'gentler'"),
    ("      ask: How is it?\n      choices: [softer, firmer]\n      if_yes: softer\n", "if_yes",
     "answers", "both"),
    ("      if_yes: softer\n      if_no: carry on\n", "ask", "missing", "none"),
    ("      ask: Is this too deep?\n      yes: softer\n      no: carry on\n", "yes",
     "unknown-key", "`yes`"),
])
def test_answers_that_are_not_defined_are_refused(tmp_path, body, field, kind, found):
    found_problems = problems(tmp_path, "    check_in:\n" + body)
    problem = found_problems[0]
    assert (problem.field, problem.kind) == (f"steps[0].check_in.{field}", kind), \
        [str(p) for p in found_problems]
    assert found in problem.found


def test_yes_and_no_keys_are_explained(tmp_path):
    problem = problems(tmp_path, "    check_in:\n      ask: Is this too deep?\n"
                                 "      yes: softer\n      no: carry on\n")[0]
    assert "if_yes and if_no" in problem.hint and "true or false" in problem.hint


def test_other_position_needs_one(tmp_path):
    text = HEAD.replace("    other_position: Sit beside the leg instead.\n", "") + \
        "    check_in:\n      ask: Does it hurt?\n      if_yes: other position\n" \
        "      if_no: carry on\n"
    [problem] = check_routine(write(tmp_path, text))[1]
    assert (problem.field, problem.kind) == ("steps[0].check_in.if_yes", "answers")


def test_a_hold_question_yes_or_no_cannot_answer_is_refused(tmp_path):
    text = HEAD.replace("    hold: 1m\n", "    hold:\n      min: 30s\n      max: 2m\n"
                        "      until_softened: true\n      ask: Is it looser, or still tight?\n")
    [problem] = check_routine(write(tmp_path, text))[1]
    assert (problem.field, problem.kind) == ("steps[0].hold.ask", "not-yes-no")


def test_each_safety_question_needs_its_read_back(tmp_path):
    text = HEAD.replace("    read_back: not a test\n", "")
    [problem] = check_routine(write(tmp_path, text))[1]
    assert (problem.line, problem.field, problem.kind) == (6, "contraindications[0].read_back",
                                                           "missing")
    assert "misheard" in problem.hint
    for bad in ("not a test.", "not a test, not a drill"):
        text = HEAD.replace("read_back: not a test", f"read_back: {bad}")
        [problem] = check_routine(write(tmp_path, text))[1]
        assert (problem.field, problem.kind) == ("contraindications[0].read_back", "value")


def test_the_pressure_cap_is_checked_against_the_levels_and_the_start(tmp_path):
    levels = "".join(f"      {n}: Press at level {n}.\n" for n in range(1, 6))
    text = HEAD.replace("steps:", "default_pressure: 2\nmax_pressure: 3\nsteps:") + \
        "    pressure:\n" + levels
    found = check_routine(write(tmp_path, text))[1]
    assert [(p.field, p.kind) for p in found] == [("steps[0].pressure.4", "pressure"),
                                                  ("steps[0].pressure.5", "pressure")]
    assert "max_pressure (3)" in found[0].expected
    capped = text.replace("      4: Press at level 4.\n      5: Press at level 5.\n", "")
    assert load_routine(write(tmp_path, capped)).max_pressure == 3
    too_high = capped.replace("default_pressure: 2", "default_pressure: 3").replace(
        "max_pressure: 3", "max_pressure: 2").replace("      3: Press at level 3.\n", "")
    [problem] = check_routine(write(tmp_path, too_high))[1]
    assert (problem.field, problem.kind) == ("default_pressure", "pressure")


def test_check_prints_the_refusal_with_file_line_and_column(tmp_path):
    path = write(tmp_path, HEAD + "    check_in:\n      ask: Is that a good ache, or too much?\n"
                                  "      if_yes: carry on\n      if_no: softer\n")
    result = subprocess.run([sys.executable, "-m", "coach", "check", str(path)],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2
    first = result.stdout.splitlines()[0]
    assert first == (f"{path}:{CHECK_IN_LINE + 1}:12: steps[0].check_in.ask: expected a "
                     "question yes or no can answer, found an either-or question (yes or no "
                     "does not say which): 'Is that a good ache, or too much?'")
    assert result.stdout.splitlines()[1].startswith("    hint: ask one thing")


@pytest.mark.parametrize("ask", ["Receiver, is this too deep?", "Does it feel sharp?",
                                 "Does the stretch hurt?", "Is that more than a good ache?"])
def test_a_yes_that_means_trouble_cannot_carry_on(tmp_path, ask):
    [problem] = problems(tmp_path, f"    check_in:\n      ask: {ask}\n      if_yes: carry on\n"
                                   "      if_no: softer\n")
    assert (problem.line, problem.field, problem.kind) == \
        (CHECK_IN_LINE + 2, "steps[0].check_in.if_yes", "answers")
    assert "means something is wrong" in problem.found


@pytest.mark.parametrize("ask", ["Is it still tight?", "Has the knot not eased?"])
def test_a_hold_question_where_yes_means_not_yet_is_refused(tmp_path, ask):
    text = HEAD.replace("    hold: 1m\n", "    hold:\n      min: 30s\n      max: 2m\n"
                        f"      until_softened: true\n      ask: {ask}\n")
    [problem] = check_routine(write(tmp_path, text))[1]
    assert (problem.field, problem.kind) == ("steps[0].hold.ask", "not-yes-no")
    assert "has not worked" in problem.found


@pytest.mark.parametrize("ask", ["Does the stretch hurt?", "Does anything feel sharp?",
                                 "Any tingling?", "Is there any pain?", "Any numbness?"])
@pytest.mark.parametrize("action", ["softer", "keep", "firmer"])
def test_a_pain_question_whose_yes_goes_on_pressing_is_refused(tmp_path, ask, action):
    """Issue 20: "Does it hurt?" answered yes must pause and ease off (ouch, or the other
    position, which eases off and pauses too), not go one level lighter while the hold runs."""
    found = problems(tmp_path, f"    check_in:\n      ask: {ask}\n      if_yes: {action}\n"
                               f"      if_no: carry on\n")
    assert len(found) == 1, [str(p) for p in found]
    problem = found[0]
    assert (problem.line, problem.column, problem.field, problem.kind) == (
        CHECK_IN_LINE + 2, 15, "steps[0].check_in.if_yes", "answers")
    assert "means it hurts" in problem.found


@pytest.mark.parametrize("action", ["ouch", "other position"])
def test_a_pain_question_that_eases_off_and_pauses_loads(tmp_path, action):
    assert problems(tmp_path, f"    check_in:\n      ask: Does the stretch hurt?\n"
                              f"      if_yes: {action}\n      if_no: carry on\n") == []
