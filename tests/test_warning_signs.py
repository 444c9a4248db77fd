"""Warning signs act as stop (issue 20): numbness, tingling, pins and needles, a sharp or shooting
pain, burning. The routines' cautions promise to lift off at once; the coach now hears these in
the receiver's own words, in every phase, and says so.

The session part runs on the fake clock; the hearing part is the real Whisper model on Piper's
voice through the real listener, in the context of a running hold, where WARNING is not in the
grammar (closed-grammar engines never hear it; the free transcript always does).
"""

from __future__ import annotations

import pytest

from coach.app.typed_input import typed_event
from coach.core.actions import StopSpeaking
from coach.core.commands import TRANSCRIPT_ONLY, Intent, all_phrases, phrases_of
from coach.core.events import CommandHeard
from coach.core.replies import WARNING_SIGN_OPENING
from coach.core.status import Phase
from testkit import testaudio as ta
from testkit.session_driver import to_phase


def test_a_warning_sign_in_a_hold_stops_at_once_and_says_to_lift_off() -> None:
    driver = to_phase(Phase.HOLD)
    left = driver.session.hold.remaining(driver.clock.now())
    before = len(driver.actions)
    replies = driver.command(Intent.WARNING, "my leg's gone numb")
    actions = driver.actions[before:]
    assert isinstance(actions[0], StopSpeaking)  # silence first
    assert len(replies) == 1 and replies[0].startswith(WARNING_SIGN_OPENING)
    assert "pressure off" in replies[0]
    assert replies[0].endswith("Say resume to carry on, or end session to finish.")
    assert driver.phase is Phase.PAUSED and driver.session.hold.paused
    driver.wait(60)  # nothing goes on by itself: the receiver decides
    assert driver.phase is Phase.PAUSED
    assert abs(driver.session.hold.remaining(driver.clock.now()) - left) < 5
    assert driver.say("resume")[0] == "Carrying on."
    assert driver.phase is Phase.HOLD


def test_the_reply_says_the_routines_own_lift_off() -> None:
    """In a routine where the giver's weight is on the receiver, the warning says how to lift off
    (`Routine.release_first`), like stop."""
    from coach.core.session import Session
    from coach.routine_format.library import available, load_routine
    from testkit.session_driver import Driver

    thai = next(load_routine(info.path) for info in available() if info.id == "thai-hamstring-sit")
    release = thai.release_first()
    assert release
    driver = Driver(thai)
    while driver.session.index < 0 and driver.phase is not Phase.ENDED:
        phase = driver.phase
        if phase is Phase.SCREENING:
            driver.say("yes" if driver.session.screening.reading_back else "no")
        elif phase is Phase.CHOOSE_SIDE:
            driver.say("left")
        else:
            driver.say("next")
    assert isinstance(driver.session, Session) and driver.session.index >= 0
    reply = driver.command(Intent.WARNING, "my leg is numb")[0]
    assert reply.startswith(WARNING_SIGN_OPENING) and release in reply


def test_warning_phrases_are_never_in_a_closed_grammar() -> None:
    assert Intent.WARNING in TRANSCRIPT_ONLY
    assert not set(phrases_of(Intent.WARNING)) & set(all_phrases())


@pytest.mark.parametrize("typed", ["my leg is numb", "Pins and needles in my foot!",
                                   "ow, sharp pain", "it's tingling"])
def test_typed_warning_signs_act(typed: str) -> None:
    event = typed_event(typed)
    assert isinstance(event, CommandHeard) and event.intent is Intent.WARNING


def test_whisper_hears_a_warning_sign_in_a_hold_where_it_is_not_in_the_grammar() -> None:
    from coach.voice.asr.select import create_recognizer
    from coach.voice.listen.listener import Listener
    from coach.voice.pipeline import listen_pcm

    context = to_phase(Phase.HOLD).session.active_intents()
    assert Intent.WARNING not in context
    listener = Listener(create_recognizer("whisper"))
    heard = {}
    for text in ("My leg is going numb.", "I've got pins and needles in my foot.",
                 "That really hurts a lot now."):
        listener.set_context(context)
        listener.reset()
        clip = ta.pad(ta.synthesize(text, ta.PIPER_SPEAKER, 160))
        heard[text] = [h.event.intent for h in listen_pcm(listener, ta.to_pcm(clip)) if h.fired]
    assert heard == {"My leg is going numb.": [Intent.WARNING],
                     "I've got pins and needles in my foot.": [Intent.WARNING],
                     "That really hurts a lot now.": [Intent.OUCH]}, heard
