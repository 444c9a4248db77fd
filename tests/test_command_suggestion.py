"""Typed lines that are not commands get the nearest command suggested, never acted on."""

from __future__ import annotations

import pytest

from coach.core.command_suggestion import nearest_command
from coach.core.events import CommandSource, NotUnderstood
from coach.core.status import Phase
from testkit.session_driver import to_phase


@pytest.mark.parametrize("typed, meant", [
    ("sofer", "softer"), ("stpo", "stop"), ("how logn", "how long"), ("nxet", "next"),
    ("yse", "yes"), ("ouc", "ouch"), ("end sesion", "end session"),
    ("tkae a note", "take a note"), ("stop it", "stop"), ("a bit softer", "softer"),
    ("STOP!!", "stop"),
])
def test_typos_and_padded_commands(typed: str, meant: str) -> None:
    assert nearest_command(typed) == meant


@pytest.mark.parametrize("typed", ["hello there", "can you pass the towel", "the", "q", "hmm",
                                   "quit", "I'm not ready", "", "\x1b[2J", "x" * 500])
def test_nothing_is_suggested_when_nothing_is_close(typed: str) -> None:
    assert nearest_command(typed) is None


def test_the_session_suggests_and_does_nothing_else() -> None:
    driver = to_phase(Phase.HOLD)
    before = driver.phase
    hold = driver.session.hold
    assert hold is not None
    driver.feed(driver.session.handle(NotUnderstood("sofer", CommandSource.TYPED)))
    assert driver.said[-1] == ("Sorry, that's not a command I know. Did you mean softer? "
                               "Type help to see them.")
    assert driver.phase is before and driver.session.pressure == 3  # nothing fired
    driver.feed(driver.session.handle(NotUnderstood("pass the towel", CommandSource.TYPED)))
    assert driver.said[-1] == "Sorry, that's not a command I know. Type help to see them."
