"""`massage-coach hear`: real listener over WAV files of any rate."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from coach.cli import main
from testkit import testaudio as ta


def test_hear_prints_commands_and_nothing(tmp_path: Path) -> None:
    stop = tmp_path / "stop.wav"
    ta.save_wav(stop, ta.resample(ta.command_clip("stop", "en-us", 170), 16000, 22050), rate=22050)
    quiet = tmp_path / "quiet.wav"
    ta.save_wav(quiet, ta.noise_floor(16000))
    result = CliRunner().invoke(main, ["hear", "--engine", "pocketsphinx", str(stop), str(quiet)])
    assert result.exit_code == 0, result.output
    # per file: a heading, then one line per fired command (time, intent, text) or "nothing";
    # the file names contain "stop", so the intent is read from its own column
    stop_block, quiet_block = result.output.split(f"{quiet}:\n")
    assert stop_block.startswith(f"{stop}:\n"), result.output
    intents = [line.split()[1:2] for line in stop_block.splitlines()[1:]]
    assert intents == [["stop"]], result.output
    assert quiet_block.strip() == "nothing", result.output


def test_hear_json(tmp_path: Path) -> None:
    stop = tmp_path / "stop.wav"
    ta.save_wav(stop, ta.command_clip("stop", "en-us", 170))
    result = CliRunner().invoke(main, ["hear", "--json", "--engine", "pocketsphinx", str(stop)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["engine"] == "pocketsphinx"
    assert [h["intent"] for h in data["heard"]] == ["stop"]


def test_hear_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav")
    result = CliRunner().invoke(main, ["hear", "--engine", "pocketsphinx", str(bad)])
    assert result.exit_code == 1


def test_hear_note_transcribes_each_file(tmp_path: Path) -> None:
    note = tmp_path / "note.wav"
    ta.save_wav(note, ta.command_clip("tender spot on the right hamstring", "en-us", 150))
    quiet = tmp_path / "quiet.wav"
    ta.save_wav(quiet, ta.noise_floor(16000))
    result = CliRunner().invoke(main, ["hear", "--note", "--engine", "pocketsphinx", str(note),
                                       str(quiet)])
    assert result.exit_code == 0, result.output
    assert 'note "tender spot on the right hamstring"' in result.output
    assert result.output.rstrip().endswith("nothing")
    result = CliRunner().invoke(main, ["hear", "--note", "--json", "--engine", "pocketsphinx",
                                       str(note)])
    assert json.loads(result.output.strip().splitlines()[-1])["note"] == \
        "tender spot on the right hamstring"
