"""The voice half of `massage-coach run`: options -> audio input, speaker and `LiveVoice` around
the runner. The data path itself (audio -> echo canceller -> listener -> events) is
`coach.voice.pipeline`; this module only wires it to the session.

Order matters: the recognizer's model is loaded before the microphone opens (a stream opened
first would overflow while the model loads), and the speaker shares one `OnAir` record with the
listener so the coach's own voice can never fire a command.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from coach.app.runner import Runner
from coach.cli.auto_choice import unless_auto
from coach.exit_status import ExitStatus

if TYPE_CHECKING:
    from coach.voice.asr.select import EngineChoice


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
    voice = LiveVoice(lambda: build_listener(wanted, model, on_air), audio, runner.events.put,
                      canceller=EchoCanceller(reference) if use_aec else None,
                      recorder=UtteranceRecorder(record_dir) if record_dir else None,
                      on_failure=lambda message: click.echo(message, err=True))
    runner.on_status.append(voice.follow)
    voice.start()
    try:
        code = runner.run()
    finally:
        voice.stop()
    return ExitStatus.UNUSABLE_INPUT if voice.failure else code
