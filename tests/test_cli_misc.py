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
