"""A word spoken over the coach: the bar a barge-in must reach when a person says it, and a
second reading for one that falls short.

Why a module of its own: both answer one question for the listener, "did a person just say
stop over the coach?", from the echo canceller's evidence (`judge.is_person`) and, for an engine
whose reading hinges on where the endpointer's frames fall, from the same audio read again
(`Recognizer.realigned`). The listener asks only for a final result of a barge-in intent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from coach.core.commands import BARGE_IN_INTENTS, Intent
from coach.voice.asr.base import Hypothesis, Recognizer
from coach.voice.audio.on_air import OnAir
from coach.voice.listen import judge

log = logging.getLogger(__name__)

EchoRemoved = Callable[[float, float], "float | None"]


def bar(intent: Intent, threshold: float, person_bar: float | None, on_air: OnAir | None,
        echo_removed: EchoRemoved | None, start: float, end: float) -> float:
    """The confidence a final `intent` needs: `threshold` (its strictness's), or `person_bar`
    for a barge-in the canceller's evidence shows a person said over the coach."""
    if person_bar is None or intent not in BARGE_IN_INTENTS or on_air is None \
            or echo_removed is None or not on_air.overlapping(start, end):
        return threshold
    removed = echo_removed(start, end)
    log.debug("on air: the canceller removed %s dB over %.2f s", removed, end - start)
    return min(threshold, person_bar) if judge.is_person(removed) else threshold


def realigned(recognizer: Recognizer, hyp: Hypothesis, needed: float) -> Hypothesis:
    """`hyp`, or the same phrase read from a later frame phase (`Recognizer.realigned`) once
    one reaches `needed`. For a barge-in a person said over the coach only: a missed "stop"
    costs most there, and pocketsphinx read one recorded "stop" at 0.38 or 0.80 depending on
    where the endpointer's 32 ms frames fell (docs/listening.md, "A barge-in read at several
    frame phases")."""
    for other in recognizer.realigned():
        if other.text == hyp.text and other.confidence >= needed:
            log.debug("%r read again from a later frame phase: conf %.2f (was %.2f)",
                      hyp.text, other.confidence, hyp.confidence)
            return replace(other, detail={**other.detail, "realigned": 1.0})
    return hyp
