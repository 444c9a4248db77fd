"""Music under the coach's voice: the user's files, looped, quiet, and ducked while a line plays.

Why it is mixed into the coach's own output stream (`LiveOutput`) and not played by another
program: the echo canceller subtracts exactly what that stream played (docs/echo.md). Music
played beside the coach would reach the microphone as noise the canceller knows nothing of, and
a "stop" said over it would be heard only as well as over any music in the room; mixed in, it is
in the playback reference sample for sample and cancelled like the voice (docs/listening.md,
"Commands over the coach's own music", has the figures).

Level: tracks are levelled to `MUSIC_LEVEL_DB` (default -20 dB) under the voice's loudness
(`VOICE_RMS`, Piper's and espeak's lines at the default volume), measured per track over the
loudest half of its first minute, so that a quiet intro does not set it (the voice's own
volume, "louder" and "softer", does not move the music). While a line (or cue) plays, the
music dips a further `DUCK_DB`, down in `DUCK_DOWN_SECONDS` and back up in `DUCK_UP_SECONDS`
after `DUCK_HOLD_SECONDS` of quiet (the pauses between a line's sentences do not pump it), the
gain moving sample by sample so nothing clicks. Each pass of a track fades in and out over
`FADE_SECONDS`, so a loop joins without a click either. The stream runs at 16 kHz (the
reference's rate, for the canceller's sake), so the music has no sound above 8 kHz: background
music, not hi-fi.

On "stop" the coach's voice is cut at once and the music plays on at its level, as it would on
a stereo beside the table: "stop" pauses the coach and the massage, not the room, and music
that vanished with the voice would make the pause feel like a fault. It stops with the session.

Threads: a feeder thread decodes a few seconds ahead into a queue; the audio callback only
takes from it (`mix`), never blocks and never decodes. A track that cannot be read any more is
skipped with a warning; when none can, the music ends and the coach goes on without it.
"""

from __future__ import annotations

import collections
import logging
import threading

import numpy as np

from coach.voice.audio.music_files import MusicError, Playlist, Track, decode

log = logging.getLogger(__name__)

MUSIC_LEVEL_DB = -20.0
"""Default loudness of the music under the voice's (dB; `--music-level`)."""
MUSIC_LEVEL_RANGE = (-40.0, -6.0)
"""Levels `--music-level` takes: quieter is inaudible under a room's noise, louder competes
with the voice."""
VOICE_RMS = 0.1
"""The voice's loudness at the default volume: active RMS of Piper's en_US-joe-medium 0.116 and
espeak-ng's 0.096-0.122 on two lines each, times the default volume 0.85 (about -20 dBFS)."""
DUCK_DB = -10.0
DUCK_DOWN_SECONDS = 0.15
DUCK_UP_SECONDS = 0.6
DUCK_HOLD_SECONDS = 0.5
FADE_SECONDS = 0.02
READ_AHEAD_SECONDS = 8.0  # decoded and waiting: enough to ride out a slow disk or a busy CPU
FRAME = 320  # 20 ms frames for the loudness measure
MEASURE_SECONDS = 60.0


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def track_gain(track: Track, rate: int, level_db: float) -> float:
    """The gain that puts `track` at `level_db` under `VOICE_RMS`: the RMS of the loudest half
    of the 20 ms frames of its first `MEASURE_SECONDS` (the level of the music, not of its
    silences; a minute is enough to know it, and an hour-long file starts as soon)."""
    energies: list[np.ndarray] = []
    blocks = decode(track, rate)
    seen = 0
    for block in blocks:
        if seen >= MEASURE_SECONDS * rate:
            blocks.close()  # stops sox at once
            break
        seen += block.size
        n = block.size // FRAME
        if n:
            energies.append(np.mean(np.square(block[: n * FRAME].reshape(n, FRAME),
                                              dtype=np.float64), axis=1))
    if not energies:
        raise MusicError(f"{track.path}: it has no audio in it")
    frames = np.sort(np.concatenate(energies))
    loud = float(np.sqrt(np.mean(frames[frames.size // 2:])))
    if loud < 1e-5:  # -100 dBFS: digital silence
        raise MusicError(f"{track.path}: it is silent")
    return VOICE_RMS * db_to_gain(level_db) / loud


class MusicBed:
    """The music for one session: `start` the feeder, `mix` from the audio callback, `close`.

    `rate` must be the output stream's rate. `level_db` is the loudness under the voice.
    """

    def __init__(self, playlist: Playlist, rate: int, level_db: float = MUSIC_LEVEL_DB) -> None:
        self.tracks = list(playlist.tracks)
        self.rate = rate
        self.level_db = level_db
        self._queue: collections.deque[np.ndarray] = collections.deque()
        self._current = np.zeros(0, np.float32)  # the block the callback is taking from
        self._offset = 0
        self._gain = 0.0  # the ducking gain (0..1) where the last block ended; starts from 0
        self._quiet_since: int | None = None  # samples since the last line (None: long ago)
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._gains: dict[tuple[str, int], float] = {}
        self.ended = threading.Event()  # no track could be read: the music is over
        self.underruns = 0  # blocks the feeder had nothing ready for (silence was played)

    # -- the feeder --------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._feed, name="music", daemon=True)
            self._thread.start()

    def _feed(self) -> None:
        """Decode the tracks in order, round and round, a few seconds ahead of the stream."""
        fade = max(1, int(FADE_SECONDS * self.rate))
        while not self._closing.is_set() and self.tracks:
            for track in list(self.tracks):
                if self._closing.is_set():
                    return
                try:
                    self._feed_track(track, fade)
                except MusicError as error:
                    log.warning("music: %s; skipping it", error)
                    self.tracks.remove(track)
        if not self._closing.is_set():
            log.warning("music: no track can be played any more; the session goes on without")
        self.ended.set()

    def _feed_track(self, track: Track, fade: int) -> None:
        key = (str(track.path), self.rate)
        if key not in self._gains:
            self._gains[key] = track_gain(track, self.rate, self.level_db)
        gain = self._gains[key]
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        held: np.ndarray | None = None  # one block held back, so the last one can fade out
        first = True
        for block in decode(track, self.rate):
            if self._closing.is_set():
                return
            block = block * np.float32(gain)
            if first and block.size:
                n = min(fade, block.size)
                block[:n] *= ramp[:n]
                first = False
            if held is not None:
                self._put(held)
            held = block
        if held is not None and held.size:
            n = min(fade, held.size)
            held[-n:] *= ramp[::-1][fade - n:]
            self._put(held)

    def _put(self, block: np.ndarray) -> None:
        # deque appends and pops are atomic; the queue holds a few blocks, so summing is cheap
        while sum(b.size for b in list(self._queue)) > READ_AHEAD_SECONDS * self.rate:
            if self._closing.wait(0.1):
                return
        self._queue.append(block)

    @property
    def buffered_seconds(self) -> float:
        """Music decoded and waiting for the stream."""
        return sum(b.size for b in list(self._queue)) / self.rate

    # -- the audio callback ------------------------------------------------------------------
    def _take(self, frames: int) -> np.ndarray:
        """The next `frames` samples of music (silence where the feeder is behind)."""
        out = np.zeros(frames, np.float32)
        done = 0
        while done < frames:
            if self._offset >= self._current.size:
                if not self._queue:
                    self.underruns += 1
                    break
                self._current, self._offset = self._queue.popleft(), 0
            n = min(frames - done, self._current.size - self._offset)
            out[done:done + n] = self._current[self._offset:self._offset + n]
            self._offset += n
            done += n
        return out

    def mix(self, out: np.ndarray, speaking: bool) -> None:
        """Add the next block of music into `out`, ducked if `speaking` (a line is playing in
        this block) or was within `DUCK_HOLD_SECONDS`. Called from the audio callback."""
        frames = out.size
        if speaking:
            self._quiet_since = 0
        elif self._quiet_since is not None:
            self._quiet_since += frames
            if self._quiet_since > DUCK_HOLD_SECONDS * self.rate:
                self._quiet_since = None
        # the gain starts at 0: the music fades in at the session's start
        target = db_to_gain(DUCK_DB) if self._quiet_since is not None else 1.0
        start = self._gain
        seconds = frames / self.rate
        if target < start:  # down: the whole duck (in linear gain) in DUCK_DOWN_SECONDS
            end = max(target, start - (1.0 - db_to_gain(DUCK_DB)) * seconds / DUCK_DOWN_SECONDS)
        else:
            end = min(target, start + (1.0 - db_to_gain(DUCK_DB)) * seconds / DUCK_UP_SECONDS)
        self._gain = end
        music = self._take(frames)
        if start == end:
            music *= np.float32(end)
        else:
            music *= np.linspace(start, end, frames, endpoint=False, dtype=np.float32) \
                + np.float32((end - start) / frames)
        out += music

    def close(self) -> None:
        """Stop the feeder (the stream stops taking music when the player closes it)."""
        self._closing.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
        self._queue.clear()
