"""Actions: what the session asks the outside world to do.

The engine only returns these; adapters carry them out (print or speak a line, play a cue, redraw
the screen, write the history). `Say(urgent=True)` marks a reply that interrupts: the runner
(`Runner._dispatch`, the one rule) first silences what is playing and everything queued before
the reply (`speaker.stop()`), then queues the whole reply, its acknowledgement cue included. The
speaker itself only queues and cuts; it has no notion of urgency.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from coach.core.record_kinds import RecordKind


class CueKind(str, enum.Enum):
    UNDERSTOOD = "understood"  # a soft blip when a command is accepted
    HOLD_START = "hold_start"
    HOLD_END = "hold_end"
    TICK = "tick"  # final countdown
    ATTENTION = "attention"  # a question is waiting for an answer


class LineKind(str, enum.Enum):
    INSTRUCTION = "instruction"  # part of the routine; "repeat" says the last one again
    ANSWER = "answer"  # a reply to a command ("about two minutes left")
    PROMPT = "prompt"  # a question waiting for yes/no or a choice
    NOTICE = "notice"  # safety and housekeeping lines


@dataclass(frozen=True)
class Say:
    text: str
    kind: LineKind = LineKind.INSTRUCTION
    urgent: bool = False  # the runner cuts off what was speaking or queued before it
    utterance_id: int = 0


@dataclass(frozen=True)
class StopSpeaking:
    """Silence the speaker now and drop the queue ("stop")."""


@dataclass(frozen=True)
class PlayCue:
    cue: CueKind


@dataclass(frozen=True)
class AdjustVoice:
    """Change the speech rate or volume by a number of steps (+1 faster/louder, -1 slower/quieter)."""

    rate_steps: int = 0
    volume_steps: int = 0


@dataclass(frozen=True)
class Record:
    """Something worth keeping in the session history (a pressure change, a hold's real length).

    `kind` is a `RecordKind`; a plain string is checked against it, so a misspelt kind fails at
    once instead of being stored where no reader looks."""

    kind: RecordKind
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", RecordKind(self.kind))


@dataclass(frozen=True)
class SessionOver:
    """The session has ended; the runner may exit once queued speech is done."""

    completed: bool
    summary: str


Action = Say | StopSpeaking | PlayCue | AdjustVoice | Record | SessionOver
