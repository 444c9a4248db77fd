"""Issue 23, sections 2 and 4 (history): clear messages and true words, never a traceback.

Real SQLite files and the real CLI (`history`, `show`, `export`).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from coach.app.history import History
from coach.app.history.session_history import SessionHistory
from coach.cli import main
from coach.core.commands import Intent
from coach.core.events import CommandHeard, CommandSource
from coach.routine_format.loader import load_routine
from coach.routine_format.library import find
from testkit.history_files import fill_history, overwrite_page


def test_a_history_file_with_no_tables_is_an_empty_history(tmp_path: Path) -> None:
    """An SQLite file that was created but never given tables (its schema empty): every read
    command answers plainly, none ends in "no such table"."""
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.execute("DROP TABLE t")
    db.commit()
    db.close()
    assert path.stat().st_size > 0
    listed = CliRunner().invoke(main, ["history", "--db", str(path)])
    assert listed.exit_code == 0 and "No sessions yet" in listed.output, listed.output
    shown = CliRunner().invoke(main, ["history", "show", "1", "--db", str(path)])
    assert shown.exit_code == 1 and "no session 1" in shown.output, shown.output
    exported = CliRunner().invoke(main, ["history", "export", "--db", str(path)])
    assert exported.exit_code == 0 and json.loads(exported.output)["sessions"] == []
    for result in (listed, shown, exported):
        assert "no such table" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    with History.open(path) as history:  # a session makes it a history
        history.start_session("calf", "Calf release", None, "text")
        assert len(history.sessions()) == 1


def test_a_narrow_terminal_keeps_the_id_column(tmp_path: Path) -> None:
    """`history show ID` needs the ID, so `history` at 20 columns (and 12, 30, 50) still shows
    every digit of it; the least useful columns go first."""
    path = tmp_path / "history.sqlite3"
    fill_history(path, 12)
    for width in (12, 20, 30, 50):
        listed = CliRunner().invoke(main, ["history", "--db", str(path), "-n", "3"],
                                    env={"COLUMNS": str(width)})
        assert listed.exit_code == 0, listed.output
        lines = listed.output.splitlines()
        assert "ID" in lines[1].split(), (width, listed.output)
        ids = [line.split()[0] for line in lines[2:]]
        assert ids == ["12", "11", "10"], (width, listed.output)
        assert all(len(line) <= width for line in lines), (width, listed.output)


def test_a_voice_session_records_the_engine_it_used_not_auto(tmp_path: Path) -> None:
    """`run` with `--engine auto` (the default) learns the engine from what it hears."""
    routine = load_routine(find("thai-hamstring-sit"))
    with History.open(tmp_path / "history.sqlite3") as history:
        first = SessionHistory(history, routine, None, "auto")
        first.heard(CommandHeard(Intent.NO, "no", 0.9, CommandSource.SPOKEN, "vosk"))
        first.close(False, "")
        second = SessionHistory(history, routine, None, "auto")  # a step came first
        second.record("step", {"index": 1, "title": "One"})
        second.heard(CommandHeard(Intent.NEXT, "next", 0.9, CommandSource.SPOKEN, "whisper"))
        second.close(False, "")
        typed = SessionHistory(history, routine, None, "text")
        typed.heard(CommandHeard(Intent.NO, "no", 1.0, CommandSource.TYPED))
        typed.close(False, "")
        assert [s.engine for s in history.sessions()] == ["text", "whisper", "vosk"]


def test_a_damaged_first_page_does_not_claim_empty_tables_were_lost(tmp_path: Path) -> None:
    """No notes were ever taken: a damaged first page must not report "Lost all of the notes
    table" (nor any other table that held nothing)."""
    path = tmp_path / "history.sqlite3"
    fill_history(path, 20)
    overwrite_page(path, 1)
    listed = CliRunner().invoke(main, ["history", "--db", str(path), "-n", "50"])
    assert listed.exit_code == 0, listed.output
    words = " ".join(listed.output.split())
    assert "Kept 20 sessions" in words, words
    assert not re.search(r"Lost[^.]*all of the", words), words
