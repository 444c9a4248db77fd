"""The screen: the pure `render` checked as text, and the real `LiveScreen` under tmux."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from coach.app.screen import big_text, format_countdown, pressure_bar, render
from coach.core.status import Phase, Status
from testkit.screen_status import sample_status
from testkit.tmux import Tmux

REPO = Path(__file__).resolve().parent.parent


def screen_text(status: Status, width: int = 80, height: int = 24, line: str = "") -> list[str]:
    console = Console(record=True, width=width, height=height, color_system=None,
                      file=open(os.devnull, "w"))
    console.print(render(status, width, height, line))
    return console.export_text().splitlines()


def digit_scale(lines: list[str], value: str) -> int | None:
    """The scale at which `value` is drawn in big digits on these lines, or None."""
    stripped = [line.strip() for line in lines]
    for scale in range(8, 0, -1):
        rows = [row.strip() for row in big_text(value, scale)]
        for start in range(len(stripped) - len(rows) + 1):
            if stripped[start:start + len(rows)] == rows:
                return scale
    return None


def test_block_font_is_what_we_think() -> None:
    assert big_text("2:05") == [
        "██████    ██████ ██████",
        "    ██ ██ ██  ██ ██    ",
        "██████    ██  ██ ██████",
        "██     ██ ██  ██     ██",
        "██████    ██████ ██████",
    ]
    assert big_text("1", 2)[:2] == ["    ████    ", "    ████    "]
    assert big_text("?") == big_text(" ")  # unknown characters never crash the screen


def test_countdown_format() -> None:
    assert format_countdown(124.3) == "2:05"  # rounded up: 0:00 only when the hold is over
    assert format_countdown(0.2) == "0:01"
    assert format_countdown(0) == "0:00"
    assert format_countdown(-3) == "0:00"
    assert format_countdown(3700) == "1:01:40"


def test_render_80x24_shows_everything() -> None:
    lines = screen_text(sample_status(), line="Ease off a little.")
    assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
    text = "\n".join(lines)
    assert "CALF SQUEEZE — LEFT SIDE" in text
    assert "step 3 of 12" in text
    scale = digit_scale(lines, "2:05")
    assert scale is not None and scale >= 2  # at least 10 rows tall on a plain terminal
    assert pressure_bar(2, 40)[:10] in text and "2 light" in text
    assert "“softer”  ✓ understood" in text
    assert "Coach: Ease off a little." in text
    assert "Say: pause · softer · harder · how long · more time · next · stop" in text


def test_not_understood_and_paused() -> None:
    text = "\n".join(screen_text(sample_status(phase=Phase.PAUSED, paused=True, hold_remaining=64.0,
                                             last_heard="pass the towel", last_understood=False,
                                             pressure=4)))
    assert "“pass the towel”  ✗ not understood" in text
    assert "PAUSED" in text and "4 firm" in text
    assert digit_scale(text.splitlines(), "1:04")


def test_note_wait_and_read_back_replace_the_command_list() -> None:
    waiting = "\n".join(screen_text(sample_status(taking_note=True)))
    assert "Listening for your note" in waiting and "Say: pause" not in waiting
    asking = "\n".join(screen_text(sample_status(note_read_back="knot by the left shoulder blade")))
    assert "Keep the note “knot by the left shoulder blade”? Say yes or no" in asking
    assert "Say: pause" in "\n".join(screen_text(sample_status()))


def test_every_phase_has_a_label() -> None:
    from coach.app.screen import _PHASE_LABELS
    assert set(_PHASE_LABELS) == set(Phase)
    text = "\n".join(screen_text(sample_status(phase=Phase.OPTIONAL, hold_remaining=None,
                                             hold_total=None, step_title="Tapping")))
    assert "OPTIONAL STEP: DO IT?" in text


def test_between_steps_the_phase_is_shown_once() -> None:
    """With no step title, the title line already says the phase ("SETTING UP"): not twice."""
    lines = screen_text(sample_status(phase=Phase.SETUP, step_number=0, step_title="", side=None,
                                    hold_remaining=None, hold_total=None))
    assert sum("SETTING UP" in line for line in lines) == 1
    paused = screen_text(sample_status(phase=Phase.SETUP, step_number=0, step_title="", side=None,
                                     hold_remaining=None, hold_total=None, paused=True))
    assert sum("SETTING UP" in line for line in paused) == 1
    assert any(line.strip() == "PAUSED" for line in paused)


def test_bigger_terminal_bigger_digits() -> None:
    small = digit_scale(screen_text(sample_status()), "2:05")
    large = digit_scale(screen_text(sample_status(), 160, 50), "2:05")
    assert small is not None and large is not None and large > small


def test_tiny_terminal_keeps_the_countdown_and_title() -> None:
    lines = screen_text(sample_status(), 40, 12, line="A long line the coach is saying right now.")
    assert len(lines) == 12 and all(len(line) <= 40 for line in lines)
    assert digit_scale(lines, "2:05") == 1
    assert any("CALF SQUEEZE" in line for line in lines)


def test_no_hold_shows_step_position() -> None:
    lines = screen_text(sample_status(phase=Phase.STEP, hold_remaining=None, hold_total=None))
    assert digit_scale(lines, "3/12")
    welcome = screen_text(sample_status(phase=Phase.WELCOME, step_number=0, step_title="",
                                      side=None, hold_remaining=None, hold_total=None,
                                      last_heard=""))
    assert any("WELCOME" in line for line in welcome)
    assert any("nothing yet" in line for line in welcome)


# ---------------------------------------------------------------------- tmux

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@needs_tmux
def test_live_screen_under_tmux(tmp_path: Path) -> None:
    control = tmp_path / "control"
    control.mkdir()
    tmux = Tmux(f"coach-screen-test-{os.getpid()}")
    # pytest exports COLUMNS/LINES, which rich would trust over the real terminal size.
    command = (f"cd {REPO} && env -u COLUMNS -u LINES PYTHONPATH={REPO} {sys.executable} "
               f"tests/screen_demo.py {control}"
               f" 2>{tmp_path / 'stderr.txt'}")
    tmux.run("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", command)
    try:
        lines = tmux.wait_for(lambda ls: digit_scale(ls, "2:05") is not None, "the 2:05 countdown")
        text = "\n".join(lines)
        assert len(lines) == 24
        assert "CALF SQUEEZE — LEFT SIDE" in text
        assert "2 light" in text and "✓ understood" in text and "Coach: Ease off a little." in text
        small = digit_scale(lines, "2:05")

        (control / "go-1").touch()
        lines = tmux.wait_for(lambda ls: any("HEEL DRAG" in line for line in ls), "stage 2")
        text = "\n".join(lines)
        assert "HEEL DRAG — RIGHT SIDE" in text and "PAUSED" in text and "4 firm" in text
        assert "“pass the towel”  ✗ not understood" in text
        assert digit_scale(lines, "1:05")

        # A bigger window: the refresh loop notices and the digits grow.
        tmux.run("resize-window", "-t", "demo", "-x", "140", "-y", "45")
        tmux.wait_for(lambda ls: (digit_scale(ls, "1:05") or 0) > (small or 0), "bigger digits")
        tmux.run("resize-window", "-t", "demo", "-x", "80", "-y", "24")

        # A real countdown: the picture follows the clock.
        (control / "go-2").touch()
        tmux.wait_for(lambda ls: digit_scale(ls, "0:08") is not None, "0:08")
        tmux.wait_for(lambda ls: digit_scale(ls, "0:06") is not None, "0:06")

        # Leaving restores the normal screen: no digits left behind.
        (control / "go-3").touch()
        lines = tmux.wait_for(lambda ls: any("screen closed" in line for line in ls), "exit")
        assert not any("██" in line for line in lines)
        (control / "go-4").touch()
        assert (tmp_path / "stderr.txt").read_text() == ""
    finally:
        subprocess.run(["tmux", "-L", tmux.socket, "kill-server"], capture_output=True)
