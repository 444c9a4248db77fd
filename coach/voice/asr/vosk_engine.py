"""The vosk (Kaldi) engine, restricted to the command phrases by a runtime grammar.

Why the details below matter:

* vosk silently drops grammar words that are not in the model vocabulary; it only logs a warning
  (vosk-api #2048). A dropped "stop" would be a safety bug, so every phrase is checked against the
  model's word list at start-up (`coach.voice.asr.vosk_vocabulary`) and the unusable ones are
  reported by name.
* Without an unknown-word entry in the grammar every sound is forced onto a command. The entry is
  spelled differently per model ("[unk]" in the English models, "<UNK>" in the Korean one), so it
  is looked up in the vocabulary rather than hard-coded.
* vosk closes an utterance on its own when it hears trailing silence. The listener owns
  endpointing, so segments vosk closes mid-utterance are collected and joined at `end_utterance`.
* The model takes seconds to load and hundreds of megabytes of memory: it is loaded once per path
  (on first use, never at import) and shared between recognizers.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coach.voice.asr.base import SAMPLE_RATE, Hypothesis, Recognizer, RecognizerUnavailable
from coach.voice.asr.pronounce import pronunciation as dictionary_pronunciation
from coach.voice.asr.vosk_vocabulary import UNK_SPELLINGS, check_vocabulary

log = logging.getLogger(__name__)


def _import_vosk() -> Any:
    """Import vosk on demand so that `coach` imports (and pocketsphinx runs) without it."""
    try:
        import vosk
    except ImportError as error:  # pragma: no cover - vosk is a declared dependency
        raise RecognizerUnavailable(
            f"the vosk package cannot be imported ({error}); `pip install vosk` or use "
            "--engine pocketsphinx"
        ) from error
    return vosk


def _vosk_version() -> str:
    """The installed vosk version (the module itself carries none)."""
    from importlib import metadata

    try:
        return metadata.version("vosk")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "?"


# ---------------------------------------------------------------------------------------------
# Model loading

_model_lock = threading.Lock()
_models: dict[Path, Any] = {}


def load_model(model_path: Path) -> Any:
    """Load a vosk model once per path and share it (loading takes seconds and much memory)."""
    key = Path(model_path).resolve()
    with _model_lock:
        if key in _models:
            return _models[key]
        if not (key / "am" / "final.mdl").is_file():
            raise RecognizerUnavailable(
                f"{model_path} is not a vosk model (no am/final.mdl); run "
                "`massage-coach models list` to see installed models or "
                "`massage-coach models download` to get one"
            )
        vosk = _import_vosk()
        vosk.SetLogLevel(-1)  # Kaldi logs to stderr; we report problems ourselves
        started = time.perf_counter()
        try:
            model = vosk.Model(str(key))
        except Exception as error:  # vosk raises a bare Exception when the C side fails
            raise RecognizerUnavailable(
                f"vosk could not load the model at {model_path} ({error}); it may be incomplete: "
                "delete it and run `massage-coach models download`"
            ) from error
        log.info("loaded vosk model %s in %.1f s", key, time.perf_counter() - started)
        _models[key] = model
        return model


def has_runtime_graph(model_path: Path) -> bool:
    """Whether a model supports runtime grammars (small and lgraph models; big ones do not)."""
    graph = Path(model_path) / "graph"
    return (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()


# ---------------------------------------------------------------------------------------------
# The recognizer


class VoskRecognizer(Recognizer):
    """A vosk recognizer whose grammar is the command phrases plus the unknown word.

    `confidence` of a final hypothesis is the lowest per-word confidence over the phrase's words
    (one doubtful word makes the whole phrase doubtful); the mean is kept in `detail`. Results
    that are not exactly one phrase (the unknown word, nothing, or several phrases run together)
    become text "" so that chatter never fires a command.
    """

    name = "vosk"

    def __init__(
        self,
        model_path: Path,
        phrases: Sequence[str] | None = None,
        *,
        strict_vocabulary: bool = False,
        endpointer_delays: tuple[float, float, float] | None = None,
    ) -> None:
        """Load (or reuse) the model and build the grammar.

        `phrases` defaults to every command phrase; tests pass other-language phrases.
        `strict_vocabulary` raises when any phrase is missing from the model, otherwise missing
        phrases are logged and left out (it always raises when none is usable).
        `endpointer_delays` (t_start_max, t_end, t_max in seconds) is applied only when the
        installed vosk has `SetEndpointerDelays` (newer than 0.3.45).
        """
        if phrases is None:
            from coach.core.commands import all_phrases

            phrases = all_phrases()
        self.model_path = Path(model_path)
        if not has_runtime_graph(self.model_path):
            raise RecognizerUnavailable(
                f"{self.model_path} has no runtime graph (graph/HCLr.fst + graph/Gr.fst), so it "
                "cannot be restricted to the command phrases; use a small model such as "
                "vosk-model-small-en-us-0.15 (`massage-coach models download`)"
            )
        self.vocabulary = check_vocabulary(self.model_path, phrases)
        if self.vocabulary.unusable:
            message = f"{self.model_path.name}: {self.vocabulary.describe()}"
            if strict_vocabulary or not self.vocabulary.usable:
                raise RecognizerUnavailable(message)
            log.warning("%s", message)
        self.phrases: tuple[str, ...] = self.vocabulary.usable
        self._phrase_set = frozenset(self.phrases)
        self.unk_word = self.vocabulary.unk_word or UNK_SPELLINGS[0]
        if self.vocabulary.checked and self.vocabulary.unk_word is None:
            log.warning("%s has no unknown-word entry in its vocabulary: anything said will be "
                        "forced onto a command", self.model_path.name)
        self._model = load_model(self.model_path)
        vosk = _import_vosk()
        self._grammar = json.dumps([*self.phrases, self.unk_word], ensure_ascii=False)
        self._rec = vosk.KaldiRecognizer(self._model, SAMPLE_RATE, self._grammar)
        self._rec.SetWords(True)
        self.endpointer_delays: tuple[float, float, float] | None = None
        if endpointer_delays is not None:
            if hasattr(self._rec, "SetEndpointerDelays"):
                self._rec.SetEndpointerDelays(*endpointer_delays)
                self.endpointer_delays = endpointer_delays
            else:
                log.info("this vosk build has no SetEndpointerDelays; keeping the model's "
                         "endpointing (the listener decides where utterances end anyway)")
        self._grammar_dirty = False
        self._segments: list[dict[str, Any]] = []
        self._last_partial = ""
        self._fed_bytes = 0
        self.last_raw_text = ""  # what vosk literally heard last, for logs and the benchmark

    # -- Recognizer interface ------------------------------------------------------------------

    def pronunciation(self, word: str) -> tuple[str, ...] | None:
        """From the CMU dictionary (`coach.voice.asr.pronounce`): vosk's models keep their
        lexicon inside the compiled graph, out of reach. None for words it lacks (Korean)."""
        return dictionary_pronunciation(word)

    def set_phrases(self, phrases: Sequence[str] | None) -> None:
        """Listen only for `phrases` (None: all usable phrases) from the next utterance on.

        vosk 0.3.45 has `KaldiRecognizer.SetGrammar`, which rebuilds the grammar FST in place
        (see SET_GRAMMAR_COST in docs/listening.md for the measured cost); it also resets the
        decoder, so it is only called between utterances and only when the set changes.
        Phrases the model cannot say are ignored; an empty result raises ValueError.
        """
        if phrases is None:
            wanted = frozenset(self.phrases)
        else:
            asked = frozenset(phrases)
            wanted = asked & frozenset(self.phrases)
            if asked - wanted:
                log.debug("set_phrases: not usable here, ignored: %s", sorted(asked - wanted))
            if not wanted:
                raise ValueError(f"none of {sorted(asked)} is a usable phrase of this recognizer")
        if wanted == self._phrase_set:
            return
        self._phrase_set = wanted
        ordered = [p for p in self.phrases if p in wanted]
        self._grammar = json.dumps([*ordered, self.unk_word], ensure_ascii=False)
        self._grammar_dirty = True
        if not self._fed_bytes:
            self._apply_grammar()

    def _apply_grammar(self) -> None:
        if not self._grammar_dirty:
            return
        started = time.perf_counter()
        if hasattr(self._rec, "SetGrammar"):
            self._rec.SetGrammar(self._grammar)
        else:  # pragma: no cover - older vosk builds: rebuild the recognizer
            vosk = _import_vosk()
            self._rec = vosk.KaldiRecognizer(self._model, SAMPLE_RATE, self._grammar)
            self._rec.SetWords(True)
        self._grammar_dirty = False
        log.debug("vosk grammar switched to %d phrases in %.1f ms", len(self._phrase_set),
                  (time.perf_counter() - started) * 1000)

    def start_utterance(self) -> None:
        """Forget everything from the previous utterance (including vosk's decoder state).

        vosk's `Reset()` alone is not enough in 0.3.45: audio already in the feature pipeline
        but not yet decoded survives it and is decoded into the next utterance (measured: half
        a word fed before `Reset()` came back as an extra word). Finalizing first, and throwing
        the result away, drops the pipeline. It costs ~10 ms, so only when audio was fed.
        """
        if self._fed_bytes:
            self._rec.FinalResult()
        self._rec.Reset()
        self._apply_grammar()
        self._segments = []
        self._last_partial = ""
        self._fed_bytes = 0

    def reset(self) -> None:
        """Drop decoder state after the coach spoke, so its own voice cannot linger (#1399)."""
        self.start_utterance()

    def feed(self, pcm: bytes) -> Hypothesis | None:
        """Decode more audio; return a partial hypothesis when vosk's partial text changes."""
        if not pcm:
            return None
        self._fed_bytes += len(pcm)
        if self._rec.AcceptWaveform(pcm):
            # vosk closed a segment on its own (trailing silence): keep it for end_utterance.
            segment = json.loads(self._rec.Result())
            if segment.get("text"):
                self._segments.append(segment)
            self._last_partial = ""
            return None
        partial = json.loads(self._rec.PartialResult()).get("partial", "")
        words = [*self._segment_words(), *partial.split()]
        text = " ".join(words)
        if not partial or text == self._last_partial:
            return None
        self._last_partial = text
        phrase = text if text in self._phrase_set else ""
        # Partial results carry no confidence in vosk; a partial can still turn into the
        # unknown word in the final result (vosk-api #214), so it is reported as unsure.
        return Hypothesis(text=phrase, confidence=0.0, is_final=False,
                          detail={"words": float(len(words))})

    def end_utterance(self) -> Hypothesis:
        """Return the final hypothesis over all audio fed since `start_utterance`."""
        started = time.perf_counter()
        final = json.loads(self._rec.FinalResult())
        segments = [*self._segments, final]
        words = [word for segment in segments for word in segment.get("result", [])]
        raw = " ".join(segment["text"] for segment in segments if segment.get("text"))
        self.last_raw_text = raw
        confs = [float(word.get("conf", 0.0)) for word in words]
        detail = {
            "decode_ms": (time.perf_counter() - started) * 1000.0,
            "audio_s": self._fed_bytes / (2 * SAMPLE_RATE),
            "words": float(len(words)),
        }
        if confs:
            detail["mean_conf"] = sum(confs) / len(confs)
            detail["min_conf"] = min(confs)
        self._segments = []
        self._last_partial = ""
        self._fed_bytes = 0
        self._rec.Reset()
        if raw in self._phrase_set:
            log.debug("vosk heard %r (min conf %.2f)", raw, min(confs) if confs else 0.0)
            span = float(words[-1]["end"]) - float(words[0]["start"]) if words else None
            return Hypothesis(text=raw, confidence=min(confs) if confs else 0.0, is_final=True,
                              detail=detail, span=span)
        if raw:
            detail["unk"] = 1.0 if self.unk_word in raw.split() else 0.0
            log.debug("vosk heard %r: not exactly one command phrase, rejected", raw)
        return Hypothesis(text="", confidence=0.0, is_final=True, detail=detail)

    def describe(self) -> str:
        """Engine, model and grammar size, for logs, `doctor` and benchmark headers."""
        version = _vosk_version()
        delays = f", endpointer {self.endpointer_delays}" if self.endpointer_delays else ""
        return (f"vosk {version} model {self.model_path.name} ({self.model_path}), "
                f"{len(self.phrases)} phrases + {self.unk_word}{delays}")

    # -- helpers -------------------------------------------------------------------------------

    def _segment_words(self) -> list[str]:
        return [w for segment in self._segments for w in segment.get("text", "").split()]
