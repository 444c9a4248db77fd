"""Drive a `Session` the way the runner does, on a fake clock, for tests.

The driver plays the speaker's part: every line the session says is "spoken" for a realistic
time (2.5 words a second, advancing the fake clock) and then reported finished, exactly the
events the real speaker sends. So holds are tested while the coach is talking.
"""

from __future__ import annotations

from coach.core.actions import Action, PlayCue, Record, Say, SessionOver, StopSpeaking
from coach.core.clock import FakeClock
from coach.core.commands import Intent, parse
from coach.core.events import CommandHeard, SpeechFinished
from coach.core.routine import (
    AnswerAction,
    Audience,
    CheckIn,
    Choice,
    Contraindication,
    Hold,
    HoldCues,
    Routine,
    Side,
    Step,
)
from coach.core.session import Session, SessionOptions
from coach.core.status import Phase

WORDS_PER_SECOND = 2.5


class Driver:
    def __init__(self, routine: Routine, options: SessionOptions | None = None,
                 speak_time: bool = True) -> None:
        self.finish_speech = True  # False: lines are never reported finished (cut off, stuck)
        self.clock = FakeClock()
        self.session = Session(routine, self.clock, options)
        self.speak_time = speak_time
        self.actions: list[Action] = []
        self.said: list[str] = []
        self.feed(self.session.start())

    def feed(self, actions: list[Action]) -> list[Action]:
        """Record actions and 'speak' each line, which may produce more actions."""
        produced = list(actions)
        self.actions += actions
        for action in actions:
            if isinstance(action, Say):
                self.said.append(action.text)
                if self.speak_time:
                    self.clock.advance(len(action.text.split()) / WORDS_PER_SECOND)
                if self.finish_speech:
                    produced += self.feed(
                        self.session.handle(SpeechFinished(action.utterance_id)))
        return produced

    def say(self, text: str) -> list[str]:
        """A command as typed or heard; returns the lines the coach said in reply."""
        intent = parse(text)
        assert intent is not None, f"{text!r} is not a command"
        return self.command(intent, text)

    def command(self, intent: Intent, text: str = "") -> list[str]:
        before = len(self.said)
        self.feed(self.session.handle(CommandHeard(intent, text or intent.value)))
        return self.said[before:]

    def wait(self, seconds: float, step: float = 0.5) -> list[str]:
        """Let time pass in small ticks, as the runner does; returns what was said."""
        before = len(self.said)
        end = self.clock.now() + seconds
        while self.clock.now() < end:
            self.clock.advance(min(step, end - self.clock.now()))
            self.feed(self.session.tick())
        return self.said[before:]

    def wait_for(self, phase: Phase, limit: float = 3600) -> None:
        waited = 0.0
        while self.session.phase is not phase:
            assert waited < limit, f"never reached {phase}, stuck in {self.session.phase}"
            self.wait(1.0)
            waited += 1.0

    @property
    def phase(self) -> Phase:
        return self.session.phase

    def records(self, kind: str) -> list[dict]:
        return [a.data for a in self.actions if isinstance(a, Record) and a.kind == kind]

    def cues(self) -> list[str]:
        return [a.cue.value for a in self.actions if isinstance(a, PlayCue)]

    def stops(self) -> int:
        return sum(isinstance(a, StopSpeaking) for a in self.actions)

    def over(self) -> SessionOver | None:
        found = [a for a in self.actions if isinstance(a, SessionOver)]
        return found[-1] if found else None


def pass_screening(driver: Driver) -> None:
    """No to every safety question, then yes when the answers are read back."""
    while driver.phase is Phase.SCREENING:
        driver.say("yes" if driver.session.screening.reading_back else "no")


LEVELS = {level: f"Pressure guidance for level {level}." for level in range(1, 6)}


def sample_routine() -> Routine:
    """A small routine with every feature: screening, sides, ranged and fixed holds, no-hold
    steps, a step without pressure guidance, warnings, check-ins and an alternative position."""
    return Routine(
        id="sample",
        title="Sample routine",
        audience=Audience.PARTNER,
        summary="A routine for tests.",
        equipment=("a mat",),
        setup=("Lie face down on the mat.",),
        contraindications=(
            Contraindication("Does the receiver have a heart condition?",
                             "Sitting on the legs changes blood pressure.", "no heart condition"),
            Contraindication("Is the receiver pregnant?", "Not during pregnancy.",
                             "not pregnant"),
        ),
        cautions=("Stop at once if there is numbness or tingling.",),
        steps=(
            Step("sit", "Sit on the thigh", ("Sit on the centre of the {side} thigh.",),
                 Hold(default=180, minimum=120, maximum=300, until_softened=True),
                 HoldCues(halfway=True, remaining=(60,)),
                 ("Lift and move an inch toward the knee.",), LEVELS,
                 (Side.LEFT, Side.RIGHT),
                 check_in=CheckIn("How is the pressure?",
                                  choices=(Choice.SOFTER, Choice.FIRMER, Choice.GOOD)),
                 warning="Never sit on the knee.",
                 alternative=("Straddle the leg instead.",)),
            Step("press", "Press the calf", ("Press the {side} calf gently.",),
                 Hold(default=30, minimum=20, maximum=60), HoldCues(), (), LEVELS,
                 (Side.LEFT, Side.RIGHT)),
            Step("breathe", "Breathe", ("Take three slow breaths together.",)),
            Step("stretch", "Stretch", ("Stretch both arms overhead.",),
                 Hold(default=20, minimum=20, maximum=20)),
        ),
        closing=("Drink a glass of water.",),
    )


def optional_routine() -> Routine:
    """A routine for the optional-step offer and a hold's own move-on question: an untimed
    warm-up, a knot hold that asks "Has the knot eased?", an optional tapping step, a rest."""
    return Routine(
        id="optional-sample",
        title="Optional sample",
        audience=Audience.PARTNER,
        summary="A routine with an optional step.",
        equipment=(),
        setup=("Lie face down.",),
        contraindications=(Contraindication("Is the receiver pregnant?", "Not in pregnancy.",
                                            "not pregnant"),),
        cautions=(),
        steps=(
            Step("warm", "Warm up", ("Rub the back gently.",)),
            Step("knot", "Hold the knot", ("Press the knot with a thumb.",),
                 Hold(default=60, minimum=30, maximum=180, until_softened=True,
                      ask="Has the knot eased?"), pressure=LEVELS),
            Step("tap", "Light tapping.", ("Tap the back lightly with your fingertips.",),
                 Hold(default=30, minimum=30, maximum=30), optional=True),
            Step("rest", "Rest", ("Rest your hands on the back.",)),
        ),
        closing=("Sit up slowly.",),
    )


def to_optional_offer(routine: Routine | None = None) -> Driver:
    """A driver whose session is asking whether to do the optional tapping step."""
    driver = Driver(routine or optional_routine())
    # screening and its read-back, set-up, warm-up, knot hold
    for command in ("no", "yes", "next", "next", "next"):
        driver.say(command)
    assert driver.phase is Phase.OPTIONAL, f"expected the offer, got {driver.phase}"
    return driver


def to_phase(target: Phase, routine: Routine | None = None) -> Driver:
    """A driver whose session has just reached `target` (the sample routine, or for
    `Phase.OPTIONAL` the optional routine)."""
    if target is Phase.OPTIONAL:
        return to_optional_offer(routine)
    driver = Driver(routine or sample_routine())
    route: dict[Phase, list[str]] = {
        Phase.SCREENING: [],
        Phase.CHOOSE_SIDE: ["no", "no", "yes"],  # two questions, then "yes" to the read-back
        Phase.SETUP: ["no", "no", "yes", "left"],
        Phase.HOLD: ["no", "no", "yes", "left", "next"],
        Phase.PAUSED: ["no", "no", "yes", "left", "next", "pause"],
        Phase.STEP: ["no", "no", "yes", "left", "next", "next", "next", "next", "next"],
        Phase.ENDED: ["no", "no", "yes", "left", "end session"],
    }
    if target is Phase.HOLD_DECISION:
        driver = to_phase(Phase.HOLD, routine)
        driver.wait_for(Phase.HOLD_DECISION)
        return driver
    for command in route[target]:
        driver.say(command)
    assert driver.phase is target, f"expected {target}, got {driver.phase}"
    return driver
