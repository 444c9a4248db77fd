"""The one interface every recognition engine implements.

The listener (`coach.voice.listen.listener`) owns voice-activity detection and endpointing: it decides
where an utterance starts and ends, feeds the engine the audio in between, and applies per-command
strictness and own-voice suppression to what comes back. An engine only has to turn one
utterance's audio into its best command phrase (or nothing) with an honest confidence.

Audio is always 16 kHz, mono, signed 16-bit little-endian PCM bytes.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from coach.core.commands import Strictness

from coach.voice.audio.pcm import SAMPLE_RATE  # noqa: E402,F401 (engines import it from here)


@dataclass(frozen=True)
class Hypothesis:
    """What an engine thinks one utterance said.

    `text` is a phrase from `coach.core.commands.all_phrases()`, or "" when the engine rejects the
    utterance as not a command (garbage, "[unk]", too unsure). `confidence` is in [0, 1] and
    comparable across utterances of one engine (not across engines). `detail` carries
    engine-specific scores for the benchmark and the history (e.g. {"llr": -2.1}). `span` is how
    many seconds of audio the phrase itself was aligned to (None when the engine cannot say): a
    short command stretched over seconds of audio is a sentence forced onto it (the coach's own
    voice, or chatter), which the listener rejects. `transcript` is what a free-transcribing
    engine (Whisper) wrote, before it was read as the phrase (None for grammar engines): the
    listener compares its words, not only the phrase's, with the coach's own line.
    `other_words`: a grammar engine's competitor pass (common English words besides the phrases)
    explained the audio better than any phrase; the listener's own-voice rule counts it against
    a result heard while the coach speaks (judge.own_voice). `read_as`: the words the reading
    acted on, when a rescue changed the transcript's ("It's a sharp." for the written "It's a
    shark."); the early end checks that those do not trail off either (listen/early_end.py).
    """

    text: str
    confidence: float
    is_final: bool
    detail: dict[str, float] = field(default_factory=dict)
    span: float | None = None
    transcript: str | None = None
    other_words: bool = False
    read_as: str | None = None


class Recognizer(abc.ABC):
    """A recognizer whose vocabulary is the command phrases.

    `thresholds`: the final-result confidence each strictness needs on this engine's own
    confidence scale (None: the listener's defaults, fitted for pocketsphinx), and `on_air_min`
    the least a barge-in needs while the coach speaks (None: the listener's). `streaming`: the
    engine gives partial hypotheses while audio is fed; one that does not (Whisper) is asked for
    its reading once, at the first pause (`decode_now`).
    """

    name: str = "base"
    thresholds: Mapping[Strictness, float] | None = None
    on_air_min: float | None = None
    streaming: bool = True

    @abc.abstractmethod
    def start_utterance(self) -> None:
        """Begin a new utterance; forget anything from the previous one."""

    @abc.abstractmethod
    def feed(self, pcm: bytes) -> Hypothesis | None:
        """Add audio to the current utterance; may return a partial hypothesis (is_final False)."""

    @abc.abstractmethod
    def end_utterance(self) -> Hypothesis:
        """Close the utterance and return the final hypothesis for all audio fed since start."""

    def decode_now(self) -> Hypothesis | None:
        """The best hypothesis for the audio fed so far, without ending the utterance.

        Why: an engine with no streaming partials would otherwise only answer after the full
        end-of-speech hangover; the listener calls this when the speaker pauses, so a whole,
        confident command can end its utterance early. Default: None (no such reading)."""
        return None

    def set_phrases(self, phrases: Sequence[str] | None) -> None:
        """Restrict the vocabulary to `phrases` (a subset of the engine's phrases); None = all.

        Why: a grammar of the dozen commands that make sense *now* is heard far more reliably,
        and maps far less chatter onto a command, than one of every phrase. Engines apply it
        from the next `start_utterance` (never mid-utterance) and should make repeated calls with
        the same set cheap. The default ignores the request (the engine keeps its full grammar),
        which is always safe: the listener still only fires intents that are in context.
        """
        return None

    def pronunciation(self, word: str) -> tuple[str, ...] | None:
        """The phones this engine expects for `word` (lower case), or None if it cannot say.

        Why: the listener must not fire a barge-in phrase that merely *sounds like* a word of the
        line the coach is speaking ("wait" heard in "...towards the waist"); engines with a
        pronunciation dictionary let it compare sounds, not only spellings. Default: None (the
        listener then compares words only).
        """
        return None

    def realigned(self) -> Iterator[Hypothesis]:
        """The last utterance decoded again from a few later starting points, a final
        `Hypothesis` for each, lazily; none when the engine's result does not hinge on where its
        frames fall. Asked only for a barge-in a person said over the coach that fell short of
        its bar (`Listener`): the endpointer cuts audio on its own 32 ms frames, and pocketsphinx
        read the same "stop" at 0.80 from one cut and 0.38 from another (docs/listening.md,
        "A barge-in read at several frame phases")."""
        return iter(())

    def reset(self) -> None:
        """Drop any decoder state (called after the coach has spoken). Default: start afresh."""
        self.start_utterance()

    def describe(self) -> str:
        """One line for logs, `doctor` and benchmark headers: engine, model, settings."""
        return self.name


def phone_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance between two phone sequences."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


class RecognizerUnavailable(RuntimeError):
    """The engine or its model cannot be used here; the message says what to do."""
