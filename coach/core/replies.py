"""The reply to each command, in each state of the session: what "next", "softer", "yes" and
the rest mean at this moment, and which moves of the session's parts they make.

The replies that take weight off the receiver (stop, end, ouch and its answers) are in
`coach.core.easing`, which keeps their one rule: nothing presses again without a deliberate word.

`coach.core.session.Session` takes events in and keeps the public face (status, what can be said,
the clock); a command heard comes here. Keeping the table apart from the dispatcher is what lets
both stay readable: this module is one handler per intent (`HANDLERS`, which covers every intent;
a test checks it), each a short decision over the phase, with the moves themselves left to the
walk (`coach.core.walk`), the safety questions (`coach.core.screening`), the pressure talk
(`coach.core.pressure_talk`) and the notes (`coach.core.note_flow`).
"""

from __future__ import annotations

from typing import Callable

from coach.core import listening
from coach.core.actions import Action, AdjustVoice, CueKind, LineKind, PlayCue
from coach.core.record_data import CheckInAnswered, HoldExtended
from coach.core.clock import Clock
from coach.core.commands import Intent
from coach.core.easing import Easing
from coach.core.note_flow import NoteFlow
from coach.core.pressure_talk import PressureTalk
from coach.core.routine import AnswerAction, Routine, Side
from coach.core.screening import Screening
from coach.core.status import Phase
from coach.core.timewords import duration_words, time_left
from coach.core.utterances import Utterances
from coach.core.walk import Walk

EXTEND_STEP_SECONDS = 60.0  # what "more time" adds, up to the step's maximum

WARNING_SIGN_OPENING = "That's a warning sign. Take the pressure off now."
"""How the coach answers a warning sign, in one place and in general words; `Easing.stop` adds the
routine's own lift-off sentence and asks before going on ("Say resume to carry on, or end session
to finish."). It names no warning sign itself: cut into pieces by the endpointer, "numbness,
tingling" in its own voice would read as one."""


class Replies:
    """The session's answers to commands. It holds no state of its own: every decision reads the
    parts it is given, which the `Session` owns and shares."""

    def __init__(self, routine: Routine, clock: Clock, lines: Utterances, walk: Walk,
                 pressure_talk: PressureTalk, notes: NoteFlow, screening: Screening,
                 after_screening: Callable[[], list[Action]],
                 can_say: Callable[[], tuple[str, ...]]):
        self.routine = routine
        self.clock = clock
        self.lines = lines
        self.walk = walk
        self.pressure_talk = pressure_talk
        self.notes = notes
        self.screening = screening
        self._after_screening = after_screening  # the cautions, then the side or the set-up
        self._can_say = can_say  # what "help" lists
        self.easing = Easing(routine, lines, walk, pressure_talk)

    def reply(self, intent: Intent) -> list[Action]:
        """What `intent` means now: the moves it makes and what the coach says back."""
        handler = HANDLERS.get(intent)
        if handler is None:  # pragma: no cover - every intent has a handler (tested)
            return self.lines.say("I can't do that yet.", LineKind.ANSWER)
        return handler(self)

    @property
    def phase(self) -> Phase:
        return self.walk.phase

    def _ack(self) -> list[Action]:
        return [PlayCue(CueKind.UNDERSTOOD)]

    def _resume_for_navigation(self) -> Phase:
        """"next", "skip" and "back" while paused resume first and then act as in the phase the
        pause interrupted: judged by the paused state itself, a paused safety question took
        "skip" as "skip this step" and started the routine with questions unanswered."""
        self.walk.unpause()
        return self.phase

    # ----- commands ------------------------------------------------------------------------

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
            if self.walk.index == 0:
                return out + self.lines.say("This is the first step. Starting it again.",
                                            LineKind.ANSWER) + self.walk.enter_step(0)
            return out + self.lines.say("Going back a step.", LineKind.ANSWER) + \
                self.walk.enter_step(self.walk.index - 1)
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
        return self.easing.stop()

    def _on_warning(self) -> list[Action]:
        """A warning sign acts as stop (silence, pause the hold, the routine's lift-off) and says
        to take the pressure off at once; going on is the receiver's choice ("resume")."""
        return self.easing.stop(opening=WARNING_SIGN_OPENING)

    def _on_resume(self) -> list[Action]:
        if self.phase is not Phase.PAUSED:
            return self.lines.say("We're not paused.", LineKind.ANSWER)
        self.walk.unpause()
        self.pressure_talk.ouch_open = False  # "resume" says it is better: the question is over
        out = self._ack() + self.lines.say("Carrying on.", LineKind.ANSWER)
        if self.phase is Phase.STEP and self.walk.current_run.step.hold and \
                self.walk.hold is None:
            out += self.walk.start_hold()  # the stop came before the hold had started
        elif self.phase is Phase.SCREENING:
            out += self.screening.ask(self.clock.now())
        elif self.phase is Phase.CHOOSE_SIDE:
            out += self.walk.ask_side()
        elif self.phase is Phase.OPTIONAL:
            out += self.walk.offer_step()
        elif self.walk.hold is not None:
            out += self.lines.say(time_left(self.walk.hold.remaining(self.clock.now())),
                                  LineKind.ANSWER)
        return out

    def _on_end(self) -> list[Action]:
        return self.easing.end(self._ack())

    def _on_softer(self) -> list[Action]:
        if self.walk.lifted:
            return self._ack() + self.easing.lower_while_off(-1, "softer")
        return self._ack() + self._change_pressure(-1, urgent=True)

    def _on_harder(self) -> list[Action]:
        return self._ack() + self._change_pressure(+1, urgent=False)

    def _on_ouch(self) -> list[Action]:
        return self.easing.ouch()

    def _on_good(self) -> list[Action]:
        """"That's good" answers what is asked: a safety question (or the read-back) needs a
        yes or a no, so it gets the question again; "Is that better?" is answered by it; else
        it keeps the pressure."""
        if self.walk.effective_phase() is Phase.SCREENING:
            self.walk.unpause()  # an attempt at an answer, as yes and no are
            return self.screening.hint(self.clock.now())
        if self.pressure_talk.ouch_open and not self._note_question_is_newest():
            return self._ack() + self.easing.better()
        return self._ack() + self.pressure_talk.settled()

    def _on_how_long(self) -> list[Action]:
        return self.lines.say(self.walk.how_long(), LineKind.ANSWER)

    def _on_more_time(self) -> list[Action]:
        if self.walk.hold is None:
            return self.lines.say("There's no timer running to add time to.", LineKind.ANSWER)
        now = self.clock.now()
        if self.walk.effective_phase() is Phase.HOLD_DECISION:
            return self._ack() + self.walk.stay_longer()
        added = self.walk.hold.extend(EXTEND_STEP_SECONDS)
        if added <= 0:
            return self.lines.say("That's already the longest time for this step.", LineKind.ANSWER)
        self.walk.rearm_markers()
        return self._ack() + [HoldExtended(added).record()] + self.lines.say(
            f"Adding {duration_words(added)}. {time_left(self.walk.hold.remaining(now))}",
            LineKind.ANSWER)

    def _on_help(self) -> list[Action]:
        phrases = self._can_say()
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
            self.walk.end()
            return out
        if self.pressure_talk.ouch_open:
            return self._ack() + self.easing.better()
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
            return self._ack() + self.easing.still_hurts()
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
        if self.walk.index >= 0 and self.walk.current_run.side:
            return self.lines.say(f"We're on the {self.walk.current_run.side.value} side now.",
                                  LineKind.ANSWER)
        return self.lines.say(f"We started with the {self.walk.first_side.value} side.",
                              LineKind.ANSWER)

    def _on_voice(self, rate: int, volume: int) -> list[Action]:
        word = {(-1, 0): "Slower.", (1, 0): "Faster.", (0, 1): "Louder.", (0, -1): "Quieter."}
        return [AdjustVoice(rate, volume)] + self.lines.say(word[(rate, volume)], LineKind.ANSWER)

    def _on_other_position(self) -> list[Action]:
        if self.walk.index >= 0 and self.phase in (Phase.STEP, Phase.HOLD,
                                                   Phase.HOLD_DECISION, Phase.PAUSED) and \
                self.walk.effective_phase() is not Phase.OPTIONAL:  # not for a step still on offer
            run = self.walk.current_run
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
        out = self._ack() + [CheckInAnswered(check_in.ask, "yes" if yes else "no",
                                             action.value).record()]
        self.pressure_talk.drop_questions()
        if action is AnswerAction.SOFTER:
            return out + self._change_pressure(-1, urgent=True)
        if action is AnswerAction.FIRMER:
            return out + self._change_pressure(+1, urgent=False)
        if action is AnswerAction.KEEP:
            return out + self.pressure_talk.settled()
        if action is AnswerAction.OUCH:
            return out + self._on_ouch()
        if action is AnswerAction.OTHER_POSITION:  # this position is not working: ease off
            return out + self.easing.other_position(
                lambda: self._change_pressure(-1, urgent=True))
        return out + self.pressure_talk.carry_on()

    # ----- notes (see coach.core.notes) ----------------------------------------------------

    def _on_note(self) -> list[Action]:
        if not listening.can_take_note(self.phase):
            return self.lines.say("You can take a note once we've started.", LineKind.ANSWER)
        return self._ack() + self.notes.start(self.clock.now())

    # ----- pressure ------------------------------------------------------------------------

    def _change_pressure(self, delta: int, urgent: bool) -> list[Action]:
        if self.phase in (Phase.CLOSING, Phase.ENDED):
            return []
        # No step guidance before a step has been read (an optional one may be on offer).
        step = self.walk.step_or_none() if self.walk.effective_phase() not in (
            Phase.SCREENING, Phase.CHOOSE_SIDE, Phase.SETUP, Phase.WELCOME,
            Phase.OPTIONAL) else None
        return self.pressure_talk.change(delta, step, urgent)


HANDLERS: dict[Intent, Callable[[Replies], list[Action]]] = {
    Intent.NEXT: Replies._on_next,
    Intent.BACK: Replies._on_back,
    Intent.REPEAT: Replies._on_repeat,
    Intent.PAUSE: Replies._on_pause,
    Intent.RESUME: Replies._on_resume,
    Intent.SKIP: Replies._on_skip,
    Intent.STOP: Replies._on_stop,
    Intent.END: Replies._on_end,
    Intent.SOFTER: Replies._on_softer,
    Intent.OUCH: Replies._on_ouch,
    Intent.WARNING: Replies._on_warning,
    Intent.HARDER: Replies._on_harder,
    Intent.GOOD: Replies._on_good,
    Intent.HOW_LONG: Replies._on_how_long,
    Intent.MORE_TIME: Replies._on_more_time,
    Intent.HELP: Replies._on_help,
    Intent.YES: Replies._on_yes,
    Intent.NO: Replies._on_no,
    Intent.LEFT: lambda s: s._on_side(Side.LEFT),
    Intent.RIGHT: lambda s: s._on_side(Side.RIGHT),
    Intent.SLOWER: lambda s: s._on_voice(-1, 0),
    Intent.FASTER: lambda s: s._on_voice(1, 0),
    Intent.LOUDER: lambda s: s._on_voice(0, 1),
    Intent.QUIETER: lambda s: s._on_voice(0, -1),
    Intent.OTHER_POSITION: Replies._on_other_position,
    Intent.NOTE: Replies._on_note,
}
