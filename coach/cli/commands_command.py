"""`massage-coach commands`: everything you can say, from the same table the recognizers use."""

from __future__ import annotations

import click

from coach.core.commands import COMMANDS, TRANSCRIPT_ONLY, VOICE_EXCLUDED, Strictness


@click.command()
def commands() -> None:
    """List what you can say (or type in --text mode) and what each does."""
    click.echo("Say any of these at any time. \"help\" lists what fits the moment.\n")
    for spec in COMMANDS:
        phrases = ", ".join(f'"{phrase}"' + (" (typed only)" if phrase in VOICE_EXCLUDED else "")
                            for phrase in spec.phrases)
        notes = []
        if spec.barge_in:
            notes.append("works while the coach is talking")
        if spec.intent in TRANSCRIPT_ONLY:
            notes.append("in your own words, heard by Whisper or typed")
        if spec.strictness is Strictness.SURE:
            notes.append("must be heard clearly")
        extra = f" ({'; '.join(notes)})" if notes else ""
        click.echo(f"{spec.meaning[:1].upper()}{spec.meaning[1:]}{extra}:")
        click.echo(f"    {phrases}")
    click.echo('\nIn --text mode you can also type "note ..." to keep a note at once (by voice: '
               '"take a note"); with --for NAME it comes back at that step next time.')


def register(main: click.Group) -> None:
    main.add_command(commands)
