"""Every command can be heard somewhere (issue 24 §5).

A new command needs its words (`core/commands.py`), its reply (`core/replies.py`) and a place in
the listening table (`core/listening.py`). The first two are forced by
test_replies_in_every_state.py; this forces the third: forget it, and the command would work
typed but never be heard, because the listener only takes what the table offers. Seen failing
with "more time" taken out of every phase: "['more_time'] can be typed but never heard".
"""

from __future__ import annotations

import itertools

from coach.core.commands import TRANSCRIPT_ONLY, Intent
from coach.core.listening import active_intents
from coach.core.status import Phase


def heard_anywhere() -> set[Intent]:
    """Every intent some phase, with some combination of the open questions, listens for."""
    heard: set[Intent] = set()
    for phase in Phase:
        for flags in itertools.product((False, True), repeat=5):
            question, note, read_back, other, choices = flags
            heard.update(active_intents(phase, question_open=question, taking_note=note,
                                        note_read_back=read_back, other_position=other,
                                        choices_open=choices))
    return heard


def test_every_spoken_command_is_listened_for_in_some_state() -> None:
    never = set(Intent) - heard_anywhere() - set(TRANSCRIPT_ONLY)
    assert not never, (f"{sorted(i.value for i in never)} can be typed but never heard: add them "
                       "to coach/core/listening.py")


def test_a_command_read_from_the_transcript_needs_no_place_in_the_table() -> None:
    """The warning signs ("my leg is numb") are read from the whole transcript in every state,
    not from the grammar: the table does not list them, and the test above leaves them out."""
    assert Intent.WARNING in TRANSCRIPT_ONLY
    assert Intent.WARNING not in heard_anywhere()
