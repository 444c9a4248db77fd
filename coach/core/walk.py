"""The walk through a routine: side and set-up, each step and its hold, the closing summary.

This is the session's state machine without its ears: where the session is (its `phase`), which
step is being done and the hold's timer, and the moves between them (enter a step, start its
hold, ask at an until-softened hold's check point, move on, close). `coach.core.session` (with
`coach.core.replies` for commands) decides which move an event or a command means; the moves
themselves, and what each one says and records, are here (the wording built from the routine
and the counts, such as a step's instruction and the closing summary, is in
`coach.core.walk_lines`). Nothing here reads a command or an event.

Flow, once the safety questions are answered: cautions -> which side first (if the routine has
sides) -> set-up -> steps (an optional one is offered first; each is read aloud; a hold starts
once its instruction has been spoken) -> closing and summary. A pause can come at any point and
keeps the phase it interrupted.
"""

from __future__ import annotations

import logging

from coach.core import hold_cues
from coach.core.actions import Action, CueKind, LineKind, PlayCue, SessionOver
from coach.core.record_data import (HoldCheck, HoldEnded, HoldExtended, HoldStarted,
                                    OptionalStep, SessionEnded, StepDone, StepStarted)
from coach.core.clock import Clock
from coach.core.commands import DEFAULT_ADVANCE_WORD
from coach.core.hold import HoldTimer
from coach.core.pressure_talk import PressureTalk
from coach.core.routine import Routine, Side, Step, StepRun
from coach.core.status import Phase
from coach.core.utterances import Utterances
from coach.core.walk_lines import closing_summary, instruction, no_timer_answer

log = logging.getLogger(__name__)

BEFORE_START = "before start"
"""Where a note taken during the set-up belongs (no step id can contain a space): what giver and
receiver agreed before starting, said again at the set-up when the same receiver comes back."""


class Walk:
    """Where a session is in its routine, and the moves that take it further."""

    def __init__(self, routine: Routine, clock: Clock, lines: Utterances,
                 pressure_talk: PressureTalk, first_side: Side,
                 step_notes: dict[str, tuple[str, ...]],
                 advance_word: str = DEFAULT_ADVANCE_WORD):
        self.routine = routine
        self.clock = clock
        self.lines = lines
        self._step_notes = step_notes  # step id -> notes from earlier sessions
        self.advance_word = advance_word  # what the prompts ask for to move on
        self.phase = Phase.WELCOME
        self._paused_from: Phase | None = None
        self.pressure_talk = pressure_talk  # the level is read for each step's guidance
        self.first_side = first_side
        self.runs: list[StepRun] = routine.expanded_steps(first_side)
        self.index = -1  # into self.runs
        self.hold: HoldTimer | None = None
        self._hold_waits_for: int | None = None  # utterance id after which the hold starts
        self._fired: set[hold_cues.Marker] = set()  # hold markers already acted on
        self._warned: set[str] = set()
        self._noted: set[str] = set()
        self._released = False  # the current step's `after` lines were said (lift off, ...)
        self._lifted = False  # the pause came with the weight taken off (see `pause`)
        self.started_at = 0.0
        # Which steps (indexes into runs) were finished, and which skipped: sets, not counters,
        # so going back and doing a step again never counts it twice ("seven of six steps").
        self._done_runs: set[int] = set()
        self._skipped_runs: set[int] = set()

    @property
    def current_run(self) -> StepRun:
        return self.runs[self.index]

    def step_or_none(self) -> Step | None:
        if 0 <= self.index < len(self.runs):
            return self.current_run.step
        return None

    def effective_phase(self) -> Phase:
        """The phase, or while paused the phase the pause interrupted."""
        return self._paused_from if self.phase is Phase.PAUSED and self._paused_from else \
            self.phase

    # ----- before the first step -----------------------------------------------------------

    def after_screening(self, side_chosen: bool) -> list[Action]:
        """The cautions, then which side first (unless the routine has no sides or the side was
        `side_chosen` beforehand), or the set-up."""
        out: list[Action] = []
        for line in self.routine.cautions:
            out += self.lines.say(line, LineKind.NOTICE)
        if self.routine.has_sides and not side_chosen:
            self.phase = Phase.CHOOSE_SIDE
            return out + self.ask_side()
        return out + self.setup()

    def ask_side(self) -> list[Action]:
        return [PlayCue(CueKind.ATTENTION)] + self.lines.say(
            "Which side first? Say left side or right side.", LineKind.PROMPT)

    def choose_side(self, side: Side) -> list[Action]:
        self.first_side = side
        self.runs = self.routine.expanded_steps(side)
        out = self.lines.say(f"Starting with the {side.value} side.", LineKind.ANSWER)
        if self.phase is Phase.CHOOSE_SIDE:
            out += self.setup()
        return out

    def setup(self) -> list[Action]:
        self.phase = Phase.SETUP
        out: list[Action] = []
        if BEFORE_START not in self._noted:
            self._noted.add(BEFORE_START)
            for note in self._step_notes.get(BEFORE_START, ()):
                out += self.lines.say(f"A note from last time: {note}", LineKind.NOTICE)
        lines = tuple(self.routine.setup) + (
            f"Say {self.advance_word} when you're ready to begin.",)
        return out + self.lines.instruction(lines)

    # ----- steps ---------------------------------------------------------------------------

    def enter_step(self, index: int) -> list[Action]:
        """Go to a step: offer it if it is optional, else read it."""
        self.index = index
        self.hold = None
        self._hold_waits_for = None
        self._fired = set()
        self._released = False
        self.pressure_talk.drop_questions()
        if self.current_run.step.optional:
            self.phase = Phase.OPTIONAL
            return self.offer_step()
        return self.begin_step()

    def offer_step(self) -> list[Action]:
        """Ask whether to do the optional step, before a word of its instruction is read.

        Asking first (with the attention cue, like every question) lets the giver decide before
        anyone moves; the answer goes to `take_optional`. Yes and no are the natural answers;
        the prompt also names next and skip, the words people already use to move through steps.
        """
        run = self.current_run
        title = run.render(run.step.title).rstrip(" .!?")
        return [PlayCue(CueKind.ATTENTION)] + self.lines.say(
            f"Next is an optional step: {title}. Do you want to do it? Say {self.advance_word} "
            f"to do it, or skip to leave it out.", LineKind.PROMPT)

    def take_optional(self, wanted: bool) -> list[Action]:
        """The answer to `offer_step`: read the step as usual, or skip it like "skip" does."""
        step = self.current_run.step
        out: list[Action] = [OptionalStep(self.index + 1, step.id, wanted).record()]
        if wanted:
            return out + self.begin_step()
        log.debug("optional step %s skipped", step.id)
        return out + self.lines.say("Skipping it.", LineKind.ANSWER) + self.advance(skipped=True)

    def begin_step(self) -> list[Action]:
        """Read the current step's instruction; its hold starts once that has been spoken."""
        self.phase = Phase.STEP
        run = self.current_run
        step = run.step
        out: list[Action] = [StepStarted(self.index + 1, step.id, step.title,
                                         run.side.value if run.side else None,
                                         step.hold.default if step.hold else None).record()]
        if step.warning and step.id not in self._warned:
            self._warned.add(step.id)
            out += self.lines.say(run.render(step.warning), LineKind.NOTICE)
        if step.id not in self._noted:
            self._noted.add(step.id)
            for note in self._step_notes.get(step.id, ()):
                out += self.lines.say(f"A note from last time: {note}", LineKind.NOTICE)
        out += self.lines.instruction(instruction(run, self.pressure_talk.level,
                                                  self.advance_word))
        if step.hold is not None:
            self._hold_waits_for = self.lines.last_id
        return out

    def speech_finished(self, utterance_id: int) -> list[Action]:
        """A line has been spoken: the hold starts once its instruction's last line has."""
        if self._hold_waits_for is not None and utterance_id >= self._hold_waits_for:
            self._hold_waits_for = None
            if self.phase is Phase.STEP:
                return self.start_hold()
        return []

    def advance(self, skipped: bool) -> list[Action]:
        """Leave the current step ("next" or "skip") for the next one, or the closing."""
        run = self.current_run
        out = self.close_hold("skipped" if skipped else "next")
        if skipped:
            self._skipped_runs.add(self.index)
        else:
            out += self._step_done()
            if run.step.hold is not None:
                out += self._after_lines(run)
        return out + self._next_or_close()

    def _next_or_close(self) -> list[Action]:
        if self.index + 1 < len(self.runs):
            return self.enter_step(self.index + 1)
        return self.closing(completed=True)

    def closing(self, completed: bool) -> list[Action]:
        """The routine's release first ("Lift your seat off the thigh first.", unless the last
        step's own `after` lines have just said how to come off), the closing lines (once a step
        was reached), the summary, and the end."""
        self.phase = Phase.CLOSING
        out: list[Action] = []
        if self.routine.release_first() and self.index >= 0 and not self._released:
            out += self.lines.say(self.routine.release_first(), LineKind.INSTRUCTION)
        if completed or self.index >= 0:
            for line in self.routine.closing:
                out += self.lines.say(line, LineKind.INSTRUCTION)
        done = len(self._done_runs)
        skipped = len(self._skipped_runs - self._done_runs)  # skipped, and not done another time
        summary = closing_summary(done, len(self.runs), skipped,
                                  self.clock.now() - self.started_at, self.pressure_talk.level)
        out += self.lines.say(summary, LineKind.NOTICE)
        out += self.lines.say("Thank you. Take it easy getting up.", LineKind.NOTICE)
        self.end()
        return out + [SessionEnded(completed, done, skipped, self.pressure_talk.level).record(),
                      SessionOver(completed, summary)]

    def end(self) -> None:
        """The session is over: after the closing, or when a safety answer means the routine
        must not start. From here the session acts on nothing but the words that silence the lines
        still on the air (`Session.handle`). A method because the walk owns its phase."""
        self.phase = Phase.ENDED

    def how_long(self) -> str:
        """The answer to "how long?": the hold's time, the step's hold before it starts, or how
        many steps are left."""
        if self.hold is not None:
            deciding = self.effective_phase() is Phase.HOLD_DECISION
            return hold_cues.how_long(self.hold, self.clock.now(), deciding)
        in_step = 0 <= self.index < len(self.runs) and self.phase in (Phase.STEP, Phase.PAUSED,
                                                                      Phase.OPTIONAL)
        return no_timer_answer(self.current_run.step.hold if in_step else None,
                               len(self.runs) - max(self.index, 0))

    # ----- holds ---------------------------------------------------------------------------

    def start_hold(self) -> list[Action]:
        hold = self.current_run.step.hold
        assert hold is not None
        self.phase = Phase.HOLD
        self.hold = HoldTimer(hold.default, hold.maximum, self.clock.now())
        self._fired = set()
        return [PlayCue(CueKind.HOLD_START),
                HoldStarted(self.current_run.step.id, hold.default).record()]

    def tick(self) -> list[Action]:
        """Fire the hold cues that are due; end the hold, or ask at its check point, on time."""
        if self.hold is None or self.hold.paused or self.phase not in (Phase.HOLD,
                                                                        Phase.HOLD_DECISION):
            return []
        now = self.clock.now()
        hold_spec = self.current_run.step.hold
        assert hold_spec is not None
        out: list[Action] = []
        if self.phase is Phase.HOLD_DECISION:
            if self.hold.remaining_to_maximum(now) <= 0:
                out += self.lines.say(hold_cues.LONGEST, LineKind.NOTICE)
                out += self.finish_hold()
            elif self.hold.remaining(now) <= 0:
                out += self.ask_hold_decision(again=True)
            return out
        remaining = self.hold.remaining(now)
        for marker in hold_cues.fire_due(self._markers(), self._fired, remaining):
            out += self._marker_actions(marker, remaining)
        if remaining <= 0:
            if not hold_spec.until_softened:
                out += self.finish_hold()
            elif self.hold.remaining_to_maximum(now) > 0:
                out += self.ask_hold_decision(again=False)
            else:
                out += self.lines.say(hold_cues.LONGEST, LineKind.NOTICE)
                out += self.finish_hold()
        return out

    def wakeup(self) -> float | None:
        """The clock time of the next thing `tick` would do (None: nothing is timed)."""
        if self.hold is None or self.hold.paused:
            return None
        now = self.clock.now()
        if self.phase is Phase.HOLD_DECISION:
            return now + min(self.hold.remaining(now), self.hold.remaining_to_maximum(now))
        if self.phase is not Phase.HOLD:
            return None
        remaining = self.hold.remaining(now)
        return now + remaining - hold_cues.next_due(self._markers(), self._fired, remaining)

    def _markers(self) -> list[hold_cues.Due]:
        assert self.hold is not None
        return hold_cues.cue_markers(self.current_run.step, self.hold.target)

    def rearm_markers(self) -> None:
        """After the hold's target moved: re-arm the cues still ahead (see `hold_cues.rearmed`)."""
        assert self.hold is not None
        remaining = self.hold.remaining(self.clock.now())
        self._fired = hold_cues.rearmed(self._markers(), self._fired, remaining)

    def _marker_actions(self, marker: hold_cues.Marker, remaining: float) -> list[Action]:
        if marker.kind is hold_cues.MarkerKind.TICK:
            return [PlayCue(CueKind.TICK)]
        if marker == hold_cues.CHECK_IN:
            check_in = self.current_run.step.check_in
            assert check_in is not None  # the marker exists only for a step with a check-in
            return self.pressure_talk.ask_check_in(check_in, self.current_run)
        return self.lines.say(hold_cues.cue_words(marker, remaining), LineKind.NOTICE)

    def ask_hold_decision(self, again: bool) -> list[Action]:
        """An until-softened hold's check point: move on, or stay longer?"""
        assert self.hold is not None
        self.phase = Phase.HOLD_DECISION
        # The newest question takes the next yes or no: a check-in nobody answered must not
        # swallow the "no" meant for "has the tissue softened?".
        self.pressure_talk.drop_questions()
        now = self.clock.now()
        self.hold.target = hold_cues.next_check(self.hold, now)
        text = hold_cues.decision_question(self.current_run, self.hold.elapsed(now),
                                           self.advance_word)
        record = HoldCheck(self.current_run.step.id, round(self.hold.elapsed(now), 2)).record()
        return [record, PlayCue(CueKind.ATTENTION)] + self.lines.say(text, LineKind.PROMPT)

    def stay_longer(self) -> list[Action]:
        """Staying at the check point: hold on, and ask again a minute later."""
        assert self.hold is not None
        now = self.clock.now()
        left = self.hold.remaining_to_maximum(now)
        self.phase = Phase.HOLD
        self.hold.target = hold_cues.next_check(self.hold, now)
        self.rearm_markers()
        return [HoldExtended(self.hold.remaining(now)).record()] + self.lines.say(
            hold_cues.staying(self.hold.remaining(now), left), LineKind.ANSWER)

    def close_hold(self, how: str) -> list[Action]:
        """Record how long the current hold really lasted, and drop it."""
        if self.hold is None:
            self._hold_waits_for = None
            return []
        held = self.hold.elapsed(self.clock.now())
        self.hold = None
        self._hold_waits_for = None
        return [HoldEnded(self.index + 1, self.current_run.step.id, round(held, 2), how).record()]

    def finish_hold(self) -> list[Action]:
        """The hold is done: the end chime, its `after` lines, and on to the next step."""
        run = self.current_run
        out: list[Action] = [PlayCue(CueKind.HOLD_END)] if run.step.cues.end_chime else []
        out += self.close_hold("completed")
        out += self._after_lines(run)
        return out + self._step_done() + self._next_or_close()

    def _after_lines(self, run: StepRun) -> list[Action]:
        out: list[Action] = []
        for line in run.step.after:
            out += self.lines.say(run.render(line), LineKind.INSTRUCTION)
        self._released = bool(run.step.after)
        return out

    def _step_done(self) -> list[Action]:
        """Count the current step as done. The one definition of "steps done" (finished, not
        skipped), for the spoken summary and, through this record, the history's count. A step
        done twice (after "back") is one step done."""
        self._done_runs.add(self.index)
        return [StepDone(self.index + 1, self.current_run.step.id).record()]

    # ----- pausing -------------------------------------------------------------------------

    @property
    def lifted(self) -> bool:
        """Paused by stop or a warning sign, whose reply said to take the weight off
        (`Easing.stop`): a later "ouch" or "softer" must not cut that reply short."""
        return self.phase is Phase.PAUSED and self._lifted

    def pause(self, lifted: bool = False) -> None:
        if self.phase is Phase.PAUSED:
            self._lifted = self._lifted or lifted
            return
        if self.phase in (Phase.CLOSING, Phase.ENDED):
            return
        self._lifted = lifted
        self._paused_from = self.phase
        self.phase = Phase.PAUSED
        if self.hold is not None:
            self.hold.pause(self.clock.now())

    def unpause(self) -> None:
        if self.phase is not Phase.PAUSED:
            return
        self.phase = self._paused_from or Phase.STEP
        self._paused_from = None
        if self.hold is not None:
            self.hold.resume(self.clock.now())

    def resume_quietly(self) -> list[Action]:
        """Resume after an ouch check-in without the usual 'carrying on' chatter."""
        if self.phase is Phase.PAUSED:
            self.unpause()
            if self.phase is Phase.STEP and self.current_run.step.hold and self.hold is None:
                return self.start_hold()
            if self.phase is Phase.OPTIONAL:  # the offer is still open: put it again
                return self.offer_step()
        return []
