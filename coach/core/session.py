"""The coaching session: a state machine driven by events and a clock.

`Session.start()` opens the session, `Session.handle(event)` reacts to a command, a finished line
or a device problem, and `Session.tick()` lets time pass (hold cues, the end of a hold). Each
returns the actions the outside world should carry out. The session never sleeps, never reads
the wall clock and never touches audio, so tests drive a whole routine with a `FakeClock`.

`Session` is the dispatcher: it decides what an event or a command means at this moment, and
leaves the moves to its parts: `coach.core.screening` (the safety questions), `coach.core.walk`
(the phase, the steps and their holds, pausing, the closing), `coach.core.pressure_talk` (the
level, softer, firmer, ouch and the check-in), `coach.core.note_flow` (taking a note) and
`coach.core.listening` (which commands are heard now). All of them speak through one
`coach.core.utterances.Utterances`.

Flow: welcome and notice -> screening questions -> which side first (if the routine has sides)
-> set-up -> steps (each read aloud; a hold starts once its instruction has been spoken) ->
closing and summary. An optional step is offered before it is read ("Do you want to do it?"):
"yes" or "next" reads it, "no" or "skip" skips it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from coach.core import listening
from coach.core.record_kinds import RecordKind
from coach.core.actions import (
    Action,
    AdjustVoice,
    CueKind,
    LineKind,
    PlayCue,
    Record,
    StopSpeaking,
)
from coach.core.clock import Clock
from coach.core.command_suggestion import not_a_command_reply
from coach.core.commands import BARGE_IN_INTENTS, DEFAULT_ADVANCE_WORD, Intent, parse
from coach.core.events import (
    CommandHeard,
    DeviceProblem,
    Event,
    NotUnderstood,
    NoteTaken,
    SpeechFinished,
)
from coach.core.hold import HoldTimer
from coach.core.note_flow import NoteFlow
from coach.core.notes import clean_note
from coach.core.pressure_talk import PressureTalk
from coach.core.routine import AnswerAction, Routine, Side, StepRun
from coach.core.screening import Screening
from coach.core.status import Phase, Status
from coach.core.timewords import duration_words, time_left
from coach.core.utterances import Utterances
from coach.core.walk import BEFORE_START, Walk

log = logging.getLogger(__name__)

NOT_MEDICAL_ADVICE = "This is general guidance, not medical advice."
EXTEND_STEP_SECONDS = 60.0  # what "more time" adds, up to the step's maximum


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
        self.last_heard = ""
        self.last_understood = True

    # ----- public API ----------------------------------------------------------------------

    def start(self) -> list[Action]:
        self.walk.started_at = self.clock.now()
        out: list[Action] = [Record(RecordKind.SESSION_BEGAN, {"routine": self.routine.id,
                                                        "pressure": self.pressure})]
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
            return self.notes.interrupted(event.intent) + self._command(event.intent)
        if isinstance(event, NotUnderstood):
            if self.notes.listening and event.source == "text":  # typed after "note"
                return self._note_taken(NoteTaken(event.text, "text"))
            self.last_heard, self.last_understood = event.text, False
            out: list[Action] = []
            if self.phase is Phase.SCREENING:  # "maybe", "I don't know": ask again
                return self.screening.not_an_answer(self.clock.now(), event.source == "text",
                                                    event.text)
            if event.source == "text":  # typed: the person is looking at us, so help them
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
            listening_for=tuple(intent.value for intent in self.active_intents()),
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

    # ----- commands ------------------------------------------------------------------------

    def _command(self, intent: Intent) -> list[Action]:
        handler = _HANDLERS.get(intent)
        if handler is None:  # pragma: no cover - every intent has a handler (tested)
            return self.lines.say("I can't do that yet.", LineKind.ANSWER)
        return handler(self)

    def _ack(self) -> list[Action]:
        return [PlayCue(CueKind.UNDERSTOOD)]

    def _resume_for_navigation(self) -> Phase:
        """"next", "skip" and "back" while paused resume first and then act as in the phase the
        pause interrupted: judged by the paused state itself, a paused safety question took
        "skip" as "skip this step" and started the routine with questions unanswered."""
        self.walk.unpause()
        return self.phase

    def _on_next(self) -> list[Action]:
        phase = self._resume_for_navigation()
        if phase is Phase.SCREENING:
            return self.screening.hint(self.clock.now())
        if phase is Phase.CHOOSE_SIDE:
            return self._ack() + self.walk.choose_side(self.walk.first_side)
        if phase is Phase.WELCOME:
            return self.lines.say("One moment, I'm still starting.", LineKind.ANSWER)
        if phase is Phase.SETUP:
            return self._ack() + self.walk.enter_step(0)
        if phase is Phase.OPTIONAL:
            return self._ack() + self.walk.take_optional(True)
        if phase is Phase.HOLD_DECISION:
            return self._ack() + self.walk.finish_hold()
        if phase in (Phase.STEP, Phase.HOLD):
            return self._ack() + self.walk.advance(skipped=False)
        return self.lines.say("We're finishing up now.", LineKind.ANSWER)

    def _on_skip(self) -> list[Action]:
        phase = self._resume_for_navigation()
        if phase is Phase.SCREENING:
            return self.screening.refuse_skip(self.clock.now())
        if phase in (Phase.STEP, Phase.HOLD, Phase.HOLD_DECISION, Phase.OPTIONAL):
            if phase is Phase.OPTIONAL:
                return self._ack() + self.walk.take_optional(False)
            return self._ack() + self.lines.say("Skipping this step.", LineKind.ANSWER) + \
                self.walk.advance(skipped=True)
        return self._on_next()

    def _on_back(self) -> list[Action]:
        phase = self.walk.effective_phase()
        if phase in (Phase.SCREENING, Phase.STEP, Phase.HOLD, Phase.HOLD_DECISION,
                     Phase.OPTIONAL):
            phase = self._resume_for_navigation()
        if phase is Phase.SCREENING:
            if not self.screening.go_back():
                return self.lines.say("This is the first question.", LineKind.ANSWER) + \
                    self.screening.ask(self.clock.now())
            return self._ack() + self.screening.ask(self.clock.now())
        if phase in (Phase.STEP, Phase.HOLD, Phase.HOLD_DECISION, Phase.OPTIONAL):
            out = self._ack() + self.walk.close_hold("back")
            if self.index == 0:
                return out + self.lines.say("This is the first step. Starting it again.",
                                            LineKind.ANSWER) + self.walk.enter_step(0)
            return out + self.lines.say("Going back a step.", LineKind.ANSWER) + \
                self.walk.enter_step(self.index - 1)
        return self.lines.say("There's no step to go back to yet.", LineKind.ANSWER)

    def _on_repeat(self) -> list[Action]:
        if self.phase is Phase.SCREENING:
            return self.screening.ask(self.clock.now())
        if self.phase is Phase.CHOOSE_SIDE:
            return self.walk.ask_side()
        if self.phase is Phase.HOLD_DECISION:
            return self.walk.ask_hold_decision(again=True)
        if self.phase is Phase.OPTIONAL:
            return self.walk.offer_step()
        if not self.lines.last_instruction:
            return self.lines.say("There's nothing to repeat yet.", LineKind.ANSWER)
        return self.lines.repeat()

    def _on_pause(self) -> list[Action]:
        if self.phase is Phase.PAUSED:
            return self.lines.say("We're already paused. Say resume to carry on.", LineKind.ANSWER)
        if self.phase in (Phase.CLOSING, Phase.ENDED):
            return []
        self.walk.pause()
        return self._ack() + self.lines.say("Paused. Say resume when you're ready.",
                                            LineKind.ANSWER, urgent=True)

    def _on_stop(self) -> list[Action]:
        out: list[Action] = [StopSpeaking()]
        if self.phase is not Phase.PAUSED:
            self.walk.pause()
        return out + self.lines.say("Stopped. Say resume to carry on, or end session to finish.",
                                    LineKind.ANSWER, urgent=True)

    def _on_resume(self) -> list[Action]:
        if self.phase is not Phase.PAUSED:
            return self.lines.say("We're not paused.", LineKind.ANSWER)
        self.walk.unpause()
        out = self._ack() + self.lines.say("Carrying on.", LineKind.ANSWER)
        if self.phase is Phase.STEP and self.current_run.step.hold and self.hold is None:
            out += self.walk.start_hold()  # the stop came before the hold had started
        elif self.phase is Phase.SCREENING:
            out += self.screening.ask(self.clock.now())
        elif self.phase is Phase.CHOOSE_SIDE:
            out += self.walk.ask_side()
        elif self.phase is Phase.OPTIONAL:
            out += self.walk.offer_step()
        elif self.hold is not None:
            out += self.lines.say(time_left(self.hold.remaining(self.clock.now())), LineKind.ANSWER)
        return out

    def _on_end(self) -> list[Action]:
        self.walk.unpause()
        return [StopSpeaking()] + self._ack() + self.walk.close_hold("ended") + \
            self.lines.say("Ending the session here.", LineKind.ANSWER, urgent=True) + \
            self.walk.closing(completed=False)

    def _on_softer(self) -> list[Action]:
        return self._ack() + self._change_pressure(-1, urgent=True)

    def _on_harder(self) -> list[Action]:
        return self._ack() + self._change_pressure(+1, urgent=False)

    def _on_ouch(self) -> list[Action]:
        out: list[Action] = [StopSpeaking()]
        if self.phase in (Phase.CLOSING, Phase.ENDED):
            return out
        if self.phase not in (Phase.STEP, Phase.HOLD, Phase.HOLD_DECISION, Phase.PAUSED,
                              Phase.OPTIONAL):
            return out + self.lines.say("Sorry. Nothing has started yet. Say stop at any time.",
                                        LineKind.ANSWER, urgent=True)
        if self.phase is not Phase.PAUSED:
            self.walk.pause()
        return out + self.pressure_talk.ouch(self.walk.step_or_none())

    def _on_good(self) -> list[Action]:
        return self._ack() + self.pressure_talk.settled()

    def _on_how_long(self) -> list[Action]:
        return self.lines.say(self.walk.how_long(), LineKind.ANSWER)

    def _on_more_time(self) -> list[Action]:
        if self.hold is None:
            return self.lines.say("There's no timer running to add time to.", LineKind.ANSWER)
        now = self.clock.now()
        if self.walk.effective_phase() is Phase.HOLD_DECISION:
            return self._ack() + self.walk.stay_longer()
        added = self.hold.extend(EXTEND_STEP_SECONDS)
        if added <= 0:
            return self.lines.say("That's already the longest time for this step.", LineKind.ANSWER)
        self.walk.rearm_markers()
        return self._ack() + [Record(RecordKind.HOLD_EXTENDED, {"added": added})] + self.lines.say(
            f"Adding {duration_words(added)}. {time_left(self.hold.remaining(now))}",
            LineKind.ANSWER)

    def _on_help(self) -> list[Action]:
        phrases = self.can_say()
        return self.lines.say("You can say: " + ", ".join(phrases) + ".", LineKind.ANSWER)

    def _on_yes(self) -> list[Action]:
        if self.walk.effective_phase() is Phase.SCREENING:  # an answer while paused: take it
            self.walk.unpause()
        if self._note_question_is_newest():
            return self._ack() + self.notes.keep()
        if self.phase is Phase.SCREENING:
            if self.screening.reading_back:
                return self._ack() + self.screening.confirm(True, self.clock.now()) + \
                    self._after_screening()
            out = self._ack() + self.screening.answered_yes()
            self.walk.phase = Phase.ENDED
            return out
        if self.pressure_talk.ouch_open:
            return self._ack() + self.pressure_talk.better() + self.walk.resume_quietly()
        if self.pressure_talk.checkin_open:
            return self._answer_check_in(yes=True)
        if self.phase is Phase.HOLD_DECISION:
            return self._ack() + self.walk.finish_hold()
        if self.phase is Phase.OPTIONAL:
            return self._ack() + self.walk.take_optional(True)
        if self.phase is Phase.CHOOSE_SIDE:
            return self._ack() + self.walk.choose_side(self.walk.first_side)
        return self.lines.say("There's no question waiting. Say help to hear what you can say.",
                              LineKind.ANSWER)

    def _on_no(self) -> list[Action]:
        if self.walk.effective_phase() is Phase.SCREENING:  # an answer while paused: take it
            self.walk.unpause()
        if self._note_question_is_newest():
            return self._ack() + self.notes.drop()
        if self.phase is Phase.SCREENING:
            if self.screening.reading_back:
                return self._ack() + self.screening.confirm(False, self.clock.now())
            return self._ack() + self.screening.answered_no(self.clock.now())
        if self.pressure_talk.ouch_open:
            return self._ack() + self.pressure_talk.still_hurts(self.walk.step_or_none())
        if self.pressure_talk.checkin_open:
            return self._answer_check_in(yes=False)
        if self.phase is Phase.HOLD_DECISION:
            return self._ack() + self.walk.stay_longer()
        if self.phase is Phase.OPTIONAL:
            return self._ack() + self.walk.take_optional(False)
        return self.lines.say("There's no question waiting. Say help to hear what you can say.",
                              LineKind.ANSWER)

    def _on_side(self, side: Side) -> list[Action]:
        before = self.walk.effective_phase()  # while paused: what the pause interrupted
        if before is Phase.SCREENING:  # no side is chosen yet: the question still waits
            if self.phase is Phase.PAUSED:
                return self.lines.say("No side is chosen yet. Say resume to carry on with the "
                                      "safety questions.", LineKind.ANSWER)
            return self.screening.hint(self.clock.now())
        if before is Phase.CHOOSE_SIDE and self.phase is Phase.PAUSED:  # the answer resumes
            self.walk.unpause()
        if self.phase is Phase.WELCOME:
            return self.lines.say("One moment, I'm still starting.", LineKind.ANSWER)
        if self.phase is Phase.CHOOSE_SIDE or (self.phase is Phase.SETUP and
                                               self.routine.has_sides):
            return self._ack() + self.walk.choose_side(side)
        if not self.routine.has_sides:
            return self.lines.say("This routine doesn't switch sides.", LineKind.ANSWER)
        if self.index >= 0 and self.current_run.side:
            return self.lines.say(f"We're on the {self.current_run.side.value} side now.",
                                  LineKind.ANSWER)
        return self.lines.say(f"We started with the {self.walk.first_side.value} side.",
                              LineKind.ANSWER)

    def _on_voice(self, rate: int, volume: int) -> list[Action]:
        word = {(-1, 0): "Slower.", (1, 0): "Faster.", (0, 1): "Louder.", (0, -1): "Quieter."}
        return [AdjustVoice(rate, volume)] + self.lines.say(word[(rate, volume)], LineKind.ANSWER)

    def _on_other_position(self) -> list[Action]:
        if self.index >= 0 and self.phase in (Phase.STEP, Phase.HOLD, Phase.HOLD_DECISION,
                                              Phase.PAUSED) and \
                self.walk.effective_phase() is not Phase.OPTIONAL:  # not for a step still on offer
            run = self.current_run
            if run.step.alternative:
                out = self._ack()
                for line in run.step.alternative:
                    out += self.lines.say(run.render(line), LineKind.ANSWER)
                return out
        return self.lines.say("There's no other position for this step.", LineKind.ANSWER)

    # ----- questions and their answers -----------------------------------------------------

    def _note_question_is_newest(self) -> bool:
        """A note's read-back and a pressure question can both wait: yes or no answers the one
        asked last."""
        if not self.notes.confirming:
            return False
        return not self.pressure_talk.question_open or \
            self.notes.asked_id > self.pressure_talk.asked_id

    def _answer_check_in(self, yes: bool) -> list[Action]:
        """Do what the check-in says its answer does; a choice question asks for a choice."""
        check_in = self.pressure_talk.checkin
        assert check_in is not None
        if check_in.choices:
            return self.pressure_talk.ask_for_choice()
        action = check_in.yes if yes else check_in.no
        assert action is not None  # the loader builds yes/no check-ins with both answers
        out = self._ack() + [Record(RecordKind.CHECK_IN, {"question": check_in.ask,
                                                 "answer": "yes" if yes else "no",
                                                 "action": action.value})]
        self.pressure_talk.drop_questions()
        if action is AnswerAction.SOFTER:
            return out + self._change_pressure(-1, urgent=True)
        if action is AnswerAction.FIRMER:
            return out + self._change_pressure(+1, urgent=False)
        if action is AnswerAction.KEEP:
            return out + self.pressure_talk.settled()
        if action is AnswerAction.OUCH:
            return out + self._on_ouch()
        if action is AnswerAction.OTHER_POSITION:
            return out + self._on_other_position()
        return out + self.pressure_talk.carry_on()

    # ----- notes (see coach.core.notes) ----------------------------------------------------

    def _on_note(self) -> list[Action]:
        if not listening.can_take_note(self.phase):
            return self.lines.say("You can take a note once we've started.", LineKind.ANSWER)
        return self._ack() + self.notes.start(self.clock.now())

    def _note_taken(self, event: NoteTaken) -> list[Action]:
        text = clean_note(event.text)
        step = self.walk.step_or_none()
        # Before the first step, a note is what the two agreed in the set-up talk (sore areas,
        # areas to avoid, the pressure liked): it comes back at the set-up next time.
        step_id = step.id if step else (BEFORE_START if self.phase is Phase.SETUP else None)
        if event.source == "text":
            return self.notes.typed(text, step_id)
        if self.notes.listening:  # a spoken note is what was heard
            self.last_heard, self.last_understood = text, bool(text)
        return self.notes.heard(text, step_id, self.clock.now())

    # ----- screening -----------------------------------------------------------------------

    def _after_screening(self) -> list[Action]:
        """The cautions, then which side first (unless the options chose it) or the set-up."""
        return self.walk.after_screening(side_chosen=self.options.first_side is not None)

    # ----- pausing, pressure, devices ------------------------------------------------------

    def _change_pressure(self, delta: int, urgent: bool) -> list[Action]:
        if self.phase in (Phase.CLOSING, Phase.ENDED):
            return []
        # No step guidance before a step has been read (an optional one may be on offer).
        step = self.walk.step_or_none() if self.walk.effective_phase() not in (
            Phase.SCREENING, Phase.CHOOSE_SIDE, Phase.SETUP, Phase.WELCOME,
            Phase.OPTIONAL) else None
        return self.pressure_talk.change(delta, step, urgent)

    def _device_problem(self, event: DeviceProblem) -> list[Action]:
        out: list[Action] = [Record(RecordKind.DEVICE, {"device": event.device, "lost": event.lost,
                                               "detail": event.detail})]
        if event.lost:
            self.walk.pause()
            return out + self.lines.say(f"I lost the audio device {event.device}. The timer is "
                                        f"paused while I try to get it back.", LineKind.NOTICE,
                                        urgent=True)
        return out + self.lines.say("The audio device is back. Say resume to carry on.",
                                    LineKind.NOTICE)


_HANDLERS = {
    Intent.NEXT: Session._on_next,
    Intent.BACK: Session._on_back,
    Intent.REPEAT: Session._on_repeat,
    Intent.PAUSE: Session._on_pause,
    Intent.RESUME: Session._on_resume,
    Intent.SKIP: Session._on_skip,
    Intent.STOP: Session._on_stop,
    Intent.END: Session._on_end,
    Intent.SOFTER: Session._on_softer,
    Intent.OUCH: Session._on_ouch,
    Intent.HARDER: Session._on_harder,
    Intent.GOOD: Session._on_good,
    Intent.HOW_LONG: Session._on_how_long,
    Intent.MORE_TIME: Session._on_more_time,
    Intent.HELP: Session._on_help,
    Intent.YES: Session._on_yes,
    Intent.NO: Session._on_no,
    Intent.LEFT: lambda s: s._on_side(Side.LEFT),
    Intent.RIGHT: lambda s: s._on_side(Side.RIGHT),
    Intent.SLOWER: lambda s: s._on_voice(-1, 0),
    Intent.FASTER: lambda s: s._on_voice(1, 0),
    Intent.LOUDER: lambda s: s._on_voice(0, 1),
    Intent.QUIETER: lambda s: s._on_voice(0, -1),
    Intent.OTHER_POSITION: Session._on_other_position,
    Intent.NOTE: Session._on_note,
}
