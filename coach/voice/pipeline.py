"""The one data path from sound to the session's events.

    audio input -> AudioChunk -> stream format -> echo canceller -> [recorder] -> listener
                -> Heard -> Event (CommandHeard, NotUnderstood, NoteTaken, DeviceProblem, InputEnded)

A session (`massage-coach run`), `hear`, `doctor` and the benchmark all push audio through a
`VoicePipeline`, so what they measure or report is what a session does. The pipeline is
synchronous (`push` does the work for one chunk on the caller's thread), which lets `hear` and the
benchmark run faster than real time with the same answers every run; `LiveVoice` runs it in a
thread for a session, with the recognizer loading there while the welcome is spoken.

What the session listens for flows back the other way: `follow(status)` hands the listener the
intents that make sense now and whether the next utterance is a note.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from coach.core.events import (
    CommandHeard,
    DeviceProblem,
    Event,
    InputEnded,
    InputEndReason,
    NoteTaken,
)
from coach.core.status import Status
from coach.voice.audio.chunk import AudioChunk
from coach.voice.audio.devices import AudioDeviceError, close_without_waiting, open_within
from coach.voice.audio.pcm import chunks
from coach.voice.audio.recorder import UtteranceRecorder
from coach.voice.frames import Heard

if TYPE_CHECKING:
    from coach.voice.audio.echo import EchoCanceller
    from coach.voice.audio.on_air import OnAir
    from coach.voice.listen.listener import Listener

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0
"""How often a lost microphone is tried again."""

AFTER_RECORDING_SECONDS = 1.0
"""A replayed recording is over: the session gets this long to react before it is ended."""


class AudioSource(Protocol):
    """What an opened input is: chunks to iterate, and (optionally) `close()` and `lost_reason`."""

    def __iter__(self) -> Iterator[AudioChunk]: ...


class AudioInput(Protocol):
    """Where the sound comes from. `ends`: a recording ends (and is not retried); a microphone
    that stops delivering is a lost device, retried until it comes back."""

    name: str
    ends: bool

    def open(self) -> AudioSource: ...


@dataclass
class MicrophoneInput:
    """A live microphone (None: the system's default). Opening is bounded in time (PortAudio can
    hang on a dying sound server) and raises AudioDeviceError naming the device."""

    device: int | str | None = None
    ends: bool = False

    @property
    def name(self) -> str:
        return "the default microphone" if self.device is None else f"microphone {self.device}"

    def open(self) -> AudioSource:
        from coach.voice.audio.sources import MicrophoneSource

        return open_within(lambda: MicrophoneSource(device=self.device).open(), self.name)

    def check(self) -> None:
        """Open and close once: fail early and clearly when there is no microphone at all."""
        close_without_waiting(self.open())


@dataclass
class RecordingInput:
    """A WAV file replayed as if it were a microphone, at `speed` x real time (0: at once).
    `start`: stream time of its first sample (None: now, on the clock `OnAir` keeps)."""

    path: Path
    speed: float = 1.0
    start: float | None = None
    ends: bool = True

    @property
    def name(self) -> str:
        return str(self.path)

    def open(self) -> AudioSource:
        from coach.voice.audio.sources import WavFileSource

        return WavFileSource(self.path, speed=self.speed, start=self.start)


class VoicePipeline:
    """Audio chunks in, the listener's decisions out (see the module docstring)."""

    def __init__(self, listener: Listener, *, canceller: EchoCanceller | None = None,
                 recorder: UtteranceRecorder | None = None) -> None:
        self.listener = listener
        self.canceller = canceller
        # who is speaking over the coach: the canceller's evidence for the own-voice rule
        listener.echo_removed = canceller.removed_db if canceller is not None else None
        self.recorder = recorder
        self._end = 0.0  # stream time of the last chunk pushed

    def follow(self, status: Status) -> None:
        """Listen only for what fits the moment, and take the next utterance as a note right
        after "take a note" (the runner calls this ~10 times a second; unchanged is cheap)."""
        self.listener.set_context(status.listening_for)
        self.listener.set_dictation(status.taking_note)

    def push(self, chunk: AudioChunk) -> list[Heard]:
        """One chunk through the whole path; what the listener decided on because of it."""
        chunk = chunk.to_stream_format()
        pcm, at = chunk.pcm, chunk.at
        self._end = at
        if self.canceller is not None:
            pcm, at = self.canceller.process(pcm, at)
            if not pcm:
                return []  # the canceller holds audio back until its delay estimate settles
        if self.recorder is not None:
            self.recorder.keep(pcm, at)
        heard = self.listener.process(pcm, at)
        for decision in heard:
            self._note(decision)
        return heard

    def flush(self, at: float | None = None) -> list[Heard]:
        """End of the stream: decide on any utterance still open."""
        heard = self.listener.flush(self._end if at is None else at)
        for decision in heard:
            self._note(decision)
        return heard

    def hear(self, audio: Iterable[AudioChunk]) -> list[Heard]:
        """A whole stream at once (a file for `hear`, clips for the benchmark and tests)."""
        out: list[Heard] = []
        for chunk in audio:
            out.extend(self.push(chunk))
        out.extend(self.flush())
        return out

    def reset(self) -> None:
        """A (re)opened input restarts its sample clock: forget open utterances and echo state."""
        if self.canceller is not None:
            self.canceller.reset()
        self.listener.reset()

    def run(self, audio: AudioInput, emit: Callable[[Event], None], stop: threading.Event,
            on_failure: Callable[[str], None] = log.error) -> None:
        """Listen until `stop` (or a recording's end), handing each event to `emit`. Never
        raises: a lost device pauses the session (`DeviceProblem`) and is retried every
        RETRY_SECONDS until it comes back or the session ends."""
        lost = False
        while not stop.is_set():
            try:
                source = audio.open()
            except AudioDeviceError as error:
                if audio.ends:  # a recording that cannot be read will not come back
                    on_failure(f"Error: {error}")
                    emit(InputEnded(InputEndReason.RECORDING_UNREADABLE))
                    return
                if not lost:
                    lost = True
                    emit(DeviceProblem(audio.name, lost=True, detail=str(error)))
                stop.wait(RETRY_SECONDS)
                continue
            if self.canceller is not None:
                self.canceller.reset()  # a (re)opened stream restarts its sample clock
            if lost:
                lost = False
                self.listener.reset()
                emit(DeviceProblem(audio.name, lost=False))
            try:
                for chunk in source:
                    if stop.is_set():
                        break
                    try:
                        heard_now = self.push(chunk)
                    except Exception as error:  # the recognizer, not the device, failed
                        self._listener_died(error, emit, on_failure)
                        return
                    for heard in heard_now:
                        emit(heard.event)
            except Exception as error:  # a device vanishing mid-read must not kill the session
                log.error("audio input failed: %s", error)
            finally:
                close_without_waiting(source)
            try:
                flushed = self.flush()
            except Exception as error:
                self._listener_died(error, emit, on_failure)
                return
            for heard in flushed:
                emit(heard.event)
            if audio.ends:
                stop.wait(AFTER_RECORDING_SECONDS)
                emit(InputEnded(InputEndReason.END_OF_RECORDING))
                return
            if not stop.is_set() and not lost:
                lost = True
                reason = getattr(source, "lost_reason", "") or "the input stream stopped"
                emit(DeviceProblem(audio.name, lost=True, detail=reason))

    @staticmethod
    def _listener_died(error: Exception, emit: Callable[[Event], None],
                       on_failure: Callable[[str], None]) -> None:
        """The recognizer raised while deciding: end the session, loudly. Carrying on would
        leave a session that can no longer hear "stop" or "ouch" and only says "I didn't hear
        an answer"; retrying the device would not help, the fault is in the recognizer."""
        log.debug("speech recognition failed", exc_info=error)  # -vv; the user gets the line
        on_failure(f"Error: speech recognition stopped working ({type(error).__name__}: "
                   f"{error}); the session ends, because \"stop\" and \"ouch\" could no longer "
                   "be heard. Check the model (`massage-coach doctor`), or choose another with "
                   "--engine or --model.")
        emit(InputEnded(InputEndReason.RECOGNITION_FAILED))

    def _note(self, heard: Heard) -> None:
        if isinstance(heard.event, CommandHeard):
            # The moment a command is decided, on the system-wide monotonic clock: tests measure
            # from here how soon the speaker falls silent (barge-in).
            log.info("decided %s at monotonic %.4f (speech %.4f-%.4f)", heard.event.intent.value,
                     time.monotonic(), heard.speech_started, heard.speech_ended)
        if self.recorder is not None:
            label = "note" if isinstance(heard.event, NoteTaken) else getattr(
                getattr(heard.event, "intent", None), "value", "rejected")
            self.recorder.save(heard.speech_started, heard.speech_ended, label, heard.confidence)


class LiveVoice:
    """A session's ears: loads the recognizer in its own thread (nothing needs hearing in the
    first second, and the welcome is spoken meanwhile), then runs the pipeline until `stop()`.

    A recognizer that fails to load ends the session with the reason (`failure`), never a
    session that silently stops listening."""

    def __init__(self, make_listener: Callable[[], Listener], audio: AudioInput,
                 emit: Callable[[Event], None], *, canceller: EchoCanceller | None = None,
                 recorder: UtteranceRecorder | None = None,
                 on_failure: Callable[[str], None] = log.error) -> None:
        self._make_listener = make_listener
        self.audio = audio
        self._emit = emit
        self.canceller = canceller
        self.recorder = recorder
        self._on_failure = on_failure
        self.pipeline: VoicePipeline | None = None
        self.failure: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._load_then_listen, name="listener",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def follow(self, status: Status) -> None:
        """The session's status, passed on once the listener exists (see VoicePipeline.follow)."""
        pipeline = self.pipeline
        if pipeline is not None:
            pipeline.follow(status)

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._thread.join(timeout=timeout)
        canceller = self.canceller
        if canceller is not None and canceller.audio_seconds:
            log.info("echo canceller: %.1f ms CPU per s of audio, delay estimates %s, %d late "
                     "frames", canceller.cpu_per_audio_second * 1000, canceller.estimates,
                     canceller.late_frames)

    def _load_then_listen(self) -> None:
        from coach.voice.asr.base import RecognizerUnavailable

        try:
            listener = self._make_listener()
        except Exception as error:  # RecognizerUnavailable, or anything a model load raises
            if not isinstance(error, RecognizerUnavailable):  # the trace with -vv, never by default
                log.debug("loading the recognizer failed", exc_info=True)
            self.failure = str(error)
            self._on_failure(f"Error: speech recognition could not start: {error}")
            self._emit(InputEnded(InputEndReason.RECOGNITION_FAILED))
            return
        self.pipeline = VoicePipeline(listener, canceller=self.canceller, recorder=self.recorder)
        self.pipeline.run(self.audio, self._emit, self._stop, self._failed)

    def _failed(self, message: str) -> None:
        """The pipeline gave up (the recognizer died, a recording unreadable): kept in `failure`
        so the session's exit status says so, as for a recognizer that never loaded."""
        self.failure = message
        self._on_failure(message)


def build_listener(engine: str | None, model: Path | None, on_air: OnAir | None,
                   notes: bool = True) -> Listener:
    """The recognizer for `engine`/`model` (RecognizerUnavailable if it cannot load) wrapped in
    a listener that shares `on_air` with the speaker. With `notes`, its note transcriber starts
    preparing in the background so the first note isn't slow; without (doctor, which never takes
    a note), nothing more is loaded."""
    from coach.voice.asr.select import create_recognizer
    from coach.voice.listen.dictation import transcriber_for
    from coach.voice.listen.listener import Listener

    recognizer = create_recognizer(engine, model)
    if not notes:
        return Listener(recognizer, on_air)
    transcriber = transcriber_for(recognizer)
    transcriber.prepare_in_background()
    return Listener(recognizer, on_air, transcriber=transcriber)


def listen_pcm(listener: Listener, pcm: bytes, chunk_ms: int = 20,
               start: float = 0.0) -> list[Heard]:
    """A whole recording (stream-format PCM) through a pipeline around `listener`, in `chunk_ms`
    chunks, then flushed: what tests and the benchmark use for one clip."""
    return VoicePipeline(listener).hear(
        AudioChunk(piece, at) for piece, at in chunks(pcm, chunk_ms, start=start))
