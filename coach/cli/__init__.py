"""The `massage-coach` command line.

Each group of subcommands lives in its own module and registers itself on `main`; this module only
builds the group and imports them.
"""

from __future__ import annotations

import logging

import click

from coach import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
