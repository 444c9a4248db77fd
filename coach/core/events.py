"""Events: everything that can happen to a session from the outside.

Text mode and the voice loop both turn their input into these, so the engine cannot tell a typed
"next" from a spoken one, except through `source` (a `CommandSource`): typed text that is no
command gets a hint back, heard chatter never does.

What the person said or typed (`CommandHeard`, `NotUnderstood`, `NoteTaken`) is kept apart from
what the program itself signals: the input running out or failing (`InputEnded`) and an end asked
for from outside the session (`EndRequested`). The session ends on both as on "end session", but
they were never heard, so the history's "heard" table does not hold them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from coach.core.commands import Intent


class CommandSource(str, enum.Enum):
    """How the person gave a command: spoken, typed, or a button on the live page.

    Which recognizer heard a spoken command is a different thing (`engine` on the events). The
    values are what the history stores for typed and button input ("text", "screen", as before);
    a spoken command is stored under its engine's name (`stored_label`, `from_label`)."""

    TYPED = "text"
    SPOKEN = "spoken"
    BUTTON = "screen"  # a button on the live page (`run --screen web`)

    def __str__(self) -> str:
        return self.value

    def stored_label(self, engine: str = "") -> str:
        """What the history's `source` column holds: the engine's name for spoken input (as
        files written before this enum hold it), else the value."""
        return (engine or self.value) if self is CommandSource.SPOKEN else self.value

    @classmethod
    def from_label(cls, label: str) -> tuple["CommandSource", str]:
        """A stored `source` back to (source, engine): "text" and "screen" are typed and
        button input, anything else was spoken and names its engine ("vosk", "whisper")."""
        for source in (cls.TYPED, cls.BUTTON):
            if label == source.value:
                return source, ""
        return cls.SPOKEN, ("" if label == cls.SPOKEN.value else label)


@dataclass(frozen=True)
class CommandHeard:
    """A recognized command. `confidence` is 1.0 for typed input."""

    intent: Intent
    text: str
    confidence: float = 1.0
    source: CommandSource = CommandSource.TYPED
    engine: str = ""  # the recognizer that heard it ("vosk", "whisper"); empty unless spoken
    engine_detail: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class NotUnderstood:
    """Input that is not a command: typed text that parses to nothing, or a rejected utterance.

    Typed input gets a short hint back. Heard input is only recorded: chatter between the two
    people on the mat must never make the coach talk.
    """

    text: str
    source: CommandSource = CommandSource.TYPED
    engine: str = ""


@dataclass(frozen=True)
class SpeechFinished:
    """The speaker finished (or was cut off while) saying the line with this id."""

    utterance_id: int
    interrupted: bool = False


@dataclass(frozen=True)
class DeviceProblem:
    """An audio device vanished or came back. The session pauses and says so; it never crashes."""

    device: str
    lost: bool
    detail: str = ""


@dataclass(frozen=True)
class NoteTaken:
    """A note about the current spot ("knot by the left shoulder blade").

    Typed as `note ...` (source TYPED, kept at once), or spoken after "take a note" (source
    SPOKEN, `engine` the recognizer; read back and kept only after a yes, see
    `coach.core.notes`). With a receiver's
    name the note is brought up at the same step next time. Empty text: speech was heard where a
    note was expected, but nothing could be made of it.
    """

    text: str
    source: CommandSource = CommandSource.TYPED
    engine: str = ""


class InputEndReason(str, enum.Enum):
    """Why an input can give no more commands. The values are stored in the history."""

    TYPED_INPUT_CLOSED = "typed input closed"  # end of file on stdin, or it could not be read
    END_OF_RECORDING = "end of recording"  # `--input FILE.wav` played to its end
    RECORDING_UNREADABLE = "recording unreadable"
    RECOGNITION_FAILED = "speech recognition failed"  # the recognizer did not load, or died

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class InputEnded:
    """The input ran out or failed: nothing more can be heard or typed, so the session ends as on
    "end session" (same lines, same summary). Not something anyone said."""

    reason: InputEndReason


class EndRequester(str, enum.Enum):
    """Who asked from outside the session for it to end. Stored in the history."""

    SIGNAL = "signal"  # Ctrl-C, SIGTERM, or SIGHUP (the terminal closed)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class EndRequested:
    """The program is being stopped from outside: the session ends as on "end session"."""

    by: EndRequester


Event = (CommandHeard | NotUnderstood | SpeechFinished | DeviceProblem | NoteTaken | InputEnded
         | EndRequested)
