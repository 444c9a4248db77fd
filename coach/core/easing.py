"""The replies that take weight off the receiver: stop, end session, ouch and its answers, and a
check-in answered with "try the other position".

Kept apart from `coach.core.replies` (which decides which reply a command means now) because
these are the replies a hurting receiver hears, and they follow one rule together: **nothing
starts pressing again without a deliberate word**.

* "stop" pauses and, in a routine where the giver's weight or a tool is on the receiver, says to
  lift off first (`Routine.release_first`: "Lift your seat off the thigh first."). So do "end
  session" and the closing (`coach.core.walk.Walk.closing`).
* "ouch" pauses the hold, eases off two levels and asks "Is that better?".
  - "yes" (or "that's good", which answers that question as well) keeps the hold paused and asks
    the giver to say "resume" when ready. A careful coach does not let the work roll on by
    itself after pain: the giver is moving, the receiver needs a moment, and a "yes" misheard
    from talk would otherwise put weight back on someone who was hurting. "resume" is a
    deliberate word, and it says how much time is left. (During an optional step's offer no
    pressure is on: the offer is simply put again.)
  - "no" eases off one level more and asks again; at the lightest it says to lift off (the
    release) and leave this spot.
* After stop or a warning sign, "ouch" and "softer" only lower the level for later: the lift-off
  reply is not cut short (`lower_while_off`).
* A check-in answered with `other position` ("Does the stretch hurt?" yes) eases off and pauses
  first, then reads the other position, then waits for "resume": the position in use was not
  working, so it ends before the new one is tried.
"""

from __future__ import annotations

from typing import Callable

from coach.core.actions import Action, LineKind, StopSpeaking
from coach.core.pressure import describe
from coach.core.pressure_talk import PressureTalk
from coach.core.routine import Routine
from coach.core.status import Phase
from coach.core.utterances import Utterances
from coach.core.walk import Walk

RESUME_WHEN_READY = "Say resume when you're ready to carry on."


class Easing:
    """Stop, end, ouch and easing into another position, over the session's shared parts."""

    def __init__(self, routine: Routine, lines: Utterances, walk: Walk,
                 pressure_talk: PressureTalk) -> None:
        self.routine = routine
        self.lines = lines
        self.walk = walk
        self.pressure_talk = pressure_talk

    def release(self) -> str:
        """The routine's release sentence with a trailing space, once the work has begun (a step
        has been read: the weight or the tool may be on the receiver); "" otherwise."""
        sentence = self.routine.release_first()
        return f"{sentence} " if sentence and self.walk.index >= 0 else ""

    def stop(self, opening: str = "Stopped.") -> list[Action]:
        """Silence, pause, and lift off first. `opening` lets a reply that acts like stop say
        why (a warning sign: "That's a warning sign. Stopping.") before the same release."""
        out: list[Action] = [StopSpeaking()]
        self.walk.pause(lifted=self.walk.index >= 0)  # as `release`: once the work has begun
        return out + self.lines.say(f"{opening} {self.release()}Say resume to carry on, or end "
                                    f"session to finish.", LineKind.ANSWER, urgent=True)

    def end(self, ack: list[Action]) -> list[Action]:
        """End now (`ack`: the acknowledgement cue, played after the silencing so it is not cut
        with what was speaking); the closing says to lift off first (`Walk.closing`)."""
        self.walk.unpause()
        self.pressure_talk.drop_questions()
        return [StopSpeaking()] + ack + self.walk.close_hold("ended") + \
            self.lines.say("Ending the session here.", LineKind.ANSWER, urgent=True) + \
            self.walk.closing(completed=False)

    def ouch(self) -> list[Action]:
        out: list[Action] = [StopSpeaking()]
        phase = self.walk.phase
        if phase in (Phase.CLOSING, Phase.ENDED):
            return out
        if phase not in (Phase.STEP, Phase.HOLD, Phase.HOLD_DECISION, Phase.PAUSED,
                         Phase.OPTIONAL):
            return out + self.lines.say("Sorry. Nothing has started yet. Say stop at any time.",
                                        LineKind.ANSWER, urgent=True)
        if self.walk.lifted:
            return self.lower_while_off(-2, "ouch")
        if phase is not Phase.PAUSED:
            self.walk.pause()
        return out + self.pressure_talk.ouch(self.walk.step_or_none())

    def lower_while_off(self, delta: int, why: str) -> list[Action]:
        """"ouch" or "softer" after stop or a warning sign: the weight is already off, and the
        reply saying to take it off (and lift the seat or the tool first) must be heard whole,
        so nothing is silenced. The level goes down for when the work goes on, and the line
        after it says so; no "Is that better?", since nothing presses now. (Said in two
        utterances, "Sharp... pain" was a warning cut short by an ouch's "Sorry. Easing off.
        <the step's guidance for the lighter level> Is that better?": a pressing instruction
        straight after a lift-off.)"""
        _, records = self.pressure_talk.move_quietly(delta, why)
        later = "ease in more gently" if self.pressure_talk.stretches else \
            f"it will be {describe(self.pressure_talk.level)}"
        return records + self.lines.say(
            f"Keep the pressure off. When you carry on, {later}. {RESUME_WHEN_READY}",
            LineKind.ANSWER)

    def better(self) -> list[Action]:
        """Yes to "Is that better?": good, and the hold stays paused until "resume" (see the
        module's docstring for why), except at an optional step's offer, which is put again."""
        # Not recorded as the level the receiver likes ("that's good" is): "better" only says
        # it hurts less than before, and the profile would start the next session there.
        self.pressure_talk.ouch_open = False
        if self.walk.effective_phase() is Phase.OPTIONAL:
            return self.lines.say("Good.", LineKind.ANSWER) + self.walk.resume_quietly()
        staying = "Stay as you are" if self.pressure_talk.stretches else \
            f"We'll stay at {describe(self.pressure_talk.level)}"
        return self.lines.say(f"Good. {staying}. The timer is paused. {RESUME_WHEN_READY}",
                              LineKind.PROMPT)

    def still_hurts(self) -> list[Action]:
        """No to "Is that better?": lighter still and ask again, or at the lightest lift off and
        leave the spot. The hold stays paused either way."""
        return self.pressure_talk.still_hurts(self.walk.step_or_none(), self.release())

    def other_position(self, softer: Callable[[], list[Action]]) -> list[Action]:
        """A check-in's answer says this position is not working: pause, ease off (`softer`, the
        session's one-level-lighter reply, for a step with pressure levels; out of the stretch
        part of the way for a stretch), the other position's lines, then wait for "resume"."""
        if self.walk.phase is not Phase.PAUSED:
            self.walk.pause()
        run = self.walk.current_run
        out = softer() if run.step.pressure else self.lines.say(
            "Ease off: come part of the way out of the stretch.", LineKind.ANSWER, urgent=True)
        for line in run.step.alternative:
            out += self.lines.say(run.render(line), LineKind.ANSWER)
        return out + self.lines.say(f"The timer is paused. {RESUME_WHEN_READY}",
                                    LineKind.PROMPT)
