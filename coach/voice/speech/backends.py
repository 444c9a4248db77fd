"""The speech back-ends (the coach's voices) it knows, in the order "auto" tries them: the one
place that names them.

Why a registry: the back-end names used to be string branches in the `--tts` options, `doctor`,
the speaker's fallback, the process exit and the benchmark. Each back-end is now one `Backend`
entry here (whether it can run and why not, how to make its renderer, what to tell `doctor`), and
the others read `BACKENDS`. Adding a voice touches this module and its test
(tests/test_engine_registry.py).

Nothing heavy is imported here (renderers are imported in `make`), so that `process_exit` can ask
whether a voice is still loading without loading one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coach.voice.speech.rendering import SpeechRenderer


@dataclass(frozen=True)
class Backend:
    """One speech back-end, everything the rest of the coach needs to know about it."""

    name: str  # the `--tts` value
    title: str  # how messages name it: "Piper"
    description: str  # one line for `--help`
    problem: Callable[[], str | None]  # why it cannot speak here (with the fix), None = it can
    make: Callable[[str | None, int | None], SpeechRenderer]  # (voice, rate) -> not started
    summary: Callable[[], str]  # `doctor`'s line when a session would speak with it
    better: str = ""  # what to do to have it, said when "auto" had to pass over it
    preload: Callable[[str | None], None] | None = None  # start loading `voice` in the background
    finish_loading: Callable[[float], None] | None = None  # wait (seconds) for loads under way


# ----------------------------------------------------------------------------- Piper

PIPER_MODULE = "coach.voice.speech.piper_tts"


def _piper_problem() -> str | None:
    from coach.voice.speech.piper_tts import piper_problem

    return piper_problem()


def _piper_make(voice: str | None, rate: int | None) -> SpeechRenderer:
    from coach.voice.speech.piper_tts import PiperRenderer

    return PiperRenderer(voice=voice, rate=rate)


def _piper_summary() -> str:
    from coach.voice.speech.piper_tts import PiperRenderer

    return f"{PiperRenderer().describe()} (Piper; `--tts pyttsx3` for espeak-ng)"


def _piper_preload(voice: str | None) -> None:
    from coach.voice.speech.piper_tts import PiperRenderer

    PiperRenderer(voice=voice).start()  # the speaker's renderer finds it loading


def _piper_finish_loading(seconds: float) -> None:
    module = sys.modules.get(PIPER_MODULE)
    if module is not None:  # never imported: nothing is loading
        module.wait_for_loads(seconds)


# ----------------------------------------------------------------------------- pyttsx3


def _pyttsx3_problem() -> str | None:
    if find_spec("pyttsx3") is None:
        return "the pyttsx3 package is not installed; `pip install pyttsx3` (and espeak-ng)"
    return None


def _pyttsx3_make(voice: str | None, rate: int | None) -> SpeechRenderer:
    from coach.voice.speech.pyttsx3_tts import Pyttsx3Renderer

    return Pyttsx3Renderer(voice=voice, rate=rate)


# ----------------------------------------------------------------------------- the registry

PIPER = Backend(
    name="piper", title="Piper",
    description="Piper's neural voice (auto, when installed; ./setup.sh installs it)",
    problem=_piper_problem, make=_piper_make, summary=_piper_summary,
    better="./setup.sh installs Piper's calmer neural voice",
    preload=_piper_preload, finish_loading=_piper_finish_loading)

PYTTSX3 = Backend(
    name="pyttsx3", title="pyttsx3",
    description="pyttsx3 (espeak-ng, any voice installed on the system)",
    problem=_pyttsx3_problem, make=_pyttsx3_make, summary=lambda: "pyttsx3 (espeak-ng)")

BACKENDS: tuple[Backend, ...] = (PIPER, PYTTSX3)
"""Every back-end, in the fallback order: "auto" speaks with the first that can."""

NAMES: tuple[str, ...] = tuple(backend.name for backend in BACKENDS)


def backend_named(name: str, backends: Sequence[Backend] = BACKENDS) -> Backend | None:
    """The entry called `name`, or None."""
    return next((backend for backend in backends if backend.name == name), None)


def options_help(backends: Sequence[Backend] = BACKENDS) -> str:
    """`--tts`'s help: every back-end's one line, and the order "auto" follows."""
    return ("Speech back-end: " + " or ".join(b.description for b in backends)
            + f". auto = the first of {', '.join(b.name for b in backends)} that can speak.")


def finish_loading(seconds: float) -> None:
    """Wait (up to `seconds` in all) for voices still loading in the background, of the
    back-ends already in use: a process that exits mid-load can be aborted by the runtime."""
    deadline = time.monotonic() + seconds
    for backend in BACKENDS:
        if backend.finish_loading is not None:
            backend.finish_loading(max(0.0, deadline - time.monotonic()))
