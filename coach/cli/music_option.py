"""`run --music FILE|DIR` and `--music-level`: the user's music, checked before the session and
handed to the speaker's player (coach/voice/audio/music.py says why it plays there)."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import click

from coach.core.plain_text import printable

log = logging.getLogger(__name__)


def usable_music(value: Path | None, param: click.Parameter) -> Any:
    """--music: the playable tracks (a `Playlist`), each skipped file said in one line; refused
    (exit status 2) when nothing there can be played."""
    if value is None:
        return None
    from coach.voice.audio.music_files import MusicError, find_tracks

    try:
        playlist = find_tracks(value)
    except MusicError as error:
        raise click.BadParameter(printable(str(error), one_line=True), param=param) from None
    for line in playlist.skipped:
        click.echo(f"note: music: {printable(line, one_line=True)}", err=True)
    return playlist


def music_level(value: float, param: click.Parameter) -> float:
    """--music-level: dB under the voice, within `MUSIC_LEVEL_RANGE`."""
    from coach.voice.audio.music import MUSIC_LEVEL_RANGE

    low, high = MUSIC_LEVEL_RANGE
    if not math.isfinite(value) or not low <= value <= high:
        raise click.BadParameter(
            f"{value} is not a music level from {low:g} to {high:g} dB (under the voice: "
            f"-20 is quietly in the background, {high:g} is almost as loud as the coach).",
            param=param)
    return value


def with_music(speaker: Any, playlist: Any, level_db: float) -> Any:
    """Start `playlist` under `speaker`'s lines (a speaker with no player, as with --quiet,
    plays none: said once). Returns `speaker`."""
    if playlist is None:
        return speaker
    player = getattr(speaker, "player", None)
    if player is None:
        click.echo("note: no sound output (--quiet, or no speaker), so no music either.",
                   err=True)
        return speaker
    from coach.voice.audio.devices import AudioDeviceError
    from coach.voice.audio.music import MusicBed

    try:
        player.start_music(MusicBed(playlist, player.output_rate(), level_db))
    except AudioDeviceError as error:
        click.echo(f"note: the music cannot play: {error}", err=True)
    return speaker
