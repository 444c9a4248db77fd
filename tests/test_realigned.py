"""A barge-in a person said over the coach does not hinge on where the endpointer's frames fall.

tests/data/stop-over-the-stop-reply.wav is a real recording of the session test's failure
(tests/test_voice_session.py, pocketsphinx, a busy loop beside it): the echo canceller's output
while the coach said "Say resume to carry on, or end session to finish." and a person's "stop"
landed on "or end session". Live, pocketsphinx read it at 0.36 (under the bar for a person's
word over the coach, then 0.5) and the stop was missed; replayed from 16 starting points 2 ms
apart, the same audio read as stop at 0.36-0.87, under 0.5 at 12 of them. The endpointer cuts
on 32 ms frames, so where the stream began decides the reading. `Recognizer.realigned` reads it
again from later phases.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from coach.core.commands import Intent
from coach.core.status import Phase
from coach.voice.asr.select import create_recognizer
from coach.voice.audio.on_air import OnAir
from coach.voice.audio.chunk import AudioChunk
from coach.voice.audio.pcm import chunks
from coach.voice.listen import judge
from coach.voice.listen.listener import Listener
from coach.voice.pipeline import VoicePipeline
from testkit import testaudio as ta
from testkit.session_driver import to_phase

RECORDING = Path(__file__).parent / "data" / "stop-over-the-stop-reply.wav"
T0 = 1000.0  # the stream time of the recording's first sample
LINE = "Say resume to carry on, or end session to finish."
ON_AIR = (0.07, 3.58)  # seconds into the recording the line was on the air (the session's log)
REMOVED_DB = 1.5
"""What the echo canceller removed over the utterance in that session (its log): the recording
is the canceller's output, so its evidence is replayed as measured."""


@pytest.fixture(scope="module")
def recognizer():  # noqa: ANN201
    return create_recognizer("pocketsphinx")


@functools.lru_cache(maxsize=1)
def recording() -> np.ndarray:
    return ta.load_wav(str(RECORDING))


def heard_at_phase(recognizer, shift_ms: int, realign: bool = True) -> list[Intent]:  # noqa: ANN001
    """What fires when the recording is streamed from `shift_ms` in (another frame phase)."""
    samples = recording()
    skip = shift_ms * ta.SAMPLE_RATE // 1000
    on_air = OnAir(guard_seconds=0.3)
    on_air.started(LINE, at=T0 + ON_AIR[0])
    on_air.finished(at=T0 + ON_AIR[1])
    listener = Listener(recognizer if realign else _FirstReadingOnly(recognizer), on_air=on_air)
    listener.set_context(to_phase(Phase.PAUSED).session.active_intents())
    pipeline = VoicePipeline(listener)
    listener.echo_removed = lambda start, end: REMOVED_DB
    start = T0 + skip / ta.SAMPLE_RATE
    heard = pipeline.hear(AudioChunk(piece, at)
                          for piece, at in chunks(ta.to_pcm(samples[skip:]), 20, start=start))
    return [h.event.intent for h in heard if h.fired]


class _FirstReadingOnly:
    """The recognizer without its second readings: what the listener heard before them."""

    def __init__(self, inner) -> None:  # noqa: ANN001
        self._inner = inner

    def realigned(self):  # noqa: ANN201
        return iter(())

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._inner, name)


def test_the_recorded_stop_fires_from_every_frame_phase(recognizer) -> None:
    assert judge.is_person(REMOVED_DB)
    phases = range(0, 32, 4)
    missed = [ms for ms in phases if Intent.STOP not in heard_at_phase(recognizer, ms)]
    assert missed == [], f"stop missed when the stream began {missed} ms later"


def test_without_a_second_reading_the_phase_decides(recognizer) -> None:
    """The failure this guards against, seen on the same audio: some phases miss it."""
    missed = [ms for ms in range(0, 32, 4)
              if Intent.STOP not in heard_at_phase(recognizer, ms, realign=False)]
    assert missed, "every phase heard it without realignment: the recording no longer shows it"
