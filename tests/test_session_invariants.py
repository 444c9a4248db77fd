"""Random command sequences on a fake clock: the session's safety rules hold whatever is said.

Each walk is seeded, so a failure names a reproducible sequence. This is how "pause, then skip"
during the safety questions was found to start the routine with questions unanswered.
"""

from __future__ import annotations

import random

import pytest

from coach.core.commands import COMMANDS, Intent
from coach.core.events import DeviceProblem
from coach.core.status import Phase
from testkit.session_driver import Driver, optional_routine, sample_routine

INTENTS = [spec.intent for spec in COMMANDS if spec.intent is not Intent.END]
PROGRESS = ["no", "no", "left", "next", "continue"]  # keeps walks from ending at question one
AFTER_SCREENING = {Phase.CHOOSE_SIDE, Phase.SETUP, Phase.STEP, Phase.HOLD, Phase.HOLD_DECISION,
                   Phase.OPTIONAL, Phase.CLOSING}


def check(driver: Driver, history: list[str]) -> None:
    session = driver.session
    where = " -> ".join(history)
    if session.walk.effective_phase() in AFTER_SCREENING or session.index >= 0:
        assert session.screening.done, f"past the safety questions unanswered: {where}"
    assert -1 <= session.index < len(session.runs), where
    assert 1 <= session.pressure <= session.routine.max_pressure, where
    assert session.status().can_say or session.phase is Phase.ENDED, where
    if session.hold is not None:
        assert session.hold.elapsed(driver.clock.now()) <= session.hold.maximum + 0.5, where


def random_walk(seed: int, make_routine) -> None:
    rng = random.Random(seed)
    # Speaking takes no clock time here, so the clock moves only in `wait`, which ticks every
    # 0.5 s as the runner does every 0.1 s: a hold may overrun its end by at most one tick.
    driver = Driver(make_routine(), speak_time=False)
    history: list[str] = []
    for _ in range(60):
        if driver.phase is Phase.ENDED:
            return
        roll = rng.random()
        if roll < 0.35:
            # "yes" confirms the read-back of the safety answers; anywhere else in the
            # screening it would end the walk at once
            text = "yes" if driver.session.screening.reading_back else rng.choice(PROGRESS)
            history.append(text)
            driver.say(text)
        elif roll < 0.85:
            intent = rng.choice(INTENTS)
            history.append(intent.value)
            driver.command(intent)
        elif roll < 0.95:
            seconds = rng.choice([1, 5, 30, 90])
            history.append(f"wait {seconds}s")
            driver.wait(seconds)
        else:
            lost = rng.random() < 0.5
            history.append("device lost" if lost else "device back")
            driver.feed(driver.session.handle(DeviceProblem("mic", lost=lost)))
        check(driver, history)


@pytest.mark.parametrize("make_routine", [sample_routine, optional_routine],
                         ids=["sample", "optional"])
def test_random_command_sequences_keep_the_safety_rules(make_routine):
    for seed in range(300):
        random_walk(seed, make_routine)
