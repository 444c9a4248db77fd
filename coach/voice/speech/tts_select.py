"""Which speech back-end speaks: Piper when its voice is installed, pyttsx3 (espeak-ng) else.

Why a module of its own: `run`, `doctor` and the speaker must agree on the choice and on what
to tell the user when a wanted back-end is missing, and the check must be cheap (nothing is
loaded to decide: loading is the renderer's job, in the background).
"""

from __future__ import annotations

import logging

from coach.voice.speech.piper_tts import PiperRenderer, piper_problem
from coach.voice.speech.rendering import SpeechRenderer, TTSError
from coach.voice.speech.pyttsx3_tts import Pyttsx3Renderer

log = logging.getLogger(__name__)

BACKENDS: tuple[str, ...] = ("piper", "pyttsx3")


class BackendUnavailable(TTSError):
    """The speech back-end asked for cannot run here; the message says how to fix it."""


def choose_backend(wanted: str | None = None) -> str:
    """`wanted` if it can run (else BackendUnavailable), or with None the best that can:
    Piper when installed with a voice, otherwise pyttsx3."""
    if wanted is not None and wanted not in BACKENDS:
        raise BackendUnavailable(f"unknown speech back-end {wanted!r}; choose one of "
                                 f"{', '.join(BACKENDS)}")
    problem = piper_problem()
    if wanted == "piper" and problem:
        raise BackendUnavailable(f"cannot speak with Piper: {problem}")
    if wanted is not None:
        return wanted
    if problem:
        log.info("speaking with pyttsx3: %s", problem)
        return "pyttsx3"
    return "piper"


def make_renderer(tts: str | None = None, voice: str | None = None,
                  rate: int | None = None) -> SpeechRenderer:
    """A renderer of the chosen back-end (see `choose_backend`), not started yet."""
    if choose_backend(tts) == "piper":
        return PiperRenderer(voice=voice, rate=rate)
    return Pyttsx3Renderer(voice=voice, rate=rate)


def backend_summary(tts: str | None = None) -> str:
    """One line for `doctor`: which back-end a session would speak with, and why."""
    chosen = choose_backend(tts)
    if chosen == "piper":
        renderer = PiperRenderer()
        return f"speech out: {renderer.describe()} (Piper; `--tts pyttsx3` for espeak-ng)"
    why = piper_problem()
    return "speech out: pyttsx3 (espeak-ng)" + (f"; Piper unavailable: {why}" if why else "")
