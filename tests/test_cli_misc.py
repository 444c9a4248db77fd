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


def every_command_path() -> list[tuple[str, ...]]:
    """Every command and subcommand of the CLI, read from the click group itself, so a new
    one is covered without touching this test."""
    import click

    from coach.cli import main

    paths: list[tuple[str, ...]] = []

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name, command in sorted(group.commands.items()):
            paths.append(prefix + (name,))
            if isinstance(command, click.Group):
                walk(command, prefix + (name,))

    walk(main, ())
    return paths


def test_the_walk_finds_the_nested_subcommands():
    assert {("history", "show"), ("history", "export"), ("models", "list"),
            ("models", "download")} <= set(every_command_path())


@pytest.mark.parametrize("path", every_command_path(), ids=" ".join)
def test_every_command_has_help(path):
    result = coach(*path, "--help")
    assert result.returncode == 0, result.stderr
    usage = result.stdout.splitlines()[0]
    # the help of that very command, not of its group
    assert usage.startswith("Usage:") and " ".join(path) in usage, result.stdout
    assert "Traceback" not in result.stderr


def test_a_session_writes_its_history_under_the_private_data_folder(private_user_folders):
    """The autouse fixture (conftest.py) really keeps programs out of the user's folders."""
    result = subprocess.run([sys.executable, "-m", "coach", "run", "--text", "--quiet"],
                            input="end session\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    data = private_user_folders["XDG_DATA_HOME"]
    assert (data / "massage-coach" / "history.sqlite3").is_file(), list(data.rglob("*"))


def test_device_options_take_an_index_or_part_of_a_name():
    from coach.voice.audio.devices import device_spec

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
