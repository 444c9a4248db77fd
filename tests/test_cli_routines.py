"""`massage-coach check/list/show` run as real processes, and the routine library behind them.

The CLI tests go through `python -m coach` so exit codes, stdout/stderr and the absence of
tracebacks are what a user would see.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coach.routine_format import library
from coach.routine_format.loader import RoutineError

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample-routine.yaml"
BROKEN = DATA / "broken"
MANY = BROKEN / "many-problems.yaml"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "coach", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


# ----- check ----------------------------------------------------------------------------------


def test_check_valid_file():
    result = run("check", str(SAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == (f"OK {SAMPLE}: sample-routine, 2 steps, 2.5 to 6.5 min of holds\n")


def test_check_prints_every_problem_with_position_and_hint():
    result = run("check", str(MANY))
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    problems = [line for line in lines if line.startswith(str(MANY))]
    hints = [line for line in lines if line.startswith("    hint: ")]
    assert len(problems) == 8 and len(hints) == 8
    assert problems[2] == (f"{MANY}:14:5: steps[0].hodl: expected one of the keys of a step, "
                           "found `hodl`")
    assert lines[lines.index(problems[2]) + 1] == "    hint: did you mean `hold`?"
    assert f"{MANY}:24:17: steps[2].hold.min: expected at most the max (2 minutes), " \
           "found 5 minutes" in problems
    assert result.stderr.strip() == "8 problems in 1 file"


def test_check_refuses_a_typo_inside_cues_with_file_line_and_column(tmp_path):
    """`check` on a routine whose only fault is a misspelt cue: exit 2 and file:line:column.
    Seen failing with unknown cue keys dropped quietly (it printed OK)."""
    routine = tmp_path / SAMPLE.name
    routine.write_text(SAMPLE.read_text(encoding="utf-8").replace(
        "  - id:", "  - cues: {halfwya: true}\n    id:", 1), encoding="utf-8")
    line = routine.read_text(encoding="utf-8").splitlines().index("  - cues: {halfwya: true}") + 1
    result = run("check", str(routine))
    assert result.returncode == 2, result.stdout
    assert result.stdout.splitlines() == [
        f"{routine}:{line}:12: steps[0].cues.halfwya: expected one of the keys of cues, "
        "found `halfwya`", "    hint: did you mean `halfway`?"], result.stdout


def test_check_several_files_reports_each():
    result = run("check", str(SAMPLE), str(BROKEN / "syntax-error.yaml"), "no-such-file.yaml")
    assert result.returncode == 2
    assert result.stdout.startswith(f"OK {SAMPLE}: sample-routine")
    assert f"{BROKEN / 'syntax-error.yaml'}:4:1: expected valid YAML, found a syntax error: " \
           "found unexpected end of stream while scanning a quoted scalar that starts on line 2" \
           in result.stdout
    assert "no-such-file.yaml:1:1: expected an existing routine file, found nothing at this " \
           "path" in result.stdout
    assert result.stderr.strip() == "2 problems in 2 files"


@pytest.mark.parametrize("name, expected", [
    ("binary-junk.yaml", ":2:1: expected UTF-8 text, found bytes that are not text (0x89)"),
    ("empty.yaml", ":1:1: expected a routine (id, title, audience, summary, steps...), found "
                   "an empty file"),
    ("top-level-list.yaml", ":1:1: (top level): expected a mapping of keys (id, title, "
                            "audience, summary, ...), found a list"),
])
def test_check_hopeless_files_without_traceback(name, expected):
    result = run("check", str(BROKEN / name))
    assert result.returncode == 2
    assert result.stdout.splitlines()[0] == f"{BROKEN / name}{expected}"


def test_check_directory():
    result = run("check", str(BROKEN))
    assert result.returncode == 2
    assert f"{BROKEN}:1:1: expected a routine file, found a directory" in result.stdout


def test_check_needs_a_file():
    result = run("check")
    assert result.returncode == 2
    assert "give at least one routine file" in result.stderr


def test_check_accepts_a_shipped_id():
    result = run("check", "thai-hamstring-sit")
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("OK ") and "thai-hamstring-sit.yaml: thai-hamstring-sit," \
        in result.stdout


def test_check_shipped():
    result = run("check", "--shipped")
    assert result.returncode == 0, result.stdout
    assert len(result.stdout.splitlines()) == len(library.shipped_ids())


# ----- list -----------------------------------------------------------------------------------


def test_list_shows_id_title_audience_and_time():
    result = run("list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "TITLE", "FOR", "HOLDS"]
    row = next(line for line in lines if line.startswith("thai-hamstring-sit "))
    assert "Thai hands-free hamstring sit" in row and " partner " in row
    assert row.endswith(" min")
    ids = [line.split()[0] for line in lines[1:]]
    assert ids == sorted(ids) == library.shipped_ids()


def test_list_works_from_another_directory(tmp_path):
    result = run("list", cwd=tmp_path)
    assert result.returncode == 0 and "thai-hamstring-sit" in result.stdout


# ----- show -----------------------------------------------------------------------------------


def test_show_prints_a_readable_guide():
    result = run("show", str(SAMPLE), "--width", "200")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Sample calf routine\n===================\n")
    for expected in [
        "For two people: a giver and a receiver. 2 steps; 2.5 to 6.5 min in holds. Starting "
        "pressure 2 of 5 (light).",
        "YOU NEED\n\n- a firm mat",
        "- Does the receiver have a blood clot in the leg?\n"
        "    If yes: Pressure could move a clot, so we will not start.",
        "KEEP IN MIND\n\n- Never press on the back of the knee.",
        "1. Warm the calves\n   (hold 30 seconds)\n   - Rub both calves gently with open hands.",
        "2. Press the [side] calf\n   (each side: left then right; hold 1 to 3 minutes, usually "
        "2 minutes, until the tissue softens)",
        "   Warning: Keep well below the knee.",
        "   Check in: How is the pressure?",
        "   When the hold ends:\n   - Slide your hands to the [other side] calf.",
        "   3 medium: Lean in with some weight.",
        "   Other position:\n   - Sit beside the [side] leg and use one palm.",
        "CLOSING\n\n- Drink some water.\n",
    ]:
        assert expected in out, expected
    assert out.index("DO NOT START IF") < out.index("SET-UP") < out.index("STEPS") < \
        out.index("CLOSING")
    assert "{side}" not in out


def test_show_wraps_at_88_columns_by_default():
    result = run("show", str(SAMPLE))
    assert result.returncode == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 88


def test_show_a_shipped_routine_by_id():
    result = run("show", "thai-hamstring-sit", "--width", "200")
    assert result.returncode == 0
    assert result.stdout.startswith("Thai hands-free hamstring sit\n")
    assert "1. " in result.stdout and "until the tissue softens" in result.stdout


def test_show_unknown_routine_suggests_the_closest_and_lists_all_in_order():
    result = run("show", "thai-hamstrng")
    assert result.returncode == 2  # as check and run give for the same name
    assert result.stdout == ""
    assert result.stderr.startswith(
        "Error: no routine called 'thai-hamstrng'. Did you mean 'thai-hamstring-sit'? "
        "Available: " + ", ".join(library.shipped_ids()))
    shouted = run("show", "THAI-HAMSTRING-SIT")
    assert "Did you mean 'thai-hamstring-sit'?" in shouted.stderr


def test_a_bad_routine_gives_the_same_exit_status_everywhere():
    for command in (["check"], ["show"], ["run", "--text", "--quiet"]):
        assert run(*command, str(MANY)).returncode == 2, command
        assert run(*command, "no-such-routine-here").returncode == 2, command


def test_show_broken_routine_prints_its_problems():
    result = run("show", str(MANY))
    assert result.returncode == 2
    assert f"{MANY}:14:5: steps[0].hodl:" in result.stdout
    assert "has 8 problem(s); fix them before using it" in result.stderr


@pytest.mark.parametrize("command", [[], ["check"], ["list"], ["show"]])
def test_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: ")


def test_main_help_lists_the_commands():
    out = run("--help").stdout
    for name in ("check", "list", "show"):
        assert f"  {name} " in out


# ----- the library ----------------------------------------------------------------------------


def test_routines_dir_holds_the_shipped_files():
    directory = library.routines_dir()
    assert directory.is_dir()
    assert (directory / "thai-hamstring-sit.yaml").is_file()
    assert "thai-hamstring-sit" in library.shipped_ids()


@pytest.mark.parametrize("name", ["thai-hamstring-sit", "thai-hamstring-sit.yaml"])
def test_find_by_id_or_file_name(name):
    assert library.find(name) == library.routines_dir() / "thai-hamstring-sit.yaml"


def test_find_a_path_wins(tmp_path, monkeypatch):
    own = tmp_path / "thai-hamstring-sit.yaml"
    own.write_text("id: mine\n")
    assert library.find(own) == own
    monkeypatch.chdir(tmp_path)
    assert library.find("thai-hamstring-sit.yaml") == Path("thai-hamstring-sit.yaml")


def test_find_missing_path_is_not_replaced_by_a_shipped_routine():
    with pytest.raises(library.RoutineNotFound) as caught:
        library.find("some/dir/thai-hamstring-sit.yaml")
    assert caught.value.suggestion == "thai-hamstring-sit"


def test_find_unknown_suggests_the_closest_and_lists_all_ids_sorted():
    with pytest.raises(library.RoutineNotFound) as caught:
        library.find("low-back-strech")
    assert caught.value.suggestion == "low-back-stretches"
    assert caught.value.available == library.shipped_ids()
    assert str(caught.value) == ("no routine called 'low-back-strech'. Did you mean "
                                 "'low-back-stretches'? Available: "
                                 + ", ".join(library.shipped_ids()))


def test_scan_separates_broken_files(tmp_path, monkeypatch):
    (tmp_path / "sample-routine.yaml").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "many-problems.yaml").write_bytes(MANY.read_bytes())
    (tmp_path / "notes.txt").write_text("not a routine")
    monkeypatch.setattr(library, "routines_dir", lambda: tmp_path)
    result = library.scan()
    assert [info.id for info in result.routines] == ["sample-routine"]
    info = result.routines[0]
    assert (info.title, info.audience.value, info.step_count) == ("Sample calf routine",
                                                                  "partner", 2)
    assert info.total_seconds == (150, 390) and info.path == tmp_path / "sample-routine.yaml"
    assert len(result.broken) == 1 and len(result.broken[0].problems) == 8
    assert library.available() == result.routines


def test_load_raises_routine_error_for_a_broken_path():
    with pytest.raises(RoutineError):
        library.load(MANY)
    assert library.load(SAMPLE).id == "sample-routine"
