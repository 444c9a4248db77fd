"""The benchmark's barge-in row: "stop" and "ouch" said over the coach's longest kind of line.

The same sweep as tests/test_barge_in_sweep.py (testkit/over_the_coach.py): the 220-character
line that says "breathing out" (12.3 s in Piper's voice), a person's word at every `step`
seconds of it, through a simulated room, the echo canceller and the real listener in a step's
context, with the line's word times on the air as the speaker puts them. The test asserts every
half second; the benchmark counts a finer grid (every quarter second: 48 tries per word) so the
row reads against issue 20's target of 49 of 50.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.voice.listen.listener import Listener
from coach.voice.asr.base import Recognizer
from testkit import over_the_coach as oc


@dataclass(frozen=True)
class SweepResult:
    word: str
    tries: int
    heard: int
    missed_at: tuple[float, ...]  # seconds into the line


def sweep(recognizer: Recognizer, step: float, words: tuple[str, ...] = ("stop", "ouch"),
          context: tuple | None = None) -> list[SweepResult]:
    """Each word said at every `step` seconds of the long line; how many fired it."""
    listener = Listener(recognizer)
    listener.set_context(context)
    coach = oc.coach_audio(oc.render_steady([oc.WARM_UP_LINE, oc.long_line()]))
    results = []
    for word in words:
        clip = oc.person_word(word)
        positions = oc.sweep_positions(coach.line_seconds, step=step)
        missed = tuple(at for at in positions
                       if word not in [h.event.intent.value
                                       for h in oc.said_over(listener, coach, clip, at) if h.fired])
        results.append(SweepResult(word, len(positions), len(positions) - len(missed), missed))
    listener.reset()
    return results
