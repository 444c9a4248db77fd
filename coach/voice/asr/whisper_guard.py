"""Second looks at a Whisper transcript, by scoring phrases on the same audio (teacher forcing).

1. `PainCheck`: never take a pain report for approval.
2. `SoundAlikeRescue`: a transcript one or two sounds away from a command ("start" for "stop",
   "Let's" for "left") is the command when the command fits the audio nearly as well.

## The pain check

Why: Whisper once transcribed espeak-ng's "that hurts" as "That's good." (../shared/notes/
whisper.md). Of all the mistakes the coach can make, keeping (or raising) the pressure on someone
who said it hurts is the worst; easing off when they said it was good costs one "harder".

So whenever the free transcript reads as an intent that keeps or raises the pressure
(`PRESSURE_KEEPING`), the receiver's pain phrases are scored on the same audio by teacher forcing,
and compared with the transcript's own score. If a pain phrase comes within `PAIN_MARGIN` (mean
log-probability per token), the utterance is read as OUCH: ease off, pause and ask. The margin is
measured in docs/listening.md ("The pain check").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.core.commands import (SPEC_BY_INTENT, Intent, Strictness, collapse_repeats, interpret,
                                 normalize)
from coach.voice.asr.base import phone_distance
from coach.voice.asr.pronounce import words_pronunciation
from coach.voice.asr.whisper_features import HOP
from coach.voice.audio.pcm import SAMPLE_WIDTH

if TYPE_CHECKING:  # pragma: no cover
    from coach.voice.asr.whisper_engine import WhisperModel

PRESSURE_KEEPING = frozenset({Intent.GOOD, Intent.HARDER})
"""Readings that keep or raise the pressure: the ones a misheard pain report must not become."""

PAIN_PHRASES: tuple[str, ...] = ("that hurts", "it hurts", "ouch", "ow", "too hard")

PAIN_MARGIN = 4.0
"""How much worse (mean log-probability per token) a pain phrase may score than the transcript and
still win. Generous on purpose: a wrong OUCH only eases off and asks, a missed one keeps hurting.

Measured by `python -m bench.pain_margin` (docs/listening.md, "The pain check"), 7 voices, clean
and in noise, three runs (the last two held out: other rates and noise, other espeak-ng pitches):
Whisper wrote "That's good." or "That's perfect." for 6 of 1296 synthesized pain clips, the pain
phrases 1.0 to 3.2 under it; 1.0 let all 6 stand, 3.0 one (found only in a held-out run). Of 1207
approvals Whisper read as approval, 1 is overruled at 3.5 (3.45 under, "That's perfect." against
"that hurts"), 6 (0.5 %) at 4.0, 35 (2.9 %) at 4.5. So 4.0: no pain report read as approval, 0.8
beyond the widest seen, at a price of about one approval in 200 answered with "sorry"."""


@dataclass(frozen=True)
class SaferReading:
    intent: Intent
    margin: float  # pain phrase score minus the transcript's score
    why: str


class PainCheck:
    """Scores pain phrases against a pressure-keeping transcript on the same encoded audio."""

    def __init__(self, model: WhisperModel, margin: float = PAIN_MARGIN) -> None:
        self.model = model
        self.margin = margin

    def safer_reading(self, intent: Intent, encoded, pcm: bytes,  # noqa: ANN001
                      transcript: str) -> SaferReading | None:
        """OUCH instead of `intent` when a pain phrase fits the audio nearly as well, else None."""
        if intent not in PRESSURE_KEEPING:
            return None
        frames = mel_frames(pcm)
        scores = self.model.phrase_logprobs(encoded, [transcript, *PAIN_PHRASES], frames)
        own, pain = scores[0], scores[1:]
        best = max(range(len(pain)), key=pain.__getitem__)
        margin = pain[best] - own
        if margin < -self.margin:
            return None
        return SaferReading(Intent.OUCH, margin,
                            f"{PAIN_PHRASES[best]!r} scores within {self.margin} of {transcript!r} "
                            f"({pain[best]:.2f} vs {own:.2f}): a pain report is never approval")


RESCUE_MARGIN = 2.0
"""How much worse (mean log-probability per token) the command may score than the transcript and
still be taken. Measured on shared/speech as the benchmark pads it (docs/listening.md,
"Sound-alikes"): real commands written as sound-alikes scored 0.8-2.0 under their transcript
("Last.", "Let's...", "start" -> left, left, stop); of 251 non-commands the nearest came 2.3 under
("Thanks." -> no), the rest 2.8-7.2. The gap is narrow and was found on the same clips: the
held-out check is a speaker the project has not heard."""

RESCUE_PHONES = 2
"""Phone edits between the transcript and a command for the command to be scored at all; one
only when either has three phones or fewer ("Hey" is two edits from "ouch", and was taken for it
on a real "eight")."""

RESCUE_MAX_WORDS = 2


@dataclass(frozen=True)
class Rescue:
    phrase: str
    score: float  # the phrase's mean log-probability per token
    margin: float  # phrase score minus the transcript's


class SoundAlikeRescue:
    """Reads a short non-command transcript as the in-context command it sounds like, when the
    audio supports it. Never for SURE intents: a wrong "next" loses the receiver's place, so only
    what Whisper wrote out plainly moves the routine on."""

    def __init__(self, model: WhisperModel, margin: float = RESCUE_MARGIN) -> None:
        self.model = model
        self.margin = margin

    def candidates(self, transcript: str, phrases: list[str]) -> list[str]:
        """In-context phrases within RESCUE_PHONES of the transcript's pronunciation."""
        words = collapse_repeats(normalize(transcript).split())
        if not words or len(words) > RESCUE_MAX_WORDS or any(c.isdigit() for c in transcript):
            return []
        heard = words_pronunciation(words)
        if heard is None:
            return []
        out = []
        for phrase in phrases:
            intent = interpret(phrase)
            if intent is None or SPEC_BY_INTENT[intent].strictness is Strictness.SURE:
                continue
            phones = words_pronunciation(phrase.split())
            allowed = RESCUE_PHONES if min(len(heard), len(phones or ())) > 3 else 1
            if phones is not None and phone_distance(heard, phones) <= allowed:
                out.append(phrase)
        return out

    def rescue(self, transcript: str, phrases: list[str], encoded, pcm: bytes  # noqa: ANN001
               ) -> Rescue | None:
        candidates = self.candidates(transcript, phrases)
        if not candidates:
            return None
        frames = mel_frames(pcm)
        heard = " ".join(collapse_repeats(normalize(transcript).split()))
        scores = self.model.phrase_logprobs(encoded, [heard, *candidates], frames)
        own = scores[0]
        best = max(range(len(candidates)), key=lambda i: scores[i + 1])
        margin = scores[best + 1] - own
        if margin < -self.margin:
            return None
        return Rescue(candidates[best], scores[best + 1], margin)


def mel_frames(pcm: bytes) -> int:
    """Whisper's 10 ms feature frames that hold this audio (the rest of the window is padding)."""
    return max(1, len(pcm) // SAMPLE_WIDTH // HOP)
