"""`massage-coach history` against a real database file."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach.app.history import History
from coach.cli import main
from coach.core.commands import Intent
from coach.core.events import CommandHeard, CommandSource, NotUnderstood

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir with two sessions in it, used through $MASSAGE_COACH_DATA like the real program.
    """
    monkeypatch.setenv("MASSAGE_COACH_DATA", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "100")
    with History.open() as history:
        sid = history.start_session("calf", "Calf release", "Sam", "vosk")
        history.record(sid, "step", {"index": 1, "step_id": "squeeze", "title": "Calf squeeze",
                                     "side": "left", "planned_hold": 120, "actual_hold": 95})
        history.record_heard(sid, CommandHeard(Intent.SOFTER, "softer", 0.8, CommandSource.SPOKEN,
                                               "vosk"))
        history.record(sid, "pressure", {"level": 2, "previous": 3, "reason": "softer"})
        history.record_heard(sid, NotUnderstood("where is the towel", CommandSource.SPOKEN, "vosk"))
        history.end_session(sid, True, "done")
        history.start_session("neck", "Neck release", None, "text")
    return tmp_path


def test_list_is_the_default(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["history"])
    assert result.exit_code == 0, result.output
    assert "Calf release" in result.output and "Neck release" in result.output
    assert "completed" in result.output and "unfinished" in result.output
    assert result.output.index("Neck release") < result.output.index("Calf release")  # newest
    limited = CliRunner().invoke(main, ["history", "list", "-n", "1"])
    assert "Neck release" in limited.output and "Calf release" not in limited.output


def test_empty_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No history yet at the default place: nothing to show, and nothing is created."""
    monkeypatch.setenv("MASSAGE_COACH_DATA", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["history"])
    assert result.exit_code == 0 and "No sessions yet" in result.output
    assert not (tmp_path / "data").exists()


def test_a_named_file_that_does_not_exist_is_not_created(tmp_path: Path) -> None:
    for args in (["history", "--db"], ["history", "show", "1", "--db"],
                 ["history", "export", "--db"]):
        result = CliRunner().invoke(main, [*args, str(tmp_path / "new.sqlite3")])
        assert result.exit_code == 1, result.output
        assert "There is no history file at" in result.output
        assert "Nothing was changed" in result.output
    assert list(tmp_path.iterdir()) == []


def test_show_timeline(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["history", "show", "1"])
    assert result.exit_code == 0, result.output
    for text in ("Session 1", "Calf release for Sam", "Step 1 · Calf squeeze (left) held 1:35 of 2:00",
                 'Heard "softer" → softer (0.80, vosk)', "Pressure 3 → 2 light (softer)",
                 'Not understood: "where is the towel"', "Completed: done"):
        assert text in result.output
    missing = CliRunner().invoke(main, ["history", "show", "99"])
    assert missing.exit_code != 0 and "no session 99" in missing.output


def test_export_json_and_csv(data_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["history", "export", "--format", "json"])
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert [s["routine_id"] for s in document["sessions"]] == ["calf", "neck"]

    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["history", "export", "--format", "csv", "--out", str(out),
                                       "--session", "1"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["kind"] for row in rows] == ["session_start", "step", "heard", "pressure",
                                             "not_understood", "session_end"]


def test_a_file_that_is_not_a_history_is_refused_and_left_alone(tmp_path: Path) -> None:
    """`history --db notes.txt` once renamed the notes and put a database in their place."""
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    other = tmp_path / "other.sqlite3"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE recipes (name TEXT)")
    db.commit()
    db.close()
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    for target, why in ((notes, "not an SQLite database"),
                        (other, "an SQLite database but not a massage-coach history")):
        for args in (["history", "--db", str(target)],
                     ["history", "list", "--db", str(target)],
                     ["history", "show", "1", "--db", str(target)],
                     ["history", "export", "--db", str(target)],
                     ["history", "export", "--format", "csv", "--db", str(target)]):
            result = CliRunner().invoke(main, args)
            assert result.exit_code == 1, (args, result.output)
            assert why in result.output and "Nothing was changed" in result.output
            assert "Traceback" not in result.output
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


def test_a_device_or_folder_is_refused(tmp_path: Path) -> None:
    for target in ("/dev/zero", str(tmp_path)):
        result = CliRunner().invoke(main, ["history", "--db", target])
        assert result.exit_code != 0
        assert "Traceback" not in result.output
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = CliRunner().invoke(main, ["history", "--db", str(fifo)])  # no writer: must not hang
    assert result.exit_code == 1 and "not a regular file" in result.output


def test_real_command_line(data_dir: Path) -> None:
    """Through `python -m coach`, as a user runs it: the group is registered on the real CLI."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "MASSAGE_COACH_DATA": str(data_dir)}
    result = subprocess.run([sys.executable, "-m", "coach", "history", "show", "1"], env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "Calf squeeze" in result.stdout


def test_numbers_out_of_range_are_refused_plainly(data_dir: Path, tmp_path: Path) -> None:
    """Once an OverflowError traceback; `-n 0` once said "No sessions yet" with sessions on file.
    """
    for args, words in ((["history", "list", "-n", "99999999999999999999"], "not in the range"),
                        (["history", "-n", "0"], "not in the range"),
                        (["history", "show", "99999999999999999999"], "not in the range"),
                        (["history", "export", "--session", "99999999999999999999"],
                         "not in the range"),
                        (["history", "export", "--out", str(tmp_path / "no" / "x.json")],
                         "cannot write")):
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (1, 2), (args, result.output)
        assert words in result.output and result.exception is None or \
            isinstance(result.exception, SystemExit), (args, result.output)
        assert "No sessions yet" not in result.output
    assert not (tmp_path / "no").exists()


def test_control_characters_and_markup_from_the_history_reach_no_terminal(
        tmp_path: Path) -> None:
    """Escape sequences, NUL and BEL in titles, names and notes went to the terminal raw."""
    db = tmp_path / "h.sqlite3"
    with History.open(db) as history:
        sid = history.start_session("calf", "Calf \x1b[2J[/red] release\x00", "Sam", "text")
        history.record(sid, "note", {"step_id": "s", "text": "[bold]knot\x1b[31m here\x07"})
        history.record(sid, "weird\x1b]0;title\x07", {"x": "\x9b1m"})
        history.end_session(sid, False, "stopped \x1b[5m")
    for args in (["history", "--db", str(db)], ["history", "show", "1", "--db", str(db)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        for raw in ("\x1b", "\x07", "\x00", "\x9b"):
            assert raw not in result.output
        assert "\\x1b" in result.output
    shown = CliRunner().invoke(main, ["history", "show", "1", "--db", str(db)]).output
    assert "[/red]" in shown and "[bold]knot\\x1b[31m here\\x07" in shown
