"""Real pyttsx3 renders: a WAV with speech in it, of a plausible length, that the rate option
changes, cached, and surviving a dead worker process."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import numpy as np
import pytest

from coach.voice.speech.pyttsx3_tts import (
    DEFAULT_RATE_WPM,
    Pyttsx3Renderer,
    UnknownVoiceError,
    VOICE_PEAK_DBFS,
    list_voices,
)

SENTENCE = "Rest both palms on the upper back and let their weight sink in slowly."  # 14 words


@pytest.fixture(scope="module")
def renderer() -> Iterator[Pyttsx3Renderer]:
    r = Pyttsx3Renderer(voice="en-us")
    yield r
    r.close()


def _rms_dbfs(samples: np.ndarray) -> float:
    x = samples.astype(np.float64) / 32768.0
    return 20 * np.log10(np.sqrt(np.mean(x**2)) + 1e-12)


def test_render_has_speech_of_plausible_length(renderer: Pyttsx3Renderer) -> None:
    out = renderer.render(SENTENCE)
    assert out.engine == "pyttsx3"
    assert out.samples.dtype == np.int16 and out.samples.ndim == 1
    assert out.sample_rate == 22050
    words = len(SENTENCE.split())
    expected = words / DEFAULT_RATE_WPM * 60
    assert 0.6 * expected < out.duration < 1.8 * expected, (out.duration, expected)
    assert _rms_dbfs(out.samples) > -30  # speech energy, not a silent file
    peak = 20 * np.log10(np.max(np.abs(out.samples)) / 32767)
    assert abs(peak - VOICE_PEAK_DBFS) < 0.2  # normalised voice level
    # energy spread over the line, not one burst: most 100 ms windows of the middle are voiced
    win = out.sample_rate // 10
    frames = out.samples[: len(out.samples) // win * win].reshape(-1, win).astype(np.float64)
    voiced = np.sqrt((frames**2).mean(axis=1)) > 300
    assert voiced.mean() > 0.5


def test_rate_changes_duration(renderer: Pyttsx3Renderer) -> None:
    slow = renderer.render(SENTENCE, rate=110)
    fast = renderer.render(SENTENCE, rate=240)
    assert slow.duration / fast.duration > 1.6, (slow.duration, fast.duration)


def test_cache_returns_the_same_render(renderer: Pyttsx3Renderer) -> None:
    first = renderer.render("Press gently, then release.", rate=150)
    again = renderer.render("  Press gently,   then release. ", rate=150)  # same after spacing
    assert again is first
    other = renderer.render("Press gently, then release.", rate=151)
    assert other is not first


def test_voice_resolution(renderer: Pyttsx3Renderer) -> None:
    assert renderer.resolve_voice("en-us").id.endswith("en-us")
    assert renderer.resolve_voice("gmw/en-us").id == "gmw/en-us"
    assert "english" in renderer.resolve_voice("English").name.lower()
    with pytest.raises(UnknownVoiceError, match="no voice matches"):
        renderer.resolve_voice("klingon-imperial")
    british = renderer.render(SENTENCE, voice="en-gb")
    assert british.voice is not None and british.voice != renderer.voice_id


def test_list_voices_has_english() -> None:
    voices = list_voices()
    assert len(voices) > 10
    assert any(v.id.endswith("en-us") for v in voices)


def test_worker_is_restarted_after_it_dies(renderer: Pyttsx3Renderer) -> None:
    renderer.start()
    assert renderer._proc is not None
    os.kill(renderer._proc.pid, signal.SIGKILL)
    renderer._proc.wait()
    out = renderer.render("Now the worker has to come back.")
    assert out.engine == "pyttsx3" and out.duration > 0.5


def test_empty_text_is_refused(renderer: Pyttsx3Renderer) -> None:
    with pytest.raises(ValueError):
        renderer.render("   ")
