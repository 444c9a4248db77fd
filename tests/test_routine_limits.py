"""Routine files that once crashed, hung or ate memory: each gets a file:line:col message now.

Real YAML through the real loader and the real `check` command; the base is a shipped routine
with one value changed, so every problem reported is the one put in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach.cli import main
from coach.routine_format.loader import check_routine, parse_routine

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "routines" / "back-effleurage.yaml").read_text(encoding="utf-8")
HOLD_LINE = "    hold: {min: 1m, max: 2m, default: 1m}\n"
CUES_LINE = "    cues: {announce: true, halfway: false, remaining: [], countdown: 3, end_chime: true}\n"


def _problems(text: str) -> list:
    routine, problems = parse_routine(text, "r.yaml", expected_id="back-effleurage")
    assert routine is None and problems
    for problem in problems:
        assert problem.kind != "internal", str(problem)
    return problems


def _one_hold(replacement: str) -> str:
    assert HOLD_LINE in BASE
    return BASE.replace(HOLD_LINE, replacement, 1)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("hold, field", [
    ("    hold: .inf\n", "steps[0].hold"),
    ("    hold: -.inf\n", "steps[0].hold"),
    ("    hold: .nan\n", "steps[0].hold"),
    ("    hold: {min: 1m, max: .inf}\n", "steps[0].hold.max"),
    ("    hold: {min: 1m, max: 2m, default: .inf}\n", "steps[0].hold.default"),
    ("    hold: 1.0e+308\n", "steps[0].hold"),
    ("    hold: 99999999999999999999999999999999999999999999999999999999999999\n",
     "steps[0].hold"),
    ("    hold: 0.0001\n", "steps[0].hold"),
])
def test_impossible_durations(hold: str, field: str) -> None:
    text = _one_hold(hold)
    [problem] = _problems(text)
    assert problem.field == field
    assert (problem.line, problem.column) == (_line_of(text, hold.strip()), 11 if
                                              field == "steps[0].hold" else problem.column)
    assert len(str(problem)) < 300  # not a 180-digit number of minutes


def test_infinite_remaining_cue() -> None:
    text = BASE.replace(CUES_LINE, CUES_LINE.replace("remaining: []", "remaining: [.inf]"), 1)
    [problem] = _problems(text)
    assert problem.field == "steps[0].cues.remaining[0]"


@pytest.mark.parametrize("title", ["[" * 2000, "[" * 950 + "]" * 950,
                                   "{a: " * 1300 + "1" + "}" * 1300])
def test_deep_nesting(title: str) -> None:
    lines = BASE.split("\n")
    lines[1] = "title: " + title
    [problem] = _problems("\n".join(lines))
    assert problem.line == 2 and "levels of lists and mappings" in problem.expected


def test_deep_block_nesting() -> None:
    deep = "".join(" " * (2 * depth) + f"k{depth}:\n" for depth in range(1300))
    [problem] = _problems(BASE + "extra:\n" + "".join("  " + line + "\n"
                                                      for line in deep.splitlines()))
    assert "levels of lists and mappings" in problem.expected


def test_alias_blow_up_is_refused_quickly() -> None:
    """One 100 kB anchored string used 2,000 times once took 57 s and 221 MB, then passed."""
    text = BASE.replace("summary: ", 'summary: &big "' + "word " * 20_000 + '"\nold_summary: ', 1)
    text = text.replace(CUES_LINE, CUES_LINE + "    check_ins: [" + ", ".join(["*big"] * 2000)
                        + "]\n", 1)
    started = time.monotonic()
    problems = _problems(text)
    assert time.monotonic() - started < 5
    assert any("aliases" in problem.expected for problem in problems)


def test_billion_laughs() -> None:
    lines = ['a0: &a0 "' + "lol" * 10 + '"']
    for level in range(1, 12):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    started = time.monotonic()
    problems = _problems(BASE + "\n".join(lines) + "\n")
    assert time.monotonic() - started < 5
    assert any("aliases" in problem.expected for problem in problems)


def test_check_refuses_devices_pipes_and_fifos(tmp_path: Path) -> None:
    fifo = tmp_path / "routine.yaml"
    os.mkfifo(fifo)  # no writer: opening it would wait forever
    for target in ("/dev/zero", str(fifo)):
        _, problems = check_routine(target)
        assert [problem.found for problem in problems] == ["a device or pipe, not a regular file"]
    piped = subprocess.run(
        f"{sys.executable} -m coach check <(head -c 2000000 /dev/zero)", shell=True,
        executable="/bin/bash", capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert piped.returncode == 2 and "not a regular file" in piped.stdout + piped.stderr


def test_what_is_read_is_capped_not_the_reported_size(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * 3_000_000)
    result = CliRunner().invoke(main, ["check", str(big)])
    assert result.exit_code == 2 and "kB" in result.output
    # Peak memory of a process doing only this (this test process holds whatever earlier tests
    # left): nothing near the 3 GB /dev/zero once took.
    script = ("from coach.cli import main\n"
              "try:\n"
              f"    main(['check', {str(big)!r}])\n"
              "except SystemExit:\n"
              "    pass\n"
              "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])\n")
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=60, cwd=ROOT)
    peak_kb = int(child.stdout.strip().splitlines()[-1])
    assert peak_kb < 300_000, child.stdout


def test_control_characters_in_routine_text_are_refused() -> None:
    text = BASE
    lines = text.split("\n")
    lines[1] = 'title: "Back \\x1b[31mred\\a massage\\0"'
    [problem] = _problems("\n".join(lines))
    assert (problem.line, problem.field) == (2, "title")
    assert problem.found == "\\x1b, \\x07, \\x00"
