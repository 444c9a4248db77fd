"""One output stream that lives for the whole session and plays the coach's lines back to back.

Why one stream and not one per line: the echo canceller (echo.py) can only subtract the coach's
voice if its reference sits where the sound really came out, to the sample. Every new PortAudio
stream starts at its own sub-millisecond offset from the DAC time it reports (measured on the
PulseAudio sink: -14 to -19 ms per stream, a different value each time, moves of 0.06-0.88 ms
between consecutive lines), and a one-sample error caps the cancellation at 10-15 dB. Each new
line therefore leaked through for its first ~0.3 s, until the canceller re-checked the delay,
and a "stop" or "ouch" said early in a line was merged with the leak and missed on the first
try (docs/echo.md). One stream keeps the reference sample-locked from line to line: the delay
found once stays right, and the adaptive filter stays converged across lines.

Between lines the stream plays silence, and writes it to the reference too, so the canceller
knows no echo is coming. Cutting a line (`abort`) drops the device's buffer (up to
`OUTPUT_LATENCY`), which only a stream abort can do: the stream is then closed, and the next
line opens a new one. So "stop" stays as fast as before; only the line after a cut starts a new
stream.

With `run --music` the stream also carries the music (`MusicBed.mix`, music.py), added to each
block under the line, ducked while one plays: so the reference holds the music too, and the
canceller subtracts it like the voice.

Timing: `StreamAnchor` gives the DAC time of stream sample 0; a line that began at stream sample
`start` sounds from ``anchor + start / rate``. The callback only reads and writes plain fields,
hands a finished line back by setting its ``end_pos``, and never blocks.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from coach.voice.audio.pcm import resample
from coach.voice.audio.stream_anchor import StreamAnchor

if TYPE_CHECKING:
    from coach.voice.audio.music import MusicBed
    from coach.voice.audio.playback_reference import PlaybackReference

log = logging.getLogger(__name__)


@dataclass
class QueuedLine:
    """One buffer for the stream: float32 mono samples at the stream's rate (volume applied).

    The callback sets `start_pos` (stream sample of its first sample) when it begins it, and
    `end_pos` (the stream sample after its last) once every sample is written. `cancel` set:
    the callback writes silence from its next block on and drops the line.
    """

    samples: np.ndarray
    cancel: threading.Event = field(default_factory=threading.Event)
    start_pos: int | None = None
    end_pos: int | None = None
    written: int = 0


class LiveOutput:
    """A running PortAudio output stream fed one `QueuedLine` at a time (see module doc).

    Raises whatever `sounddevice` raises when it cannot open: the player turns that into an
    `OutputDeviceError` naming the device.
    """

    def __init__(self, sd: Any, device: str | int | None, rate: int, block: int,
                 latency: float | str, reference: PlaybackReference | None) -> None:
        self.rate = rate
        self.reference = reference
        self.ref_rate = reference.rate if reference is not None else rate
        self.anchor = StreamAnchor(reference, rate, self.ref_rate)
        self.gain = 1.0  # live volume (0..1), read by the callback every block
        self.pos = 0  # stream samples handed to PortAudio so far
        self.last_callback = time.monotonic()
        self.underflows = 0
        self.ended = threading.Event()  # the stream stopped on its own (the device went away)
        self._line: QueuedLine | None = None
        self.music: MusicBed | None = None  # mixed under the lines, block by block
        self._sd = sd
        self._stream = sd.OutputStream(
            samplerate=rate, blocksize=block, device=device, channels=1, dtype="float32",
            latency=latency, callback=self._callback, finished_callback=self.ended.set,
        )
        self.anchor.fallback_latency = float(self._stream.latency)
        if reference is not None:
            reference.stream_opened()
        self._open = True
        try:
            self._stream.start()
        except Exception:
            self.close()
            raise

    # -- the audio thread --------------------------------------------------------------------
    def _callback(self, outdata: np.ndarray, frames: int, t: Any, status: Any) -> None:
        now = time.monotonic()
        self.last_callback = now
        underflow = bool(status.output_underflow)
        if underflow and self.pos > 0:
            self.underflows += 1
            log.debug("output underflow at stream sample %d", self.pos)
        self.anchor.observe(now, t.currentTime, t.outputBufferDacTime, self.pos, underflow)
        out = outdata[:, 0]
        out.fill(0.0)
        line = self._line
        if line is not None and line.cancel.is_set():
            self._line = line = None
        if line is not None:
            if line.start_pos is None:
                line.start_pos = self.pos
            n = min(frames, line.samples.size - line.written)
            out[:n] = line.samples[line.written:line.written + n] * self.gain
            line.written += n
            if line.written >= line.samples.size:
                line.end_pos = self.pos + n
                self._line = None
        music = self.music
        if music is not None:
            music.mix(out, speaking=line is not None)
            np.clip(out, -1.0, 1.0, out=out)  # what the DAC would do, so the reference matches
        if self.reference is not None:
            r0 = self.pos * self.ref_rate // self.rate
            r1 = (self.pos + frames) * self.ref_rate // self.rate
            # the one resampler; the rates differ only when the device refused 16 kHz, and
            # then a block's share of the reference may be a sample longer or shorter
            ref = resample(out, self.rate, self.ref_rate)[: r1 - r0]
            self.anchor.write(np.pad(ref, (0, r1 - r0 - ref.size)), r0)
        self.pos += frames

    # -- the player's side -------------------------------------------------------------------
    def begin(self, line: QueuedLine) -> None:
        """Hand `line` to the stream; it starts at the callback's next block."""
        self._line = line

    def sounds_at(self, pos: int) -> float | None:
        """Monotonic time stream sample `pos` reaches the DAC (None until the anchor is known)."""
        anchor = self.anchor.anchor
        if anchor is None or not self.anchor.known:
            return None
        return anchor + pos / self.rate

    def alive(self, watchdog: float) -> bool:
        """Still taking audio: not ended, and called back within `watchdog` seconds."""
        return (self._open and not self.ended.is_set()
                and time.monotonic() - self.last_callback <= watchdog)

    def abort(self) -> None:
        """Drop everything buffered at once (a cut line), and close the stream."""
        if not self._open:
            return
        try:
            self._stream.abort()
        finally:
            if self.reference is not None:
                self.reference.clear_after(time.monotonic())
            self.close()

    def close(self) -> None:
        """Stop and release the stream (what is buffered plays out: at most the latency)."""
        if not self._open:
            return
        self._open = False
        try:
            self._stream.close()
        except self._sd.PortAudioError:
            log.debug("closing the output stream failed", exc_info=True)
        finally:
            if self.reference is not None:
                self.reference.stream_closed()

