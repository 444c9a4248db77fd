"""The voice half of `massage-coach run`: microphone (or a recording) -> listener -> events.

Order matters: the recognizer's model is loaded before the microphone opens (a stream opened
first would overflow while the model loads), and the speaker shares one `OnAir` record with the
listener so the coach's own voice can never fire a command.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import wave
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

import click

from coach.cli.process_exit import note_stuck_audio
from coach.core.commands import Intent
from coach.core.events import CommandHeard, DeviceProblem, NoteTaken
from coach.app.runner import Runner
from coach.voice.pcm import SAMPLE_RATE

if TYPE_CHECKING:
    from coach.voice.asr.select import EngineChoice
    from coach.voice.echo import EchoCanceller

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0  # how often a lost microphone is tried again
KEEP_SECONDS = 12.0  # audio kept for --record (longer than any command)


class UtteranceRecorder:
    """`--record DIR`: each utterance the listener decided on, saved as a WAV named after it."""

    def __init__(self, folder: Path, sample_rate: int = SAMPLE_RATE) -> None:
        self.folder = folder
        self.sample_rate = sample_rate
        folder.mkdir(parents=True, exist_ok=True)
        self._chunks: deque[tuple[bytes, float]] = deque()
        self._count = 0

    def keep(self, pcm: bytes, at: float) -> None:
        self._chunks.append((pcm, at))
        while self._chunks and at - self._chunks[0][1] > KEEP_SECONDS:
            self._chunks.popleft()

    def save(self, start: float, end: float, label: str, confidence: float) -> Path:
        """Write the audio between start and end (with a little margin) to the folder."""
        audio = b"".join(pcm for pcm, at in self._chunks if start - 0.3 <= at <= end + 0.3)
        self._count += 1
        safe = "".join(c if c.isalnum() else "-" for c in label)[:40] or "rejected"
        path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{self._count:03d}-{safe}-" \
                             f"{confidence:.2f}.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(audio)
        return path


CLOSE_WAIT_SECONDS = 1.0
OPEN_WAIT_SECONDS = 5.0


def call_within(call, seconds: float, name: str, on_late=None) -> tuple[bool, object]:
    """Run a PortAudio call that can block forever, giving up after `seconds`.

    Opening or closing a stream while its sound server dies can hang in PortAudio (seen:
    `Pa_StartStream` after ALSA's prepare failed, `Pa_StopStream` on a dead server), and the
    session must still hear "device lost" now. Returns (True, result) when the call finished in
    time and re-raises its error; (False, None) when it is given up on: its thread is recorded as
    stuck audio (so leaving the process does not wait for it either), and should it return later
    after all, `on_late(result)` gets what it returned.
    """
    lock = threading.Lock()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            result = call()
        except Exception as error:  # handed to the caller, whatever PortAudio raised
            with lock:
                outcome["error"] = error
            return
        with lock:
            if not outcome.get("abandoned"):
                outcome["result"] = result
                return
        if on_late is not None:
            on_late(result)  # too late: nobody is waiting for it any more

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join(seconds)
    with lock:
        if "result" in outcome:
            return True, outcome["result"]
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        outcome["abandoned"] = True
    note_stuck_audio(worker)
    return False, None


def close_without_waiting(source) -> None:
    """Close an audio source, but never wait long for it (see `call_within`)."""
    close = getattr(source, "close", None)
    if close is None:
        return
    try:
        finished, _ = call_within(close, CLOSE_WAIT_SECONDS, "close-audio")
    except Exception as error:  # closing a vanished device can fail too
        log.warning("closing the audio input: %s", error)
        return
    if not finished:
        log.warning("closing the audio input is taking long; carrying on without waiting")


def open_within(open_source, device_name: str, seconds: float = OPEN_WAIT_SECONDS):
    """Open an audio source, or raise AudioDeviceError naming the device: when it fails, and
    when it has not opened after `seconds` (see `call_within`; a late success is closed). The
    caller retries as for any lost device."""
    from coach.voice.devices import AudioDeviceError

    try:
        finished, source = call_within(open_source, seconds, "open-audio",
                                       on_late=close_without_waiting)
    except AudioDeviceError:
        raise
    except Exception as error:
        raise AudioDeviceError(f"cannot open {device_name}: {error}") from error
    if not finished:
        log.warning("opening %s did not finish in %.0f s; giving up on that attempt",
                    device_name, seconds)
        raise AudioDeviceError(f"{device_name} did not open within {seconds:.0f} s (has the "
                               "sound server stopped?)")
    return source


def listen(runner: Runner, listener, open_source, device_name: str, stop: threading.Event,
           recorder: UtteranceRecorder | None, end_with_source: bool,
           canceller: EchoCanceller | None = None) -> None:
    """Producer thread: audio chunks -> [echo canceller] -> listener -> events. Never raises; a
    lost device pauses the session (the engine says so) and is retried until it comes back or
    the session ends. The canceller removes the coach's own voice before the listener hears it,
    so "stop" said over it stands out; `--record` keeps the cleaned audio (what was judged)."""
    from coach.voice.devices import AudioDeviceError

    lost = False
    while not stop.is_set():
        try:
            source = open_source()
        except AudioDeviceError as error:
            if end_with_source:  # a recording that cannot be read will not come back
                click.echo(f"Error: {error}", err=True)
                runner.events.put(CommandHeard(Intent.END, "(recording unreadable)", 1.0,
                                               "audio-in"))
                return
            if not lost:
                lost = True
                runner.events.put(DeviceProblem(device_name, lost=True, detail=str(error)))
            stop.wait(RETRY_SECONDS)
            continue
        if canceller is not None:
            canceller.reset()  # a (re)opened stream restarts its sample clock
        if lost:
            lost = False
            listener.reset()
            runner.events.put(DeviceProblem(device_name, lost=False))
        try:
            for pcm, at in source:
                if stop.is_set():
                    break
                if canceller is not None:
                    pcm, at = canceller.process(pcm, at)
                    if not pcm:
                        continue
                if recorder is not None:
                    recorder.keep(pcm, at)
                for heard in listener.process(pcm, at):
                    if isinstance(heard.event, CommandHeard):
                        # The moment a command is decided, on the system-wide monotonic clock:
                        # tests measure from here how soon the speaker falls silent (barge-in).
                        log.info("decided %s at monotonic %.4f (speech %.4f-%.4f)",
                                 heard.event.intent.value, time.monotonic(),
                                 heard.speech_started, heard.speech_ended)
                    runner.events.put(heard.event)
                    if recorder is not None:
                        label = "note" if isinstance(heard.event, NoteTaken) else getattr(
                            getattr(heard.event, "intent", None), "value", "rejected")
                        recorder.save(heard.speech_started, heard.speech_ended, label,
                                      heard.confidence)
        except Exception as error:  # a device vanishing mid-read must not kill the session
            log.error("audio input failed: %s", error)
        finally:
            close_without_waiting(source)
        for heard in listener.flush():
            runner.events.put(heard.event)
        if end_with_source:
            # A replayed recording is over: give the session a moment to react, then end it.
            stop.wait(1.0)
            runner.events.put(CommandHeard(Intent.END, "(end of recording)", 1.0, "audio-in"))
            return
        if not stop.is_set() and not lost:
            lost = True
            reason = getattr(source, "lost_reason", "") or "the input stream stopped"
            runner.events.put(DeviceProblem(device_name, lost=True, detail=reason))


def run_voice_session(runner: Runner, *, choice: EngineChoice, engine: str, model: Path | None,
                      audio_in: Path | None, input_device: str | None, record_dir: Path | None,
                      speed: float, make_speaker) -> int:
    """Set up recognition, audio in and speech out around `runner`, then run it.

    `make_speaker(on_air, reference)` builds the speaker: it must share `on_air` with the
    listener and hand `reference` (a `PlaybackReference`) to its player, or the echo canceller
    has nothing to subtract and passes the microphone through untouched.

    The recognizer loads (0.5-1 s) in the listener thread while the welcome is already being
    spoken: nothing needs hearing in the first second of a session, and the first word comes
    that much sooner. A missing or wrong model was refused by `plan_choice` (its result is
    `choice`, an `EngineChoice`) before the session started; a model that then fails to load
    ends the session with the reason (exit status 2).
    """
    from coach.voice.asr.base import RecognizerUnavailable
    from coach.voice.audio_in import MicrophoneSource, WavFileSource
    from coach.voice.devices import AudioDeviceError, device_spec
    from coach.voice.echo import EchoCanceller, PlaybackReference
    from coach.voice.on_air import OnAir

    wanted = None if engine == "auto" else engine
    click.echo(f"Listening with {choice}", err=True)
    on_air = OnAir()
    device = device_spec(input_device)
    if audio_in is not None:
        device_name = str(audio_in)

        def open_source():
            return WavFileSource(audio_in, speed=speed)
    else:
        device_name = f"microphone {input_device}" if input_device else "the default microphone"

        def open_source():
            return open_within(lambda: MicrophoneSource(device=device).open(), device_name)
        try:  # fail early and clearly when there is no microphone at all
            open_source().close()
        except AudioDeviceError as error:
            click.echo(f"Error: {error}\nNo usable microphone. Check it with `massage-coach "
                       f"doctor`, or type commands instead: massage-coach run --text", err=True)
            return 2
    # Echo cancellation: the speaker's player records what it plays, the canceller subtracts
    # it from the microphone. Not for a replayed recording: it holds no echo of this session.
    reference = PlaybackReference()
    # COACH_NO_AEC=1 turns it off, to tell the canceller's effects from the recognizer's.
    use_aec = audio_in is None and not os.environ.get("COACH_NO_AEC")
    canceller = EchoCanceller(reference) if use_aec else None
    runner.speaker = make_speaker(on_air, reference)
    stop = threading.Event()
    recorder = UtteranceRecorder(record_dir) if record_dir else None
    ready: list = []  # the listener, once its recognizer has loaded
    failed: list[str] = []

    def follow_session(status) -> None:
        # Listen only for what fits the moment (the session says what that is, ~10 times a
        # second), and take the next utterance as a note right after "take a note".
        if ready:
            ready[0].set_context(status.listening_for)
            ready[0].set_dictation(status.taking_note)
    runner.on_status.append(follow_session)

    def load_then_listen() -> None:
        try:
            listener = build_listener(wanted, model, on_air)
        except Exception as error:  # RecognizerUnavailable, or anything a model load raises:
            # never a session that silently stops listening
            if not isinstance(error, RecognizerUnavailable):
                log.exception("loading the recognizer failed")
            failed.append(str(error))
            click.echo(f"Error: speech recognition could not start: {error}", err=True)
            runner.events.put(CommandHeard(Intent.END, "(speech recognition failed)", 1.0,
                                           "listener"))
            return
        ready.append(listener)
        listen(runner, listener, open_source, device_name, stop, recorder,
               audio_in is not None, canceller)

    thread = threading.Thread(target=load_then_listen, name="listener", daemon=True)
    thread.start()
    try:
        code = runner.run()
    finally:
        stop.set()
        thread.join(timeout=3)
        if canceller is not None and canceller.audio_seconds:
            log.info("echo canceller: %.1f ms CPU per s of audio, delay estimates %s, %d late "
                     "frames", canceller.cpu_per_audio_second * 1000, canceller.estimates,
                     canceller.late_frames)
    return 2 if failed else code


def build_listener(engine: str | None, model: Path | None, on_air):
    """The recognizer for `engine`/`model` (RecognizerUnavailable if it cannot load) wrapped in
    a listener that shares `on_air` with the speaker, with its note transcriber preparing in the
    background so the first note isn't slow."""
    from coach.voice.asr.dictation import transcriber_for
    from coach.voice.asr.select import create_recognizer
    from coach.voice.listener import Listener

    recognizer = create_recognizer(engine, model)
    transcriber = transcriber_for(recognizer)
    transcriber.prepare_in_background()
    return Listener(recognizer, on_air, transcriber=transcriber)
