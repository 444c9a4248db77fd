"""Play the coach's lines through sounddevice, cut them off fast, and say exactly when each was
on the air.

Why our own player (and not pyttsx3's ``say``): the listener must know when the coach's voice is
coming out of the speaker, to the tens of milliseconds, so it can ignore its own voice; and
"stop" must silence a line at once. Lines go, one at a time, into one output stream that lives
for the session (`LiveOutput`, live_output.py: why one stream, not one per line). `stop()` only
sets the line's cancel flag: the callback writes silence from its next block on and the playing
thread aborts the stream, which drops what is buffered, so the sound ends within a block or two
plus the device's own buffer; the next line opens a new stream.

Timing: the stream's `StreamAnchor` gives the DAC time of its sample 0; a line that began at
stream sample ``start`` and ended before ``end`` sounded from ``anchor + start / rate`` to
``anchor + end / rate``, and `play` returns when that end has reached the DAC. A cut line ends
when the abort returned. Both go to `OnAir` (``started(text, at=...)``, ``finished(at=...)``).

Errors: anything PortAudio says about the device becomes an `AudioDeviceError` that names the
device and suggests ``--text``; a stream that stops calling back (device lost) is detected by a
watchdog instead of hanging the coach.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.voice.audio.chunk import SoundBuffer
from coach.voice.audio.on_air import OnAir, TimedWord
from coach.voice.audio.devices import AudioDeviceError
from coach.voice.audio.pcm import SAMPLE_RATE, resample
from coach.voice.audio.live_output import LiveOutput, QueuedLine

if TYPE_CHECKING:
    from coach.voice.audio.music import MusicBed
    from coach.voice.audio.playback_reference import PlaybackReference

OUTPUT_RATE = SAMPLE_RATE  # speech needs no more; the microphone side and the echo reference use it

log = logging.getLogger(__name__)

BLOCK_SECONDS = 0.01
# Seconds of output buffer. "low" underruns constantly through the ALSA pulse plugin; "high" is
# only 40 ms there, and a callback held up longer than that (a loaded machine, the process
# niced beside a busy loop) underran: 26 underflows over 6 lines, each a gap in the voice and
# a jump of the echo reference. With 0.2 s (PortAudio gives 0.18): 0 in the same run
# (docs/echo.md). `stop()` aborts the stream, which drops the buffer, so cutting stays fast.
OUTPUT_LATENCY = 0.2
WATCHDOG_SECONDS = 2.0  # no callback for this long while playing = the device is gone


class OutputDeviceError(AudioDeviceError):
    """The output device is missing, refused the stream, or disappeared while playing."""

    def __init__(self, device: str | int | None, reason: str) -> None:
        self.device = device
        if "querying device -1" in reason:
            reason += " (PortAudio found no sound device at all)"
        self.reason = reason
        name = "the default output device" if device is None else f"output device {device!r}"
        super().__init__(
            f"cannot play sound on {name}: {reason}. Check the speaker, or pick another with "
            f"--output-device (`massage-coach doctor` lists them)."
        )


@dataclass(frozen=True)
class PlayResult:
    completed: bool  # False if cut by stop()
    started: float | None  # monotonic time the first sample reached the DAC (None: never started)
    ended: float  # monotonic time the sound ended
    frames_played: int


_alsa_quiet: Any = None


def _quiet_alsa() -> None:
    """Stop libasound printing "underrun occurred" on stderr (once per stream start through the
    pulse plugin; harmless, but it scribbles over the screen). COACH_ALSA_DEBUG=1 keeps them."""
    global _alsa_quiet
    if _alsa_quiet is not None or os.environ.get("COACH_ALSA_DEBUG"):
        return
    try:
        asound = ctypes.CDLL(ctypes.util.find_library("asound") or "libasound.so.2")
        handler_type = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )
        _alsa_quiet = handler_type(lambda *args: None)  # keep a reference: C holds the pointer
        asound.snd_lib_error_set_handler(_alsa_quiet)
    except (OSError, AttributeError):
        _alsa_quiet = False


def _sd() -> Any:
    """Import sounddevice lazily: a missing libportaudio2 should only hurt when we play."""
    try:
        import sounddevice as sd
    except OSError as exc:  # "PortAudio library not found"
        raise OutputDeviceError(
            None, f"{exc} (install it with `apt-get install libportaudio2`)"
        ) from exc
    _quiet_alsa()
    return sd


def to_float32(samples: np.ndarray) -> np.ndarray:
    if samples.dtype == np.int16:
        return samples.astype(np.float32) / 32768.0
    return samples.astype(np.float32, copy=False)


class Player:
    """Plays one buffer at a time (call `play` from a single worker thread); `stop` from any;
    `close` when done (the output stream lives until then)."""

    def __init__(
        self,
        on_air: OnAir | None = None,
        device: str | int | None = None,
        block_seconds: float = BLOCK_SECONDS,
        latency: float | str | None = None,
        reference: PlaybackReference | None = None,
    ) -> None:
        self.on_air = on_air
        # what is sent to the output, for echo cancellation (see coach/voice/audio/echo.py)
        self.reference = reference
        self.device = device
        self.block_seconds = block_seconds
        self.latency = latency
        self._current_cancel: threading.Event | None = None
        self._stop_requested_at: float | None = None
        self._gain = 1.0
        self._rate_for: dict[int, int] = {}  # source rate -> rate the device accepts
        self._playing = threading.Event()
        self._output: LiveOutput | None = None
        self._music: MusicBed | None = None
        self._output_lock = threading.Lock()  # play() opens and aborts; close() from another
        self.streams_opened = 0  # output streams opened so far (one per session, plus cuts)
        self.last_stop_latency: float | None = None  # stop() call -> abort() returned, seconds

    @property
    def gain(self) -> float:
        """Live volume (0..1), applied by the callback every block."""
        return self._gain

    @gain.setter
    def gain(self, value: float) -> None:
        self._gain = value
        output = self._output
        if output is not None:
            output.gain = value

    # -- device ------------------------------------------------------------------------------
    def check_device(self) -> dict[str, Any]:
        """Query the output device (raises `AudioDeviceError`): call at start-up to fail early."""
        sd = _sd()
        try:
            info = sd.query_devices(self.device, kind="output")
        except (ValueError, sd.PortAudioError) as exc:
            raise OutputDeviceError(self.device, str(exc)) from exc
        if info.get("max_output_channels", 0) < 1:
            raise OutputDeviceError(self.device, "it has no output channels")
        return dict(info)

    def _device_rate(self, src_rate: int) -> int:
        """Use the source rate if the device takes it, else the device's default rate."""
        if src_rate in self._rate_for:
            return self._rate_for[src_rate]
        sd = _sd()
        try:
            sd.check_output_settings(self.device, channels=1, dtype="float32", samplerate=src_rate)
            rate = src_rate
        except (ValueError, sd.PortAudioError):
            rate = int(self.check_device()["default_samplerate"])
            log.info("device does not take %d Hz; resampling to %d Hz", src_rate, rate)
        self._rate_for[src_rate] = rate
        return rate

    def _live_output(self, rate: int) -> LiveOutput:
        """The running output stream, opened (or reopened, if the last one died) when needed."""
        sd = _sd()
        with self._output_lock:
            output = self._output
            if output is not None and not output.alive(WATCHDOG_SECONDS):
                log.info("the output stream stopped taking audio; opening a new one")
                output.close()
                output = self._output = None
            if output is None:
                try:
                    output = LiveOutput(
                        sd, self.device, rate, max(64, int(rate * self.block_seconds)),
                        # OUTPUT_LATENCY: see there; abort() drops the buffer, so stopping
                        # stays fast
                        self.latency if self.latency is not None else OUTPUT_LATENCY,
                        self.reference)
                except (ValueError, sd.PortAudioError) as exc:
                    raise OutputDeviceError(self.device, str(exc)) from exc
                output.gain = self._gain
                output.music = self._music
                self._output = output
                self.streams_opened += 1
            return output

    def _drop_output(self, abort: bool) -> None:
        """Abort (drop the buffer) or close the output stream; the next line opens a new one."""
        with self._output_lock:
            output, self._output = self._output, None
        if output is None:
            return
        sd = _sd()
        try:
            output.abort() if abort else output.close()
        except sd.PortAudioError:
            log.debug("the output stream did not close cleanly", exc_info=True)

    def close(self) -> None:
        """Release the output stream (a line still playing is cut) and end the music."""
        self.stop()
        music, self._music = self._music, None
        if music is not None:
            music.close()
        self._drop_output(abort=False)

    def output_rate(self) -> int:
        """The rate the output stream runs at (what a `MusicBed` must be made for)."""
        return self._device_rate(OUTPUT_RATE)

    def start_music(self, music: MusicBed) -> None:
        """Play `music` under the lines from now until `close`: the output stream opens now
        (the music needs it between lines) and reopens after each cut line (see music.py for
        why the music plays on through a "stop"). Raises `OutputDeviceError`."""
        self._music = music
        music.start()
        self._live_output(music.rate)

    def _keep_music_playing(self, rate: int) -> None:
        """After a cut closed the stream: reopen it at once if music plays (the reply to the
        cut would open it anyway, a moment later)."""
        if self._music is None:
            return
        try:
            self._live_output(rate)
        except OutputDeviceError as error:
            log.warning("the music stopped: %s", error)
            return
        if self._music is None:  # closed meanwhile: do not leave a stream behind
            self._drop_output(abort=False)

    # -- playback ----------------------------------------------------------------------------
    def _on_the_air(self, text: str, at: float, words: tuple[TimedWord, ...]) -> None:
        """Mark `text` on the air from `at` (its first sample at the DAC, monotonic), and log it:
        tests time what they say over a line from this moment, not from when it was printed
        (Piper's render lies between the two: 0.96-1.93 s for a long line)."""
        log.debug("on the air at monotonic %.3f: %r", at, text[:60])
        if self.on_air is not None:
            self.on_air.started(text, at=at, words=words)

    @property
    def playing(self) -> bool:
        return self._playing.is_set()

    def stop(self) -> None:
        """Cut the current buffer off (returns at once; the sound ends within ~1-2 blocks)."""
        self._stop_requested_at = time.monotonic()
        cancel = self._current_cancel
        if cancel is not None:
            cancel.set()

    def play(
        self,
        sound: SoundBuffer,
        text: str = "",
        volume: float = 1.0,
        cancel: threading.Event | None = None,
        words: tuple[TimedWord, ...] = (),
    ) -> PlayResult:
        """Play `sound` (int16 or float32 mono, at its rate) to the end or until cancelled;
        blocking.

        `cancel` is this buffer's own stop flag (`stop()` sets it): pass one that a caller may
        set *before* playback starts, and nothing is played at all; that closes the race where
        a "stop" arrives while the line is still being rendered. Reports the airing to `on_air`
        (text "" for a cue), with `words` (when each word is heard, from the rendering) so the
        listener knows which words were said when. `volume` scales this buffer; `gain` scales
        everything, live.
        """
        stop_flag = cancel if cancel is not None else threading.Event()
        self._current_cancel = stop_flag
        if stop_flag.is_set():
            return PlayResult(False, None, time.monotonic(), 0)
        # Always ask for 16 kHz output (resampling the voice if needed): through PulseAudio's
        # ALSA plugin a 22,050 Hz stream into a 16 kHz device played 8.75 s of speech in 6.3 s
        # (audio dropped), which no echo canceller can follow; and the reference is then
        # exactly the samples sent. The device falls back to its own rate.
        rate = self._device_rate(OUTPUT_RATE)
        data = resample(to_float32(sound.samples) * float(np.clip(volume, 0.0, 1.0)),
                        sound.rate, rate)
        line = QueuedLine(data, stop_flag)
        self._playing.set()
        try:
            output = self._live_output(rate)
            output.begin(line)
            return self._follow(output, line, text, words)
        finally:
            self._playing.clear()
            self._current_cancel = None

    def _follow(self, output: LiveOutput, line: QueuedLine, text: str,
                words: tuple[TimedWord, ...]) -> PlayResult:
        """Wait while `line` plays: report it on the air, and return when its last sample has
        reached the DAC, when it is cut (abort: the buffer is dropped), or raise when the
        device stops taking audio."""
        started_at: float | None = None
        completed = False
        while True:
            if started_at is None and line.start_pos is not None:
                started_at = output.sounds_at(line.start_pos)
                if started_at is not None:
                    self._on_the_air(text, started_at, words)
            if line.cancel.is_set():
                self._drop_output(abort=True)
                ended = time.monotonic()
                if self._stop_requested_at is not None:
                    self.last_stop_latency = max(0.0, ended - self._stop_requested_at)
                self._keep_music_playing(output.rate)
                break
            end_at = output.sounds_at(line.end_pos) if line.end_pos is not None else None
            if end_at is not None and started_at is not None and time.monotonic() >= end_at:
                completed, ended = True, end_at
                break
            if not output.alive(WATCHDOG_SECONDS):
                self._drop_output(abort=True)
                if started_at is not None and self.on_air is not None:
                    self.on_air.finished(at=time.monotonic())
                raise OutputDeviceError(
                    self.device, f"the device stopped taking audio for {WATCHDOG_SECONDS} s")
            line.cancel.wait(0.005)
        if started_at is None and line.start_pos is not None:
            started_at = output.sounds_at(line.start_pos)
            if started_at is not None:
                self._on_the_air(text, started_at, words)
        if started_at is not None and self.on_air is not None:
            self.on_air.finished(at=max(ended, started_at))
        return PlayResult(completed, started_at, ended, line.written)
