"""The pressure cap on the real low-back-glutes routine: its set-up promises moderate pressure
"even if the receiver asks for more", so "harder" stops at medium and the coach says so."""

from __future__ import annotations

from pathlib import Path

from coach.core.routine import Side
from coach.core.session import SessionOptions
from coach.core.status import Phase
from coach.routine_format.loader import load_routine
from testkit.session_driver import Driver, pass_screening

ROUTINE = load_routine(Path(__file__).resolve().parents[1] / "routines" / "low-back-glutes.yaml")


def in_first_hold(options: SessionOptions | None = None) -> Driver:
    driver = Driver(ROUTINE, options or SessionOptions(first_side=Side.LEFT))
    pass_screening(driver)
    driver.say("next")
    assert driver.phase is Phase.HOLD
    return driver


def test_harder_stops_at_the_cap_and_the_coach_says_so():
    driver = in_first_hold()
    assert driver.session.pressure == 2
    reply = driver.say("harder")[0]
    assert reply.startswith("Firmer: level three, medium.")
    assert reply.endswith("That's as firm as this routine goes.")
    reply = driver.say("firmer")[0]
    assert reply == ("That's already the firmest this routine goes: it stays at level three, "
                     "medium, or lighter.")
    assert driver.session.pressure == 3
    assert [r["level"] for r in driver.records("pressure")] == [3]


def test_a_remembered_firmer_pressure_starts_at_the_cap():
    driver = in_first_hold(SessionOptions(start_pressure=5, first_side=Side.LEFT))
    assert driver.session.pressure == 3
    assert "Press gently through your flat palms." in driver.said  # level 3 guidance, read


def test_softer_still_goes_all_the_way_down():
    driver = in_first_hold()
    driver.say("softer")
    assert driver.session.pressure == 1
    assert "already the lightest" in driver.say("softer")[0]
