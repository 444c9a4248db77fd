"""The in-memory form of a routine, as the engine uses it.

`coach.routine_format.loader` builds these from YAML and reports every problem with file, line and
column; nothing here parses text. A step that is done on each side is stored once with its
`sides`; `Routine.expanded_steps()` gives the sequence the session walks through.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

PRESSURE_LEVELS = (1, 2, 3, 4, 5)
PRESSURE_NAMES = {1: "very light", 2: "light", 3: "medium", 4: "firm", 5: "deep"}
DEFAULT_HOLD_QUESTION = "Has the tissue softened?"  # an until-softened hold without its own `ask`


class Audience(str, enum.Enum):
    PARTNER = "partner"
    SELF = "self"


class Side(str, enum.Enum):
    LEFT = "left"
    RIGHT = "right"

    @property
    def other(self) -> "Side":
        return Side.RIGHT if self is Side.LEFT else Side.LEFT


@dataclass(frozen=True)
class Contraindication:
    """A yes/no screening question; answering "yes" stops this routine from starting.

    `read_back` is what a "no" means, said back after the last question ("no heart
    condition"): a misheard "no" would skip a safety check, so the answers are confirmed
    together before anything starts.
    """

    question: str  # asked aloud, must be answerable with yes or no
    reason: str  # said when the answer is yes: why this routine is not safe then
    read_back: str = ""  # what "no" means, in a few words: "no heart condition", "not pregnant"


class AnswerAction(str, enum.Enum):
    """What a yes or a no to a check-in does. The values are how the routine format writes them."""

    CARRY_ON = "carry on"  # all is well: "Good. Carry on."
    SOFTER = "softer"  # one level lighter, as if the receiver had said softer
    FIRMER = "firmer"  # one level firmer
    KEEP = "keep"  # this pressure is right: keep it, and remember it for next time
    OUCH = "ouch"  # it hurts: ease off two levels and pause, as "ouch" does
    OTHER_POSITION = "other position"  # read the step's other position (an easier way)


class Choice(str, enum.Enum):
    """A named answer to a choice check-in; each is also a command the coach always hears."""

    SOFTER = "softer"
    FIRMER = "firmer"
    GOOD = "that's good"


@dataclass(frozen=True)
class CheckIn:
    """A question asked during a hold, with what each answer does.

    Either a yes/no question with an action for each answer ("Is this too deep?" yes: softer,
    no: carry on), or a question answered by named choices ("How is the pressure?" softer,
    firmer or that's good). A yes or no to a choice question does nothing but ask for a choice:
    "yes" to "how is the pressure?" says nothing about the pressure.
    """

    ask: str
    yes: AnswerAction | None = None
    no: AnswerAction | None = None
    choices: tuple[Choice, ...] = ()

    def spoken(self) -> str:
        """The question as said: a choice question names its choices, so nobody has to guess."""
        if not self.choices:
            return self.ask
        return f"{self.ask} Say {choice_words(self.choices)}."


def choice_words(choices: tuple[Choice, ...]) -> str:
    """'softer, firmer, or that's good'."""
    words = [choice.value for choice in choices]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + (", or " if len(words) > 2 else " or ") + words[-1]


@dataclass(frozen=True)
class Hold:
    """How long to stay in a step. Seconds throughout.

    A fixed hold has minimum == default == maximum. A ranged hold starts at `default` and "more
    time" extends it up to `maximum`. `until_softened` means the default is a check point: the coach
    asks whether to move on or stay, rather than moving on by itself.

    `ask` is that check point's question in the routine's own words ("Has the knot eased?"), for
    holds where "Has the tissue softened?" does not fit; "yes" to it means move on, "no" means stay.
    The loader only allows it together with `until_softened`, since no other hold asks anything.
    """

    default: float
    minimum: float
    maximum: float
    until_softened: bool = False
    ask: str | None = None  # the move-on question; None: the coach's default wording

    @property
    def is_range(self) -> bool:
        return self.minimum != self.maximum


@dataclass(frozen=True)
class HoldCues:
    """What the coach says or plays during a hold."""

    announce: bool = True  # say the length when the hold starts
    halfway: bool = False  # say "halfway"
    remaining: tuple[float, ...] = ()  # say the time left at these seconds before the end
    countdown: int = 3  # spoken "3, 2, 1" ticks before the end (0 for none)
    end_chime: bool = True  # play the hold-end cue


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    say: tuple[str, ...]  # the instruction, as short sentences; may use {side} and {other_side}
    hold: Hold | None = None
    cues: HoldCues = field(default_factory=HoldCues)
    after: tuple[str, ...] = ()  # said when the hold ends ("lift and move an inch toward the knee")
    pressure: dict[int, str] = field(default_factory=dict)  # level -> how to do this step at it
    sides: tuple[Side, ...] = ()  # empty: done once; else once per side, in the session's order
    check_in: CheckIn | None = None  # asked halfway through the hold, with its answers
    warning: str | None = None  # said once per session, before the first time this step is done
    alternative: tuple[str, ...] = ()  # said on "other position"
    optional: bool = False  # offered first ("do you want to do it?"); "no" skips it
    line: int = 0  # where the step starts in its file, for messages

    @property
    def has_pressure(self) -> bool:
        return bool(self.pressure)


@dataclass(frozen=True)
class Routine:
    id: str
    title: str
    audience: Audience
    summary: str
    equipment: tuple[str, ...]
    setup: tuple[str, ...]  # spoken before the first step: surface, clothing, position
    contraindications: tuple[Contraindication, ...]
    cautions: tuple[str, ...]  # spoken once after screening (warning signs, what to avoid)
    steps: tuple[Step, ...]
    closing: tuple[str, ...]  # spoken at the end: water, rest
    default_pressure: int = 3
    # The firmest level this routine allows: "harder" stops here, and the coach says so. A
    # routine that promises moderate pressure caps it (low-back-glutes: 3).
    max_pressure: int = 5
    # The part of the body worked, as said after "on": "the hamstrings". Lets the coach say
    # "Last time Sam liked light pressure on the hamstrings" instead of naming the routine.
    area: str = ""
    # What to do before anything else when the session stops or ends, in a routine where the
    # giver's weight or a tool is on the receiver: "Lift your seat off the thigh first." Said by
    # "stop", "end session" and the closing (see `Routine.release_first`); "" when nothing rests
    # on the body.
    release: str = ""
    source_path: str = ""

    def expanded_steps(self, first_side: Side = Side.LEFT) -> list["StepRun"]:
        """The steps in the order they are done.

        Consecutive steps with the same sides form a block that is done on the first side and
        then repeated on the other, the way a giver finishes one leg before moving to the other
        (find the centre, first spot, second spot on the left leg; then all three on the right).
        """
        runs: list[StepRun] = []
        index = 0
        while index < len(self.steps):
            step = self.steps[index]
            if not step.sides:
                runs.append(StepRun(step, index, None))
                index += 1
                continue
            end = index
            while end < len(self.steps) and self.steps[end].sides == step.sides:
                end += 1
            order = list(step.sides)
            if len(order) == 2 and order[0] is not first_side:
                order.reverse()
            for side in order:
                runs.extend(StepRun(self.steps[i], i, side) for i in range(index, end))
            index = end
        return runs

    def release_first(self) -> str:
        """The sentence that takes the weight or the tool off the receiver ("" when the routine
        has none): the one place every reply that stops the work reads it from (stop, end
        session, the closing, and a warning sign such as numbness, which acts like stop)."""
        return self.release

    @property
    def has_sides(self) -> bool:
        return any(len(step.sides) > 1 for step in self.steps)

    def total_seconds(self) -> tuple[float, float]:
        """The shortest and longest time the timed holds take, both sides counted.

        Optional steps count only in the longest time: the shortest session says no to them.
        """
        low = high = 0.0
        for run in self.expanded_steps():
            if run.step.hold:
                if not run.step.optional:
                    low += run.step.hold.minimum
                high += run.step.hold.maximum
        return low, high


@dataclass(frozen=True)
class StepRun:
    """One pass through a step: the step and, for two-sided steps, which side."""

    step: Step
    step_index: int
    side: Side | None

    def render(self, text: str) -> str:
        """Fill in {side} and {other_side}."""
        if self.side is None:
            return text
        return text.replace("{side}", self.side.value).replace("{other_side}", self.side.other.value)
