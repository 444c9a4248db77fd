"""Missing test data fails loudly: a test that reads ../shared/speech never passes over zero clips
and never skips (issue 25: `test_whisper_engine.py` passed over nothing without the folder)."""

from __future__ import annotations

import pytest

from testkit import testaudio as ta


def test_the_shared_recordings_are_here() -> None:
    assert ta.recordings(set_name="speech-commands", words=["stop"])
    assert ta.speech_file("sentences/cards/001.wav").is_file()


def test_without_the_folder_reading_recordings_fails_naming_it(monkeypatch) -> None:
    """Seen failing with `recordings` returning [] again when the folder is missing."""
    monkeypatch.setattr(ta, "speech_root", lambda start=None: None)
    for read in (lambda: ta.recordings(set_name="speech-commands"),
                 lambda: ta.speech_file("sentences/cards/001.wav")):
        with pytest.raises(ta.MissingTestData, match=r"shared/speech/MANIFEST\.csv"):
            read()


def test_a_filter_that_matches_nothing_fails_naming_it() -> None:
    with pytest.raises(ta.MissingTestData, match="no recordings of set 'speech-commands'"):
        ta.recordings(set_name="speech-commands", words=["massage"])
    with pytest.raises(ta.MissingTestData, match="nope.wav is missing"):
        ta.speech_file("nope.wav")
