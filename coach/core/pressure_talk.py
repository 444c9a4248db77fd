"""The pressure conversation: the current level, and the questions open about it.

`coach.core.pressure` has the rules (levels, limits, the step's own guidance); this is the talk
that uses them: "softer" and "firmer", the step's check-in and "ouch" with its "Is that
better?", and the records the history keeps. A check-in says what each answer does (see
`coach.core.routine.CheckIn`); the session carries out the action its answer names. The walk
asks the check-in during a hold and drops open questions when a new step starts or a newer
question is asked; the session decides when a yes or no is meant for one of these questions.

A routine may cap the pressure (`max_pressure`): "harder" stops there, and the coach says so.
A routine with no pressure guidance at all is stretches: the same talk, in stretching words
("Keeping this stretch as it is", "let's come out of this stretch"), never a massage's "level" or
"spot".
"""

from __future__ import annotations

from coach.core import pressure as pressure_rules
from coach.core.actions import Action, LineKind, Record
from coach.core.record_data import PressureChanged, PressureSettled
from coach.core.commands import DEFAULT_ADVANCE_WORD
from coach.core.routine import PRESSURE_LEVELS, CheckIn, Step, StepRun, choice_words
from coach.core.utterances import Utterances


class PressureTalk:
    """The pressure level for this session and the yes/no questions about it."""

    def __init__(self, level: int, lines: Utterances,
                 advance_word: str = DEFAULT_ADVANCE_WORD,
                 ceiling: int = PRESSURE_LEVELS[-1], stretches: bool = False) -> None:
        self.ceiling = ceiling  # the routine's max_pressure
        self.stretches = stretches  # a stretching routine: no pressure levels to speak of
        self.level = min(level, ceiling)
        self.lines = lines
        self.advance_word = advance_word  # what the prompts ask for to move on
        self.checkin: CheckIn | None = None  # the step's check-in, waiting for its answer
        self.ouch_open = False  # "is that better?" is waiting
        self.asked_id = 0  # the utterance id of the latest question asked here

    @property
    def checkin_open(self) -> bool:
        return self.checkin is not None

    @property
    def question_open(self) -> bool:
        return self.checkin_open or self.ouch_open

    def drop_questions(self) -> None:
        """A new step or a newer question: these questions no longer wait for an answer, so a
        late yes or no goes to the newest question instead."""
        self.checkin = None
        self.ouch_open = False

    def ask_check_in(self, check_in: CheckIn, run: StepRun) -> list[Action]:
        self.checkin = check_in
        out = self.lines.say(run.render(check_in.spoken()), LineKind.PROMPT)
        self.asked_id = self.lines.last_id
        return out

    def ask_for_choice(self) -> list[Action]:
        """Yes or no to a question that has named choices: ask for one of them."""
        assert self.checkin is not None
        out = self.lines.say(f"Please say {choice_words(self.checkin.choices)}.",
                             LineKind.PROMPT)
        self.asked_id = self.lines.last_id
        return out

    def carry_on(self) -> list[Action]:
        """The answer to a check-in meant all is well."""
        self.checkin = None
        return self.lines.say("Good. Carry on.", LineKind.ANSWER)

    def move_quietly(self, delta: int, why: str) -> tuple[pressure_rules.PressureChange,
                                                         list[Action]]:
        """Move the level with nothing said, and the record of it if it moved (said by `change`;
        unsaid while the weight is off: `Easing.lower_while_off`)."""
        result = pressure_rules.change(self.level, delta, self.ceiling)
        self.level = result.new
        self.checkin = None
        return result, [_record(result, why)] if result.changed else []

    def change(self, delta: int, step: Step | None, urgent: bool) -> list[Action]:
        """Softer or firmer by one level, with the step's guidance for it (`step`: None before a
        step has been read)."""
        result, out = self.move_quietly(delta, "softer" if delta < 0 else "harder")
        return out + self.lines.say(pressure_rules.acknowledge(result, step, self.ceiling),
                                    LineKind.ANSWER, urgent=urgent)

    def ouch(self, step: Step | None) -> list[Action]:
        """Two levels lighter at once (the session pauses), then "Is that better?"."""
        result = pressure_rules.change(self.level, -2, self.ceiling)
        self.level = result.new
        out: list[Action] = [_record(result, "ouch")]
        self.checkin = None  # "is that better?" is the question now
        self.ouch_open = True
        easing = pressure_rules.acknowledge(result, step, self.ceiling) if result.changed \
            else "Take all the pressure off this spot."
        out += self.lines.say(f"Sorry. Easing off. {easing} Is that better?",
                              LineKind.PROMPT, urgent=True)
        self.asked_id = self.lines.last_id
        return out

    def still_hurts(self, step: Step | None, release: str = "") -> list[Action]:
        """No to "Is that better?": one level lighter and ask again, or at the lightest,
        `release` (lift off first: "Lift your seat off the thigh first. ") and suggest leaving
        this spot. What yes means is in `coach.core.easing`."""
        result = pressure_rules.change(self.level, -1, self.ceiling)
        self.level = result.new
        if result.changed:
            out = [_record(result, "still hurts")] + self.lines.say(
                pressure_rules.acknowledge(result, step, self.ceiling) + " Is that better?",
                LineKind.PROMPT)
            self.asked_id = self.lines.last_id
            return out
        self.ouch_open = False
        leave = "come out of this stretch" if self.stretches else "leave this spot"
        return self.lines.say(
            f"{release}Then let's {leave}. Say {self.advance_word} to move on, or end session to "
            f"finish.",
            LineKind.PROMPT)

    def settled(self) -> list[Action]:
        """That's good: the level the receiver likes, kept for next time."""
        self.checkin = None
        return [PressureSettled(self.level).record()] + \
            self.lines.say("Good. Keeping this stretch as it is." if self.stretches else
                           f"Good. Keeping {pressure_rules.describe(self.level)}.",
                           LineKind.ANSWER)


def _record(result: pressure_rules.PressureChange, reason: str) -> Record:
    return PressureChanged(result.new, result.old, reason).record()
