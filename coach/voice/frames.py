"""The typed frames that travel along the voice pipeline (`coach.voice.pipeline`).

Two kinds, as in rhasspy's wyoming and pipecat:
- `AudioChunk`: a piece of sound with its sample format attached, so a chunk from a 44.1 kHz
  microphone cannot be mistaken for the 16 kHz mono audio the listener takes. It lives in
  `coach.voice.audio.chunk`, beside the sources that make it; it is re-exported here.
- `Heard`: one decision of the listener about an utterance, carrying the core `Event` it becomes
  (a command, a rejection or a note) and the timing the benchmark and the tests measure.
The session core never sees either: the pipeline hands it `Heard.event` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from coach.core.events import CommandHeard, NotUnderstood, NoteTaken
from coach.voice.audio.chunk import AudioChunk  # noqa: F401 - re-exported: its home is audio/


@dataclass(frozen=True)
class Heard:
    """One decision of the listener.

    `speech_ended`: stream time the VAD saw the speech end (for a partial fire, the time of the
    partial: the speaker may still be talking). `emitted`: stream time of the chunk whose
    processing produced this. `compute`: wall seconds the listener spent in that `process` call
    before returning, so live latency = emitted - speech_ended + compute.

    `detail` holds the engine's own numbers (scores, log-probabilities). What the listener
    itself decided is typed: `rejected` (the words fire nothing), `own_voice` (begun over the
    coach's own line), `note` (heard while waiting for a note). They were floats in `detail`
    once; `reported_detail` still gives them that way to the outputs that printed them.
    """

    event: CommandHeard | NotUnderstood | NoteTaken
    speech_started: float
    speech_ended: float
    emitted: float
    confidence: float
    detail: dict[str, float] = field(default_factory=dict)
    partial: bool = False
    compute: float = 0.0
    rejected: bool = False
    own_voice: bool = False
    note: bool = False

    @property
    def fired(self) -> bool:
        return isinstance(self.event, CommandHeard)

    @property
    def latency(self) -> float:
        return self.emitted - self.speech_ended + self.compute

    def with_compute(self, compute: float) -> Heard:
        return replace(self, compute=compute)

    @property
    def reported_detail(self) -> dict[str, float]:
        """`detail` with the listener's flags as 1.0, as `hear --json` and the benchmark's
        rows have always shown them."""
        flags = {"note": self.note, "rejected": self.rejected, "own_voice": self.own_voice}
        return {**self.detail, **{name: 1.0 for name, on in flags.items() if on}}
