"""The speaker: the non-blocking façade the runner uses to talk.

Why a façade with its own thread: the runner's loop must never wait for speech (it has to hear
"stop" while the coach talks), so `say` only queues; one worker thread renders each line
(pyttsx3 in its worker process, cached) and plays it through `Player`, which records the airing
in `OnAir` for the listener. When a line ends or is cut, `on_finished(utterance_id,
interrupted)` is called from the worker thread; the runner turns it into a `SpeechFinished`.

Every queued line gets its own cancel flag, set by `stop()` / an urgent `say()` whether the line
is still waiting, being rendered or playing, so a "stop" can never be lost in a gap between two
steps. Lines dropped from the queue are reported too (interrupted=True), so the runner never
waits for a line that will not come.

`SilentSpeaker` has the same interface for ``--text``/``--quiet`` mode: it reports each line as
finished at once, so the runner never branches on the mode.
"""

from __future__ import annotations

import collections
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from coach.core.actions import CueKind
from coach.voice.cues import CUE_SAMPLE_RATE, cue_samples
from coach.voice.on_air import OnAir
from coach.voice.player import AudioDeviceError, Player
from coach.voice.tts import DEFAULT_RATE_WPM, Renderer, TTSError, clamp_rate

if TYPE_CHECKING:
    from coach.voice.echo import PlaybackReference

log = logging.getLogger(__name__)

FinishedCallback = Callable[[int, bool], None]
ErrorCallback = Callable[[Exception], None]

RATE_STEP_WPM = 15
RATE_LIMITS = (100, 260)  # slower than 100 drags; faster than 260 is hard to follow lying down
VOLUME_STEP = 0.15
VOLUME_LIMITS = (0.2, 1.0)  # never fully silent by accident: "quieter" x 10 stays audible
DEFAULT_VOLUME = 0.85  # leave headroom for "louder"


@dataclass
class _Item:
    text: str | None  # None for a cue
    utterance_id: int = 0
    cue: CueKind | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


class Speaker:
    """Speaks lines and cues through the sound card without blocking the caller.

    Args:
        on_air: shared record of what is on the air (updated as lines start and stop).
        voice: espeak-ng voice id or name substring ("en-us"); None = espeak's default.
        rate: words per minute (default 165); `adjust` moves it in steps of 15.
        volume: 0..1 (default 0.85); `adjust` moves it in steps of 0.15, live.
        cues: False for ``--no-cues``: `play_cue` does nothing.
        device: sounddevice output device name or index (None = default).
        on_finished: called as ``on_finished(utterance_id, interrupted)`` from the worker.
        reference: optional `PlaybackReference` the player fills with what it plays, so the
            microphone side can cancel the coach's own voice (coach/voice/echo.py).
        on_error: called with an `AudioDeviceError`/`TTSError` from the worker (the line is
            then reported as interrupted); without it errors are only logged.

    Raises `AudioDeviceError` at construction if the output device is unusable, and
    `EspeakMissingError` if pyttsx3 cannot load espeak-ng: fail before the session starts.
    """

    def __init__(
        self,
        on_air: OnAir,
        voice: str | None = None,
        rate: int | None = None,
        volume: float | None = None,
        cues: bool = True,
        device: str | int | None = None,
        on_finished: FinishedCallback | None = None,
        on_error: ErrorCallback | None = None,
        renderer: Renderer | None = None,
        reference: PlaybackReference | None = None,
    ) -> None:
        self.on_air = on_air
        self.cues_enabled = cues
        self.on_finished = on_finished
        self.on_error = on_error
        self.rate = _clamp(rate if rate is not None else DEFAULT_RATE_WPM, *RATE_LIMITS)
        self.volume = _clamp(volume if volume is not None else DEFAULT_VOLUME, *VOLUME_LIMITS)
        self.player = Player(on_air, device=device, reference=reference)
        self.player.check_device()
        self.player.gain = self.volume
        self._own_renderer = renderer is None
        self.renderer = renderer if renderer is not None else Renderer(voice=voice, rate=self.rate)
        self.renderer.start()
        self.last_error: Exception | None = None
        self._cond = threading.Condition()
        self._queue: collections.deque[_Item] = collections.deque()
        self._dropped: list[_Item] = []
        self._current: _Item | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="coach-speaker", daemon=True)
        self._thread.start()

    # -- the runner's interface --------------------------------------------------------------
    def say(self, text: str, utterance_id: int, urgent: bool = False) -> None:
        """Queue a line. `urgent` drops everything queued, cuts the current line, says this."""
        item = _Item(text=text, utterance_id=utterance_id)
        with self._cond:
            if self._closed:
                raise RuntimeError("speaker is closed")
            if urgent:
                self._cut_locked()
            self._queue.append(item)
            self._cond.notify_all()

    def stop(self) -> None:
        """Silence now (within ~150 ms; measured ~5-20 ms) and drop the queue."""
        with self._cond:
            self._cut_locked()
            self._cond.notify_all()

    def play_cue(self, cue: CueKind) -> None:
        """Queue a short tone (after any line already queued). No-op with cues disabled."""
        if not self.cues_enabled:
            return
        with self._cond:
            if self._closed:
                return
            self._queue.append(_Item(text=None, cue=CueKind(cue)))
            self._cond.notify_all()

    def adjust(self, rate_steps: int = 0, volume_steps: int = 0) -> None:
        """"Slower/faster/louder/quieter". Volume changes at once, rate from the next line."""
        with self._cond:
            self.rate = _clamp(self.rate + rate_steps * RATE_STEP_WPM, *RATE_LIMITS)
            self.volume = _clamp(self.volume + volume_steps * VOLUME_STEP, *VOLUME_LIMITS)
            self.player.gain = self.volume
        log.info("voice now %d wpm, volume %.2f", self.rate, self.volume)

    @property
    def busy(self) -> bool:
        """True while a line or cue is queued, rendering or playing."""
        with self._cond:
            return bool(self._queue) or self._current is not None or bool(self._dropped)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or playing (for tests and for the end of a session)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._queue and self._current is None and not self._dropped, timeout
            )

    def warm(self, texts: list[str]) -> None:
        """Render lines ahead (e.g. a routine's steps at load) so the first `say` is instant."""
        for text in texts:
            try:
                self.renderer.render(text, rate=int(self.rate))
            except TTSError:
                log.warning("could not pre-render %r", text[:40], exc_info=True)

    def close(self) -> None:
        """Stop, finish the worker, and end the pyttsx3 worker process."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cut_locked()
            self._cond.notify_all()
        self._thread.join(5)
        if self._own_renderer:
            self.renderer.close()

    def __enter__(self) -> Speaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- worker ------------------------------------------------------------------------------
    def _cut_locked(self) -> None:
        for item in self._queue:
            item.cancel.set()
        self._dropped.extend(self._queue)
        self._queue.clear()
        if self._current is not None:
            self._current.cancel.set()
            self.player.stop()

    def _report(self, item: _Item, interrupted: bool) -> None:
        if item.text is None or self.on_finished is None:
            return
        try:
            self.on_finished(item.utterance_id, interrupted)
        except Exception:  # noqa: BLE001 - a runner bug must not kill the speaker thread
            log.exception("on_finished callback failed")

    def _fail(self, exc: Exception) -> None:
        self.last_error = exc
        log.error("%s", exc)
        if self.on_error is not None:
            try:
                self.on_error(exc)
            except Exception:  # noqa: BLE001
                log.exception("on_error callback failed")

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._dropped and not self._closed:
                    self._cond.wait()
                dropped, self._dropped = self._dropped, []
                if self._closed and not self._queue and not dropped:
                    self._cond.notify_all()
                    return
                item = self._queue.popleft() if self._queue else None
                self._current = item
                rate = int(self.rate)
            for gone in dropped:
                self._report(gone, interrupted=True)
            if item is not None:
                interrupted = self._perform(item, rate)
                if item.text is not None:
                    self._report(item, interrupted)
            with self._cond:
                self._current = None
                self._cond.notify_all()

    def _perform(self, item: _Item, rate: int) -> bool:
        """Render and play one item; True if it was cut (or failed)."""
        try:
            if item.cue is not None:
                samples, sr, text = cue_samples(item.cue), CUE_SAMPLE_RATE, ""
            else:
                assert item.text is not None
                rendered = self.renderer.render(item.text, rate=clamp_rate(rate))
                samples, sr, text = rendered.samples, rendered.sample_rate, item.text
            if item.cancel.is_set():
                return True
            result = self.player.play(samples, sr, text=text, cancel=item.cancel)
            return not result.completed
        except (AudioDeviceError, TTSError, TimeoutError, ValueError) as exc:
            self._fail(exc)
            return True


class SilentSpeaker:
    """Same interface as `Speaker` for text mode: nothing is played, nothing goes on the air,
    and every line is reported finished (not interrupted) immediately, in the caller's thread.
    The runner prints lines itself; this only keeps the speech bookkeeping identical."""

    def __init__(
        self,
        on_air: OnAir | None = None,
        voice: str | None = None,
        rate: int | None = None,
        volume: float | None = None,
        cues: bool = True,
        device: str | int | None = None,
        on_finished: FinishedCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> None:
        self.on_air = on_air
        self.on_finished = on_finished
        self.rate = _clamp(rate if rate is not None else DEFAULT_RATE_WPM, *RATE_LIMITS)
        self.volume = _clamp(volume if volume is not None else DEFAULT_VOLUME, *VOLUME_LIMITS)
        self.cues_enabled = cues
        self.last_error: Exception | None = None

    def say(self, text: str, utterance_id: int, urgent: bool = False) -> None:
        if self.on_finished is not None:
            self.on_finished(utterance_id, False)

    def stop(self) -> None:
        pass

    def play_cue(self, cue: CueKind) -> None:
        pass

    def adjust(self, rate_steps: int = 0, volume_steps: int = 0) -> None:
        self.rate = _clamp(self.rate + rate_steps * RATE_STEP_WPM, *RATE_LIMITS)
        self.volume = _clamp(self.volume + volume_steps * VOLUME_STEP, *VOLUME_LIMITS)

    @property
    def busy(self) -> bool:
        return False

    def wait_idle(self, timeout: float | None = None) -> bool:
        return True

    def warm(self, texts: list[str]) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> SilentSpeaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()





def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))
