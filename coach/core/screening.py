"""The safety questions asked before a routine starts (its contraindications), and their read-back.

They come one at a time, each with the attention cue, and take yes or no. "Yes" to any of them
ends the session there, with the routine's reason; they cannot be skipped. After the last one the
answers are read back in one sentence ("So: no heart condition, not pregnant. Is that right?"),
because a misheard "no" would skip a safety check: only a clear "yes" to the read-back lets the
routine start, and "no" goes back through the questions.

Anything that is not an answer ("maybe", "I don't know", a side, a typed sentence) gets the
question again, and so does silence, a few times. Which side first, the cautions and the set-up
come after them and belong to `coach.core.walk`.
"""

from __future__ import annotations

from coach.core.actions import Action, CueKind, LineKind, PlayCue, SessionOver
from coach.core.record_data import Contraindicated, ScreeningConfirmed, ScreeningRestarted
from coach.core.routine import Contraindication
from coach.core.utterances import Utterances

REASK_AFTER_SECONDS = 20.0  # silence after a question this long: ask it again
UNSPOKEN_REASK_SECONDS = 60.0  # the same, counted from the asking, if the speaker never said
# the question was finished (a long read-back can take half a minute to say)
MAX_SILENT_REASKS = 3  # then wait quietly; nothing starts without an answer anyway


class Screening:
    """Which question is being asked (or the read-back), and what the coach says around them."""

    def __init__(self, questions: tuple[Contraindication, ...], lines: Utterances) -> None:
        self.questions = questions
        self.lines = lines
        self.index = 0  # the question being asked; len(questions): the read-back
        self.confirmed = False  # "yes" to the read-back
        self.asked_at: float | None = None  # when the current question was last put, or spoken
        self._question_id = 0  # the utterance id of the question (or read-back) last put
        self._spoken = False  # that line has been spoken to the end
        self._silent_reasks = 0
        self._nudged = False  # a heard non-answer already got the question again

    @property
    def done(self) -> bool:
        """Every question was answered no, and the read-back confirmed."""
        return self.confirmed

    @property
    def reading_back(self) -> bool:
        """The answers were read back and wait for "yes, that's right" or "no"."""
        return self.index >= len(self.questions) and not self.confirmed

    def start(self, now: float) -> list[Action]:
        return self.lines.say("First, a few safety questions. Please answer yes or no.",
                              LineKind.NOTICE) + self.ask(now)

    def ask(self, now: float) -> list[Action]:
        """The current question (or the read-back) again, after the attention cue."""
        self.asked_at = now
        self._spoken = False
        text = self.read_back_sentence() if self.reading_back else \
            self.questions[self.index].question
        out = [PlayCue(CueKind.ATTENTION)] + self.lines.say(text, LineKind.PROMPT)
        self._question_id = self.lines.last_id
        return out

    def speech_finished(self, utterance_id: int, now: float) -> None:
        """The question has been said: silence counts from here (the read-back of ten answers
        takes half a minute to say, and must not be asked again while it is being said)."""
        if utterance_id >= self._question_id and not self._spoken and self.asked_at is not None:
            self._spoken = True
            self.asked_at = now

    def read_back_sentence(self) -> str:
        """'So: no heart condition, no varicose veins, and not pregnant. Is that right?'"""
        # The loader requires a read_back; a routine built in code may lack one.
        parts = [item.read_back or f"no to: {item.question.rstrip('?')}"
                 for item in self.questions]
        listed = parts[0] if len(parts) == 1 else \
            ", ".join(parts[:-1]) + (", and " if len(parts) > 2 else " and ") + parts[-1]
        return f"So: {listed}. Is that right?"

    def hint(self, now: float) -> list[Action]:
        """Anything but an answer ("next", a side): the question again."""
        return self.lines.say("Please answer yes or no first.", LineKind.ANSWER) + self.ask(now)

    def not_an_answer(self, now: float, typed: bool, text: str) -> list[Action]:
        """Input that is no answer ("maybe", "I don't know"): the question again.

        Typed input always gets it: the person is looking at the screen. Heard input gets it
        once per question, only after the question has been said and only for words (not a
        noise too short to read), so chatter or the coach's own voice coming back cannot keep
        the question going round.
        """
        if not typed:
            if self._nudged or not self._spoken or not text.strip():
                return []
            self._nudged = True
        return self.lines.say("I need a clear yes or no.", LineKind.ANSWER) + self.ask(now)

    def tick(self, now: float) -> list[Action]:
        """Silence after a question: ask it again, a few times."""
        due = self.wakeup()
        if due is None or now < due:
            return []
        self._silent_reasks += 1
        return self.lines.say("I didn't hear an answer.", LineKind.ANSWER) + self.ask(now)

    def wakeup(self) -> float | None:
        """When `tick` would next ask again (None: it will not)."""
        if self.asked_at is None or self._silent_reasks >= MAX_SILENT_REASKS:
            return None
        return self.asked_at + (REASK_AFTER_SECONDS if self._spoken else UNSPOKEN_REASK_SECONDS)

    def refuse_skip(self, now: float) -> list[Action]:
        return self.lines.say("The safety questions can't be skipped.", LineKind.ANSWER) + \
            self.ask(now)

    def go_back(self) -> bool:
        """Back to the previous question; False (staying put) at the first one."""
        if self.index == 0:
            return False
        self.index -= 1
        self._answered()
        return True

    def answered_no(self, now: float) -> list[Action]:
        """The next question, or after the last one the read-back."""
        self.index += 1
        self._answered()
        return self.ask(now)

    def confirm(self, right: bool, now: float) -> list[Action]:
        """The answer to the read-back: "yes" ends the screening (then `done` is true); "no"
        goes back through the questions from the first."""
        self._answered()
        if right:
            self.confirmed = True
            self.asked_at = None
            return [ScreeningConfirmed(len(self.questions)).record()] + \
                self.lines.say("Thank you.", LineKind.NOTICE)
        self.index = 0
        return [ScreeningRestarted().record()] + self.lines.say(
            "Then let's go through the questions again.", LineKind.ANSWER) + self.ask(now)

    def answered_yes(self) -> list[Action]:
        """Why this routine is not safe now, and the end of the session."""
        item = self.questions[self.index]
        self.asked_at = None
        out: list[Action] = [Contraindicated(item.question).record()]
        out += self.lines.say(item.reason, LineKind.NOTICE)
        # No "today", and no doctor to ask for leave: some routines are simply not for someone
        # with the condition (the sit with a heart condition). The doubt left is the answer.
        out += self.lines.say("So we won't start this routine. If you're not sure of the "
                              "answer, ask a doctor or a qualified massage therapist.",
                              LineKind.NOTICE)
        return out + [SessionOver(False, "Stopped at the safety questions.")]

    def _answered(self) -> None:
        self._silent_reasks = 0
        self._nudged = False
