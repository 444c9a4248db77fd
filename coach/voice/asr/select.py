"""Which recognition engine to use, decided once, explained in one line.

The engines and their order are the registry's (`engines.ENGINES`): in "auto" the first that can
run is used, Whisper tiny.en first (its model installs from the package registry with
./setup.sh; it hears real people best, docs/listening.md), then vosk with an English model
(downloaded separately, `massage-coach models download`), then pocketsphinx, whose English model
ships in its wheel so it always works. The one line says which was picked and why, so a user who
never reads the docs still learns how to get a better one. Nothing here touches the network, and
nothing here names an engine: that is the registry's job.

Engines are imported lazily (by the registry's `make`): loading a model costs seconds and memory,
and an engine that is not chosen must not be loaded (or even importable) for the coach to run.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from coach.core.plain_text import printable
from coach.voice.asr.base import Recognizer, RecognizerUnavailable
from coach.voice.asr.engines import ENGINES as REGISTRY
from coach.voice.asr.engines import Availability, Engine, engine_named

log = logging.getLogger(__name__)

ENGINES: tuple[str, ...] = ("auto", *(engine.name for engine in REGISTRY))
"""The `--engine` choices: "auto" and every engine of the registry, in its order."""


@dataclass(frozen=True)
class EngineChoice:
    """The engine that will be used, with which model, and why (for logs, `doctor`, `models
    list`)."""

    engine: str  # the registry name of the engine
    model: Path | None  # the model directory (pocketsphinx: an override; None = bundled)
    reason: str
    requested: str  # what was asked for: "auto" or an engine name
    checksum: str | None = None  # SHA-256 model.bin must have (Whisper's packaged model)

    def __str__(self) -> str:
        where = f" ({self.model})" if self.model else ""
        return f"{self.engine}{where}: {self.reason}"


ADVANCE_WORDS = {engine.name: engine.advance_word for engine in REGISTRY}
"""The word the coach's prompts ask for to move on ("Say continue when you're done"), per
engine (each entry's `advance_word`, where the figures behind it are)."""


def _normalize(engine: str | None, engines: Sequence[Engine]) -> str:
    name = (engine or "auto").strip().lower()
    if name != "auto":
        engine_named(name, engines)  # raises, naming the choices
    return name


def plan_choice(engine: str | None = None, model: Path | None = None,
                engines: Sequence[Engine] = REGISTRY) -> EngineChoice:
    """Decide the engine and model without loading anything.

    `engines` is the registry (its order is the fallback order). Raises `RecognizerUnavailable`
    when the request cannot be met: an engine asked for by name that cannot run here, or an
    explicit `--model` that is no model we can use.
    """
    requested = _normalize(engine, engines)
    if requested != "auto":
        named = engine_named(requested, engines)
        if named.model_at is None:  # its --model is an override, taken as given
            reason = f"chosen with --engine {requested}"
            return EngineChoice(requested, Path(model) if model else None, reason, requested)
    if model is not None:
        return _explicit_model(Path(model), requested, engines)
    if requested != "auto":
        return _named(engine_named(requested, engines), engines)
    skipped: list[Availability] = []
    for candidate in (e for e in engines if e.auto):
        state = candidate.available()
        if state.ok:
            return EngineChoice(candidate.name, state.model, _auto_reason(candidate, skipped),
                                requested, checksum=state.checksum)
        skipped.append(state)
    raise RecognizerUnavailable("no speech recognition engine can run here: "
                                + "; ".join(state.problem for state in skipped))


def _auto_reason(engine: Engine, skipped: list[Availability]) -> str:
    """Why "auto" took `engine`: its own reason, and what it was taken instead of. The last
    resort says what to install for better, since a user who never reads the docs is told here."""
    if not skipped:
        return engine.picked
    if engine.last_resort:
        return " and ".join(state.problem for state in skipped)
    return f"{engine.picked} ({', '.join(state.missing for state in skipped)})"


def _named(engine: Engine, engines: Sequence[Engine]) -> EngineChoice:
    state = engine.available()
    if state.ok:
        return EngineChoice(engine.name, state.model, f"chosen with --engine {engine.name}",
                            engine.name, checksum=state.checksum)
    others = " or ".join(e.name for e in engines if e is not engine and e.auto)
    model_hint = "" if "--model" in state.problem else "pass --model PATH, or "
    raise RecognizerUnavailable(f"--engine {engine.name} needs {engine.needs} and it cannot run "
                                f"here: {state.problem}; {model_hint}use --engine {others}")


def _explicit_model(model: Path, requested: str, engines: Sequence[Engine]) -> EngineChoice:
    try:
        model.stat()
    except OSError as error:  # checked first: is_file() raises on a name too long
        problem = ("nothing is at this path" if isinstance(error, FileNotFoundError) else
                   "the name is longer than the system allows (255 bytes a name)"
                   if error.errno == errno.ENAMETOOLONG else error.strerror or str(error))
        raise RecognizerUnavailable(f"--model {printable(str(model))[:120]}: {problem}; give the "
                                    "folder of a Whisper or vosk model (`massage-coach models "
                                    "list` shows the installed ones)") from None
    readers = [e for e in engines if e.model_at is not None
               and ((requested == "auto" and e.auto) or e.name == requested)]
    for engine in readers:
        found = engine.model_at(model)  # type: ignore[misc]
        if found is not None:
            return EngineChoice(engine.name, found, "chosen with --model", requested)
    kinds = " or ".join(engine.title for engine in readers)
    files = "; ".join(f"{engine.title}: {engine.model_files}" for engine in readers)
    raise RecognizerUnavailable(
        f"{model} is not a {kinds} model ({files}); run `massage-coach models list` to see "
        "installed models")


def describe_choice(engine: str | None = None, model: Path | None = None) -> str:
    """One line saying which engine would be used and why, or why none can be."""
    try:
        return str(plan_choice(engine, model))
    except RecognizerUnavailable as error:
        return f"unavailable: {error}"


def create_recognizer(
    engine: str | None = None,
    model: Path | None = None,
    phrases: Sequence[str] | None = None,
    engines: Sequence[Engine] = REGISTRY,
) -> Recognizer:
    """Build the recognizer for `engine` ("auto" when None) over `phrases` (default: commands).

    In auto mode a model that is found but fails to load or to verify (damaged, wrong language
    for the phrases) does not stop the coach: it falls back to the next engine of the registry
    that can run, and says why. An explicit `--engine` or `--model` fails instead, with the
    reason, because the user asked for it.
    """
    choice = plan_choice(engine, model, engines)
    explicit = choice.requested != "auto" or model is not None
    chosen = engine_named(choice.engine, engines)
    try:
        recognizer = chosen.make(choice.model, phrases, choice.checksum)
    except RecognizerUnavailable as error:
        if explicit:
            raise
        log.warning("speech engine: %s cannot be used, the %s model at %s cannot be used (%s); "
                    "trying the next engine", chosen.title, chosen.name, choice.model, error)
        return _fallback_after(chosen, phrases, engines)
    if choice.requested == "auto" and chosen.last_resort and choice.reason != chosen.picked:
        log.warning("speech engine: %s; %s", chosen.name, choice.reason)
    else:
        where = f", model {choice.model}" if choice.model else ""
        log.info("speech engine: %s%s (%s)", chosen.name, where, choice.reason)
    return recognizer


def _fallback_after(failed: Engine, phrases: Sequence[str] | None,
                    engines: Sequence[Engine]) -> Recognizer:
    """The next engine after `failed`, in the registry's order, that can run and load."""
    later = list(engines)[list(engines).index(failed) + 1:]
    for engine in (e for e in later if e.auto):
        state = engine.available()
        if not state.ok:
            continue
        try:
            recognizer = engine.make(state.model, phrases, state.checksum)
        except RecognizerUnavailable as error:
            if engine is later[-1]:
                raise
            log.warning("speech engine: the %s model at %s cannot be used either (%s)",
                        engine.name, state.model, error)
            continue
        log.warning("speech engine: %s", engine.name)
        return recognizer
    raise RecognizerUnavailable(f"{failed.title} cannot be used and no engine after it can run")
