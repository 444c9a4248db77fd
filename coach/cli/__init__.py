"""The `massage-coach` command line.

Each group of subcommands lives in its own module and registers itself on `main`; this module only
builds the group and imports them.
"""

from __future__ import annotations

import logging

import click

from coach import __version__
from coach.exit_status import ExitStatus


class _QuietOnCtrlC(click.Group):
    """Ctrl-C before a command has set up its own handling (loading a routine, opening the
    history) ends quietly with 130, like Ctrl-C later on. Click's own answer is "Aborted!" and
    exit 1, which reads as a failure of ours (issue 23: Ctrl-C in the first half second)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise SystemExit(ExitStatus.INTERRUPTED) from None


@click.group(cls=_QuietOnCtrlC, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="massage-coach")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """A hands-free, offline voice coach for massage routines."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    """Attach every subcommand module (each has a `register(main)`)."""
    from coach.cli import (
        commands_command,
        doctor_command,
        hear_command,
        history_commands,
        models_commands,
        routine_commands,
        run_command,
    )

    for module in (routine_commands, run_command, commands_command, hear_command,
                   models_commands, doctor_command, history_commands):
        module.register(main)


_register()
