"""When each word of a rendered line is heard: an estimate from the audio, for the listener's
own-voice rule.

Why: the listener vetoes a barge-in whose words the coach is saying at that moment (its own voice
leaking through the echo canceller). Against the whole line, a 220-character line vetoed a real
"ouch" (written "out") for all of its 12 s because it says "breathing out" once (issue 20); with
word times the veto covers only the moment the word was on the air.

How: neither back-end gives word times as installed. Piper 1.8.0 can report phoneme alignments,
but only after patching its model with the `onnx` package (not a dependency); it does give one
audio chunk per sentence, so sentence boundaries are exact. Within a stretch of speech (a
sentence for Piper, the whole line for espeak-ng), the voiced extent is found from the audio's
energy and shared out between the words in proportion to their letters, plus a fixed share per
word (the gap and the consonant onsets) and a pause share per comma. The error of this estimate,
measured against Piper's own alignments, is in docs/listening.md ("Word times on the air"); the
listener's margin (`judge.WORD_MARGIN`) covers it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from coach.voice.audio.on_air import TimedWord

WORD_SHARE = 1.5
"""Letters' worth of time each word takes beyond its letters (onset, gap)."""
COMMA_SHARE = 8.0
"""Letters' worth of time a comma's pause takes (measured against Piper's alignments)."""
SENTENCE_SHARE = 8.0
"""Letters' worth of time the pause after a sentence takes (espeak-ng, whose lines are one
stretch)."""
FRAME_SECONDS = 0.01
SILENCE_BELOW_PEAK_DB = 40.0
"""A 10 ms frame this far under the stretch's loudest frame is silence (leading/trailing)."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_sentences(text: str) -> list[str]:
    """`text` cut after each full stop, question or exclamation mark (as the synthesizers cut)."""
    return [part for part in _SENTENCE_END.split(text.strip()) if part]


def voiced_extent(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """Seconds from the start of `samples` to its first and past its last audible frame."""
    frame = max(1, int(rate * FRAME_SECONDS))
    usable = samples.size // frame * frame
    if usable == 0:
        return 0.0, samples.size / rate
    energy = np.mean(samples[:usable].astype(np.float64).reshape(-1, frame) ** 2, axis=1)
    peak = float(np.max(energy))
    if peak <= 0.0:
        return 0.0, samples.size / rate
    loud = np.flatnonzero(energy > peak * 10 ** (-SILENCE_BELOW_PEAK_DB / 10))
    return float(loud[0] * frame) / rate, float((loud[-1] + 1) * frame) / rate


def spread_words(text: str, begin: float, end: float) -> list[TimedWord]:
    """The words of `text` laid over [begin, end] seconds in proportion to their length."""
    tokens = text.split()
    if not tokens:
        return []
    shares = []
    for index, token in enumerate(tokens):
        letters = sum(ch.isalnum() for ch in token)
        pause = COMMA_SHARE if token.endswith((",", ";", ":")) else \
            SENTENCE_SHARE if token.endswith((".", "!", "?")) else 0.0
        if index == len(tokens) - 1:
            pause = 0.0  # the stretch ends with its last word
        shares.append((letters + WORD_SHARE, pause))
    total = sum(word + pause for word, pause in shares)
    scale = (end - begin) / total if total else 0.0
    words, cursor = [], begin
    for token, (word, pause) in zip(tokens, shares):
        words.append(TimedWord(token, cursor, cursor + word * scale))
        cursor += (word + pause) * scale
    return words


def estimate_word_times(text: str, samples: np.ndarray, rate: int,
                        sentence_spans: Sequence[tuple[int, int]] | None = None
                        ) -> tuple[TimedWord, ...]:
    """Each word of `text` with its estimated start and end, in seconds from the first sample.

    `sentence_spans`: (first sample, end sample) of each sentence when the synthesizer rendered
    them one by one (Piper); used when there are as many as `split_sentences(text)` finds, else
    the whole line is one stretch."""
    sentences = split_sentences(text)
    if not sentence_spans or len(sentence_spans) != len(sentences):
        sentences, sentence_spans = [text], [(0, samples.size)]
    words: list[TimedWord] = []
    for sentence, (first, last) in zip(sentences, sentence_spans):
        begin, end = voiced_extent(samples[first:last], rate)
        offset = first / rate
        words += spread_words(sentence, offset + begin, offset + end)
    return tuple(words)
