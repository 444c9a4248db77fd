"""Taking a note by voice: "take a note" -> "Go ahead." -> the note -> "I heard: ... Keep it?".

Why a read-back: a dictated note is free speech, the least reliable thing a recognizer hears,
and a wrong note would be read out at this step in every later session. So a spoken note is only
kept after the giver has heard it and said yes, the way voice assistants read a message back
before sending it. A typed note is kept at once: the person can see what they typed.

`NoteTaker` is the small state machine (idle -> listening -> confirming -> idle) with the
deadlines that end each wait; `coach.core.note_flow` turns its answers into speech and records.
Times come from the session's clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from coach.core.commands import normalize

LISTEN_SECONDS = 15.0
"""How long after "take a note" the next utterance is taken as the note."""
CONFIRM_SECONDS = 20.0
"""How long a read-back note waits for yes or no before it is dropped (not kept)."""

CANCEL_WORDS = frozenset({"cancel", "never mind", "nevermind", "nothing", "no note", "forget it",
                          "no"})
"""Said instead of a note: the giver changed their mind."""


class NoteState(str, enum.Enum):
    IDLE = "idle"
    LISTENING = "listening"  # the next utterance is the note
    CONFIRMING = "confirming"  # the note was read back; waiting for yes or no


@dataclass
class PendingNote:
    text: str
    step_id: str | None


class NoteTaker:
    """Where the note being taken is, and until when each wait lasts."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed  # session seconds per real second: the waits are in real time
        self.state = NoteState.IDLE
        self.deadline: float | None = None
        self.pending: PendingNote | None = None

    @property
    def listening(self) -> bool:
        return self.state is NoteState.LISTENING

    @property
    def confirming(self) -> bool:
        return self.state is NoteState.CONFIRMING

    def listen(self, now: float) -> None:
        self.state, self.deadline, self.pending = (NoteState.LISTENING,
                                                   now + LISTEN_SECONDS * self.speed, None)

    def read_back(self, text: str, step_id: str | None, now: float) -> None:
        self.state, self.deadline = NoteState.CONFIRMING, now + CONFIRM_SECONDS * self.speed
        self.pending = PendingNote(text, step_id)

    def close(self) -> PendingNote | None:
        """Back to idle; returns the note that was waiting for a yes, if any."""
        pending = self.pending
        self.state, self.deadline, self.pending = NoteState.IDLE, None, None
        return pending

    def expired(self, now: float) -> bool:
        return self.deadline is not None and now >= self.deadline


def clean_note(text: str) -> str:
    """The note as it will be kept and read out: single spaces, no trailing punctuation."""
    return " ".join(text.split()).strip(" .,;:")


def is_cancel(text: str) -> bool:
    """True when what was said instead of a note means "no note after all"."""
    return normalize(text) in CANCEL_WORDS
