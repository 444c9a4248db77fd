"""`massage-coach doctor`: is everything in place for a voice session, and if not, what to do.

Each check prints one line, OK or PROBLEM, and every problem comes with the fix. Nothing
here raises: a broken part is exactly what doctor is for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import click

from coach.cli.auto_choice import unless_auto
from coach.exit_status import ExitStatus
from coach.voice.asr.select import ENGINES
from coach.voice.speech.backends import NAMES as TTS_NAMES


@dataclass
class Finding:
    ok: bool
    what: str
    fix: str = ""


def check_portaudio() -> tuple[Finding, object | None]:
    try:
        import sounddevice as sd
    except OSError as error:
        return Finding(False, f"PortAudio is missing ({error})",
                       "sudo apt-get install libportaudio2"), None
    return Finding(True, f"PortAudio {sd.get_portaudio_version()[1]}"), sd


def list_devices(sd) -> tuple[list[Finding], bool, bool]:
    """One line per device; whether any input and any output exist."""
    try:
        devices = sd.query_devices()
    except Exception as error:  # PortAudio can fail to enumerate with no sound server
        return [Finding(False, f"cannot list audio devices ({error})",
                        "check that a sound server (PulseAudio or PipeWire) is running")], \
            False, False
    findings, has_in, has_out = [], False, False
    for index, device in enumerate(devices):
        kinds = []
        if device["max_input_channels"] > 0:
            kinds.append("in")
            has_in = True
        if device["max_output_channels"] > 0:
            kinds.append("out")
            has_out = True
        findings.append(Finding(True, f"  [{index}] {device['name']} ({'/'.join(kinds)}, "
                                      f"{int(device['default_samplerate'])} Hz)"))
    return findings, has_in, has_out


def input_level(device, seconds: float, engine: str | None) -> list[Finding]:
    """Show a live level meter, then judge whether the microphone hears anything, and what the
    session's own voice pipeline (the engine `engine` picks) made of what was said."""
    import numpy as np

    from coach.voice.audio.devices import AudioDeviceError, close_without_waiting
    from coach.voice.pipeline import MicrophoneInput

    pipeline, problem = _pipeline_for(engine)
    try:
        source = MicrophoneInput(device).open()
    except AudioDeviceError as error:
        return [Finding(False, f"microphone: {error}",
                        "pick another with --input-device N (see the list above), or use --text")]
    peak_db = -120.0
    heard = []
    end = time.monotonic() + seconds
    click.echo(f"Speak now, say \"next\": showing the microphone level for {seconds:g} seconds.")
    try:
        for chunk in source:
            chunk = chunk.to_stream_format()
            if pipeline is not None:
                heard.extend(pipeline.push(chunk))
            samples = np.frombuffer(chunk.pcm, dtype="<i2").astype(np.float32) / 32768.0
            rms = float(np.sqrt(np.mean(samples ** 2))) if samples.size else 0.0
            level = 20 * np.log10(max(rms, 1e-6))
            peak_db = max(peak_db, level)
            bar = "#" * int(max(0.0, level + 60) / 60 * 40)
            click.echo(f"\r  {level:6.1f} dBFS |{bar:<40}|", nl=False)
            if time.monotonic() >= end:
                break
    finally:
        close_without_waiting(source)
        click.echo("")
    if pipeline is not None:
        heard.extend(pipeline.flush())
    if peak_db < -55:
        return [Finding(False, f"the microphone is almost silent (peak {peak_db:.0f} dBFS)",
                        "unmute it or raise its level (pavucontrol or alsamixer), or move closer")]
    return [Finding(True, f"the microphone hears you (peak {peak_db:.0f} dBFS)"),
            _understood(heard, problem)]


def _pipeline_for(engine: str | None):
    """The pipeline a session would listen through (every phrase open), or (None, why not)."""
    from coach.voice.pipeline import VoicePipeline, build_listener

    try:
        return VoicePipeline(build_listener(engine, None, None, notes=False)), ""
    except Exception as error:  # a missing or broken model is reported, never raised
        return None, str(error)


def _understood(heard: list, problem: str) -> Finding:
    """What the listener made of the words said during the level meter."""
    if problem:
        return Finding(False, f"listening check skipped: {problem}", "see `massage-coach models list`")
    fired = [h for h in heard if h.fired]
    if fired:
        words = ", ".join(f"\"{h.event.intent.value}\"" for h in fired)
        return Finding(True, f"understood: {words}")
    if heard:
        said = [h.event.text for h in heard if h.event.text]
        return Finding(True, "heard speech but no command" + (f" (\"{said[-1]}\")" if said else ""),
                       "say \"next\" clearly; `massage-coach commands` lists every phrase")
    return Finding(True, "heard no words", "say \"next\" during the level meter to check that "
                   "the coach understands you")


def speech_backend_finding(tts: str | None) -> Finding:
    """Which voice a session would speak with (Piper's, or espeak-ng through pyttsx3)."""
    from coach.voice.speech.backends import BACKENDS
    from coach.voice.speech.tts_select import backend_summary, passed_over

    try:
        summary = backend_summary(tts)
        passed = passed_over(tts)
    except Exception as error:
        fixes = [backend.better for backend in BACKENDS if backend.better]
        others = " or ".join(f"--tts {backend.name}" for backend in BACKENDS
                             if backend.name != tts)
        return Finding(False, f"speech out: {error}", "; ".join([*fixes, f"or use {others}"]))
    tips = [backend.better for backend in passed if backend.better]
    return Finding(True, summary, "; ".join(tips))


def speak_test_line(device, tts: str | None = None) -> Finding:
    from coach.voice.audio.on_air import OnAir
    from coach.voice.speech.speaker import Speaker

    try:
        with Speaker(OnAir(), device=device, tts=tts) as speaker:
            speaker.say("This is your massage coach. Can you hear me?", 1)
            speaker.wait_idle(timeout=15)
            error = speaker.last_error
            used = speaker.renderer.describe()
    except Exception as exc:
        error, used = exc, ""
    if error is not None:
        return Finding(False, f"speech output failed ({error})",
                       "sudo apt-get install espeak-ng libespeak-ng1; check the speaker "
                       "device, or use --quiet to read the lines instead")
    return Finding(True, f"spoke a test line with {used} (you should have heard it)")


def engine_finding(engine: str | None) -> Finding:
    from coach.voice.asr.select import plan_choice

    try:
        choice = plan_choice(engine)
    except Exception as error:
        return Finding(False, f"speech recognition: {error}", "see `massage-coach models list`")
    return Finding(True, f"speech recognition: {choice}")


def second_opinion_finding() -> Finding:
    """Whisper base beside tiny.en: a missing one is no fault (tiny.en hears alone), but said."""
    from coach.voice.asr.whisper_base import INSTALL_HINT, second_opinion_status

    usable, line = second_opinion_status()
    return Finding(True, line) if usable else Finding(True, line, INSTALL_HINT)


def engine_lines() -> list[Finding]:
    """Every engine of the registry, in the order "auto" tries them: can it run, or why not."""
    from coach.voice.asr.engines import ENGINES as REGISTRY

    lines = []
    for engine in REGISTRY:
        state = engine.available()
        where = f" ({state.model})" if state.model else ""
        by_name = "" if engine.auto else " (by name only)"
        lines.append(Finding(True, f"  {engine.name}{by_name}: " + (
            f"available{where}" if state.ok else f"unavailable: {state.problem}")))
    return lines


def web_screen_finding() -> Finding:
    from coach.app.web_screen import WebScreenError, availability

    try:
        return Finding(True, availability())
    except WebScreenError as error:
        return Finding(False, f"web screen: {error}",
                       "pip install starlette uvicorn (./setup.sh installs them), or use the "
                       "terminal screen")


@click.command()
@click.option("--seconds", type=click.FloatRange(0, 30), default=4.0, show_default=True,
              help="How long to show the microphone level (0 to skip).")
@click.option("--no-speak", is_flag=True, help="Do not speak the test line.")
@click.option("--input-device", help="Microphone to test (name or index).")
@click.option("--output-device", help="Speaker to test (name or index).")
@click.option("--engine", type=click.Choice(ENGINES), default="auto")
@click.option("--tts", type=click.Choice(["auto", *TTS_NAMES]), default="auto",
              help="Speech back-end to check and speak the test line with.")
def doctor(seconds: float, no_speak: bool, input_device: str | None,
           output_device: str | None, engine: str, tts: str) -> None:
    """Check audio devices, the microphone level, speech output and the recognizer."""
    from coach.voice.audio.devices import device_spec

    findings: list[Finding] = []

    def show(finding: Finding) -> None:
        findings.append(finding)
        mark = "OK     " if finding.ok else "PROBLEM"
        click.echo(f"{mark} {finding.what}" if not finding.what.startswith("  ")
                   else finding.what)
        if finding.fix and not finding.ok:
            click.echo(f"        fix: {finding.fix}")
        elif finding.fix:
            click.echo(f"        tip: {finding.fix}")

    backend = unless_auto(tts)
    portaudio, sd = check_portaudio()
    show(portaudio)
    has_in = False
    if sd is not None:
        click.echo("Audio devices:")
        device_lines, has_in, has_out = list_devices(sd)
        for line in device_lines:
            show(line)
        if not has_in:
            show(Finding(False, "no microphone found",
                         "plug one in, or type commands: massage-coach run --text"))
        if not has_out:
            show(Finding(False, "no speaker found",
                         "plug one in, or read the lines: massage-coach run --text --quiet"))
        if has_in and seconds > 0:
            for finding in input_level(device_spec(input_device), seconds,
                                       unless_auto(engine)):
                show(finding)
        if has_out and not no_speak:
            show(speak_test_line(device_spec(output_device), backend))
    show(speech_backend_finding(backend))
    show(engine_finding(unless_auto(engine)))
    show(second_opinion_finding())
    click.echo("Recognition engines, in the order auto tries them:")
    for line in engine_lines():
        show(line)
    show(web_screen_finding())
    problems = sum(not finding.ok for finding in findings)
    if problems:
        click.echo(f"\n{problems} problem{'s' if problems != 1 else ''} found; fixes above.")
        if not has_in:
            click.echo("You can still coach now: massage-coach run --text")
        raise SystemExit(ExitStatus.FAILED)
    click.echo("\nAll good: massage-coach run")



def register(main: click.Group) -> None:
    main.add_command(doctor)
