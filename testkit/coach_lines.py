"""Every line the coach can say over a routine: its text and the session's own lines.

The session's own lines (prompts such as "Say continue to move on, or more time to stay", the
help lists, answers, cues spoken as words, the summary) are not in any file: they are made as
the session goes. So they are collected the way they arise: a session over the routine is
driven to its end as a person would drive it (answering no, choosing a side, letting every
hold run with its cues, moving on), once per advance word an engine asks for, and at every
state met on the way each command is tried on a copy of the session, as are a lost and
recovered audio device. What a person brings (a note's words, a receiver's name) is left out.
"""

from __future__ import annotations

import copy

from coach.core.commands import COMMANDS, DEFAULT_ADVANCE_WORD
from coach.core.events import DeviceProblem
from coach.core.routine import Routine
from coach.core.session import SessionOptions
from coach.core.status import Phase
from coach.voice.asr.select import ADVANCE_WORDS
from testkit.session_driver import Driver

HOLD_STEP_SECONDS = 5.0  # how long a hold runs between two looks at the session's state
MAX_MOVES = 2000


def routine_text(routine: Routine) -> set[str]:
    """Everything a session reads from this routine (both sides filled in)."""
    lines = {routine.title, routine.summary, *routine.setup, *routine.cautions,
             *routine.closing}
    if routine.release:  # said by stop, end session and the closing
        lines.add(routine.release)
    for item in routine.contraindications:
        lines |= {item.question, item.reason}
    for run in routine.expanded_steps():
        step = run.step
        texts = [*step.say, *step.after, *step.alternative, *step.pressure.values()]
        texts += [text for text in (step.check_in.spoken() if step.check_in else None,
                                    step.warning) if text]
        lines |= {run.render(text) for text in texts}
    return lines


def _state(driver: Driver) -> tuple:
    session = driver.session
    return (session.phase, session.index, session.walk.effective_phase(),
            session.pressure_talk.checkin_open, session.pressure_talk.ouch_open)


def _tried_everything(driver: Driver) -> set[str]:
    """What each command (and a device lost and found) gets in reply here, each on a copy."""
    lines: set[str] = set()
    for spec in COMMANDS:
        fork = copy.deepcopy(driver)
        lines |= set(fork.command(spec.intent, spec.phrases[0]))
    fork = copy.deepcopy(driver)
    before = len(fork.said)
    fork.feed(fork.session.handle(DeviceProblem("the microphone", lost=True)))
    fork.feed(fork.session.handle(DeviceProblem("the microphone", lost=False)))
    return lines | set(fork.said[before:])


def _move_on(driver: Driver) -> None:
    """What a person does next: answer, choose, resume, let a hold run, or move on."""
    phase = driver.session.phase
    if phase is Phase.SCREENING:  # no to each question, then yes to the read-back
        driver.say("yes" if driver.session.screening.reading_back else "no")
    elif phase is Phase.CHOOSE_SIDE:
        driver.say("left")
    elif phase is Phase.PAUSED:
        driver.say("resume")
    elif phase is Phase.HOLD:
        driver.wait(HOLD_STEP_SECONDS)
    elif driver.session.pressure_talk.ouch_open:
        driver.say("yes")
    elif driver.session.pressure_talk.checkin_open:  # a choice question takes a choice
        driver.say("that's good" if driver.session.pressure_talk.checkin.choices else "yes")
    else:
        driver.say(DEFAULT_ADVANCE_WORD)


def session_lines(routine: Routine) -> set[str]:
    """Every line a session over `routine` says, for each engine's advance word."""
    lines: set[str] = set()
    for advance in sorted({DEFAULT_ADVANCE_WORD, *ADVANCE_WORDS.values()}):
        driver = Driver(routine, SessionOptions(advance_word=advance))
        seen: set[tuple] = set()
        for _ in range(MAX_MOVES):
            if driver.session.phase is Phase.ENDED:
                break
            state = _state(driver)
            if state not in seen:
                seen.add(state)
                lines |= _tried_everything(driver)
            _move_on(driver)
        else:
            raise AssertionError(f"{routine.id}: the session did not end in {MAX_MOVES} moves")
        lines |= set(driver.said)
    return lines


def spoken_lines(routine: Routine) -> set[str]:
    """Every line the coach can say during a session over `routine`."""
    return {line for line in routine_text(routine) | session_lines(routine) if line.strip()}
