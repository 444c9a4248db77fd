"""Which recognition engine to use, decided once, explained in one line.

In "auto" the order is: Whisper tiny.en (its model installs from the package registry with
./setup.sh; it hears real people best, docs/listening.md), then vosk with an English model
(downloaded separately, `massage-coach models download`), then pocketsphinx, whose English model
ships in its wheel so it always works. The one line says which was picked and why, so a user who
never reads the docs still learns how to get a better one. Nothing here touches the network.

Engines are imported lazily: loading a model costs seconds and memory, and an engine that is not
chosen must not be loaded (or even importable) for the coach to run.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from coach.core.commands import DEFAULT_ADVANCE_WORD
from coach.core.plain_text import printable
from coach.voice.asr.base import Recognizer, RecognizerUnavailable
from coach.voice.asr.whisper_files import (INSTALL_HINT, MODEL_SHA256, check_model_files,
                                           engine_installed, is_whisper_model, packaged_model,
                                           verify_model)
from coach.voice.asr.model_locations import find_english_model, search_dirs

log = logging.getLogger(__name__)

ENGINES: tuple[str, ...] = ("auto", "whisper", "vosk", "pocketsphinx")
GET_VOSK_HINT = ("for better recognition run `massage-coach models download` once while online "
                 "(~40 MB), or pass --model PATH")


@dataclass(frozen=True)
class EngineChoice:
    """The engine that will be used, with which model, and why (for logs, `doctor`, `models
    list`)."""

    engine: str  # "whisper", "vosk" or "pocketsphinx"
    model: Path | None  # the model directory (pocketsphinx: an override; None = bundled)
    reason: str
    requested: str  # what was asked for: "auto" or an engine name
    checksum: str | None = None  # SHA-256 model.bin must have (Whisper's packaged model)

    def __str__(self) -> str:
        where = f" ({self.model})" if self.model else ""
        return f"{self.engine}{where}: {self.reason}"


ADVANCE_WORDS = {"pocketsphinx": "continue", "vosk": DEFAULT_ADVANCE_WORD,
                 "whisper": DEFAULT_ADVANCE_WORD}
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

    Raises `RecognizerUnavailable` when the request cannot be met: `--engine whisper` or
    `--engine vosk` without its model, or an explicit `--model` that is no model we can use.
    """
    requested = _normalize(engine)
    if requested == "pocketsphinx":
        reason = "chosen with --engine pocketsphinx"
        return EngineChoice("pocketsphinx", Path(model) if model else None, reason, requested)
    if model is not None:
        return _explicit_model(Path(model), requested)
    if requested in ("auto", "whisper"):
        whisper = _packaged_whisper(requested)
        if whisper is not None:
            return whisper
    if requested == "whisper":
        raise RecognizerUnavailable(f"--engine whisper needs the Whisper model and it is not "
                                    f"installed; {INSTALL_HINT}, or pass --model PATH")
    found = find_english_model()
    if found is not None:
        return EngineChoice("vosk", found, "an English vosk model is installed (no Whisper model)",
                            requested)
    if requested == "vosk":
        raise RecognizerUnavailable(
            f"--engine vosk needs an English vosk model and none was found (searched {_searched()}"
            "); run `massage-coach models download` once while online, pass --model PATH, or use "
            "--engine whisper or pocketsphinx")
    return EngineChoice("pocketsphinx", None,
                        f"no Whisper model ({INSTALL_HINT}) and no English vosk model "
                        f"(searched {_searched()}); {GET_VOSK_HINT}", requested)


def _packaged_whisper(requested: str) -> EngineChoice | None:
    path = packaged_model()
    if path is None:
        return None
    if not engine_installed():
        if requested == "whisper":
            raise RecognizerUnavailable(f"the Whisper model is installed but ctranslate2 or "
                                        f"tokenizers is not; {INSTALL_HINT}")
        return None
    how = "chosen with --engine whisper" if requested == "whisper" else \
        "the Whisper model is installed (it hears real people best)"
    return EngineChoice("whisper", path, how, requested, checksum=MODEL_SHA256)


def _explicit_model(model: Path, requested: str) -> EngineChoice:
    try:
        model.stat()
    except OSError as error:  # checked first: is_file() raises on a name too long
        problem = ("nothing is at this path" if isinstance(error, FileNotFoundError) else
                   "the name is longer than the system allows (255 bytes a name)"
                   if error.errno == errno.ENAMETOOLONG else error.strerror or str(error))
        raise RecognizerUnavailable(f"--model {printable(str(model))[:120]}: {problem}; give the "
                                    "folder of a Whisper or vosk model (`massage-coach models "
                                    "list` shows the installed ones)") from None
    if is_whisper_model(model) and requested in ("auto", "whisper"):
        check_model_files(model)  # refused now, with the file to blame, not at the first word
        return EngineChoice("whisper", model, "chosen with --model", requested)
    if requested != "whisper":
        found = find_english_model(model)
        if found is not None:
            return EngineChoice("vosk", found, "chosen with --model", requested)
    raise RecognizerUnavailable(
        f"{model} is not a {'Whisper' if requested == 'whisper' else 'Whisper or vosk'} model "
        "(Whisper: model.bin, config.json, tokenizer.json; vosk: am/final.mdl and graph/); run "
        "`massage-coach models list` to see installed models")


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


def _whisper(phrases: Sequence[str] | None, choice: EngineChoice,
             second_opinion: bool = True) -> Recognizer:
    """tiny.en, with Whisper base as its second opinion when that is installed (only beside the
    packaged tiny.en: a model chosen with --model is heard as it is)."""
    assert choice.model is not None
    verify_model(choice.model, choice.checksum)
    from coach.voice.asr.whisper_base import load_second_opinion
    from coach.voice.asr.whisper_engine import WhisperRecognizer

    second = load_second_opinion() if second_opinion and choice.checksum is not None else None
    return WhisperRecognizer(choice.model, phrases, second=second)


def create_recognizer(
    engine: str | None = None,
    model: Path | None = None,
    phrases: Sequence[str] | None = None,
    second_opinion: bool = True,
) -> Recognizer:
    """Build the recognizer for `engine` ("auto" when None) over `phrases` (default: commands).

    In auto mode a model that is found but fails to load or to verify (damaged, wrong language
    for the phrases) does not stop the coach: it falls back to the next engine and says why. An
    explicit `--engine` or `--model` fails instead, with the reason, because the user asked for it.
    `second_opinion` False hears with Whisper tiny.en alone (the benchmark's side-by-side).
    """
    choice = plan_choice(engine, model)
    explicit = choice.requested != "auto" or model is not None
    if choice.engine == "whisper":
        try:
            recognizer = _whisper(phrases, choice, second_opinion)
        except RecognizerUnavailable as error:
            if explicit:
                raise
            log.warning("speech engine: Whisper cannot be used (%s); trying the next engine", error)
            return _fallback_after_whisper(phrases)
        log.info("speech engine: whisper, model %s (%s)", choice.model, choice.reason)
        return recognizer
    if choice.engine == "vosk":
        assert choice.model is not None
        try:
            recognizer = _vosk(phrases, choice.model)
        except RecognizerUnavailable as error:
            if explicit:
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


def _fallback_after_whisper(phrases: Sequence[str] | None) -> Recognizer:
    found = find_english_model()
    if found is not None:
        try:
            return _vosk(phrases, found)
        except RecognizerUnavailable as error:
            log.warning("speech engine: the vosk model at %s cannot be used either (%s)", found, error)
    log.warning("speech engine: pocketsphinx")
    return _pocketsphinx(phrases, None)
