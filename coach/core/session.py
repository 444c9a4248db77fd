"""The coaching session: a state machine driven by events and a clock.

`Session.start()` opens the session, `Session.handle(event)` reacts to a command, a finished line
or a device problem, and `Session.tick()` lets time pass (hold cues, the end of a hold). Each
returns the actions the outside world should carry out. The session never sleeps, never reads
the wall clock and never touches audio, so tests drive a whole routine with a `FakeClock`.

`Session` is the dispatcher: it takes each event and hands a command to `coach.core.replies`,
which decides what the command means at this moment (one handler per intent, kept apart so that
this module stays the session's public face: start, events, time, status). The moves are left to
the parts: `coach.core.screening` (the safety questions), `coach.core.walk` (the phase, the steps
and their holds, pausing, the closing), `coach.core.pressure_talk` (the level, softer, firmer,
ouch and the check-in), `coach.core.note_flow` (taking a note) and `coach.core.listening` (which
commands are heard now). All of them speak through one `coach.core.utterances.Utterances`.

Flow: welcome and notice -> screening questions -> which side first (if the routine has sides)
-> set-up -> steps (each read aloud; a hold starts once its instruction has been spoken) ->
closing and summary. An optional step is offered before it is read ("Do you want to do it?"):
"yes" or "next" reads it, "no" or "skip" skips it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from coach.core import listening
from coach.core.actions import Action, LineKind, StopSpeaking
from coach.core.record_data import DeviceChanged, EndedByInput, EndedFromOutside, SessionBegan
from coach.core.clock import Clock
from coach.core.command_suggestion import not_a_command_reply
from coach.core.commands import BARGE_IN_INTENTS, DEFAULT_ADVANCE_WORD, Intent, parse
from coach.core.events import (
    CommandHeard,
    CommandSource,
    DeviceProblem,
    EndRequested,
    Event,
    InputEnded,
    NotUnderstood,
    NoteTaken,
    SpeechFinished,
)
from coach.core.hold import HoldTimer
from coach.core.note_flow import NoteFlow
from coach.core.notes import clean_note
from coach.core.pressure_talk import PressureTalk
from coach.core.replies import Replies
from coach.core.routine import Routine, Side, StepRun
from coach.core.screening import Screening
from coach.core.status import Phase, Status
from coach.core.utterances import Utterances
from coach.core.walk import BEFORE_START, Walk

log = logging.getLogger(__name__)

NOT_MEDICAL_ADVICE = "This is general guidance, not medical advice."


@dataclass
class SessionOptions:
    start_pressure: int | None = None  # from the receiver's profile; else the routine's default
    first_side: Side | None = None  # skip the "which side first" question
    greeting: tuple[str, ...] = ()  # extra lines after the welcome ("Last time Sam liked ...")
    step_notes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # step id -> notes
    # The word the prompts ask for to move on ("Say next when you're done"): any phrase of
    # Intent.NEXT. The voice session picks one its recognizer hears reliably.
    advance_word: str = DEFAULT_ADVANCE_WORD


class Session:
    """One coaching session over one routine: the public face the runner and the tests drive."""

    def __init__(self, routine: Routine, clock: Clock, options: SessionOptions | None = None):
        self.routine = routine
        self.clock = clock
        self.options = options or SessionOptions()
        if parse(self.options.advance_word) is not Intent.NEXT:
            raise ValueError(f"advance_word {self.options.advance_word!r} is not a way to say "
                             "next")
        self.lines = Utterances()
        self.pressure_talk = PressureTalk(
            self.options.start_pressure or routine.default_pressure, self.lines,
            self.options.advance_word, ceiling=routine.max_pressure,
            stretches=not any(step.pressure for step in routine.steps))
        self.walk = Walk(routine, clock, self.lines, self.pressure_talk,
                         first_side=self.options.first_side or Side.LEFT,
                         step_notes=self.options.step_notes,
                         advance_word=self.options.advance_word)
        self.notes = NoteFlow(self.lines, getattr(clock, "speed", 1.0))
        self.screening = Screening(routine.contraindications, self.lines)
        self.replies = Replies(routine, clock, self.lines, self.walk, self.pressure_talk,
                               self.notes, self.screening, self._after_screening, self.can_say)
        self.last_heard = ""
        self.last_understood = True

    # ----- public API ----------------------------------------------------------------------

    def start(self) -> list[Action]:
        self.walk.started_at = self.clock.now()
        out: list[Action] = [SessionBegan(self.routine.id, self.pressure).record()]
        out += self.lines.say(f"Welcome. This is {self.routine.title}.", LineKind.NOTICE)
        out += self.lines.say(self.routine.summary, LineKind.NOTICE)
        out += self.lines.say(f"{NOT_MEDICAL_ADVICE} Say help at any time to hear what you can "
                              f"say.", LineKind.NOTICE)
        for line in self.options.greeting:
            out += self.lines.say(line, LineKind.NOTICE)
        if self.routine.contraindications:
            self.walk.phase = Phase.SCREENING
            out += self.screening.start(self.clock.now())
        else:
            out += self._after_screening()
        return out

    def handle(self, event: Event) -> list[Action]:
        """React to one event. Unknown or out-of-place input never raises or corrupts state."""
        if self.phase is Phase.ENDED:
            # The closing lines may still be on the air: the words that work while the coach
            # talks ("stop", "wait", "ouch") silence it; nothing else is acted on.
            if isinstance(event, CommandHeard) and event.intent in BARGE_IN_INTENTS:
                return [StopSpeaking()]
            return []
        if isinstance(event, CommandHeard):
            self.last_heard, self.last_understood = event.text, True
            return self.notes.interrupted(event.intent) + self.replies.reply(event.intent)
        if isinstance(event, (InputEnded, EndRequested)):
            return self._ended_from_outside(event)
        if isinstance(event, NotUnderstood):
            typed = event.source is CommandSource.TYPED
            if self.notes.listening and typed:  # typed after "note"
                return self._note_taken(NoteTaken(event.text, CommandSource.TYPED))
            self.last_heard, self.last_understood = event.text, False
            out: list[Action] = []
            if self.phase is Phase.SCREENING:  # "maybe", "I don't know": ask again
                return self.screening.not_an_answer(self.clock.now(), typed, event.text)
            if typed:  # typed: the person is looking at us, so help them
                out += self.lines.say(not_a_command_reply(event.text, self.status().can_say),
                                      LineKind.ANSWER)
            return out
        if isinstance(event, SpeechFinished):
            if self.phase is Phase.SCREENING:
                self.screening.speech_finished(event.utterance_id, self.clock.now())
            return self.walk.speech_finished(event.utterance_id)
        if isinstance(event, DeviceProblem):
            return self._device_problem(event)
        if isinstance(event, NoteTaken):
            return self._note_taken(event)
        log.warning("ignoring unknown event %r", event)
        return []

    def tick(self) -> list[Action]:
        """Let time pass: end note waits, fire hold cues that are due, end holds whose time is up."""
        out = self.notes.tick(self.clock.now())
        if self.phase is Phase.SCREENING:
            out += self.screening.tick(self.clock.now())
        return out + self.walk.tick()

    def next_wakeup(self) -> float | None:
        """The clock time of the next thing `tick` would do, so a runner can sleep until then."""
        wakeups = [self.walk.wakeup(), self.notes.deadline]
        if self.phase is Phase.SCREENING:
            wakeups.append(self.screening.wakeup())
        due = [time for time in wakeups if time is not None]
        return min(due) if due else None

    # What the runner, the screen and tests read; the walk owns it.

    @property
    def phase(self) -> Phase:
        return self.walk.phase

    @property
    def pressure(self) -> int:
        return self.pressure_talk.level

    @property
    def runs(self) -> list[StepRun]:
        return self.walk.runs

    @property
    def index(self) -> int:
        return self.walk.index

    @property
    def hold(self) -> HoldTimer | None:
        return self.walk.hold

    @property
    def current_run(self) -> StepRun:
        return self.walk.current_run

    @property
    def question_index(self) -> int:
        return self.screening.index

    @property
    def ended(self) -> bool:
        return self.phase is Phase.ENDED

    def status(self) -> Status:
        now = self.clock.now()
        in_step = 0 <= self.index < len(self.runs) and self.phase not in (Phase.CLOSING,
                                                                           Phase.ENDED)
        run = self.current_run if in_step else None
        remaining = total = None
        if self.hold is not None:
            total = self.hold.target
            remaining = (self.hold.remaining(now) if self.walk.effective_phase() is not
                         Phase.HOLD_DECISION else self.hold.remaining_to_maximum(now))
        return Status(
            phase=self.phase,
            routine_title=self.routine.title,
            step_number=self.index + 1 if run else 0,
            step_count=len(self.runs),
            step_title=run.step.title if run else "",
            side=run.side.value if run and run.side else None,
            hold_remaining=remaining,
            hold_total=total,
            pressure=self.pressure,
            paused=self.phase is Phase.PAUSED,
            last_heard=self.last_heard,
            last_understood=self.last_understood,
            can_say=self.can_say(),
            listening_for=tuple(self.active_intents()),
            taking_note=self.notes.listening,
            note_read_back=self.notes.read_back,
        )

    def active_intents(self) -> tuple[Intent, ...]:
        """The commands that make sense now, most useful first (see `coach.core.listening`)."""
        in_step = self.phase in (Phase.STEP, Phase.HOLD)
        check_in = self.pressure_talk.checkin
        return listening.active_intents(
            self.phase, question_open=self.pressure_talk.question_open,
            choices_open=bool(check_in and check_in.choices and not self.pressure_talk.ouch_open),
            taking_note=self.notes.listening, note_read_back=self.notes.confirming,
            other_position=in_step and bool(self.current_run.step.alternative))

    def can_say(self) -> tuple[str, ...]:
        """What to show and say for "help": the first phrasing of each active command."""
        return listening.help_phrases(self.active_intents())

    # ----- what is not a command: notes heard, the screening's end, devices -------------

    def _note_taken(self, event: NoteTaken) -> list[Action]:
        text = clean_note(event.text)
        step = self.walk.step_or_none()
        # Before the first step, a note is what the two agreed in the set-up talk (sore areas,
        # areas to avoid, the pressure liked): it comes back at the set-up next time.
        step_id = step.id if step else (BEFORE_START if self.phase is Phase.SETUP else None)
        if event.source is CommandSource.TYPED:
            return self.notes.typed(text, step_id)
        if self.notes.listening:  # a spoken note is what was heard
            self.last_heard, self.last_understood = text, bool(text)
        return self.notes.heard(text, step_id, self.clock.now())

    def _ended_from_outside(self, event: InputEnded | EndRequested) -> list[Action]:
        """The input is gone, or the program is being stopped: end exactly as "end session"
        does (the same lines and summary), with a record of why instead of a heard command."""
        if isinstance(event, InputEnded):
            record = EndedByInput(event.reason.value).record()
        else:
            record = EndedFromOutside(event.by.value).record()
        return [record] + self.notes.interrupted(Intent.END) + self.replies.reply(Intent.END)

    def _after_screening(self) -> list[Action]:
        """The cautions, then which side first (unless the options chose it) or the set-up."""
        return self.walk.after_screening(side_chosen=self.options.first_side is not None)

    def _device_problem(self, event: DeviceProblem) -> list[Action]:
        out: list[Action] = [DeviceChanged(event.device, event.lost, event.detail).record()]
        if event.lost:
            self.walk.pause()
            return out + self.lines.say(f"I lost the audio device {event.device}. The timer is "
                                        f"paused while I try to get it back.", LineKind.NOTICE,
                                        urgent=True)
        return out + self.lines.say("The audio device is back. Say resume to carry on.",
                                    LineKind.NOTICE)
