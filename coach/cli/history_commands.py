"""`massage-coach history`: past sessions, one session's timeline, and exports.

`history` alone lists sessions (the common case needs no subcommand). The database is the one the
coach writes (`coach.app.history.default_path()`, or `$MASSAGE_COACH_DATA`); `--db` points
elsewhere.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from coach.app.history import History, HistoryUnavailable, format_seconds
from coach.app.history.atomic import atomic_write
from coach.app.history.opening import default_path
from coach.core.plain_text import printable


def _open(db: Path | None, console: Console) -> History:
    """Open the history read-only, telling the user (on stderr) what they should know about it
    (damage, an earlier repair). A file that cannot be read as a history is refused: these
    commands never change, move or create a file."""
    try:
        history = History.open_for_reading(db)
    except HistoryUnavailable as error:
        raise click.ClickException(str(error)) from None
    for notice in history.notices:
        console.print(notice, markup=False, style="yellow", soft_wrap=True)
    return history


MAX_LIST = 1_000_000  # -n: more than anyone has; bigger numbers are refused, not overflowed
MAX_ID = 2**63 - 1  # SQLite's largest row id


def _plain(text: str, style: str = "") -> Text:
    """Text from the history shown as it is: no rich markup read into it (a note "[/red]" once
    could break the table), no control characters sent to the terminal."""
    return Text(printable(text, one_line=True), style=style)


def _when(at: float) -> str:
    """Short enough for an 80-column table; the year only when it is not this year."""
    moment = _dt.datetime.fromtimestamp(at)
    if moment.year == _dt.datetime.now().year:
        return moment.strftime("%d %b %H:%M")
    return moment.strftime("%d %b %Y %H:%M")


def _list(db: Path | None, limit: int) -> None:
    out, err = Console(), Console(stderr=True)
    with _open(db, err) as history:
        sessions = history.sessions(limit)
    if not sessions:
        out.print("No sessions yet. Start one with [bold]massage-coach run ROUTINE[/bold].")
        return
    styles = {"completed": "green", "ended early": "yellow", "unfinished": "red"}
    rows = [{"ID": str(info.id), "When": _when(info.started_at),
             "Routine": _plain(info.routine_title), "Receiver": _plain(info.receiver or "—"),
             "Length": (format_seconds(info.ended_at - info.started_at)
                        if info.ended_at is not None else "—"),
             "Steps": str(info.steps_done),
             "Outcome": Text(info.outcome, style=styles[info.outcome]),
             "Engine": _plain(info.engine)} for info in sessions]
    shown = _columns_that_fit(rows, out.width)
    table = Table(title="Past sessions", title_justify="left", box=None,
                  header_style="bold underline", pad_edge=False)
    for name in shown:
        look = dict(_COLUMN_LOOK[name])
        if name == "ID":  # never squeezed to "…": `history show ID` needs every digit
            look["min_width"] = max(2, *(len(str(row["ID"])) for row in rows))
        table.add_column(name, **look)
    for row in rows:
        table.add_row(*(row[name] for name in shown))
    out.print(table)


# Display order, and how each column looks. The ID is never squeezed: `history show ID` needs it.
_COLUMN_LOOK: dict[str, dict] = {
    "ID": {"justify": "right", "style": "bold", "no_wrap": True},
    "When": {"no_wrap": True}, "Routine": {"min_width": 12}, "Receiver": {},
    "Length": {"justify": "right"}, "Steps": {"justify": "right"},
    "Outcome": {"no_wrap": True}, "Engine": {"style": "dim"}}
_WRAPS = {"Routine": 12, "Receiver": 10}  # columns that wrap: the width they need at least
# What goes first when the terminal is narrow: the least useful column.
_DROP_ORDER = ("Engine", "Steps", "Length", "Receiver", "Routine", "Outcome")


def _columns_that_fit(rows: list[dict[str, str | Text]], width: int) -> list[str]:
    """The columns to show in `width` cells: all of them if they fit, else without the least
    useful ones; the ID and the date always (the date is cut short if it must be)."""
    def needed(name: str) -> int:
        cells = [len(str(row[name])) for row in rows]
        widest = max([len(name), *cells])
        if name in _WRAPS:  # a long title wraps onto a second line rather than push columns out
            widest = min(widest, _WRAPS[name])
        return max(widest, _COLUMN_LOOK[name].get("min_width", 0)) + 2

    shown = list(_COLUMN_LOOK)
    for name in _DROP_ORDER:
        if sum(needed(column) for column in shown) - 2 <= width:
            break
        shown.remove(name)
    return shown


def register(main: click.Group) -> None:
    """Attach the `history` group to the main command."""

    db_option = click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
                             default=None, help="History file (default: the coach's own).")

    limit_option = click.option(
        "-n", "--limit", type=click.IntRange(min=1, max=MAX_LIST, clamp=False), default=20,
        show_default=True, help="How many sessions (1 or more).")

    @main.group("history", invoke_without_command=True)
    @db_option
    @limit_option
    @click.pass_context
    def history_group(ctx: click.Context, db: Path | None, limit: int) -> None:
        """Past sessions (newest first); see `history show ID` and `history export`."""
        ctx.ensure_object(dict)
        ctx.obj["db"] = db
        if ctx.invoked_subcommand is None:
            _list(db, limit)

    @history_group.command("list")
    @db_option
    @limit_option
    @click.pass_context
    def list_command(ctx: click.Context, db: Path | None, limit: int) -> None:
        """Past sessions, newest first."""
        _list(db or ctx.obj.get("db"), limit)

    @history_group.command("show")
    @click.argument("session_id", type=click.IntRange(min=1, max=MAX_ID))
    @db_option
    @click.pass_context
    def show_command(ctx: click.Context, session_id: int, db: Path | None) -> None:
        """The timeline of one session: steps, pressure, everything heard, notes."""
        out, err = Console(), Console(stderr=True)
        with _open(db or ctx.obj.get("db"), err) as history:
            info = history.session(session_id)
            if info is None:
                raise click.ClickException(f"no session {session_id} (see `massage-coach history`)")
            entries = history.timeline(session_id)
        who = f" for {info.receiver}" if info.receiver else ""
        heading = Text(f"Session {info.id}", style="bold")
        heading.append(printable(f": {info.routine_title}{who}, {_when(info.started_at)}, "
                                 f"{info.outcome} ({info.engine})", one_line=True))
        out.print(heading)
        table = Table(show_header=True, box=None, pad_edge=False)
        table.add_column("Time", justify="right", style="dim")
        table.add_column("What")
        for entry in entries:
            style = {"not_understood": "red", "pressure": "cyan", "note": "magenta",
                     "step": "bold", "step_started": "bold",
                     "pressure_settled": "cyan"}.get(entry.kind, "")
            table.add_row(format_seconds(entry.at - info.started_at),
                          _plain(entry.describe(), style))
        out.print(table)

    @history_group.command("export")
    @click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
                  show_default=True)
    @click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
                  default=None, help="Write here instead of standard output.")
    @click.option("--force", is_flag=True, default=False,
                  help="Replace the --out file if it already exists.")
    @click.option("--session", "session_ids", type=click.IntRange(min=1, max=MAX_ID),
                  multiple=True,
                  help="Only this session (repeatable). Default: all.")
    @db_option
    @click.pass_context
    def export_command(ctx: click.Context, fmt: str, out_path: Path | None, force: bool,
                       session_ids: tuple[int, ...], db: Path | None) -> None:
        """Every session with its timeline, as JSON or CSV (one row per event)."""
        err = Console(stderr=True)
        source = db or ctx.obj.get("db")
        if out_path is not None:
            _check_export_target(out_path, source, force)
        with _open(source, err) as history:
            chosen = list(session_ids) or None
            writer = history.export_json if fmt == "json" else history.export_csv
            if out_path is None:
                writer(sys.stdout, chosen)
                return
            try:
                with atomic_write(out_path) as handle:  # a failure leaves the old file whole
                    count = writer(handle, chosen)
            except OSError as error:
                raise click.ClickException(
                    f"cannot write {out_path}: {error.strerror or error}. "
                    "Nothing was changed.") from None
        err.print(f"Wrote {count} session(s) to {out_path}", markup=False)


def _history_files(source: Path | None) -> list[Path]:
    """The files that make up the history being exported, and the coach's own history (its
    WAL and shared-memory files, and a repair's work files, included): an export must never
    land on any of them."""
    files: list[Path] = []
    for base in (base for base in (source, default_path()) if base is not None):
        files += [Path(f"{base}{suffix}") for suffix in
                  ("", "-wal", "-shm", "-journal", ".repairing", ".repaired")]
    return files


def _same_file(one: Path, other: Path) -> bool:
    """Same place by resolved path (even when neither exists yet), or the same file on disk
    (a hard link, a symlink, a bind mount)."""
    try:
        if one.resolve() == other.resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop: compare what exists below
        pass
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _check_export_target(out_path: Path, source: Path | None, force: bool) -> None:
    """Refuse to export onto the history itself (that would destroy it), and refuse to replace
    an existing file unless asked to with --force."""
    for history_file in _history_files(source):
        if _same_file(out_path, history_file):
            raise click.ClickException(
                f"{out_path} is the history itself; exporting onto it would destroy it. "
                "Choose another file for --out. Nothing was changed.")
    if os.path.lexists(out_path) and not force:
        raise click.ClickException(
            f"{out_path} already exists. Add --force to replace it, or choose another file. "
            "Nothing was changed.")
