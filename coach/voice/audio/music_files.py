"""The user's music files for `run --music`: which of them can be played, and their sound.

Why checked before the session: a file the coach cannot read should be said once, plainly, and
skipped, and a folder with nothing playable refused before the first word (not found out in the
middle of a massage). The coach ships no music and no decoder of its own: WAV is read by
`wav_file` (any PCM or float WAV); FLAC, Ogg Vorbis and the other formats sox knows are read
through the `sox` program when it is installed (setup.sh installs it), which also resamples
them to the output rate with its own filter. MP3 needs sox's MP3 handler (libsox-fmt-mp3),
which the project does not install: such a file is skipped with a line saying how to convert it.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.voice.audio.pcm import SAMPLE_RATE
from coach.voice.audio.wav_file import WavError, inspect_wav, stream_wav

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a",
                            ".aac", ".wma", ".aif", ".aiff", ".aifc", ".au", ".w64", ".wv"})
"""What a folder is searched for; other files there (cover.jpg, notes.txt) are passed over
without a word. A file named on its own is tried whatever its name."""
MAX_TRACKS = 1000  # files looked at in a folder (a whole music library would take long to check)
SOX_CHECK_SECONDS = 10.0  # `sox --i` reads a header; a file that takes longer is not usable
BLOCK_SECONDS = 5.0  # decoded at a time: memory stays at a few hundred kB for any length


class MusicError(ValueError):
    """Nothing playable was given; the message says why, and what would work."""


@dataclass(frozen=True)
class Track:
    """A file that can be played: `sox` False means the WAV reader takes it."""

    path: Path
    sox: bool


@dataclass(frozen=True)
class Playlist:
    """The playable tracks in order, and one line for each file skipped."""

    tracks: tuple[Track, ...]
    skipped: tuple[str, ...]


def find_tracks(where: str | Path) -> Playlist:
    """The playable files at `where` (a file, or a folder searched in name order, sub-folders
    included). Raises `MusicError` if it is missing or nothing there can be played."""
    where = Path(where)
    if where.is_dir():
        candidates = sorted((p for p in where.rglob("*")
                             if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file()
                             and not p.name.startswith(".")), key=lambda p: str(p).lower())
        if not candidates:
            raise MusicError(f"{where}: no sound files in this folder (looked for "
                             f"{', '.join(sorted(s[1:] for s in AUDIO_SUFFIXES))})")
        candidates = candidates[:MAX_TRACKS]
    elif where.exists():
        candidates = [where]
    else:
        raise MusicError(f"{where}: no such file or folder")
    tracks: list[Track] = []
    skipped: list[str] = []
    for path in candidates:
        try:
            tracks.append(check_track(path))
        except MusicError as error:
            skipped.append(f"{error}; skipped")
    if not tracks:
        errors = [line.removesuffix("; skipped") for line in skipped]
        if len(errors) == 1:
            raise MusicError(errors[0])
        raise MusicError(f"{where}: none of its {len(skipped)} sound files can be played "
                         f"(the first: {errors[0]})")
    return Playlist(tuple(tracks), tuple(skipped))


def check_track(path: Path) -> Track:
    """`path` as a `Track`, or `MusicError` naming the file and what is wrong with it."""
    head = _head(path)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE" or path.suffix.lower() in (".wav", ".wave"):
        try:
            inspect_wav(path)
        except WavError as error:
            raise MusicError(f"{path}: {error}") from None
        return Track(path, sox=False)
    sox = shutil.which("sox")
    if sox is None:
        raise MusicError(f"{path}: only WAV files can be played without sox "
                         f"(`apt-get install sox` reads FLAC and Ogg too, or convert it to WAV)")
    try:
        done = subprocess.run([sox, "--i", "-D", str(path)], capture_output=True, text=True,
                              timeout=SOX_CHECK_SECONDS, errors="replace")
    except subprocess.TimeoutExpired:
        raise MusicError(f"{path}: reading it took over {SOX_CHECK_SECONDS:g} s")\
            from None
    if done.returncode != 0:
        raise MusicError(f"{path}: {_sox_reason(done.stderr, path)}")
    try:
        seconds = float(done.stdout.strip() or "nan")
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:  # also nan: sox could not tell
        raise MusicError(f"{path}: it has no audio in it (0 seconds)")
    return Track(path, sox=True)


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(12)
    except OSError as error:
        raise MusicError(f"{path}: cannot read it ({error.strerror})") from None


def _sox_reason(stderr: str, path: Path) -> str:
    """sox's complaint as half a sentence a user can act on."""
    text = " ".join(stderr.split())
    if "no handler for" in text or "no handler for detected file type" in text:
        kind = path.suffix[1:].upper() or "this kind of"
        return (f"this sox cannot read {kind} files (MP3 needs libsox-fmt-mp3); convert it, "
                f"e.g. `ffmpeg -i '{path.name}' '{path.stem}.flac'`")
    text = re.sub(r"^\S*sox( FAIL)?( \w+)?: ", "", text)
    return f"it is not a sound file sox can read ({text[:160] or 'no reason given'})"


def decode(track: Track, rate: int = SAMPLE_RATE,
           block_seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
    """The track's sound as mono float32 blocks at `rate`. Raises `MusicError` if it cannot be
    read any more (deleted, or sox failed on it half-way)."""
    if not track.sox:
        try:
            yield from stream_wav(track.path, rate, block_seconds)
        except (WavError, OSError) as error:
            raise MusicError(f"{track.path}: cannot be played any more ({error})") from None
        return
    sox = shutil.which("sox") or "sox"
    command = [sox, "-q", str(track.path), "-t", "raw", "-e", "floating-point", "-b", "32",
               "-r", str(rate), "-c", "1", "-"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    size = max(1, int(block_seconds * rate)) * 4
    try:
        assert proc.stdout is not None
        while block := proc.stdout.read(size):
            usable = len(block) - len(block) % 4
            yield np.frombuffer(block[:usable], "<f4").astype(np.float32)
        assert proc.stderr is not None
        reason = proc.stderr.read().decode(errors="replace")
        if proc.wait(timeout=10) != 0:
            raise MusicError(f"{track.path}: cannot be played any more "
                             f"({_sox_reason(reason, track.path)})")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
