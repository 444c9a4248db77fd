"""Ending an utterance early: when a whole, confident command is already heard, the listener
need not wait for the endpointer's full hangover.

Why its own module: it is the listener's latency rule, apart from what a result means
(judge.py) and from the order of the rules (listener.py). A streaming engine (pocketsphinx)
gives partial results as audio comes; a non-streaming one (Whisper) is asked for its reading
once per pause (`peek_at_pause`), and that reading stands in for the partial result.
"""

from __future__ import annotations

from collections.abc import Callable

from coach.core.commands import COMMANDS, SPEC_BY_INTENT, Intent, Strictness, normalize, parse
from coach.core.understanding import trails_off
from coach.voice.asr.base import Hypothesis, Recognizer
from coach.voice.listen.judge import context_phrases, voice_phrases

PEEK_AFTER = 0.06
"""Trailing silence after which a non-streaming engine (Whisper) is asked for its reading, and a
whole confident command it reads ends the utterance. Measured (20 clips at real-time pace, cores
busy): latency p50 about 90 ms lower than at 0.1 s (341-367 vs 433-466 ms), nothing more missed.
A reading taken in a consonant's closure ("sto-") is no command and simply waits for more."""

EARLY_HANGOVER = 0.1
"""Trailing silence after which a whole, confident, unextendable command ends its utterance.
Measured (25 real + 25 synthesized clips at real-time pace): latency p50 288 -> 199 ms, p95
325 -> 320 ms; on 128 non-commands 3 vs 3 false accepts, on 90 commands 35 vs 36 right."""


def should_peek(recognizer: Recognizer, early_hangover: float | None, trailing_silence: float,
                waited: float, early_max_utterance: float, busy: bool) -> bool | None:
    """Ask a non-streaming engine for its reading now? True: ask; False: not now; None: the
    pause is over (the utterance goes on), so the next pause may ask again.

    Only once per pause, and only in utterances short enough to end early
    (`early_max_utterance`, `waited` seconds so far): chatter's pauses cost a decode each
    (real-time factor 0.135 -> 0.195 in the benchmark before this limit). `busy`: a note, or a
    command already fired, or already asked at this pause."""
    if recognizer.streaming or early_hangover is None:
        return False
    if trailing_silence < early_hangover - 1e-9:
        return None
    return not busy and waited <= early_max_utterance


def complete_command(partial: str, confidence: float, context: frozenset[Intent] | None,
                     in_context: Callable[[Intent], bool],
                     thresholds: dict[Strictness, float]) -> bool:
    """Is the partial result a whole in-context command, at its strictness's confidence, that
    no longer phrase listened for could extend ("how long", "softer"; not "next", which "next
    step" could follow)?"""
    intent = parse(partial) if partial else None
    if intent is None or not in_context(intent):
        return False
    if confidence < thresholds[SPEC_BY_INTENT[intent].strictness]:
        return False
    phrase = normalize(partial)
    longer = context_phrases(context) if context is not None else \
        [p for spec in COMMANDS for p in voice_phrases(spec)]
    return not any(other.startswith(phrase + " ") for other in longer)


def reading(hyp: Hypothesis | None) -> tuple[str, float] | None:
    """A peeked reading as (text, confidence) to stand in for the partial result; no command
    ("", 0.0) while its words trail off (`understanding.trails_off`): "It's a sharp" is half of
    "It's a sharp turn after the bridge.", and the pause after "sharp" is no end. The words a
    rescue read instead (`read_as`) count too: Piper's "It's a sharp" was written "It's a
    shark." (a whole sentence) and rescued as "it's a sharp", half of one."""
    if hyp is None:
        return None
    if any(words is not None and trails_off(words) for words in (hyp.transcript, hyp.read_as)):
        return "", 0.0
    return hyp.text, hyp.confidence
