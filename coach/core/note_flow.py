"""The note conversation: what the coach says and records while a note is taken.

`coach.core.notes.NoteTaker` is the state (idle -> listening -> confirming) and its deadlines;
this is the talk around it: "Go ahead.", the read-back "I heard: ... Keep it?", "Kept." and the
records the history keeps (`note`, and `note_dropped` with why). It is apart from the session
because none of it depends on where the session is, except the step a note belongs to, which
the session passes in.
"""

from __future__ import annotations

from coach.core.actions import Action, CueKind, LineKind, PlayCue
from coach.core.record_data import NoteDropped, NoteKept
from coach.core.commands import Intent
from coach.core.notes import NoteState, NoteTaker, is_cancel
from coach.core.utterances import Utterances


class NoteFlow:
    """One session's notes: at most one being taken at a time."""

    def __init__(self, lines: Utterances, speed: float = 1.0) -> None:
        self.taker = NoteTaker(speed)  # a person takes as long to speak at any --speed
        self.lines = lines
        self.asked_id = 0  # the utterance id of the latest read-back ("Keep it?")

    @property
    def listening(self) -> bool:
        """The next utterance is the note itself, to be transcribed rather than parsed."""
        return self.taker.listening

    @property
    def confirming(self) -> bool:
        """A spoken note was read back and waits for yes or no."""
        return self.taker.confirming

    @property
    def deadline(self) -> float | None:
        return self.taker.deadline

    @property
    def read_back(self) -> str:
        """The note waiting for a yes ("" when none is)."""
        return self.taker.pending.text if self.taker.pending else ""

    def start(self, now: float) -> list[Action]:
        """After "take a note": the next utterance is the note."""
        self.taker.listen(now)
        return self.lines.say("Go ahead.", LineKind.PROMPT)

    def typed(self, text: str, step_id: str | None) -> list[Action]:
        """A typed note is kept at once: the person can see what they typed."""
        self.taker.close()
        if not text:
            return self.lines.say("Type the note after the word note.", LineKind.ANSWER)
        return [NoteKept(text, step_id).record()] + \
            self.lines.say(f"Noted: {text}.", LineKind.ANSWER)

    def heard(self, text: str, step_id: str | None, now: float) -> list[Action]:
        """A spoken note is read back, and only kept on yes (see `coach.core.notes`)."""
        if not self.taker.listening:
            return [NoteDropped(text, "not asked for").record()]
        if is_cancel(text):
            self.taker.close()
            return self.lines.say("No note, then.", LineKind.ANSWER)
        if not text:
            self.taker.close()
            return self.lines.say("Sorry, I didn't catch that. Say take a note to try again.",
                                  LineKind.ANSWER)
        self.taker.read_back(text, step_id, now)
        out = [PlayCue(CueKind.ATTENTION)] + self.lines.say(f"I heard: {text}. Keep it?",
                                                            LineKind.PROMPT)
        self.asked_id = self.lines.last_id
        return out

    def keep(self) -> list[Action]:
        """Yes to the read-back."""
        pending = self.taker.close()
        assert pending is not None
        return [NoteKept(pending.text, pending.step_id).record()] + \
            self.lines.say("Kept.", LineKind.ANSWER)

    def drop(self) -> list[Action]:
        """No to the read-back."""
        pending = self.taker.close()
        return [NoteDropped(pending.text if pending else "", "no").record()] + \
            self.lines.say("Deleted. Say take a note to try again.", LineKind.ANSWER)

    def interrupted(self, intent: Intent) -> list[Action]:
        """Any other command ends a note wait: the giver has moved on (an unanswered read-back
        is not kept)."""
        if self.taker.state is NoteState.IDLE or (
                self.taker.confirming and intent in (Intent.YES, Intent.NO)):
            return []
        pending = self.taker.close()
        if pending is None:
            return []
        return [NoteDropped(pending.text, intent.value).record()]

    def tick(self, now: float) -> list[Action]:
        """End a wait whose time is up: no note heard, or a read-back nobody answered."""
        if not self.taker.expired(now):
            return []
        listening = self.taker.listening
        pending = self.taker.close()
        if listening:
            return self.lines.say("I didn't hear a note.", LineKind.ANSWER)
        return [NoteDropped(pending.text if pending else "", "no answer").record()]
