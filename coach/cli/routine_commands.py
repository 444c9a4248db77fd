"""`massage-coach check`, `list` and `show`: working with routine files from the command line.

`check` is for people writing routines: it prints every problem in compiler style
(`file:line:col: field: expected X, found Y`) so editors can jump to it, and exits 2 when there is
any. `show` prints a routine as a guide that makes sense on paper, away from the coach.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import click

from coach.core.plain_text import printable

from coach.routine_format import library
from coach.core.routine import (
    DEFAULT_HOLD_QUESTION,
    PRESSURE_NAMES,
    Routine,
    Step,
    choice_words,
)
from coach.exit_status import ExitStatus
from coach.routine_format.loader import Problem, check_routine, describe_duration, describe_hold



def register(main: click.Group) -> None:
    """Attach the routine subcommands to the `massage-coach` group."""
    main.add_command(check)
    main.add_command(list_routines)
    main.add_command(show)


# --------------------------------------------------------------------------------------------
# check


@click.command()
@click.argument("files", nargs=-1, metavar="FILE...")
@click.option("--shipped", is_flag=True, help="Also check every routine that ships with the coach.")
def check(files: tuple[str, ...], shipped: bool) -> None:
    """Validate routine files and print every problem found.

    FILE may be a path or the id of a shipped routine. Each problem is printed as
    `file:line:column: field: expected ..., found ...` with a hint below it. Exits with status 2
    if any file has a problem, 0 (and an "OK" line per file) if all are fine.
    """
    targets = [_check_target(name) for name in files]
    if shipped:
        directory = library.routines_dir()
        targets += [directory / f"{rid}{library.ROUTINE_SUFFIX}" for rid in library.shipped_ids()]
    if not targets:
        raise click.UsageError("give at least one routine file (or --shipped)")
    bad_files = total = 0
    for path in targets:
        routine, problems = check_routine(path)
        if problems:
            bad_files += 1
            total += len(problems)
            for problem in problems:
                _echo_problem(problem)
        elif routine is not None:
            low, high = routine.total_seconds()
            click.echo(f"OK {printable(str(path), one_line=True)}: {routine.id}, "
                       f"{len(routine.steps)} steps, {_minutes_range(low, high)} of holds")
    if bad_files:
        click.echo(f"{total} problem{'s' if total != 1 else ''} in {bad_files} "
                   f"file{'s' if bad_files != 1 else ''}", err=True)
        raise SystemExit(ExitStatus.UNUSABLE_INPUT)


def _check_target(name: str) -> Path:
    """A path as given, unless it does not exist and names a shipped routine."""
    path = Path(name)
    try:
        path.stat()
        return path
    except OSError:  # missing, or unusable (check_routine says why)
        pass
    try:
        return library.find(name)
    except library.RoutineNotFound:
        return path  # check_routine reports the missing file with its own message


def _echo_problem(problem: Problem) -> None:
    click.echo(f"{problem.location}: {click.style(problem.message(), bold=True)}")
    if problem.hint:
        click.echo(f"    hint: {problem.shown_hint}")


# --------------------------------------------------------------------------------------------
# list


@click.command(name="list")
def list_routines() -> None:
    """List the routines that ship with the coach: id, title, who it is for, time in holds."""
    result = library.scan()
    rows = [(info.id, info.title, info.audience.value, _minutes_range(*info.total_seconds))
            for info in result.routines]
    if not rows and not result.broken:
        click.echo(f"No routines found in {library.routines_dir()}.")
        return
    header = ("ID", "TITLE", "FOR", "HOLDS")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    for error in result.broken:
        path = error.problems[0].file if error.problems else "?"
        shown = printable(str(path), one_line=True)
        click.echo(f"(skipped {shown}: {len(error.problems)} problem(s); run "
                   f"`massage-coach check {shown}`)", err=True)


# --------------------------------------------------------------------------------------------
# show


@click.command()
@click.argument("routine", metavar="ROUTINE")
@click.option("--width", type=click.IntRange(40, 200), default=None,
              help="Wrap text at this many columns (default: the terminal width, at most 88).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the routine as one printable HTML page with a picture "
              "per step to this file, instead of printing the guide.")
@click.option("--force", is_flag=True, help="With --html: replace the file if it exists.")
def show(routine: str, width: int | None, html_file: Path | None, force: bool) -> None:
    """Print a routine as a readable guide, or write it as a web page with pictures.

    ROUTINE is the id of a shipped routine (see `massage-coach list`), a file name, or a path to
    your own routine file.
    """
    if force and html_file is None:
        raise click.UsageError("--force only goes with --html FILE")
    try:
        loaded = library.load(routine)
    except library.RoutineNotFound as error:  # the same status as check and run give
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(ExitStatus.UNUSABLE_INPUT) from None
    except library.RoutineError as error:
        for problem in error.problems:
            _echo_problem(problem)
        click.echo(f"Error: {printable(routine, one_line=True)} has {len(error.problems)} "
                   "problem(s); fix them before using it", err=True)
        raise SystemExit(ExitStatus.UNUSABLE_INPUT) from None
    if html_file is not None:
        _write_html(loaded, html_file, force)
        return
    width = width or min(shutil.get_terminal_size((88, 24)).columns, 88)
    click.echo(format_guide(loaded, width))


def _write_html(routine: Routine, path: Path, force: bool) -> None:
    """`show --html`: the page goes to the file asked for and nowhere else, never over an
    existing file without --force."""
    from coach.app.routine_page import PageExists, routine_html, write_page  # only when asked

    try:
        write_page(path, routine_html(routine), force=force)
    except PageExists:
        click.echo(f"Error: {path} already exists; add --force to replace it", err=True)
        raise SystemExit(ExitStatus.FAILED) from None
    except OSError as error:
        click.echo(f"Error: cannot write {path}: {error.strerror or error}", err=True)
        raise SystemExit(ExitStatus.FAILED) from None
    click.echo(f"Wrote {path}: {routine.title}, {len(routine.steps)} steps with pictures.")


def format_guide(routine: Routine, width: int = 88) -> str:
    """The whole routine as plain text that reads well on its own, printed or on screen."""
    out: list[str] = []

    def para(text: str, indent: str = "", first: str | None = None) -> None:
        out.append(textwrap.fill(text, width, initial_indent=first if first is not None else indent,
                                 subsequent_indent=indent))

    def heading(text: str) -> None:
        if out and out[-1]:
            out.append("")
        out.extend([text.upper(), ""])

    def bullets(items: tuple[str, ...] | list[str], indent: str = "") -> None:
        for item in items:
            para(_display(item), indent + "  ", indent + "- ")

    low, high = routine.total_seconds()
    out.append(routine.title)
    out.append("=" * min(len(routine.title), width))
    para(routine.summary)
    who = "two people: a giver and a receiver" if routine.audience.value == "partner" \
        else "one person, on your own"
    out.append("")
    para(f"For {who}. {len(routine.steps)} steps; {_minutes_range(low, high)} in holds. "
         f"Starting pressure {routine.default_pressure} of 5 "
         f"({PRESSURE_NAMES[routine.default_pressure]})" +
         (f", never above {routine.max_pressure} ({PRESSURE_NAMES[routine.max_pressure]})."
          if routine.max_pressure < 5 else "."))

    heading("You need")
    bullets(routine.equipment or ("nothing special",))
    heading("Do not start if")
    if routine.contraindications:
        for item in routine.contraindications:
            para(item.question, "  ", "- ")
            para(f"If yes: {item.reason}", "    ")
            para(f"Read back as: {item.read_back}", "    ")
    else:
        para("No screening questions for this routine.")
    if routine.cautions:
        heading("Keep in mind")
        bullets(routine.cautions)
    if routine.setup:
        heading("Set-up")
        bullets(routine.setup)
    heading("Steps")
    if routine.has_sides:
        para("[side] means the side being worked: the coach asks which side to start on and "
             "repeats those steps for the other side.")
        out.append("")
    for number, step in enumerate(routine.steps, 1):
        _format_step(step, number, para, bullets, out)
    if routine.closing:
        heading("Closing")
        bullets(routine.closing)
    return "\n".join(out).rstrip() + "\n"


def _format_step(step: Step, number: int, para, bullets, out: list[str]) -> None:  # type: ignore[no-untyped-def]
    """One numbered step: title, what to do, how long, and the optional extras.

    An optional step is marked in its heading, so someone planning on paper sees what may be
    left out; the coach asks before reading it.
    """
    marker = " (optional)" if step.optional else ""
    out.append(f"{number}. {_display(step.title)}{marker}")
    facts = []
    if step.optional:
        facts.append("the coach asks first; say no to leave it out")
    if step.sides:
        facts.append("each side: " + " then ".join(side.value for side in step.sides)
                     if len(step.sides) > 1 else f"{step.sides[0].value} side only")
    facts.append(f"hold {describe_hold(step.hold)}" if step.hold else "untimed: say next when done")
    para("(" + "; ".join(facts) + ")", "   ")
    if step.warning:
        para(f"Warning: {_display(step.warning)}", "   ")
    bullets(step.say, "   ")
    if step.check_in:
        check_in = step.check_in
        answers = f"say {choice_words(check_in.choices)}" if check_in.choices else \
            f"yes: {check_in.yes.value if check_in.yes else ''}; " \
            f"no: {check_in.no.value if check_in.no else ''}"
        para(f"Check in: {_display(check_in.ask)} ({answers})", "   ")
    if step.hold and step.hold.until_softened:
        para("At the check point the coach asks: "
             f"{_display(step.hold.ask or DEFAULT_HOLD_QUESTION)} (yes moves on, no stays)", "   ")
    if step.after:
        para("When the hold ends:", "   ")
        bullets(step.after, "   ")
    if step.pressure:
        para("Pressure:", "   ")
        for level, text in sorted(step.pressure.items()):
            para(_display(text), "      ", f"   {level} {PRESSURE_NAMES[level]}: ")
    if step.alternative:
        para("Other position:", "   ")
        bullets(step.alternative, "   ")
    out.append("")


def _display(text: str) -> str:
    """Spoken text as printed: the side placeholders become readable markers."""
    return text.replace("{other_side}", "[other side]").replace("{side}", "[side]")


def _minutes_range(low: float, high: float) -> str:
    """A total time range in words, e.g. "9 to 20 min" or "about 3 min"."""
    if high == 0:
        return "no timed holds"

    def minutes(seconds: float) -> str:
        if seconds < 60:
            return describe_duration(seconds)
        value = round(seconds / 60, 1)
        return f"{value:g}"

    if round(low / 60, 1) == round(high / 60, 1):
        single = minutes(high)
        return single if high < 60 else f"{single} min"
    if high < 60:
        return f"{int(low)} to {describe_duration(high)}"
    return f"{minutes(low)} to {minutes(high)} min"
