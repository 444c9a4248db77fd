"""A safety word Whisper misspelled inside a sentence, found by sound and confirmed on the audio.

Why: a receiver in pain says it once, in their own words, and Whisper tiny.en writes one safety
word in five of them as a word that sounds like it: "He's up." for "ease up", "Can you start?"
for "can you stop?", "My leg is um" for "my leg is numb", "I got bins and needles". The
sentence around it is right, so `coach.core.understanding` would have read it, had the one word
been spelled right. `SoundAlikeRescue` (whisper_guard) only looks at transcripts of one or two
words; this looks inside sentences, for safety cues only.

How:
1. Every stretch of one to three words of a transcript that is no command is compared, by its
   dictionary sounds, with every safety cue of `understanding.CUES` (stop, lift off, numb, ease
   up, pins and needles, ...). A cue within one phone (two, when both have over three phones)
   makes a candidate: the transcript with that stretch replaced by the cue.
2. A candidate counts only if the whole sentence then reads as a safety intent: every rule of
   the reader (negation scope, who and when, what follows) still applies to it. Negations are
   never rescued away: a stretch holding "no", "not" or any "n't" is never replaced, and cues
   that only act negated ("so hard") are not used.
3. The candidates are scored on the same audio by teacher forcing, with the transcript itself.
   The best one is taken when its total log-probability is within `SAFETY_RESCUE_MARGIN` of
   the transcript's: the audio supports the safety word about as well as the word that was
   written. A total, not a mean per token: in a long sentence a mean dilutes the one changed
   word, and chatter of twelve words came within 1.5 of a mean ("Your shoulders feel ..." read
   as "sore shoulders feel ...").

Cues of under three phones ("ow", "whoa", "ouch") are left out: one phone away from "oh", "a"
and "I", they made a candidate of nearly every sentence. The margin and both rules were chosen on
the dev part of tests/data/phrasings.csv and checked on its held-out part and the benchmark's
non-command sets (docs/listening.md, "Safety words inside sentences").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from coach.core.commands import Intent, interpret
from coach.core.understanding import CUES, NEGATORS
from coach.voice.asr.base import phone_distance
from coach.voice.asr.pronounce import words_pronunciation

if TYPE_CHECKING:  # pragma: no cover
    from coach.voice.asr.whisper_engine import WhisperModel

log = logging.getLogger(__name__)

SAFETY = frozenset({Intent.STOP, Intent.OUCH, Intent.WARNING, Intent.SOFTER})

SAFETY_RESCUE_MARGIN = 3.0
"""How much lower (total log-probability, nats) the rescued sentence may score than the
transcript. Chosen on the dev phrasings (213 lines x Piper and espeak-ng en-us, through tiny.en)
and the benchmark's 405 non-command clips (real distractor words, real sentences, chatter in
seven voices): right rescues scored +7.1 to -8.4 against their transcript, 23 of them within
3.0 (24 within 4.0); no wrong one and no non-command came within 3.0, the nearest being the real
distractor "BAND!" read as "burns" at -3.7 (docs/listening.md, "Safety words inside
sentences")."""

MAX_WORDS = 12
"""Longer transcripts are not searched: a safety report is a short sentence, and the search
grows with the length."""

MAX_CANDIDATES = 8
MIN_CUE_PHONES = 3
NEGATING = NEGATORS | {"no"}


@dataclass(frozen=True)
class SafetyReading:
    sentence: str
    intent: Intent
    score: float  # the sentence's total log-probability
    tokens: int  # its tokens, end of text included (for a mean confidence)
    margin: float  # its score minus the transcript's


@lru_cache(maxsize=1)
def cue_sounds() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(cue words, their phones) for each safety cue the rescue may write in."""
    out = []
    for cue in CUES:
        if cue.kind == "negated":
            continue
        words = tuple(w for part in cue.words for w in part.split("_"))
        sounds = words_pronunciation(words)
        if sounds is not None and len(sounds) >= MIN_CUE_PHONES:
            out.append((words, sounds))
    return tuple(out)


def words_of(transcript: str) -> list[str]:
    return re.sub(r"[^a-z' ]+", " ", transcript.lower().replace("\u2019", "'")).split()


def candidates(transcript: str) -> list[tuple[str, Intent]]:
    """Sentences one sound-alike stretch away from `transcript` that read as a safety intent,
    nearest first (module docstring, steps 1 and 2)."""
    words = words_of(transcript)
    if not words or len(words) > MAX_WORDS:
        return []
    found: dict[str, tuple[int, Intent]] = {}
    for start in range(len(words)):
        for width in (1, 2, 3):
            stretch = words[start:start + width]
            if len(stretch) < width:
                break
            if NEGATING & set(stretch) or any(w.endswith("n't") for w in stretch):
                continue
            sounds = words_pronunciation(tuple(w.strip("'") for w in stretch))
            if sounds is None:
                continue
            for cue, cue_phones in cue_sounds():
                if list(cue) == stretch:
                    continue
                allowed = 1 if min(len(sounds), len(cue_phones)) <= 3 else 2
                if abs(len(sounds) - len(cue_phones)) > allowed:
                    continue  # the distance is at least the difference in length
                distance = phone_distance(sounds, cue_phones)
                if distance > allowed:
                    continue
                sentence = " ".join(words[:start] + list(cue) + words[start + width:])
                intent = interpret(sentence)
                if intent in SAFETY and (sentence not in found or found[sentence][0] > distance):
                    found[sentence] = (distance, intent)
    ranked = sorted(found.items(), key=lambda item: (item[1][0], item[0]))
    return [(sentence, intent) for sentence, (_, intent) in ranked[:MAX_CANDIDATES]]


class SafetyRescue:
    """Finds a safety word misspelled inside a sentence (module docstring)."""

    def __init__(self, model: WhisperModel, margin: float = SAFETY_RESCUE_MARGIN) -> None:
        self.model = model
        self.margin = margin

    def rescue(self, transcript: str, encoded, frames: int) -> SafetyReading | None:  # noqa: ANN001
        found = candidates(transcript)
        if not found:
            return None
        written = " ".join(words_of(transcript))
        scores = self.model.phrase_logprobs(encoded, [written, *(s for s, _ in found)], frames,
                                            total=True)
        own = scores[0]
        best = max(range(len(found)), key=lambda i: scores[i + 1])
        margin = scores[best + 1] - own
        if margin < -self.margin:
            return None
        sentence, intent = found[best]
        tokens = len(self.model.token_ids(sentence)) + 1
        return SafetyReading(sentence, intent, scores[best + 1], tokens, margin)
