"""The lines the coach says, numbered, and the last instruction kept for "repeat".

Every `Say` carries an utterance id that grows through the session. The speaker reports each
line finished by its id, which is how a hold knows its instruction has been spoken before its
timer starts. One `Utterances` is shared by everything in a session that speaks, so the ids
stay in order whichever part of the session says a line.
"""

from __future__ import annotations

from coach.core.actions import Action, LineKind, Say


class Utterances:
    """Hands out utterance ids; remembers the last instruction read."""

    def __init__(self) -> None:
        self.last_id = 0  # the id of the latest line said (0: nothing yet)
        self.last_instruction: tuple[str, ...] = ()

    def say(self, text: str, kind: LineKind = LineKind.INSTRUCTION,
            urgent: bool = False) -> list[Action]:
        self.last_id += 1
        return [Say(text, kind, urgent, self.last_id)]

    def instruction(self, lines: tuple[str, ...]) -> list[Action]:
        """Read lines of the routine, kept so that "repeat" can say them again."""
        self.last_instruction = lines
        out: list[Action] = []
        for line in lines:
            out += self.say(line, LineKind.INSTRUCTION)
        return out

    def repeat(self) -> list[Action]:
        """The last instruction again, as an answer to "repeat"."""
        out: list[Action] = []
        for line in self.last_instruction:
            out += self.say(line, LineKind.ANSWER)
        return out
