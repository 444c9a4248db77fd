"""A negation Whisper half-heard, caught on the audio before it fires a pain report.

Why: a receiver who says "Not painful." or "It's not painful." is telling the giver that all is
well. Whisper tiny.en sometimes loses the one short word that carries the meaning, and writes
"That painful" or "It's so painful."; the reader (`coach.core.understanding`) then sees a pain
report, and the coach eases off, pauses and asks. That is the safe way to be wrong, but it
answers "all is well" with "sorry", and the issue asks for no negation to fire at all.

How:
1. Only a pain or warning-sign reading of a sentence (two words or more) is checked: a bare
   "ouch" has nothing to negate, and "stop" is never second-guessed (it must always win).
2. The place a negator would go is found with the reader itself: the last pain or warning cue
   (not an outcry: nobody says "not ouch") before which "not" written in turns the sentence
   into no safety intent ("that | painful").
   Candidates are the sentence with a negator written in there ("that not painful", "that no
   painful", ...) or written over one of the two words before it ("not painful", "it's not
   painful", "nothing hurts"). A candidate counts only if the reader then finds no safety intent
   in it, so a sentence with a second cue ("stop, it hurts") has none and always fires.
3. The candidates are scored on the same audio by teacher forcing, with the transcript (and the
   rescued sentence, when the reading came from `SafetyRescue`). The reading yields only when
   the best negated sentence scores `NEGATION_MARGIN` *more* than the best of those: the audio
   must prefer the negation clearly, not merely allow it. A real pain report taken for a
   negation keeps hurting someone; a negation taken for pain costs one "sorry".

The margin is measured in docs/listening.md ("Negations half-heard") with `python -m
bench.negation_margin`, chosen on the dev phrasings and checked on the held-out and late ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.core.commands import Intent, interpret
from coach.core.understanding import CUES
from coach.voice.asr.safety_rescue import SAFETY, words_of

if TYPE_CHECKING:  # pragma: no cover
    from coach.voice.asr.whisper_engine import WhisperModel

log = logging.getLogger(__name__)

CHECKED = frozenset({Intent.OUCH, Intent.WARNING})
"""Readings put to the check: pain reports and warning signs. Never STOP (module docstring)."""

NEGATION_MARGIN = 1.0
"""How much more (total log-probability, nats) the best negated sentence must score than the
transcript for a pain reading to yield (module docstring, step 3; docs/listening.md)."""

OUTCRIES = frozenset({"ow", "oww", "owww", "ouch"})
"""Pain cues with nothing to negate: nobody says "not ouch"."""

WRITTEN_IN = ("not", "no", "don't")
WRITTEN_OVER = ("not", "no", "nothing", "never", "don't", "doesn't", "isn't")
MAX_WORDS = 10


@dataclass(frozen=True)
class Negation:
    sentence: str  # the best negated sentence
    margin: float  # its score minus the best of the transcript's and the reading's


def _reads_safe(tokens: list[str]) -> bool:
    return interpret(" ".join(tokens)) not in SAFETY


def _bare(token: str) -> str:
    return " ".join(words_of(token))


def _cue_starts(tokens: list[str]) -> list[int]:
    """Where a pain or warning cue (not an outcry) begins among `tokens`."""
    words = [_bare(token) for token in tokens]
    starts = []
    for i in range(len(words)):
        for cue in CUES:
            parts = [w for part in cue.words for w in part.split("_")]
            if cue.intent in CHECKED and parts[0] not in OUTCRIES \
                    and words[i:i + len(parts)] == parts:
                starts.append(i)
                break
    return starts


def candidates(sentence: str) -> list[str]:
    """Negated sentences one negator away from `sentence` (module docstring, step 2). Tokens
    keep their punctuation: "Stop, it hurts" is two clauses to the reader."""
    tokens = sentence.replace("\u2019", "'").split()
    if len(tokens) < 2 or len(tokens) > MAX_WORDS:
        return []
    places = [i for i in _cue_starts(tokens) if _reads_safe(tokens[:i] + ["not"] + tokens[i:])]
    if not places:
        return []
    at = places[-1]
    found: list[list[str]] = []
    for negator in WRITTEN_IN:
        found.append(tokens[:at] + [negator] + tokens[at:])
    for over in (at - 1, at - 2):
        if over < 0:
            continue
        for negator in WRITTEN_OVER:
            if _bare(tokens[over]) != negator:
                found.append(tokens[:over] + [negator] + tokens[over + 1:])
    out: list[str] = []
    for candidate in found:
        text = " ".join(candidate)
        if text not in out and _reads_safe(candidate):
            out.append(text)
    return out


class NegationCheck:
    """Asks the audio whether a pain reading was a negation half-heard (module docstring)."""

    def __init__(self, model: WhisperModel, margin: float = NEGATION_MARGIN) -> None:
        self.model = model
        self.margin = margin

    def best(self, intent: Intent, transcript: str, reading: str, encoded,  # noqa: ANN001
             frames: int) -> Negation | None:
        """The best negated sentence and its margin, whatever the margin; None when the reading
        is not checked or nothing can negate it."""
        if intent not in CHECKED:
            return None
        found = candidates(reading)
        if not found:
            return None
        heard = [" ".join(words_of(transcript))]
        if words_of(reading) != words_of(transcript):
            heard.append(" ".join(words_of(reading)))
        scores = self.model.phrase_logprobs(
            encoded, [*heard, *(" ".join(words_of(text)) for text in found)], frames, total=True)
        own = max(scores[:len(heard)])
        best = max(range(len(found)), key=lambda i: scores[len(heard) + i])
        return Negation(found[best], scores[len(heard) + best] - own)

    def yields(self, negation: Negation | None) -> bool:
        """Does the audio prefer the negation by the margin?"""
        return negation is not None and negation.margin >= self.margin
