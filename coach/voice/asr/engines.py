"""The recognition engines the coach knows, in the order "auto" tries them: the one place that
names them.

Why a registry: the engine names used to be string branches in the selection, the CLI options,
`doctor`, `models list`, dictation and the benchmark, so adding an engine meant finding them all.
Now each engine is one `Engine` entry here (how to tell whether it can run, how to make it, its
note transcriber, the word its prompts ask for to move on) and every other place reads `ENGINES`.
Adding an engine touches this module and its test (tests/test_engine_registry.py).

Nothing is loaded to answer "is it available?": engines and their models are imported only in
`make` and `transcriber`, because an engine that is not chosen must not cost seconds and memory
(or even be importable) for the coach to run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from coach.core.commands import DEFAULT_ADVANCE_WORD
from coach.voice.asr.base import Recognizer, RecognizerUnavailable
from coach.voice.asr.model_locations import find_english_model, search_dirs
from coach.voice.asr.whisper_files import (INSTALL_HINT, MODEL_SHA256, check_model_files,
                                           engine_installed, is_whisper_model, packaged_model,
                                           verify_model)

if TYPE_CHECKING:
    from coach.voice.listen.dictation import Transcriber

GET_VOSK_HINT = ("for better recognition run `massage-coach models download` once while online "
                 "(~40 MB), or pass --model PATH")


@dataclass(frozen=True)
class Availability:
    """Whether an engine can run here, with which model, and if not why (one line)."""

    model: Path | None = None  # the model it would use; None = its bundled one
    missing: str = ""  # short, for a reason line: "no Whisper model"; "" = available
    problem: str = ""  # the same with what to do about it
    checksum: str | None = None  # SHA-256 its model file must have, checked before first use

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class Engine:
    """One recognition engine, everything the rest of the coach needs to know about it."""

    name: str  # the `--engine` value
    title: str  # how messages name it: "Whisper", "vosk"
    label: str  # the engine with its model, for tables: "Whisper tiny.en"
    description: str  # one line for `--help`, `doctor` and `models list`
    advance_word: str  # the word the prompts ask for to move on ("Say continue when ...")
    needs: str  # what `--engine NAME` needs to run: "the Whisper model"
    picked: str  # why "auto" took it when it is the first that can run
    available: Callable[[], Availability]
    make: Callable[[Path | None, Sequence[str] | None, str | None], Recognizer]
    """(model, phrases, checksum) -> the recognizer; RecognizerUnavailable when it cannot."""
    transcriber: Callable[[Recognizer], Transcriber]  # notes after "take a note", same model
    model_at: Callable[[Path], Path | None] | None = None
    """For `--model PATH`: the model of this engine at PATH, or None. Unset: `--model` is an
    override handed to the engine as given, and only when it is asked for by name."""
    model_files: str = ""  # what its model folder holds, for "PATH is not a ... model"
    last_resort: bool = False  # its model ships with it: when chosen, say what would be better
    auto: bool = True  # "auto" may pick it; False: only when asked for by name


# ----------------------------------------------------------------------------- Whisper


def _whisper_available() -> Availability:
    path = packaged_model()
    if path is None:
        return Availability(missing="no Whisper model", problem=f"no Whisper model ({INSTALL_HINT})")
    if not engine_installed():
        return Availability(path, "no Whisper engine", "the Whisper model is installed but "
                            f"ctranslate2 or tokenizers is not; {INSTALL_HINT}")
    return Availability(path, checksum=MODEL_SHA256)


def _whisper_make(model: Path | None, phrases: Sequence[str] | None,
                  checksum: str | None, second_opinion: bool = True,
                  name: str = "whisper") -> Recognizer:
    """tiny.en, with Whisper base as its second opinion when base is installed; only beside
    the packaged tiny.en (`checksum` set): a model chosen with --model is heard as it is."""
    if model is None:
        raise RecognizerUnavailable(f"no Whisper model; {INSTALL_HINT}")
    verify_model(model, checksum)
    from coach.voice.asr.whisper_base import load_second_opinion
    from coach.voice.asr.whisper_engine import WhisperRecognizer

    second = load_second_opinion() if second_opinion and checksum is not None else None
    return WhisperRecognizer(model, phrases, second=second, name=name)


def _whisper_tiny_make(model: Path | None, phrases: Sequence[str] | None,
                       checksum: str | None) -> Recognizer:
    return _whisper_make(model, phrases, checksum, second_opinion=False, name="whisper-tiny")


def _whisper_model_at(path: Path) -> Path | None:
    if not is_whisper_model(path):
        return None
    check_model_files(path)  # refused now, with the file to blame, not at the first word
    return path


def _whisper_transcriber(recognizer: Recognizer) -> Transcriber:
    from coach.voice.listen.dictation import WhisperNoteTranscriber

    return WhisperNoteTranscriber(recognizer)


# ----------------------------------------------------------------------------- vosk


def _searched() -> str:
    return ", ".join(str(path) for _, path in search_dirs())


def _vosk_available() -> Availability:
    found = find_english_model()
    if found is not None:
        return Availability(found)
    return Availability(missing="no English vosk model",
                        problem=f"no English vosk model (searched {_searched()}); {GET_VOSK_HINT}")


def _vosk_make(model: Path | None, phrases: Sequence[str] | None,
               checksum: str | None) -> Recognizer:
    if model is None:
        raise RecognizerUnavailable("no English vosk model; run `massage-coach models download`")
    from coach.voice.asr.vosk_engine import VoskRecognizer

    return VoskRecognizer(model, phrases)


def _vosk_transcriber(recognizer: Recognizer) -> Transcriber:
    model_path = getattr(recognizer, "model_path", None)
    if model_path is None:
        return _pocketsphinx_transcriber(recognizer)
    from coach.voice.listen.dictation import VoskTranscriber

    return VoskTranscriber(Path(model_path))


# ----------------------------------------------------------------------------- pocketsphinx


def _pocketsphinx_available() -> Availability:
    if find_spec("pocketsphinx") is None:
        return Availability(missing="no pocketsphinx",
                            problem="the pocketsphinx package is not installed; "
                                    "`pip install pocketsphinx`")
    return Availability()


def _pocketsphinx_make(model: Path | None, phrases: Sequence[str] | None,
                       checksum: str | None) -> Recognizer:
    try:
        from coach.voice.asr.pocketsphinx_engine import PocketsphinxRecognizer
    except ImportError as error:
        raise RecognizerUnavailable(f"the pocketsphinx engine cannot be imported ({error}); "
                                    "`pip install pocketsphinx`") from error
    if model is not None:
        return PocketsphinxRecognizer(phrases=phrases, model_dir=model)
    return PocketsphinxRecognizer(phrases=phrases)


def _pocketsphinx_transcriber(recognizer: Recognizer) -> Transcriber:
    from coach.voice.listen.dictation import PocketsphinxNoteTranscriber

    return PocketsphinxNoteTranscriber(getattr(recognizer, "model_dir", None))


# ----------------------------------------------------------------------------- the registry

WHISPER = Engine(
    name="whisper", title="Whisper", label="Whisper tiny.en + base",
    description="Whisper tiny.en, with Whisper base as its second opinion: hears real people "
                "best (models from ./setup.sh)",
    advance_word=DEFAULT_ADVANCE_WORD, needs="the Whisper model",
    picked="the Whisper model is installed (it hears real people best)",
    available=_whisper_available, make=_whisper_make, transcriber=_whisper_transcriber,
    model_at=_whisper_model_at, model_files="model.bin, config.json, tokenizer.json")

WHISPER_TINY = replace(
    WHISPER, name="whisper-tiny", label="Whisper tiny.en alone",
    description="Whisper tiny.en without the second opinion (~170 MB less memory)",
    picked="asked for by name", make=_whisper_tiny_make, auto=False)

VOSK = Engine(
    name="vosk", title="vosk", label="vosk (English model)",
    description="vosk with an English model (`massage-coach models download`, ~40 MB)",
    advance_word=DEFAULT_ADVANCE_WORD, needs="an English vosk model",
    picked="an English vosk model is installed",
    available=_vosk_available, make=_vosk_make, transcriber=_vosk_transcriber,
    model_at=find_english_model, model_files="am/final.mdl and graph/")

POCKETSPHINX = Engine(
    name="pocketsphinx", title="pocketsphinx", label="pocketsphinx (English)",
    description="pocketsphinx: its English model ships in its wheel, so it always works",
    # pocketsphinx hears the one-syllable "next" badly: espeak-ng "next" in 6 voices x 3 rates was
    # accepted 0/18 times (an English word such as "food" or "neck" won), "continue" 18/18. Both
    # always work; the prompt just asks for the one this engine hears.
    advance_word="continue", needs="the pocketsphinx package",
    picked="pocketsphinx's English model is bundled",
    available=_pocketsphinx_available, make=_pocketsphinx_make,
    transcriber=_pocketsphinx_transcriber, last_resort=True)

ENGINES: tuple[Engine, ...] = (WHISPER, WHISPER_TINY, VOSK, POCKETSPHINX)
"""Every engine, in the fallback order: "auto" uses the first that is available (of those with
`auto`; whisper-tiny is whisper with less, for a machine short of memory or the benchmark's
side-by-side, and is only used when asked for)."""

NAMES: tuple[str, ...] = tuple(engine.name for engine in ENGINES)


def engine_named(name: str, engines: Sequence[Engine] = ENGINES) -> Engine:
    """The entry called `name`; RecognizerUnavailable naming the choices when there is none."""
    for engine in engines:
        if engine.name == name:
            return engine
    raise RecognizerUnavailable(f"unknown engine {name!r}; choose one of "
                                f"{', '.join(('auto', *(e.name for e in engines)))}")


def transcriber_for(recognizer: Recognizer) -> Transcriber:
    """The note transcriber of `recognizer`'s engine (pocketsphinx's for an unknown one, as its
    model always works)."""
    for engine in ENGINES:
        if engine.name == recognizer.name:
            return engine.transcriber(recognizer)
    return POCKETSPHINX.transcriber(recognizer)


def options_help(engines: Sequence[Engine] = ENGINES) -> str:
    """`--engine`'s help: every engine with its one line, and the order "auto" follows."""
    each = "; ".join(engine.description for engine in engines)
    return (f"Speech recognition engine (voice mode). auto = the first available of "
            f"{', '.join(e.name for e in engines if e.auto)}. {each}.")
