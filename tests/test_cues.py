"""Cues: right length, soft level well under the voice, clean fades."""

from __future__ import annotations

import numpy as np
import pytest

from coach.core.actions import CueKind
from coach.voice.speech.cues import CUE_PEAK_DBFS, CUE_SAMPLE_RATE, cue_duration, cue_samples
from coach.voice.speech.pyttsx3_tts import VOICE_PEAK_DBFS


@pytest.mark.parametrize("kind", list(CueKind))
def test_length_level_and_fades(kind: CueKind) -> None:
    x = cue_samples(kind)
    assert x.dtype == np.float32
    assert abs(len(x) / CUE_SAMPLE_RATE - cue_duration(kind)) < 0.002
    assert 0.02 <= cue_duration(kind) <= 0.7  # short
    peak_db = 20 * np.log10(np.max(np.abs(x)))
    assert abs(peak_db - CUE_PEAK_DBFS) < 0.05
    assert peak_db <= VOICE_PEAK_DBFS - 12  # well below the voice
    # starts and ends at silence: the first and last 1 ms are tiny compared with the peak
    ms = CUE_SAMPLE_RATE // 1000
    peak = np.max(np.abs(x))
    assert np.max(np.abs(x[:ms])) < 0.2 * peak
    assert np.max(np.abs(x[-ms:])) < 0.2 * peak
    assert abs(x[0]) < 1e-3 * peak + 1e-6 and abs(x[-1]) < 0.02 * peak
    # no click: no sample-to-sample jump bigger than the steepest note could make
    assert np.max(np.abs(np.diff(x))) < 0.6 * peak


def test_cues_are_distinct_and_read_only() -> None:
    shapes = {kind: cue_samples(kind) for kind in CueKind}
    lengths = {len(v) for v in shapes.values()}
    assert len(lengths) >= 4
    with pytest.raises(ValueError):
        shapes[CueKind.TICK][0] = 1.0


def test_other_rates_and_levels() -> None:
    x = cue_samples(CueKind.UNDERSTOOD, sample_rate=48000, peak_dbfs=-24.0)
    assert abs(len(x) / 48000 - cue_duration(CueKind.UNDERSTOOD)) < 0.002
    assert abs(20 * np.log10(np.max(np.abs(x))) + 24.0) < 0.05
    assert cue_samples("tick") is cue_samples(CueKind.TICK)  # cached, string kinds accepted
