"""The voice half of `massage-coach run`: options -> audio input, speaker and `LiveVoice` around
the runner. The data path itself (audio -> echo canceller -> listener -> events) is
`coach.voice.pipeline`; this module only wires it to the session.

Order matters: the first line comes first. The session starts once the voice has loaded (so the
welcome is printed when it can be heard) and the recognizer loads once that line is on the air:
loaded beside the voice, it took the CPU and the GIL from it ("Welcome." rendered in 1.17 s
beside a pocketsphinx load, 0.25 s alone), and on a busy machine the printed welcome stayed
silent for 15 s and more (issue 25). The voice loads in ~0.3 s and renders "Welcome." in ~0.1 s,
the recognizer needs 1-2 s anyway, so listening starts hardly later. Then: the recognizer's
model is loaded before the microphone opens (a stream opened
first would overflow while the model loads), and the speaker shares one `OnAir` record with the
listener so the coach's own voice can never fire a command.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from coach.app.runner import Runner
from coach.cli.auto_choice import unless_auto
from coach.exit_status import ExitStatus

if TYPE_CHECKING:
    from coach.voice.asr.select import EngineChoice
    from coach.voice.listen.listener import Listener

FIRST_LINE_SECONDS = 30.0
"""The longest the session waits for its voice, and the recognizer for the first line (Piper's
own load timeout: past it the speaker falls back to pyttsx3)."""


def run_voice_session(runner: Runner, *, choice: EngineChoice, engine: str, model: Path | None,
                      audio_in: Path | None, input_device: str | None, record_dir: Path | None,
                      speed: float, make_speaker) -> int:
    """Set up recognition, audio in and speech out around `runner`, then run it.

    `make_speaker(on_air, reference)` builds the speaker: it must share `on_air` with the
    listener and hand `reference` (a `PlaybackReference`) to its player, or the echo canceller
    has nothing to subtract and passes the microphone through untouched.

    A missing or wrong model was refused by `plan_choice` (its result is `choice`, an
    `EngineChoice`) before the session started; a model that then fails to load ends the session
    with the reason (`ExitStatus.UNUSABLE_INPUT`).
    """
    from coach.voice.audio.devices import AudioDeviceError, device_spec
    from coach.voice.audio.echo import EchoCanceller
    from coach.voice.audio.playback_reference import PlaybackReference
    from coach.voice.audio.on_air import OnAir
    from coach.voice.audio.recorder import UtteranceRecorder
    from coach.voice.pipeline import (AudioInput, LiveVoice, MicrophoneInput, RecordingInput,
                                      build_listener)

    wanted = unless_auto(engine)
    click.echo(f"Listening with {choice}", err=True)
    on_air = OnAir()
    audio: AudioInput
    if audio_in is not None:
        audio = RecordingInput(audio_in, speed=speed)
    else:
        microphone = MicrophoneInput(device_spec(input_device))
        try:
            microphone.check()
        except AudioDeviceError as error:
            click.echo(f"Error: {error}\nNo usable microphone. Check it with `massage-coach "
                       f"doctor`, or type commands instead: massage-coach run --text", err=True)
            return ExitStatus.UNUSABLE_INPUT
        audio = microphone
    # Echo cancellation: the speaker's player records what it plays, the canceller subtracts
    # it from the microphone. Not for a replayed recording: it holds no echo of this session.
    reference = PlaybackReference()
    # COACH_NO_AEC=1 turns it off, to tell the canceller's effects from the recognizer's.
    use_aec = audio_in is None and not os.environ.get("COACH_NO_AEC")
    runner.speaker = make_speaker(on_air, reference)
    speaker = runner.speaker
    ending = threading.Event()
    loaded = getattr(getattr(speaker, "renderer", None), "wait_loaded", None)  # Piper only
    if loaded is not None:
        loaded(FIRST_LINE_SECONDS)

    def first_line_then_listener() -> Listener:
        """The listener, once the first line is on the air (or the speaker failed, or the
        session ended, or FIRST_LINE_SECONDS passed)."""
        deadline = time.monotonic() + FIRST_LINE_SECONDS
        while (loaded is not None and time.monotonic() < deadline and not ending.is_set()
               and not on_air.overlapping(float("-inf"), float("inf"))
               and getattr(speaker, "last_error", None) is None):
            time.sleep(0.02)
        return build_listener(wanted, model, on_air)

    voice = LiveVoice(first_line_then_listener, audio, runner.events.put,
                      canceller=EchoCanceller(reference) if use_aec else None,
                      recorder=UtteranceRecorder(record_dir) if record_dir else None,
                      on_failure=lambda message: click.echo(message, err=True))
    runner.on_status.append(voice.follow)
    voice.start()
    try:
        code = runner.run()
    finally:
        ending.set()
        voice.stop()
    return ExitStatus.UNUSABLE_INPUT if voice.failure else code
