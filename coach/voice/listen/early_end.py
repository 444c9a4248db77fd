"""Ending an utterance early: when a whole, confident command is already heard, the listener
need not wait for the endpointer's full hangover. "stop" acts at that pause even where a longer
phrase of its own meaning may follow, and the utterance stays open (`ACT_AT_PAUSE`).

Why its own module: it is the listener's latency rule, apart from what a result means
(judge.py) and from the order of the rules (listener.py). A streaming engine (pocketsphinx)
gives partial results as audio comes; a non-streaming one (Whisper) is asked for its reading
once per pause (`peek_at_pause`), and that reading stands in for the partial result.
"""

from __future__ import annotations

import enum
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


class Early(enum.Enum):
    """What a partial result (or a peeked reading) allows before the full hangover."""

    WAIT = "wait"  # no whole, sure command, or a longer phrase may still follow
    FIRE = "fire"  # act now and keep listening (`ACT_AT_PAUSE`)
    END = "end"  # act now and end the utterance: no longer phrase starts with it


ACT_AT_PAUSE = frozenset({Intent.STOP})
"""Commands that act at the first pause although a longer phrase may follow, when every such
phrase means the same ("stop now", "stop stop") and the words heard are the command's own
("Stop.", not "Can you stop", which "...by the bakery" may follow). The utterance stays open,
and its whole is read again at its end: ended there instead (tried, session 13), the rest was
read alone, "step" as stop, "now" as ouch (8 of ~210 longer phrases in seven voices). Only stop:
said as the first word of talk ("Stop by the shop"), it fires where it did not, and that is the
safe error; "next", "yes", "no", "right" open talk too ("Right, so...", "Next time..."), and
they keep waiting for the whole. Measured: docs/listening.md, "Stop acts at the first pause"."""


def complete_command(partial: str, confidence: float, context: frozenset[Intent] | None,
                     in_context: Callable[[Intent], bool],
                     thresholds: dict[Strictness, float], words: str | None = None) -> Early:
    """Is the partial result a whole in-context command, at its strictness's confidence, and
    could a longer phrase listened for extend it? END: nothing longer starts with it ("how
    long", "softer"). FIRE: see `ACT_AT_PAUSE`. `words`: what a free-transcript engine wrote
    (Whisper), None for a grammar's own phrase."""
    intent = parse(partial) if partial else None
    if intent is None or not in_context(intent):
        return Early.WAIT
    if confidence < thresholds[SPEC_BY_INTENT[intent].strictness]:
        return Early.WAIT
    phrase = normalize(partial)
    longer = context_phrases(context) if context is not None else \
        [p for spec in COMMANDS for p in voice_phrases(spec)]
    extended_to = {parse(other) for other in longer if other.startswith(phrase + " ")}
    if not extended_to:
        return Early.END
    its_own = words is None or normalize(words) in voice_phrases(SPEC_BY_INTENT[intent])
    if intent in ACT_AT_PAUSE and extended_to == {intent} and its_own:
        return Early.FIRE
    return Early.WAIT


def own_words(hyp: Hypothesis | None) -> str | None:
    """The words a free-transcript engine wrote for `hyp`, for `complete_command`; None when
    the command's phrase stands for them: a grammar's own phrase, or a short sound-alike read
    as the phrase whole (tiny.en writes "stop" as "Start." often; the rescue reads it back)."""
    if hyp is None or hyp.transcript is None or "rescued" in hyp.detail:
        return None
    return hyp.transcript


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
