"""The safety questions asked before a routine starts (its contraindications).

They come one at a time, each with the attention cue, and take yes or no. "Yes" to any of them
ends the session there, with the routine's reason; they cannot be skipped. Which side first,
the cautions and the set-up come after them and belong to `coach.core.walk`.
"""

from __future__ import annotations

from coach.core.actions import Action, CueKind, LineKind, PlayCue, Record, SessionOver
from coach.core.routine import Contraindication
from coach.core.utterances import Utterances


class Screening:
    """Which question is being asked, and what the coach says around them."""

    def __init__(self, questions: tuple[Contraindication, ...], lines: Utterances) -> None:
        self.questions = questions
        self.lines = lines
        self.index = 0  # the question being asked

    @property
    def done(self) -> bool:
        """Every question was answered no."""
        return self.index >= len(self.questions)

    def start(self) -> list[Action]:
        return self.lines.say("First, a few safety questions. Please answer yes or no.",
                              LineKind.NOTICE) + self.ask()

    def ask(self) -> list[Action]:
        """The current question (again), after the attention cue."""
        question = self.questions[self.index].question
        return [PlayCue(CueKind.ATTENTION)] + self.lines.say(question, LineKind.PROMPT)

    def hint(self) -> list[Action]:
        """Anything but an answer ("next")."""
        return self.lines.say("Please answer yes or no first.", LineKind.ANSWER) + self.ask()

    def refuse_skip(self) -> list[Action]:
        return self.lines.say("The safety questions can't be skipped.", LineKind.ANSWER) + \
            self.ask()

    def go_back(self) -> bool:
        """Back to the previous question; False (staying put) at the first one."""
        if self.index == 0:
            return False
        self.index -= 1
        return True

    def answered_no(self) -> list[Action]:
        """The next question, or thanks after the last one (then `done` is true)."""
        self.index += 1
        if self.done:
            return self.lines.say("Thank you.", LineKind.NOTICE)
        return self.ask()

    def answered_yes(self) -> list[Action]:
        """Why this routine is not safe now, and the end of the session."""
        item = self.questions[self.index]
        out: list[Action] = [Record("contraindication", {"question": item.question})]
        out += self.lines.say(item.reason, LineKind.NOTICE)
        out += self.lines.say("So we won't start this routine today. If you're unsure, ask a "
                              "doctor or a qualified massage therapist.", LineKind.NOTICE)
        return out + [SessionOver(False, "Stopped at the safety questions.")]
