"""Acoustic echo cancellation against what the coach itself plays.

Why: the coach talks and listens at once. Without cancellation its own voice comes back through
the microphone, keeps the voice-activity detector open, and a "stop" said over it is buried in
one long utterance and rejected. We know *exactly* what went to the speaker, so we subtract it.

Two parts (the first and the speexdsp binding in modules of their own):

* `PlaybackReference` (playback_reference.py): the player writes every block it sends to the output, resampled to
  16 kHz mono, at the `time.monotonic()` it reaches the DAC, into a ring buffer laid out on an
  absolute timeline (sample index = round(t * 16000)). Reading any window gives zeros where
  nothing was played, so the canceller never needs to know about lines, cues or gaps.
* `EchoCanceller`: for each microphone chunk ``(pcm, at)``, puts the chunk's samples on the same
  timeline, reads the reference for that window and runs libspeexdsp's echo canceller (a
  frequency-domain adaptive filter, MDF) plus its residual-echo suppressor, through a small
  ctypes wrapper (speex.py; Debian ``libspeexdsp1``; no headers or Python binding needed).

Timing: microphone chunks arrive in bursts, so the arrival time of a chunk is not the time of its
samples. Samples are only ever late, never early, so the earliest (arrival - samples so far /
rate) over a recent window is the stream's clock (the same trick as the tests' `SinkRecorder`);
we only move that clock when it drifts by more than `REBASE_SECONDS`, because every jump would
misalign the adaptive filter. The remaining output->input delay (DAC estimate errors, device
buffers, the room) is unknown: we estimate it from the audio by GCC-PHAT cross-correlation of
microphone and reference once enough of the coach's voice has been heard, re-check it every
`REESTIMATE_SECONDS` of playback, and place the echo a few ms into the adaptive filter's tail.

If libspeexdsp is missing, `EchoCanceller` logs one warning and passes audio through: the
listener's own-voice rules (`OnAir`) still keep the coach from obeying itself; only barge-in over
its voice is lost.
"""

from __future__ import annotations

import logging
import time
from collections import deque

import numpy as np

from coach.voice.audio.echo_evidence import EchoEvidence, power
from coach.voice.audio.pcm import SAMPLE_RATE
from coach.voice.audio.playback_reference import PlaybackReference
from coach.voice.audio.speex import SpeexEcho

log = logging.getLogger(__name__)

REBASE_SECONDS = 0.015  # move the microphone clock only for drifts larger than this
CLOCK_LEAK = 0.0005  # s/s the earliest-arrival clock may rise (clock drift is far below)
ESTIMATE_SECONDS = 1.0  # audio used for one delay estimate
MIN_ACTIVE_SECONDS = 0.5  # ...of which at least this much reference must be sounding
REESTIMATE_SECONDS = 3.0  # seconds of sounding reference between two delay estimates
# (each line is a new output stream whose DAC estimate may be off by a different amount)
STREAM_CHECK_SECONDS = 0.3  # sounding audio of a new stream before re-checking the delay
CONFIRM_SECONDS = 0.002
CONFIRM_BELOW_PROMINENCE = 60.0
"""A big move of the delay (one that restarts the filter) on an estimate less prominent than
this is made only when the next estimate finds the same delay within `CONFIRM_SECONDS`: music
repeats itself (a beat, a loop), and one estimate over 1 s of it can lock onto the repeat. Seen
with `run --music` on the sink under load: -490 ms (prominence 19) and 108 ms (32) between true
estimates of -5 and 4 ms (110 and 229), each restarting the filter and losing the cancellation
for seconds; true estimates on the sink's voice were 185-750 in tests/test_echo.py (docs/echo.md).
A prominent estimate moves at once, as before: a real shift is not left uncancelled."""
KEEP_RATIO = 0.5
"""Music that repeats exactly (a loop, tests/test_music.py's arpeggios) correlates with its echo
away from the true delay too, with peaks of about the same height, so the highest can be a false
one and a prominent one: seen in a clean-clone suite run,
-18.6 -> -218.9 (prominence 80) -> -18.6 -> -218.6 ms (240), each move restarting the filter,
and the "stop" said over the music read at 0.45 and missed. Once a delay is in use, a peak near
it (within `MOVE_SECONDS`) that reaches this share of the highest peak keeps it: a real shift
leaves nothing at the old delay (the correlation there falls to the noise, a prominence of ~1-3
against the > 8 of an echo), so it still moves."""
MAX_LAG_SECONDS = 0.5  # delay search range, both ways
EDGE_SECONDS = 0.005
"""An estimate within this of either end of the search range is no estimate: the peak may lie
beyond it, and a correlation pinned to its edge is how a bad estimate looks. Seen in a suite run
(tests/test_voice_session.py): the delay sat at 499.8 ms (prominence 18-24) for the rest of the
session, the canceller removed too little to give evidence, and a person's "stop" over the
coach was read at 0.36 and missed; the true delays on the sink are -20 to +5 ms."""
# Measured on PulseAudio (ALSA plugin, latency "high"): the echo reaches the microphone's
# earliest-arrival clock ~19 ms *before* the player's DAC estimate; real devices differ.
INITIAL_DELAY_SECONDS = -0.02
ECHO_MARGIN_SECONDS = 0.03
MOVE_SECONDS = 0.015  # re-align the reference when the echo is further than this from the margin  # where the echo is put inside the filter (room for jitter)
WAIT_SECONDS = 0.25  # longest a frame waits for the player to write its reference
# No reference for longer than the filter's tail (+ 0.1 s): no echo can be left, so audio
# passes through untouched. (With 2 s here, "next step" said just after a line went through
# the suppressor and was missed in 2 of 4 end-to-end runs; passed through, it is heard.)
IDLE_MARGIN_SECONDS = 0.1
_warned = False  # the 'echo cancellation off' warning is given once per process

ACTIVE_LEVEL = 1e-4  # reference RMS above this counts as sounding (-80 dBFS)


def at_search_edge(lag: int, max_lag: int, rate: int = SAMPLE_RATE) -> bool:
    """Is a delay estimate (samples) so near an end of the search range that it is no estimate
    (`EDGE_SECONDS`)?"""
    return abs(lag) > max_lag - EDGE_SECONDS * rate


def estimate_delay(mic: np.ndarray, ref: np.ndarray, max_lag: int, near: int | None = None,
                   within: int = 0) -> tuple[int, float]:
    """Lag L (samples) maximizing GCC-PHAT correlation of mic[n] with ref[n - L], and the
    peak's prominence (peak / median of |correlation|; > ~8 means a trustworthy echo).

    `near` (the delay in use) with `within` samples around it: the highest peak there wins when
    it reaches `KEEP_RATIO` of the highest anywhere (`KEEP_RATIO`'s docstring says why).

    `ref` must hold `max_lag` extra samples on each side of `mic`'s window: ref[k] is the
    reference at mic index k - max_lag.
    """
    n = mic.size + ref.size
    size = 1 << (n - 1).bit_length()
    spec = np.fft.rfft(mic, size) * np.conj(np.fft.rfft(ref, size))
    spec /= np.abs(spec) + 1e-12
    corr = np.fft.irfft(spec, size)
    # corr[k] = sum_n mic[n] ref[n - k]; ref[j] is reference index j - max_lag, so a lag L
    # (mic[n] ~ reference[n - L]) shows at k = -(max_lag - L) ... gather k in [-2 max_lag, 0].
    ks = np.arange(-2 * max_lag, 1)
    values = np.abs(corr[ks % size])
    best = int(np.argmax(values))
    if near is not None:
        low = max(0, near + max_lag - within)  # values[i] is the lag i - max_lag
        local = values[low:near + max_lag + within + 1]
        if local.size and float(local.max()) >= KEEP_RATIO * float(values[best]):
            best = low + int(np.argmax(local))
    prominence = float(values[best] / (np.median(values) + 1e-12))
    return int(ks[best] + max_lag), prominence


class EchoCanceller:
    """Removes the coach's own voice from microphone chunks before the listener hears them.

    `process(pcm, at)` takes a 16 kHz int16 chunk and the monotonic time it arrived, and returns
    the cleaned samples with the time of their end (whole `frame`s only; a remainder waits for
    the next chunk, so 20 ms chunks of 320 samples pass straight through with no extra delay).
    `tail_ms` is the adaptive filter length: it must cover the room's reverberation plus the
    error of the delay estimate.
    """

    def __init__(self, reference: PlaybackReference, frame: int = 320, tail_ms: float = 250.0,
                 suppress: bool = True, delay_ms: float | None = None,
                 rate: int = SAMPLE_RATE) -> None:
        self.reference = reference
        self.frame = frame
        self.rate = rate
        self.tail = int(tail_ms * rate / 1000)
        self.suppress = suppress
        self._fixed_delay = delay_ms is not None
        # samples the echo lags the reference by, on the shared timeline (estimated if None)
        self.margin = int(ECHO_MARGIN_SECONDS * rate)
        # Until estimated, assume the echo shows up INITIAL_DELAY_SECONDS after the player's DAC
        # estimate: with the margin, any delay from -50 ms to +200 ms is inside the filter.
        self.delay = int((delay_ms / 1000 if delay_ms is not None else INITIAL_DELAY_SECONDS)
                         * rate)
        self.estimates: list[tuple[int, float]] = []  # (lag samples, prominence), for reports
        self.cpu_seconds = 0.0
        self.late_frames = 0  # frames processed before their reference was written
        self.rebases = 0  # times the microphone clock moved
        self.audio_seconds = 0.0
        self.speex: SpeexEcho | None = None
        try:
            self.speex = SpeexEcho(frame, self.tail, rate, suppress)
        except OSError as exc:
            global _warned
            if not _warned:
                _warned = True
                log.warning("echo cancellation off (%s): the coach's voice reaches the listener; "
                            "own-voice rules still apply but 'stop' over its voice may be missed",
                            exc)
        self._pending = np.zeros(0, np.int16)
        self._count = 0  # microphone samples received
        self._offset: float | None = None  # leaky earliest (arrival - count / rate)
        self._base: int | None = None  # timeline index of microphone sample 0
        self._history_mic: deque[np.ndarray] = deque()  # raw microphone, for delay estimates
        self._history_start = 0  # timeline index of the first sample in the history
        self._history_len = 0
        self._active_since_estimate = 0.0  # seconds of sounding reference since last estimate
        self._estimated = False
        self._unconfirmed: int | None = None  # a big move seen once, waiting for a second look
        self._streams_seen = reference.streams_started
        self._stream_check = False  # a new stream started: re-check the delay soon
        self._idle = 1 << 40  # samples since the reference last sounded (nothing yet)
        self.evidence = EchoEvidence(frame / rate)  # energy in and out, for `removed_db`
        self._ref_power = 0.0  # the last frame's reference energy (for the evidence)

    @property
    def active(self) -> bool:
        """True if a real canceller runs (False: libspeexdsp missing, audio passes through)."""
        return self.speex is not None

    @property
    def cpu_per_audio_second(self) -> float:
        return self.cpu_seconds / self.audio_seconds if self.audio_seconds else 0.0

    def reset(self) -> None:
        """Forget the microphone clock (a reopened device restarts its sample count)."""
        self._pending = np.zeros(0, np.int16)
        self._count = 0
        self._offset = None
        self._estimated = False  # the new clock needs a fresh look (the old delay is a prior)
        self._base = None
        self._history_mic.clear()
        self._history_len = 0
        self.evidence.clear()
        if self.speex is not None:
            self.speex.reset()

    # -- clock -------------------------------------------------------------------------------
    def _update_clock(self, n: int, at: float) -> None:
        """Track the timeline index of microphone sample 0 (see the module docstring).

        The earliest-arrival offset is a minimum that leaks upwards by CLOCK_LEAK (so a clock
        running slower than `time.monotonic` is followed) but drops at once. Once the delay is
        estimated, the audio itself defines the alignment: a clock move then shifts `delay` by
        the same amount, so the reference read for each sample does not change at all.
        """
        self._count += n
        offset = at - self._count / self.rate
        if self._offset is None:
            self._offset = offset
        else:
            self._offset = min(self._offset + CLOCK_LEAK * n / self.rate, offset)
        base = int(round(self._offset * self.rate))
        if self._base is None:
            self._base = base
        elif abs(base - self._base) > REBASE_SECONDS * self.rate:
            moved = base - self._base
            log.debug("microphone clock moved by %.1f ms", moved * 1000 / self.rate)
            self._base = base
            self.rebases += 1
            if self._estimated:
                self.delay += moved  # keep reading the very same reference samples
            self._history_mic.clear()
            self._history_len = 0

    # -- main entry --------------------------------------------------------------------------
    def process(self, pcm: bytes, at: float) -> tuple[bytes, float]:
        """Cancel the echo in one chunk; returns (cleaned pcm, monotonic time of its end).

        Frames whose reference the player has not written yet (its callbacks come in bursts
        too) wait for it, up to `WAIT_SECONDS`, while an output stream is open: cancelling
        against zeros would leave the echo in and mislead the filter. That costs the listener
        at most a chunk or two of latency, and only while the coach is talking.
        """
        t0 = time.process_time()
        samples = np.frombuffer(pcm, dtype="<i2")
        self._update_clock(samples.size, at)
        assert self._base is not None
        data = np.concatenate([self._pending, samples]) if self._pending.size else samples
        first = self._base + self._count - data.size  # timeline index of data[0]
        done = 0
        out = []
        kept = []
        while data.size - done >= self.frame:
            index = first + done
            late = self.late_frames
            if not self._reference_ready(index):
                break
            mic = data[done:done + self.frame]
            out.append(self._frame(mic, index))
            kept.append((mic, self._ref_power, self._idle == 0, self.late_frames != late))
            done += self.frame
        self._pending = data[done:].copy()
        self.cpu_seconds += time.process_time() - t0
        self.audio_seconds += done / self.rate
        out_end = at - self._pending.size / self.rate
        step = self.frame / self.rate
        for k, ((mic, ref, sounding, late), cleaned) in enumerate(zip(kept, out)):
            self.evidence.add(out_end - (len(out) - 1 - k) * step, mic, cleaned, ref, sounding,
                              late)
        return (np.concatenate(out).tobytes() if out else b""), out_end

    def removed_db(self, start: float, end: float) -> float | None:
        """How much of the microphone's energy the canceller took away over the cleaned audio
        of [start, end] (times as `process` returns them), in dB; None when that is no evidence
        (no libspeexdsp, a late frame, a canceller not yet removing its own voice well): see
        coach/voice/audio/echo_evidence.py. The listener's own-voice rule weighs it."""
        if self.speex is None:
            return None
        return self.evidence.removed_db(start, end)

    def _reference_ready(self, index: int) -> bool:
        """Is everything the player will ever write for this frame's reference written?"""
        if self.speex is None:
            return True
        end = index - self.delay + self.margin + self.frame - 1
        ref = self.reference
        if end <= ref.last_written or not ref.playing:
            return True
        if ref.index(time.monotonic()) - end > WAIT_SECONDS * self.rate:
            self.late_frames += 1
            return True
        return False

    def _frame(self, mic: np.ndarray, index: int) -> np.ndarray:
        """One frame: mic samples at timeline indices [index, index + frame)."""
        if self.speex is None:
            return mic
        ref = self.reference.read_index(index - self.delay + self.margin, self.frame)
        self._ref_power = power(ref.astype(np.float64) * 32768.0)  # int16 scale, as the mic
        sounding = float(np.sqrt(np.mean(ref.astype(np.float64) ** 2))) > ACTIVE_LEVEL
        if not self._fixed_delay:
            self._track_delay(mic, index, sounding)
        if sounding:
            self._idle = 0
        else:
            self._idle += self.frame
            if self._idle > self.tail + IDLE_MARGIN_SECONDS * self.rate:
                return mic  # nothing played for a while: untouched (the filter keeps its state)
        ref16 = np.clip(ref * 32768.0, -32768, 32767).astype(np.int16)
        return self.speex.process(mic, ref16)

    # -- delay estimation --------------------------------------------------------------------
    def _track_delay(self, mic: np.ndarray, index: int, sounding: bool) -> None:
        streams = self.reference.streams_started
        if streams != self._streams_seen:
            # A new output stream (one per line or cue) starts with its own DAC estimate, a
            # few samples off the last one: check the alignment early in it.
            self._streams_seen = streams
            self._stream_check = self._estimated
            self._history_mic.clear()
            self._history_len = 0
            self._active_since_estimate = 0.0
        if self._history_len == 0:
            self._history_start = index
        elif index != self._history_start + self._history_len:  # a gap: start over
            self._history_mic.clear()
            self._history_len = 0
            self._history_start = index
        self._history_mic.append(mic.astype(np.float32) / 32768.0)
        self._history_len += mic.size
        window = int(ESTIMATE_SECONDS * self.rate)
        while self._history_len - self._history_mic[0].size >= window:
            self._history_start += self._history_mic[0].size
            self._history_len -= self._history_mic.popleft().size
        if sounding:
            self._active_since_estimate += mic.size / self.rate
        if self._stream_check:
            due, needed = STREAM_CHECK_SECONDS, int(STREAM_CHECK_SECONDS * 1.25 * self.rate)
        elif not self._estimated or self._unconfirmed is not None:
            due, needed = MIN_ACTIVE_SECONDS, window
        else:
            due, needed = REESTIMATE_SECONDS, window
        if self._active_since_estimate < due or self._history_len < needed:
            return
        window = self._history_len
        max_lag = int(MAX_LAG_SECONDS * self.rate)
        ref = self.reference.read_index(self._history_start - max_lag, window + 2 * max_lag)
        active = np.sqrt(np.mean(ref[max_lag:-max_lag].reshape(-1, 160).astype(np.float64) ** 2,
                                 axis=1)) > ACTIVE_LEVEL
        if active.sum() * 160 < min(due, MIN_ACTIVE_SECONDS) * self.rate:
            return
        self._active_since_estimate = 0.0
        self._stream_check = False
        mic_all = np.concatenate(self._history_mic)
        if float(np.max(np.abs(mic_all))) < 1e-3:
            return  # the speaker is not reaching the microphone at all: nothing to cancel
        lag, prominence = estimate_delay(
            mic_all, ref, max_lag, near=self.delay if self._estimated else None,
            within=int(MOVE_SECONDS * self.rate))
        self.estimates.append((lag, prominence))
        if prominence < 8.0:
            log.debug("echo delay estimate %.1f ms too weak (prominence %.1f): kept %.1f ms",
                      lag * 1000 / self.rate, prominence, self.delay * 1000 / self.rate)
            return
        if at_search_edge(lag, max_lag, self.rate):
            log.debug("echo delay estimate %.1f ms at the edge of the search (prominence %.1f): "
                      "kept %.1f ms", lag * 1000 / self.rate, prominence,
                      self.delay * 1000 / self.rate)
            return
        first = not self._estimated
        self._estimated = True
        if lag == self.delay:
            self._unconfirmed = None
            return
        # Where the echo sits in the adaptive filter now. Far from the margin (> MOVE_SECONDS),
        # or on the first estimate, move the reference and restart the filter: speex converges
        # much more slowly on a deep echo (simulated 73 ms deep: 10 dB after 2 s; 30 ms: 25 dB).
        # A small shift (a new line's stream started a few samples off) moves the reference
        # *without* a reset: the echo lands back where the filter learned it, and the filter
        # stays converged (a 1-sample error alone caps the cancellation near 10-15 dB).
        placed = lag - self.delay + self.margin
        big = abs(placed - self.margin) > MOVE_SECONDS * self.rate
        if big and not first and prominence < CONFIRM_BELOW_PROMINENCE:
            seen = self._unconfirmed
            if seen is None or abs(lag - seen) > CONFIRM_SECONDS * self.rate:
                self._unconfirmed = lag
                log.debug("echo delay %.1f ms (prominence %.1f): a big move, made only if the "
                          "next estimate agrees", lag * 1000 / self.rate, prominence)
                return
        self._unconfirmed = None
        log.log(logging.INFO if big else logging.DEBUG,
                "echo delay %.1f ms (prominence %.1f): moving the reference by %.2f ms%s",
                lag * 1000 / self.rate, prominence, (lag - self.delay) * 1000 / self.rate,
                " and restarting the filter" if big else "")
        self.delay = lag
        if big and self.speex is not None:
            self.speex.reset()
