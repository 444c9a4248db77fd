"""Which speech back-end speaks: the first of the registry's back-ends (coach/voice/speech/
backends.py: Piper when its voice is installed, then pyttsx3 with espeak-ng) that can.

Why a module of its own: `run`, `doctor` and the speaker must agree on the choice and on what
to tell the user when a wanted back-end is missing, and the check must be cheap (nothing is
loaded to decide: loading is the renderer's job, in the background).
"""

from __future__ import annotations

import logging

from coach.voice.speech.backends import BACKENDS as REGISTRY
from coach.voice.speech.backends import Backend, backend_named
from coach.voice.speech.rendering import SpeechRenderer, TTSError

log = logging.getLogger(__name__)

BACKENDS: tuple[str, ...] = tuple(backend.name for backend in REGISTRY)


class BackendUnavailable(TTSError):
    """The speech back-end asked for cannot run here; the message says how to fix it."""


def _entry(wanted: str | None) -> Backend:
    """The back-end that speaks: `wanted` if it can, or with None the first that can."""
    if wanted is not None:
        backend = backend_named(wanted)
        if backend is None:
            raise BackendUnavailable(f"unknown speech back-end {wanted!r}; choose one of "
                                     f"{', '.join(BACKENDS)}")
        problem = backend.problem()
        if problem:
            raise BackendUnavailable(f"cannot speak with {backend.title}: {problem}")
        return backend
    skipped = []
    for backend in REGISTRY:
        problem = backend.problem()
        if not problem:
            if skipped:
                log.info("speaking with %s: %s", backend.name, "; ".join(skipped))
            return backend
        skipped.append(problem)
    raise BackendUnavailable("no speech back-end can speak here: " + "; ".join(skipped))


def choose_backend(wanted: str | None = None) -> str:
    """`wanted` if it can run (else BackendUnavailable), or with None the best that can, in
    the registry's order."""
    return _entry(wanted).name


def make_renderer(tts: str | None = None, voice: str | None = None,
                  rate: int | None = None) -> SpeechRenderer:
    """A renderer of the chosen back-end (see `choose_backend`), not started yet."""
    return _entry(tts).make(voice, rate)


def fallback_renderer(failed: str) -> SpeechRenderer | None:
    """A renderer (default voice and rate) of the first back-end after `failed` that can speak,
    for when `failed`'s voice would not load; None when there is none."""
    names = list(BACKENDS)
    later = REGISTRY[names.index(failed) + 1:] if failed in names else ()
    for backend in later:
        if not backend.problem():
            return backend.make(None, None)
    return None


def preload(tts: str, voice: str | None) -> None:
    """Start loading `voice` of back-end `tts` in the background, if that back-end loads."""
    backend = backend_named(tts)
    if backend is not None and backend.preload is not None:
        backend.preload(voice)


def passed_over(tts: str | None = None) -> list[Backend]:
    """The back-ends before the one that speaks, in the registry's order, that cannot speak here
    (for `doctor`: what it would take to have them)."""
    chosen = _entry(tts)
    before = REGISTRY[:REGISTRY.index(chosen)]
    return [backend for backend in before if backend.problem()]


def backend_summary(tts: str | None = None) -> str:
    """One line for `doctor`: which back-end a session would speak with, and why (each
    back-end passed over, with why)."""
    chosen = _entry(tts)
    passed = "".join(f"; {backend.title} unavailable: {backend.problem()}"
                     for backend in passed_over(tts))
    return f"speech out: {chosen.summary()}{passed}"
