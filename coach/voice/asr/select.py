"""Which recognition engine to use, decided once, explained in one line.

pocketsphinx always works (its English model ships in its wheel); vosk recognizes better but
needs a separately downloaded English model. "auto" therefore picks vosk when an English vosk
model is installed and pocketsphinx otherwise, and says which it picked and how to get the better
one, because a user who never reads the docs should still learn that `massage-coach models
download` exists. Nothing here touches the network.

Engines are imported lazily: loading a model costs seconds and memory, and an engine that is not
chosen must not be loaded (or even importable) for the coach to run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from coach.core.commands import DEFAULT_ADVANCE_WORD
from coach.voice.asr.base import Recognizer, RecognizerUnavailable
from coach.voice.models import find_english_model, search_dirs

log = logging.getLogger(__name__)

ENGINES: tuple[str, ...] = ("auto", "vosk", "pocketsphinx")
GET_VOSK_HINT = ("for better recognition run `massage-coach models download` once while online "
                 "(~40 MB), or pass --model PATH")


@dataclass(frozen=True)
class EngineChoice:
    """The engine that will be used, with which model, and why (for logs, `doctor`, `models
    list`)."""

    engine: str  # "vosk" or "pocketsphinx"
    model: Path | None  # vosk model directory, or pocketsphinx model dir override (None: bundled)
    reason: str
    requested: str  # what was asked for: "auto", "vosk" or "pocketsphinx"

    def __str__(self) -> str:
        where = f" ({self.model})" if self.model else ""
        return f"{self.engine}{where}: {self.reason}"


ADVANCE_WORDS = {"pocketsphinx": "continue", "vosk": DEFAULT_ADVANCE_WORD}
"""The word the coach's prompts ask for to move on ("Say continue when you're done"), per
engine. pocketsphinx hears the one-syllable "next" badly: espeak-ng "next" in 6 voices x 3 rates
was accepted 0/18 times (an English word such as "food" or "neck" won), "continue" 18/18. Both
always work; the prompt just asks for the one this engine hears."""


def _normalize(engine: str | None) -> str:
    name = (engine or "auto").strip().lower()
    if name not in ENGINES:
        raise RecognizerUnavailable(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return name


def _searched() -> str:
    return ", ".join(str(path) for _, path in search_dirs())


def plan_choice(engine: str | None = None, model: Path | None = None) -> EngineChoice:
    """Decide the engine and model without loading anything.

    Raises `RecognizerUnavailable` when the request cannot be met: `--engine vosk` without a
    model, or an explicit `--model` that is not a vosk model.
    """
    requested = _normalize(engine)
    if requested == "pocketsphinx":
        reason = "chosen with --engine pocketsphinx"
        return EngineChoice("pocketsphinx", Path(model) if model else None, reason, requested)
    if model is not None:
        found = find_english_model(Path(model))
        if found is None:
            raise RecognizerUnavailable(
                f"{model} is not a vosk model (it needs am/final.mdl and graph/); run "
                "`massage-coach models list` to see installed models")
        return EngineChoice("vosk", found, "chosen with --model", requested)
    found = find_english_model()
    if found is not None:
        return EngineChoice("vosk", found, "an English vosk model is installed", requested)
    if requested == "vosk":
        raise RecognizerUnavailable(
            f"--engine vosk needs an English vosk model and none was found (searched {_searched()}"
            "); run `massage-coach models download` once while online, pass --model PATH, or use "
            "--engine pocketsphinx")
    return EngineChoice("pocketsphinx", None,
                        f"no English vosk model found (searched {_searched()}); {GET_VOSK_HINT}",
                        requested)


def describe_choice(engine: str | None = None, model: Path | None = None) -> str:
    """One line saying which engine would be used and why, or why none can be."""
    try:
        return str(plan_choice(engine, model))
    except RecognizerUnavailable as error:
        return f"unavailable: {error}"


def _pocketsphinx(phrases: Sequence[str] | None, model_dir: Path | None) -> Recognizer:
    try:
        from coach.voice.asr.pocketsphinx_engine import PocketsphinxRecognizer
    except ImportError as error:
        raise RecognizerUnavailable(f"the pocketsphinx engine cannot be imported ({error}); "
                                    "`pip install pocketsphinx`") from error
    if model_dir is not None:
        return PocketsphinxRecognizer(phrases=phrases, model_dir=model_dir)
    return PocketsphinxRecognizer(phrases=phrases)


def _vosk(phrases: Sequence[str] | None, model: Path) -> Recognizer:
    from coach.voice.asr.vosk_engine import VoskRecognizer

    return VoskRecognizer(model, phrases)


def create_recognizer(
    engine: str | None = None,
    model: Path | None = None,
    phrases: Sequence[str] | None = None,
) -> Recognizer:
    """Build the recognizer for `engine` ("auto" when None) over `phrases` (default: commands).

    In auto mode a vosk model that is found but fails to load (damaged, wrong language for the
    phrases) does not stop the coach: it falls back to pocketsphinx and says why. An explicit
    `--engine vosk` or `--model` fails instead, with the reason, because the user asked for it.
    """
    choice = plan_choice(engine, model)
    if choice.engine == "vosk":
        assert choice.model is not None
        try:
            recognizer = _vosk(phrases, choice.model)
        except RecognizerUnavailable as error:
            if choice.requested != "auto" or model is not None:
                raise
            log.warning("speech engine: pocketsphinx, because the vosk model at %s cannot be used "
                        "(%s)", choice.model, error)
            return _pocketsphinx(phrases, None)
        log.info("speech engine: vosk, model %s (%s)", choice.model, choice.reason)
        return recognizer
    if choice.requested == "auto":
        log.warning("speech engine: pocketsphinx; %s", choice.reason)
    else:
        log.info("speech engine: pocketsphinx (%s)", choice.reason)
    return _pocketsphinx(phrases, choice.model)
