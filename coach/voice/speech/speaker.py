"""The speaker: the non-blocking façade the runner uses to talk.

Why a façade with its own thread: the runner's loop must never wait for speech (it has to hear
"stop" while the coach talks), so `say` only queues; one worker thread renders each line
(Piper's neural voice, or pyttsx3 in its worker process; cached) and plays it through `Player`,
which records the airing in `OnAir` for the listener. While a line plays, a look-ahead thread
renders the next queued line, so Piper's render time (~0.09 s per second of speech) never shows
as a gap between lines. When a line ends or is cut, `on_finished(utterance_id,
interrupted)` is called from the worker thread; the runner turns it into a `SpeechFinished`.

Every queued line gets its own cancel flag, set by `stop()` whether the line is still waiting,
being rendered or playing, so a "stop" can never be lost in a gap between two steps. The speaker
never decides what interrupts: the runner does (`Runner._dispatch`, the one rule), calling
`stop()` before it queues the reply that interrupts. Lines dropped from the queue are reported too (interrupted=True), so the runner never
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

import numpy as np

from coach.core.actions import CueKind
from coach.voice.speech.cues import CUE_SAMPLE_RATE, cue_samples
from coach.voice.audio.chunk import SoundBuffer
from coach.voice.audio.on_air import OnAir, TimedWord
from coach.voice.audio.player import AudioDeviceError, Player
from coach.voice.speech.piper_tts import SENTENCE_PAUSE_SECONDS, VoiceLoadError
from coach.voice.speech.limits import (
    DEFAULT_VOLUME,
    RATE_LIMITS,
    RATE_STEP_WPM,
    VOLUME_LIMITS,
    VOLUME_STEP,
)
from coach.voice.speech.rendering import Rendered, SpeechRenderer, TTSError, clamp_rate
from coach.voice.speech.spoken_text import split_first_sentence
from coach.voice.speech.pyttsx3_tts import DEFAULT_RATE_WPM
from coach.voice.speech.tts_select import fallback_renderer, make_renderer

if TYPE_CHECKING:
    from coach.voice.audio.playback_reference import PlaybackReference

log = logging.getLogger(__name__)

FinishedCallback = Callable[[int, bool], None]
ErrorCallback = Callable[[Exception], None]


@dataclass
class _Item:
    text: str | None  # None for a cue
    utterance_id: int = 0
    cue: CueKind | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    report: bool = True  # False: part of a line whose last part reports it
    pause_after: float = 0.0  # seconds of silence played after it


class Speaker:
    """Speaks lines and cues through the sound card without blocking the caller.

    Args:
        on_air: shared record of what is on the air (updated as lines start and stop).
        tts: speech back-end, "piper" or "pyttsx3"; None = Piper when its voice is installed
            (and pyttsx3 if that voice then fails to load), else pyttsx3.
        voice: a voice of that back-end, id or name substring ("joe", "en-us"); None = default.
        rate: words per minute (default: the back-end's, 155 Piper / 165 pyttsx3), kept within
            `limits.RATE_LIMITS`; `adjust` moves it in steps of `RATE_STEP_WPM`.
        volume: within `limits.VOLUME_LIMITS` (default `DEFAULT_VOLUME`); `adjust` moves it in
            steps of `VOLUME_STEP`, live.
        cues: False for ``--no-cues``: `play_cue` does nothing.
        device: sounddevice output device name or index (None = default).
        on_finished: called as ``on_finished(utterance_id, interrupted)`` from the worker.
        reference: optional `PlaybackReference` the player fills with what it plays, so the
            microphone side can cancel the coach's own voice (coach/voice/audio/echo.py).
        on_error: called with an `AudioDeviceError`/`TTSError` from the worker (the line is
            then reported as interrupted); without it errors are only logged.

    Raises `AudioDeviceError` at construction if the output device is unusable,
    `BackendUnavailable` if the back-end asked for is not installed, and `EspeakMissingError`
    if pyttsx3 cannot load espeak-ng: fail before the session starts. (Piper's voice loads in
    the background; the first line waits for it.)
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
        renderer: SpeechRenderer | None = None,
        reference: PlaybackReference | None = None,
        tts: str | None = None,
    ) -> None:
        self.on_air = on_air
        self.cues_enabled = cues
        self.on_finished = on_finished
        self.on_error = on_error
        self.player = Player(on_air, device=device, reference=reference)
        self.player.check_device()
        self._own_renderer = renderer is None
        # Piper chosen on its own (no --tts) may still fail to load: then pyttsx3 speaks, in
        # its default voice (the two back-ends' voices have different names)
        self._may_fall_back = renderer is None and tts is None
        self.renderer: SpeechRenderer = (
            renderer if renderer is not None else make_renderer(tts, voice=voice, rate=rate))
        default_rate = getattr(self.renderer, "default_rate", DEFAULT_RATE_WPM)
        self.rate = RATE_LIMITS.clamp(rate if rate is not None else default_rate)
        self.volume = VOLUME_LIMITS.clamp(volume if volume is not None else DEFAULT_VOLUME)
        self.player.gain = self.volume
        self.renderer.start()
        self.last_error: Exception | None = None
        self._cond = threading.Condition()
        self._queue: collections.deque[_Item] = collections.deque()
        self._dropped: list[_Item] = []
        self._current: _Item | None = None
        self._playing = False  # the worker is playing: the look-ahead may render
        self._looked_ahead: collections.deque[tuple[str, int]] = collections.deque(maxlen=64)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="coach-speaker", daemon=True)
        self._thread.start()
        self._ahead = threading.Thread(target=self._look_ahead, name="coach-speaker-ahead",
                                       daemon=True)
        self._ahead.start()

    # -- the runner's interface --------------------------------------------------------------
    def say(self, text: str, utterance_id: int) -> None:
        """Queue a line (after whatever is queued; `stop()` first to cut in).

        A line that starts from silence (the very first, or a reply after a cut) is played a
        sentence ahead: its first sentence ("Welcome.", "Stopped.") renders in ~0.1 s and plays
        while the rest renders, so the first word comes sooner. (Measured beside busy loops:
        "Stopped. Say resume to carry on, or end session to finish." took 1.7-2.2 s to render
        whole, so the answer to a "stop" came 2 s late.) A line queued behind another is
        rendered while that one plays, so it stays whole.
        """
        item = _Item(text=text, utterance_id=utterance_id)
        with self._cond:
            if self._closed:
                raise RuntimeError("speaker is closed")
            idle = not self._queue and (self._current is None or self._current.cancel.is_set())
            split = split_first_sentence(text) if idle else None
            if split is not None:
                self._queue.append(_Item(text=split[0], utterance_id=utterance_id, report=False,
                                         pause_after=SENTENCE_PAUSE_SECONDS))
                item.text = split[1]
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
            self.rate = RATE_LIMITS.clamp(self.rate + rate_steps * RATE_STEP_WPM)
            self.volume = VOLUME_LIMITS.clamp(self.volume + volume_steps * VOLUME_STEP)
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
        """Stop, finish the worker, and release the renderer (the pyttsx3 worker process)."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cut_locked()
            self._cond.notify_all()
        self._thread.join(5)
        self._ahead.join(5)
        self.player.close()  # the output stream lives until now (coach/voice/audio/live_output.py)
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
        if item.text is None or not item.report or self.on_finished is None:
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
                words: tuple[TimedWord, ...] = ()
            else:
                assert item.text is not None
                rendered = self._render(item.text, rate)
                # on the air: the words spoken ("thirty seconds" for "30 s"), for the listener
                samples, sr, text = rendered.samples, rendered.sample_rate, rendered.text
                words = rendered.words  # when each is heard: the listener's own-voice rule
                if item.pause_after:
                    pause = np.zeros(int(item.pause_after * sr), dtype=samples.dtype)
                    samples = np.concatenate([samples, pause])
            if item.cancel.is_set():
                return True
            with self._cond:
                self._playing = True
                self._cond.notify_all()
            try:
                result = self.player.play(SoundBuffer(samples, sr), text=text,
                                          cancel=item.cancel, words=words)
            finally:
                with self._cond:
                    self._playing = False
            return not result.completed
        except (AudioDeviceError, TTSError, TimeoutError, ValueError) as exc:
            self._fail(exc)
            return True

    def _render(self, text: str, rate: int) -> Rendered:
        try:
            return self.renderer.render(text, rate=clamp_rate(rate))
        except VoiceLoadError as exc:
            fallback = fallback_renderer(self.renderer.name) if self._may_fall_back else None
            if fallback is None:
                raise
            log.warning("%s; speaking with %s instead", exc, fallback.describe())
            self._may_fall_back = False
            self.renderer = fallback
            self.renderer.start()
            return self.renderer.render(text, rate=clamp_rate(rate))

    def _look_ahead(self) -> None:
        """While a line plays, render the next queued line (into the renderer's cache)."""
        while True:
            with self._cond:
                while not self._closed and not (self._playing and self._next_to_render()):
                    self._cond.wait(0.5)
                if self._closed:
                    return
                wanted = self._next_to_render()
                if wanted is None:
                    continue
                self._looked_ahead.append(wanted)
            try:
                self.renderer.render(wanted[0], rate=wanted[1])
            except (TTSError, TimeoutError, ValueError):
                log.debug("look-ahead render of %r failed", wanted[0][:40], exc_info=True)

    def _next_to_render(self) -> tuple[str, int] | None:
        """The first queued line not yet looked ahead at, with the rate it will be said at
        (call with the lock held)."""
        rate = clamp_rate(self.rate)
        for item in self._queue:
            if item.text is not None and (item.text, rate) not in self._looked_ahead:
                return item.text, rate
        return None


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
        self.rate = RATE_LIMITS.clamp(rate if rate is not None else DEFAULT_RATE_WPM)
        self.volume = VOLUME_LIMITS.clamp(volume if volume is not None else DEFAULT_VOLUME)
        self.cues_enabled = cues
        self.last_error: Exception | None = None

    def say(self, text: str, utterance_id: int) -> None:
        if self.on_finished is not None:
            self.on_finished(utterance_id, False)

    def stop(self) -> None:
        pass

    def play_cue(self, cue: CueKind) -> None:
        pass

    def adjust(self, rate_steps: int = 0, volume_steps: int = 0) -> None:
        self.rate = RATE_LIMITS.clamp(self.rate + rate_steps * RATE_STEP_WPM)
        self.volume = VOLUME_LIMITS.clamp(self.volume + volume_steps * VOLUME_STEP)

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
