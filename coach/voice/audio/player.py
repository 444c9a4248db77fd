"""Play PCM through sounddevice, cut it off fast, and say exactly when it was on the air.

Why our own player (and not pyttsx3's ``say``): the listener must know when the coach's voice is
coming out of the speaker, to the tens of milliseconds, so it can ignore its own voice; and
"stop" must silence a line at once. Here every line gets a fresh OutputStream fed by a callback
in small blocks (~10 ms). `stop()` only sets a flag and an event: the callback writes silence
from its next block on and the playing thread calls ``abort()``, which drops what is buffered,
so the sound ends within a block or two plus the device's own buffer.

Timing: `StreamAnchor` (stream_anchor.py) finds when the stream's first sample reaches the DAC
from the callbacks' timing (``outputBufferDacTime`` mapped onto ``time.monotonic``), settling
over the first 0.2 s because PulseAudio's first callback reports no latency; it also writes the
echo reference there and moves it if the anchor moves. The end of a complete line is anchor +
frames / rate; the end of a cut line is when ``abort()`` returned. Both go to `OnAir`
(``started(text, at=...)``, ``finished(at=...)``).

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

from coach.voice.audio.on_air import OnAir, TimedWord
from coach.voice.audio.devices import AudioDeviceError
from coach.voice.audio.pcm import SAMPLE_RATE, resample
from coach.voice.audio.stream_anchor import StreamAnchor

if TYPE_CHECKING:
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


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Linear-interpolation resampling; ample for speech and soft tones at 16-48 kHz."""
    if src_rate == dst_rate or samples.size == 0:
        return samples
    n_out = int(round(samples.size * dst_rate / src_rate))
    x_out = np.arange(n_out) * (src_rate / dst_rate)
    return np.interp(x_out, np.arange(samples.size), samples).astype(np.float32)


def to_float32(samples: np.ndarray) -> np.ndarray:
    if samples.dtype == np.int16:
        return samples.astype(np.float32) / 32768.0
    return samples.astype(np.float32, copy=False)


class Player:
    """Plays one buffer at a time (call `play` from a single worker thread); `stop` from any."""

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
        self.gain = 1.0  # live volume (0..1), read by the callback every block
        self._rate_for: dict[int, int] = {}  # source rate -> rate the device accepts
        self._playing = threading.Event()
        self.last_stop_latency: float | None = None  # stop() call -> abort() returned, seconds

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
        samples: np.ndarray,
        sample_rate: int,
        text: str = "",
        volume: float = 1.0,
        cancel: threading.Event | None = None,
        words: tuple[TimedWord, ...] = (),
    ) -> PlayResult:
        """Play `samples` (int16 or float32 mono) to the end or until cancelled; blocking.

        `cancel` is this buffer's own stop flag (`stop()` sets it): pass one that a caller may
        set *before* playback starts, and nothing is played at all; that closes the race where
        a "stop" arrives while the line is still being rendered. Reports the airing to `on_air`
        (text "" for a cue), with `words` (when each word is heard, from the rendering) so the
        listener knows which words were said when. `volume` scales this buffer; `gain` scales
        everything, live.
        """
        sd = _sd()
        stop_flag = cancel if cancel is not None else threading.Event()
        self._current_cancel = stop_flag
        if stop_flag.is_set():
            return PlayResult(False, None, time.monotonic(), 0)
        data = to_float32(samples) * float(np.clip(volume, 0.0, 1.0))
        # With an echo reference, play at its rate (16 kHz) when the device takes it: the
        # reference is then exactly the samples sent. Measured through the ALSA pulse plugin
        # into a 16 kHz null sink, a 22050 Hz stream played 8.75 s of speech in 6.3 s of wall
        # time (audio dropped), which no echo canceller can follow.
        # Always ask for 16 kHz output (resampling the voice if needed): through PulseAudio's
        # ALSA plugin a 22,050 Hz stream into a 16 kHz device played fast and dropped audio,
        # and it keeps the echo reference's rate; the device falls back to its own rate.
        rate = self._device_rate(OUTPUT_RATE)
        data = resample(data, sample_rate, rate)
        total = data.size
        block = max(64, int(rate * self.block_seconds))
        reference = self.reference
        ref_rate = reference.rate if reference is not None else rate
        # the reference at its own rate, computed once: the callback only slices and scales it
        ref_data = resample(data, rate, ref_rate) if reference is not None else data
        state = {"pos": 0, "last_cb": time.monotonic(), "error": None}
        # where this stream's samples reach the DAC, and the reference that follows them
        clock = StreamAnchor(reference, rate, ref_rate, ref_data.size)
        done = threading.Event()
        first = threading.Event()  # the DAC time of the first sample is known

        def callback(outdata: np.ndarray, frames: int, t: Any, status: Any) -> None:
            now = time.monotonic()
            state["last_cb"] = now
            if status.output_underflow and state["pos"] > 0:
                log.debug("output underflow")
            clock.observe(now, t.currentTime, t.outputBufferDacTime, state["pos"],
                          bool(status.output_underflow))
            if clock.known and not first.is_set():
                first.set()
            if stop_flag.is_set():
                outdata.fill(0)
                raise sd.CallbackAbort
            pos = state["pos"]
            n = min(frames, total - pos)
            gain = self.gain
            outdata[:n, 0] = data[pos : pos + n] * gain
            if n < frames:
                outdata[n:] = 0
            state["pos"] = pos + n
            if reference is not None and n > 0:
                r0, r1 = pos * ref_rate // rate, (pos + n) * ref_rate // rate
                clock.write(ref_data[r0:r1] * gain, r0)
            if pos + n >= total:
                raise sd.CallbackStop  # drains what is buffered, then finished_callback

        try:
            stream = sd.OutputStream(
                samplerate=rate,
                blocksize=block,
                device=self.device,
                channels=1,
                dtype="float32",
                # OUTPUT_LATENCY: see there; abort() drops the buffer, so stopping stays fast
                latency=self.latency if self.latency is not None else OUTPUT_LATENCY,
                callback=callback,
                finished_callback=done.set,
            )
        except (ValueError, sd.PortAudioError) as exc:
            raise OutputDeviceError(self.device, str(exc)) from exc
        clock.fallback_latency = float(stream.latency)
        completed = False
        started_at: float | None = None
        self._playing.set()
        if reference is not None:
            reference.stream_opened()
        try:
            with stream:
                # `with` started the stream; wait for the end, a stop, or a dead device.
                while True:
                    if first.is_set() and started_at is None:
                        started_at = clock.anchor
                        self._on_the_air(text, started_at, words)
                    if done.wait(0.005):
                        completed = not stop_flag.is_set() and state["pos"] >= total
                        break
                    if stop_flag.is_set():
                        stream.abort()
                        if reference is not None:
                            reference.clear_after(time.monotonic())
                        break
                    if time.monotonic() - state["last_cb"] > WATCHDOG_SECONDS:
                        stream.abort()
                        raise OutputDeviceError(
                            self.device, f"the device stopped taking audio for {WATCHDOG_SECONDS} s"
                        )
                ended = time.monotonic()
        except sd.PortAudioError as exc:
            raise OutputDeviceError(self.device, str(exc)) from exc
        finally:
            self._playing.clear()
            self._current_cancel = None
            if reference is not None:
                reference.stream_closed()
        if clock.anchor is not None and started_at is None:
            started_at = clock.anchor
            self._on_the_air(text, started_at, words)
        if completed and started_at is not None and clock.anchor is not None:
            # The stream may finish draining a little before or after the DAC does; the exact
            # end of the sound is the (last) anchor plus its length.
            ended = max(clock.anchor + total / rate, started_at)
        elif stop_flag.is_set():
            if self._stop_requested_at is not None:
                self.last_stop_latency = max(0.0, ended - self._stop_requested_at)
        if started_at is not None and self.on_air is not None:
            self.on_air.finished(at=ended)
        return PlayResult(completed, started_at, ended, min(state["pos"], total))
