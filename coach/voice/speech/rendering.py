"""What every speech back-end shares: the rendered line, the voice record, the errors, the
interface (`SpeechRenderer`), the render cache and the words a line is rendered from.

Why a module of its own: the two back-ends (`pyttsx3_tts.Pyttsx3Renderer`,
`piper_tts.PiperRenderer`) and the speaker all need these, and neither back-end should import
the other.
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from coach.voice.audio.on_air import TimedWord
from coach.voice.speech.limits import RATE_LIMITS
from coach.voice.speech.spoken_text import speakable

VOICE_PEAK_DBFS = -3.0


class TTSError(RuntimeError):
    """Speech could not be rendered."""


class UnknownVoiceError(TTSError):
    """No installed voice matches the requested id or name."""


@dataclass(frozen=True)
class VoiceInfo:
    id: str  # e.g. "gmw/en-us"
    name: str  # e.g. "English (America)"
    languages: tuple[str, ...]
    gender: str | None = None


@dataclass(frozen=True)
class Rendered:
    """A rendered line: mono int16 samples at `sample_rate`, at the voice level (pyttsx3: peak
    -3 dBFS; Piper: espeak-ng's speech level). `text` is the words spoken (`line_text`);
    `words` their estimated times, which the player puts on the air for the listener."""

    samples: np.ndarray  # int16, shape (n,)
    sample_rate: int
    text: str
    voice: str | None
    rate: int
    render_seconds: float  # wall time of the synthesis (0.0 for a cache hit)
    engine: str  # "piper", "pyttsx3" or "espeak-ng"
    words: tuple[TimedWord, ...] = ()  # when each word of `text` is heard (word_times.py)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def with_volume(self, volume: float) -> np.ndarray:
        """The samples as float32 in [-1, 1] scaled by `volume` (0..1)."""
        return (self.samples.astype(np.float32) / 32768.0) * float(np.clip(volume, 0.0, 1.0))


class SpeechRenderer(Protocol):
    """What the speaker needs from a speech back-end (`Renderer`, `PiperRenderer`).

    `rate` is in words per minute on one scale for both back-ends (calibrated so that a rate
    gives about the same pace in either voice); `default_rate` is the back-end's calm default.
    """

    name: str  # "piper" or "pyttsx3"
    default_rate: int
    rate: int
    voice_id: str | None

    def start(self) -> None: ...
    def close(self) -> None: ...
    def list_voices(self) -> list[VoiceInfo]: ...
    def resolve_voice(self, wanted: str) -> VoiceInfo: ...
    def describe(self) -> str: ...
    def render(self, text: str, voice: str | None = None, rate: int | None = None) -> Rendered: ...


CacheKey = tuple[str, str | None, int]


class RenderCache:
    """LRU of rendered lines keyed by (text, voice, rate): routines repeat the same lines.

    Thread-safe, and each line renders once: a thread asking for a line that another thread is
    rendering (the speaker's look-ahead, say) waits for that render instead of repeating it.
    """

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._items: collections.OrderedDict[CacheKey, Rendered] = collections.OrderedDict()
        self._rendering: dict[CacheKey, threading.Event] = {}

    def get_or_render(self, key: CacheKey, render: Callable[[], Rendered]) -> Rendered:
        """The cached render for `key`, else `render()`'s result (stored)."""
        while True:
            with self._lock:
                hit = self._items.get(key)
                if hit is not None:
                    self._items.move_to_end(key)
                    return hit
                busy = self._rendering.get(key)
                if busy is None:
                    mine = self._rendering[key] = threading.Event()
                    break
            busy.wait()  # then look again: stored, or that render failed and we try ourselves
        try:
            return self.put(key, render())
        finally:
            with self._lock:
                del self._rendering[key]
            mine.set()

    def get(self, key: CacheKey) -> Rendered | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: CacheKey, rendered: Rendered) -> Rendered:
        """Store and return `rendered` (or the render already stored under `key`, so two
        threads rendering the same line at once hand out one object)."""
        with self._lock:
            kept = self._items.setdefault(key, rendered)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return kept


def line_text(text: str) -> str:
    """The words to render for `text` (numbers as words, spacing collapsed); refuses nothing to
    say with ValueError."""
    words = speakable(text)
    if not words:
        raise ValueError("nothing to say")
    return words


def normalise_peak(samples: np.ndarray, peak_dbfs: float = VOICE_PEAK_DBFS) -> np.ndarray:
    """Scale to a fixed peak so voice level (and the cue/voice ratio) does not depend on voice."""
    peak = int(np.max(np.abs(samples.astype(np.int32)))) if samples.size else 0
    if peak == 0:
        return samples
    target = 32767 * 10 ** (peak_dbfs / 20)
    return np.clip(np.round(samples.astype(np.float64) * (target / peak)), -32768, 32767).astype(
        np.int16
    )


def clamp_rate(wpm: int | float) -> int:
    """A whole number of words per minute within `RATE_LIMITS`, the range the speaker and the
    CLI allow: a back-end used on its own renders no pace the coach would not speak at."""
    return int(RATE_LIMITS.clamp(round(wpm)))
