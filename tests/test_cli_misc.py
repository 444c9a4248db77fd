"""Small CLI commands: `commands`, `--help` everywhere, `python -m coach`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from coach.core.commands import COMMANDS


def coach(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coach", *args], capture_output=True,
                          text=True, timeout=60)


def test_commands_lists_every_phrase_from_the_shared_table():
    result = coach("commands")
    assert result.returncode == 0
    for spec in COMMANDS:
        for phrase in spec.phrases:
            assert f'"{phrase}"' in result.stdout


@pytest.mark.parametrize("command", ["run", "check", "list", "show", "commands", "hear",
                                     "history", "models", "doctor"])
def test_every_command_has_help(command):
    result = coach(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_device_options_take_an_index_or_part_of_a_name():
    from coach.voice.audio_in import device_spec

    assert device_spec("3") == 3  # `--output-device 3` is device 3, not a device named "3"
    assert device_spec(" USB Mic ") == "USB Mic"
    assert device_spec(None) is None


def test_voice_list_shows_each_back_ends_voices():
    piper = coach("run", "--voice", "list")
    assert piper.returncode == 0, piper.stderr
    assert "--tts piper" in piper.stdout and "* en_US-joe-medium" in piper.stdout
    espeak = coach("run", "--tts", "pyttsx3", "--voice", "list")
    assert espeak.returncode == 0, espeak.stderr
    assert "gmw/en-us" in espeak.stdout


def test_a_voice_the_back_end_lacks_is_refused_before_the_session():
    result = coach("run", "--text", "--voice", "en-gb")
    assert result.returncode != 0
    assert "no Piper voice matches 'en-gb'" in result.stderr and "--tts pyttsx3" in result.stderr
    assert "Traceback" not in result.stderr
