"""The pressure conversation: the current level, and the questions open about it.

`coach.core.pressure` has the rules (levels, limits, the step's own guidance); this is the talk
that uses them: "softer" and "firmer", the step's check-in ("How is the pressure?") and "ouch"
with its "Is that better?", each answered by yes or no, and the records the history keeps. The
walk asks the check-in during a hold and drops open questions when a new step starts; the
session decides when a yes or no is meant for one of these questions.
"""

from __future__ import annotations

from coach.core import pressure as pressure_rules
from coach.core.actions import Action, LineKind, Record
from coach.core.commands import DEFAULT_ADVANCE_WORD
from coach.core.routine import Step
from coach.core.utterances import Utterances


class PressureTalk:
    """The pressure level for this session and the yes/no questions about it."""

    def __init__(self, level: int, lines: Utterances,
                 advance_word: str = DEFAULT_ADVANCE_WORD) -> None:
        self.level = level
        self.lines = lines
        self.advance_word = advance_word  # what the prompts ask for to move on
        self.checkin_open = False  # the step's check-in ("how is the pressure?") is waiting
        self.ouch_open = False  # "is that better?" is waiting

    @property
    def question_open(self) -> bool:
        return self.checkin_open or self.ouch_open

    def drop_questions(self) -> None:
        """A new step: questions about the last one's pressure no longer apply."""
        self.checkin_open = self.ouch_open = False

    def ask_check_in(self, question: str) -> list[Action]:
        self.checkin_open = True
        return self.lines.say(question, LineKind.PROMPT)

    def change(self, delta: int, step: Step | None, urgent: bool) -> list[Action]:
        """Softer or firmer by one level, with the step's guidance for it (`step`: None before a
        step has been read)."""
        result = pressure_rules.change(self.level, delta)
        self.level = result.new
        self.checkin_open = False
        out: list[Action] = []
        if result.changed:
            out.append(_record(result, "softer" if delta < 0 else "harder"))
        return out + self.lines.say(pressure_rules.acknowledge(result, step), LineKind.ANSWER,
                                    urgent=urgent)

    def ouch(self, step: Step | None) -> list[Action]:
        """Two levels lighter at once (the session pauses), then "Is that better?"."""
        result = pressure_rules.change(self.level, -2)
        self.level = result.new
        out: list[Action] = [_record(result, "ouch")]
        self.ouch_open = True
        easing = pressure_rules.acknowledge(result, step) if result.changed \
            else "Take all the pressure off this spot."
        return out + self.lines.say(f"Sorry. Easing off. {easing} Is that better?",
                                    LineKind.PROMPT, urgent=True)

    def better(self) -> list[Action]:
        """Yes to "Is that better?" (the session then resumes)."""
        self.ouch_open = False
        return self.lines.say("Good.", LineKind.ANSWER)

    def still_hurts(self, step: Step | None) -> list[Action]:
        """No to "Is that better?": one level lighter and ask again, or at the lightest,
        suggest leaving this spot."""
        result = pressure_rules.change(self.level, -1)
        self.level = result.new
        if result.changed:
            return [_record(result, "still hurts")] + \
                self.lines.say(pressure_rules.acknowledge(result, step) + " Is that better?",
                               LineKind.PROMPT)
        self.ouch_open = False
        return self.lines.say(
            f"Then let's leave this spot. Say {self.advance_word} to move on, or end session to "
            "finish.",
            LineKind.PROMPT)

    def check_in_answered(self, fine: bool) -> list[Action]:
        self.checkin_open = False
        if fine:
            return self.lines.say("Good. Carry on.", LineKind.ANSWER)
        return self.lines.say("Say softer or firmer to change the pressure.", LineKind.ANSWER)

    def settled(self) -> list[Action]:
        """That's good: the level the receiver likes, kept for next time."""
        self.checkin_open = False
        return [Record("pressure_settled", {"level": self.level})] + \
            self.lines.say(f"Good. Keeping {pressure_rules.describe(self.level)}.",
                           LineKind.ANSWER)


def _record(result: pressure_rules.PressureChange, reason: str) -> Record:
    return Record("pressure", {"level": result.new, "previous": result.old, "reason": reason})
