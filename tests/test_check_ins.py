"""Every check-in in every shipped routine, answered "yes", "no", by silence and by "ouch".

Each case drives the real `Session` over the real routine file, on the fake clock, to the step's
check-in (screening answered and confirmed, optional extras on the way skipped), then answers it.
What the answer must do is what the routine file says it does (`if_yes`, `if_no`, `choices`);
the wording test below keeps those declarations honest ("too deep?" yes must not carry on).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.core.routine import AnswerAction, Routine, Side, StepRun
from coach.core.session import SessionOptions
from coach.core.status import Phase
from coach.routine_format.loader import load_routine
from testkit.session_driver import Driver, pass_screening

ROUTINES_DIR = Path(__file__).resolve().parents[1] / "routines"
ROUTINES = {path.stem: load_routine(path) for path in sorted(ROUTINES_DIR.glob("*.yaml"))}


def check_in_cases() -> list[tuple[str, int]]:
    """(routine id, index into the walk from the left side) of each step's first check-in."""
    cases = []
    for rid, routine in ROUTINES.items():
        seen: set[str] = set()
        for index, run in enumerate(routine.expanded_steps(Side.LEFT)):
            if run.step.check_in and run.step.id not in seen:
                seen.add(run.step.id)
                cases.append((rid, index))
    return cases


CASES = check_in_cases()
CASE_IDS = [f"{rid}-{ROUTINES[rid].expanded_steps(Side.LEFT)[i].step.id}" for rid, i in CASES]


def at_check_in(rid: str, index: int) -> tuple[Driver, StepRun]:
    """A session whose step `index` has just asked its check-in."""
    routine = ROUTINES[rid]
    driver = Driver(routine, SessionOptions(first_side=Side.LEFT))
    pass_screening(driver)
    assert driver.phase is Phase.SETUP, driver.phase
    driver.say("next")
    while driver.session.index < index:
        driver.say("skip" if driver.phase is Phase.OPTIONAL else "next")
    if driver.phase is Phase.OPTIONAL:
        driver.say("yes")
    run = driver.session.current_run
    assert driver.session.index == index and driver.phase is Phase.HOLD, driver.phase
    waited = 0.0
    while not driver.session.pressure_talk.checkin_open:
        assert waited < run.step.hold.maximum, f"{rid}/{run.step.id}: the check-in never came"
        driver.wait(0.5)
        waited += 0.5
    assert run.render(run.step.check_in.spoken()) == driver.said[-1]
    return driver, run


def expect_action(driver: Driver, run: StepRun, action: AnswerAction, replies: list[str],
                  before: int) -> None:
    """The session did what `action` says, and the question is closed."""
    session = driver.session
    assert driver.records("check_in")[-1]["action"] == action.value
    if action is AnswerAction.CARRY_ON:
        assert replies == ["Good. Carry on."] and session.pressure == before
    elif action is AnswerAction.SOFTER:
        assert session.pressure == before - 1 and replies[0].startswith("Lighter")
    elif action is AnswerAction.FIRMER:
        assert session.pressure == before + 1 and replies[0].startswith("Firmer")
    elif action is AnswerAction.KEEP:
        assert replies[0].startswith("Good. Keeping") and session.pressure == before
    elif action is AnswerAction.OUCH:
        assert session.phase is Phase.PAUSED and replies[-1].endswith("Is that better?")
    elif action is AnswerAction.OTHER_POSITION:  # this position is not working: ease off
        # first, pause, then the other position, and carry on only on "resume" (issue 20)
        assert re.match(r"Lighter: |Ease off: ", replies[0]), replies
        assert replies[1:-1] == [run.render(line) for line in run.step.alternative]
        assert replies[-1] == "The timer is paused. Say resume when you're ready to carry on."
        assert session.phase is Phase.PAUSED
        assert driver.say("resume")[0] == "Carrying on."
    if action is not AnswerAction.OUCH:
        assert session.phase is Phase.HOLD
    assert not session.pressure_talk.checkin_open


@pytest.mark.parametrize("rid, index", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("answer", ["yes", "no"])
def test_yes_and_no_do_what_the_question_says(rid, index, answer):
    driver, run = at_check_in(rid, index)
    check_in = run.step.check_in
    before = driver.session.pressure
    replies = driver.say(answer)
    if check_in.choices:  # "yes" to "how is the pressure?" says nothing: ask for a choice
        assert replies == [f"Please say {', '.join(c.value for c in check_in.choices[:-1])}, "
                           f"or {check_in.choices[-1].value}."]
        assert driver.session.pressure == before and driver.session.pressure_talk.checkin_open
        assert driver.records("check_in") == []
        replies = driver.say("softer")
        assert replies[0].startswith("Lighter") and driver.session.pressure == before - 1
        assert not driver.session.pressure_talk.checkin_open
        return
    action = check_in.yes if answer == "yes" else check_in.no
    expect_action(driver, run, action, replies, before)


@pytest.mark.parametrize("rid, index", CASES, ids=CASE_IDS)
def test_silence_leaves_no_question_to_swallow_a_later_no(rid, index):
    """Nobody answers: once the hold's own question or the next step comes, "no" belongs to
    that, never to the forgotten check-in."""
    driver, run = at_check_in(rid, index)
    before = driver.session.pressure
    if run.step.hold.until_softened:
        driver.wait_for(Phase.HOLD_DECISION)
        assert not driver.session.pressure_talk.checkin_open
        assert driver.say("no")[0].startswith("Staying.")  # "has the tissue softened?" no
    else:
        while driver.session.index == index and driver.phase is not Phase.ENDED:
            driver.wait(0.5)
        assert not driver.session.pressure_talk.checkin_open
        driver.say("no")
    assert driver.records("check_in") == [] and driver.session.pressure == before


@pytest.mark.parametrize("rid, index", CASES, ids=CASE_IDS)
def test_ouch_during_a_check_in_is_the_newest_question(rid, index):
    driver, _ = at_check_in(rid, index)
    before = driver.session.pressure
    replies = driver.say("ouch")
    assert driver.phase is Phase.PAUSED and replies[-1].endswith("Is that better?")
    eased = driver.session.pressure
    assert eased == max(1, before - 2)
    better = driver.say("yes")  # better: still paused until "resume" (issue 20)
    assert len(better) == 1 and better[0].startswith("Good. ") and \
        better[0].endswith("The timer is paused. Say resume when you're ready to carry on.")
    assert driver.phase is Phase.PAUSED
    driver.say("no")  # the check-in was asked before the ouch: this "no" is not its answer
    assert driver.records("check_in") == [] and driver.session.pressure == eased
    assert driver.say("resume")[0] == "Carrying on." and driver.phase is Phase.HOLD


TROUBLE = re.compile(r"\b(too|sharp|hurt|more than)\b", re.IGNORECASE)
WELL = re.compile(r"\b(comfortable|easing|eased|all right)\b", re.IGNORECASE)


def all_check_ins() -> list[tuple[str, str, object]]:
    return [(rid, step.id, step.check_in) for rid, routine in ROUTINES.items()
            for step in routine.steps if step.check_in]


@pytest.mark.parametrize("rid, step_id, check_in", all_check_ins(),
                         ids=[f"{rid}-{step_id}" for rid, step_id, _ in all_check_ins()])
def test_the_declared_answers_fit_the_words(rid, step_id, check_in):
    """A "yes" that means trouble never carries on; a "yes" that means all is well never eases."""
    if check_in.choices:
        return  # answered by its choices, each a command with one meaning
    if TROUBLE.search(check_in.ask):
        assert check_in.yes is not AnswerAction.CARRY_ON, check_in.ask
        assert check_in.no is AnswerAction.CARRY_ON, check_in.ask
    elif WELL.search(check_in.ask):
        assert check_in.yes is AnswerAction.CARRY_ON, check_in.ask
        assert check_in.no is not AnswerAction.CARRY_ON, check_in.ask
    else:
        pytest.fail(f"{rid}/{step_id}: say in the test what yes means for {check_in.ask!r}")


def test_every_shipped_step_with_a_check_in_is_covered():
    steps = {(rid, step.id) for rid, routine in ROUTINES.items() for step in routine.steps
             if step.check_in}
    covered = {(rid, ROUTINES[rid].expanded_steps(Side.LEFT)[i].step.id) for rid, i in CASES}
    assert covered == steps and len(steps) >= 20


def routine_ids() -> list[str]:
    return sorted(ROUTINES)


@pytest.mark.parametrize("rid", routine_ids())
def test_every_check_in_of_a_whole_session_is_answered_by_its_declaration(rid):
    """All check-ins of one session from the left, on both sides, each answered "no"."""
    routine: Routine = ROUTINES[rid]
    driver = Driver(routine, SessionOptions(first_side=Side.LEFT))
    pass_screening(driver)
    driver.say("next")
    answered = 0
    for _ in range(20000):
        if driver.phase is Phase.ENDED:
            break
        if driver.phase is Phase.OPTIONAL:
            driver.say("yes")
        elif driver.phase is Phase.HOLD_DECISION:
            driver.say("next")
        elif driver.phase is Phase.PAUSED:
            driver.say("resume")
        elif driver.phase is Phase.STEP and driver.session.current_run.step.hold is None:
            driver.say("next")
        elif driver.session.pressure_talk.checkin_open:
            check_in = driver.session.pressure_talk.checkin
            driver.say("that's good" if check_in.choices else "no")
            answered += 1
        else:
            driver.wait(1.0)
    assert driver.phase is Phase.ENDED
    expected = sum(1 for run in routine.expanded_steps(Side.LEFT) if run.step.check_in)
    assert answered == expected


# ----- the newest question takes the answer -----------------------------------------------------


def _sample_in_hold() -> Driver:
    from testkit.session_driver import to_phase

    return to_phase(Phase.HOLD)  # the sample's sit: a 3-minute hold, check-in at halfway


def _hear_a_note(driver: Driver, text: str) -> None:
    from coach.core.events import CommandSource, NoteTaken

    driver.say("take a note")
    driver.feed(driver.session.handle(NoteTaken(text, CommandSource.SPOKEN, "vosk")))
    assert driver.said[-1] == f"I heard: {text}. Keep it?"


def test_a_note_read_back_after_the_check_in_takes_the_yes():
    driver = _sample_in_hold()
    while not driver.session.pressure_talk.checkin_open:
        driver.wait(0.5)
    _hear_a_note(driver, "knot by the left hamstring")
    assert driver.say("yes") == ["Kept."]
    assert driver.session.pressure_talk.checkin_open  # still waiting for softer or firmer
    assert driver.say("no") == ["Please say softer, firmer, or that's good."]


def test_a_check_in_after_the_note_read_back_takes_the_yes():
    driver = _sample_in_hold()
    driver.wait(85)  # the check-in comes at 90 s, while the read-back still waits
    _hear_a_note(driver, "tight near the knee")
    while not driver.session.pressure_talk.checkin_open:
        driver.wait(0.5)
    assert driver.session.notes.confirming
    assert driver.say("yes") == ["Please say softer, firmer, or that's good."]
    assert driver.records("note") == []  # the yes was not taken as "keep the note"


# ----- the talk before starting -----------------------------------------------------------------


@pytest.mark.parametrize("rid", sorted(rid for rid, r in ROUTINES.items()
                                       if r.audience.value == "partner"))
def test_partners_talk_first_and_a_note_then_comes_back_at_the_set_up(rid):
    """Sore areas, areas to avoid and the pressure liked are talked over in the set-up; a note
    taken there is kept as "before start" and said at the next set-up for the same receiver."""
    from coach.core.walk import BEFORE_START

    routine = ROUTINES[rid]
    talk = " ".join(routine.setup).lower()
    assert all(words in talk for words in ("sore", "keep away", "pressure", "take a note"))
    driver = Driver(routine, SessionOptions(first_side=Side.LEFT))
    pass_screening(driver)
    assert driver.phase is Phase.SETUP
    driver.say("take a note")
    from coach.core.events import CommandSource, NoteTaken

    driver.feed(driver.session.handle(NoteTaken("avoid the left shoulder", CommandSource.TYPED)))
    assert driver.records("note") == [{"text": "avoid the left shoulder",
                                       "step_id": BEFORE_START}]
    again = Driver(routine, SessionOptions(first_side=Side.LEFT, step_notes={
        BEFORE_START: ("avoid the left shoulder",)}))
    pass_screening(again)
    setup_start = again.said.index(routine.setup[0])
    assert again.said[setup_start - 1] == "A note from last time: avoid the left shoulder"
    again.say("next")
    assert again.said.count("A note from last time: avoid the left shoulder") == 1


def test_a_choice_question_leads_help_with_its_choices():
    driver = _sample_in_hold()
    while not driver.session.pressure_talk.checkin_open:
        driver.wait(0.5)
    status = driver.session.status()
    assert status.can_say[:4] == ("softer", "harder", "that's good", "stop")
    assert {"yes", "no"} <= set(status.listening_for)  # heard, to ask for a choice instead
    driver.say("that's good")
    assert driver.session.status().can_say[0] != "softer"
