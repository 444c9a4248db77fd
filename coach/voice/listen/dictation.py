"""Free speech for notes: one utterance of audio in, the words that were said out.

The command recognizers only know the command phrases, by design. A note ("knot by the left
shoulder blade") needs open vocabulary, so after "take a note" the listener hands the next
utterance to a `Transcriber` instead:

* Whisper: the same model, decoding freely (it is an open-vocabulary transcriber already; the
  command engine just reads its words as commands);
* vosk: the same model without a grammar (the full vocabulary and language model it ships);
* pocketsphinx: the wheel's acoustic model with a small language model of note-like sentences
  built at start-up (`coach.voice.asr.note_language`): the general English model turned
  "tender spot on the right hamstring" into "two thirds got on the right to three", while the
  note model gets it word for word, ten times faster, in a fraction of the memory.

Both language models also contain the command phrases and "cancel"/"never mind", so "stop" said
instead of a note still comes out as "stop" and the listener fires it.

`prepare()` does the slow part (building and loading the model, ~1-2 s) and is called in the
background when the session starts, so the first note is not kept waiting.
"""

from __future__ import annotations

import abc
import json
import logging
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.core.commands import all_phrases
from coach.core.notes import CANCEL_WORDS
from coach.voice.asr.base import SAMPLE_RATE, Recognizer, RecognizerUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transcript:
    """What was said. `confidence` in [0, 1] (engine-specific; 1.0 when it gives none)."""

    text: str
    confidence: float
    detail: dict[str, float] = field(default_factory=dict)


class Transcriber(abc.ABC):
    """Turns one whole utterance into words. Thread-safe: `prepare` may run in the background."""

    name = "base"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready = False

    def prepare(self) -> None:
        """Build or load the model now (idempotent); raises RecognizerUnavailable."""
        with self._lock:
            if not self._ready:
                started = time.perf_counter()
                self._load()
                self._ready = True
                log.info("%s ready for notes in %.2f s", self.name, time.perf_counter() - started)

    def prepare_in_background(self) -> threading.Thread:
        """Start `prepare` on a daemon thread; failures are logged, and retried on first use."""

        def run() -> None:
            try:
                self.prepare()
            except RecognizerUnavailable as error:
                log.warning("notes by voice unavailable: %s", error)

        thread = threading.Thread(target=run, name="prepare-notes", daemon=True)
        thread.start()
        return thread

    def transcribe(self, pcm: bytes) -> Transcript:
        """The words in `pcm` (16 kHz mono s16le), "" when none could be made out."""
        self.prepare()
        with self._lock:
            return self._transcribe(pcm)

    @abc.abstractmethod
    def _load(self) -> None: ...

    @abc.abstractmethod
    def _transcribe(self, pcm: bytes) -> Transcript: ...


def note_training_sentences() -> list[str]:
    """The note sentences plus every command phrase and cancel word (see the module docstring)."""
    from coach.voice.asr.note_language import note_sentences

    return note_sentences() + all_phrases() + sorted(CANCEL_WORDS)


class PocketsphinxNoteTranscriber(Transcriber):
    """pocketsphinx with a note language model and a dictionary of just its words."""

    name = "pocketsphinx-notes"

    def __init__(self, model_dir: Path | None = None) -> None:
        super().__init__()
        self.model_dir = model_dir
        self._decoder: Any = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self.vocabulary_size = 0

    def _load(self) -> None:
        from pocketsphinx import Decoder

        from coach.voice.asr.note_language import write_arpa
        from coach.voice.asr.pocketsphinx_model import CMN_PRIOR, model_paths

        hmm, dic, _ = model_paths(self.model_dir)
        pronunciations = _read_dictionary(dic)
        self._workdir = tempfile.TemporaryDirectory(prefix="coach-notes-")
        folder = Path(self._workdir.name)
        lm_path, dict_path = folder / "notes.arpa", folder / "notes.dict"
        sentences = note_training_sentences()
        self.vocabulary_size = write_arpa(sentences, lm_path,
                                          known=lambda word: word in pronunciations)
        # The dictionary may hold a few more words than the model (from sentences the model
        # dropped for an unknown word); pocketsphinx only needs every model word in it.
        used = {word for sentence in sentences for word in sentence.split()}
        with dict_path.open("w") as out:
            for word in sorted(used & pronunciations.keys()):
                for n, phones in enumerate(pronunciations[word]):
                    out.write(f"{word}{'' if n == 0 else f'({n + 1})'} {phones}\n")
        try:
            self._decoder = Decoder(hmm=str(hmm), lm=str(lm_path), dict=str(dict_path),
                                    samprate=SAMPLE_RATE, loglevel="FATAL", cmninit=CMN_PRIOR)
        except Exception as error:  # the C library raises plain RuntimeError/ValueError
            raise RecognizerUnavailable(f"pocketsphinx could not load the note model: {error}") \
                from error

    def _transcribe(self, pcm: bytes) -> Transcript:
        decoder = self._decoder
        decoder.reinit_feat()  # every note independent of what was heard before
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        if hyp is None or not hyp.hypstr.strip():
            return Transcript("", 0.0)
        words = [w for w in hyp.hypstr.split() if not w.startswith(("<", "["))]
        return Transcript(" ".join(words), 1.0, {"posterior": float(hyp.prob)})


class VoskTranscriber(Transcriber):
    """The vosk model's own vocabulary and language model (no grammar)."""

    name = "vosk-dictation"

    def __init__(self, model_path: Path) -> None:
        super().__init__()
        self.model_path = Path(model_path)
        self._model: Any = None

    def _load(self) -> None:
        from coach.voice.asr.vosk_engine import load_model

        self._model = load_model(self.model_path)  # shared with the command recognizer

    def _transcribe(self, pcm: bytes) -> Transcript:
        import vosk

        recognizer = vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        recognizer.SetWords(True)
        recognizer.AcceptWaveform(pcm)
        result = json.loads(recognizer.FinalResult())
        words = [w for w in result.get("result", []) if not w.get("word", "").startswith(("[", "<"))]
        text = " ".join(w["word"] for w in words)
        if not text:
            return Transcript("", 0.0)
        confidence = sum(float(w.get("conf", 1.0)) for w in words) / len(words)
        return Transcript(text, confidence, {"words": float(len(words))})


class WhisperNoteTranscriber(Transcriber):
    """Notes through the command recognizer's own Whisper model: nothing more to load."""

    name = "whisper"

    def __init__(self, recognizer: Recognizer) -> None:
        super().__init__()
        self.recognizer = recognizer

    def _load(self) -> None:
        return None

    def _transcribe(self, pcm: bytes) -> Transcript:
        heard = self.recognizer.transcribe_pcm(pcm)  # type: ignore[attr-defined]
        from coach.voice.asr.whisper_engine import confidence_of

        detail = {"logprob": round(heard.mean_logprob, 3), "no_speech": round(heard.no_speech, 3)}
        text = heard.text.strip().rstrip(".!?,;: ")
        if heard.no_speech >= NOTE_NO_SPEECH_MAX or heard.mean_logprob <= NOTE_LOGPROB_MIN:
            # Over noise the note prompt's words come back ("Tender hamstring" from 30 s of
            # white noise): no words rather than invented ones (figures in docs/listening.md).
            if text:
                log.info("note dropped as no speech: %r (%s)", text, detail)
            text = ""
        return Transcript(text, confidence_of(heard.mean_logprob, heard.no_speech), detail)


NOTE_NO_SPEECH_MAX = 0.3
"""Whisper's no-speech probability at or above which a note is taken as no words. Measured
(docs/listening.md): noise, music and a bare floor 0.43-0.94; spoken notes and sentences, real and
synthesized, down to 0 dB SNR, 0.000-0.081."""

NOTE_LOGPROB_MIN = -2.5
"""Mean token log-probability at or below which a note is no words: music -3.4 and -4.1; spoken
notes, even misheard at 0 dB SNR, -0.05 to -1.44."""


def transcriber_for(recognizer: Recognizer) -> Transcriber:
    """The note transcriber that goes with a command recognizer (same engine, same model): the
    engine registry's entry says which (coach/voice/asr/engines.py)."""
    from coach.voice.asr.engines import transcriber_for as registered

    return registered(recognizer)


def _read_dictionary(path: Path) -> dict[str, list[str]]:
    """word -> pronunciations, from a CMU-style dictionary ("word(2) P R O N" for variants)."""
    out: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            word, _, phones = line.strip().partition(" ")
            if phones:
                out.setdefault(word.split("(")[0], []).append(phones.strip())
    return out
