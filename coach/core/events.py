"""Events: everything that can happen to a session from the outside.

Text mode and the voice loop both turn their input into these, so the engine cannot tell a typed
"next" from a spoken one (except through `source`, which is only recorded).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coach.core.commands import Intent


@dataclass(frozen=True)
class CommandHeard:
    """A recognized command. `confidence` is 1.0 for typed input."""

    intent: Intent
    text: str
    confidence: float = 1.0
    source: str = "text"  # "text", "pocketsphinx", "vosk", ...
    engine_detail: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class NotUnderstood:
    """Input that is not a command: typed text that parses to nothing, or a rejected utterance.

    Typed input gets a short hint back. Heard input is only recorded: chatter between the two
    people on the mat must never make the coach talk.
    """

    text: str
    source: str = "text"


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

    Typed as `note ...` (source "text", kept at once), or spoken after "take a note" (source is
    the engine; read back and kept only after a yes, see `coach.core.notes`). With a receiver's
    name the note is brought up at the same step next time. Empty text: speech was heard where a
    note was expected, but nothing could be made of it.
    """

    text: str
    source: str = "text"


Event = CommandHeard | NotUnderstood | SpeechFinished | DeviceProblem | NoteTaken
