"""`massage-coach run`: a coaching session, by voice or typed (`--text`)."""

from __future__ import annotations

import logging
import math
import os
import queue
import sys
import threading
from pathlib import Path

import click

from coach.app.history import History
from coach.app.history.describe import clean_name
from coach.app.history.session_history import SessionHistory, profile_options
from coach.app.plain_display import PlainDisplay
from coach.app.runner import Runner
from coach.app.typed_input import read_typed_commands
from coach.cli.auto_choice import unless_auto
from coach.cli.music_option import music_level, usable_music, with_music
from coach.cli.process_exit import exit_process
from coach.core.clock import MAX_SPEED, MIN_SPEED, MonotonicClock
from coach.core.events import DeviceProblem, Event
from coach.core.plain_text import printable
from coach.core.routine import Routine
from coach.core.session import Session, SessionOptions
from coach.exit_status import ExitStatus
from coach.voice.asr.engines import options_help as engine_help
from coach.voice.asr.select import ENGINES
from coach.voice.speech.backends import NAMES as TTS_NAMES
from coach.voice.speech.backends import options_help as tts_help
from coach.voice.speech.limits import RATE_LIMITS, VOLUME_LIMITS

log = logging.getLogger(__name__)

DEFAULT_ROUTINE = "thai-hamstring-sit"


def _finite(value: float, param: click.Parameter) -> float:
    """FloatRange lets nan through (every comparison with nan is false)."""
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number between {MIN_SPEED:g} and "
                                 f"{MAX_SPEED:g}.", param=param)
    return value


def _rate(value: int | None, param: click.Parameter) -> int | None:
    """--rate: words per minute in the speaker's range. It once took 80 to 400 and the speaker
    then quietly spoke anything above 260 at 260: refused now, naming the range."""
    if value is None:
        return None
    low, high = RATE_LIMITS
    if not RATE_LIMITS.allows(value):
        raise click.BadParameter(
            f"{value} is not a speech rate from {low:g} to {high:g} words per minute (slower "
            "drags; faster is hard to follow lying down).", param=param)
    return value


def _volume(value: float | None, param: click.Parameter) -> float | None:
    """--volume: a finite number in the speaker's range. FloatRange let nan through, and 0 was
    quietly raised to the speaker's floor (never silent by accident), so it was not silent."""
    if value is None:
        return None
    low, high = VOLUME_LIMITS
    if not math.isfinite(value) or not VOLUME_LIMITS.allows(value):
        raise click.BadParameter(
            f"{value} is not a volume from {low:g} to {high:g}. The coach never speaks too softly "
            "to hear; for no speech at all, use --quiet (the lines are printed).", param=param)
    return value


def _usable_recording(path: Path | None, param: click.Parameter) -> Path | None:
    """Check an --audio-in file before the session starts: a file it cannot read would
    otherwise look like a lost microphone, and the session would wait for it forever."""
    if path is None:
        return None
    from coach.voice.audio.wav_file import WavError, inspect_wav

    try:
        inspect_wav(path)
    except WavError as error:
        raise click.BadParameter(f"{printable(str(path), one_line=True)}: {error}",
                                 param=param) from None
    return path


def load_routine_or_exit(name: str) -> Routine:
    """Find and load a routine by id, file name or path; on failure print why and exit
    with `ExitStatus.UNUSABLE_INPUT` (the status `check` and `show` give too)."""
    from coach.routine_format.library import RoutineNotFound, find
    from coach.routine_format.loader import RoutineError, load_routine

    try:
        return load_routine(find(name))
    except RoutineNotFound as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(ExitStatus.UNUSABLE_INPUT)
    except RoutineError as error:
        click.echo(str(error), err=True)
        sys.exit(ExitStatus.UNUSABLE_INPUT)


def open_history() -> History | None:
    """The history database; a session still runs (unrecorded) if it cannot be opened."""
    try:
        history = History.open()
    except Exception as error:  # never let bookkeeping stop a massage
        log.error("history unavailable: %s", error)
        click.echo(f"note: this session will not be saved ({error}).", err=True)
        return None
    for notice in history.notices:
        click.echo(f"note: {notice}", err=True)
    return history


def make_speaker(quiet: bool, runner: Runner, voice: str | None, rate: int | None,
                 volume: float | None, cues: bool, device: str | None, on_air=None,
                 reference=None, tts: str | None = None):
    """The real speaker (`tts`: a back-end's name, or None for the best installed), or a silent
    one with `--quiet` or when no audio output works."""
    from coach.voice.audio.devices import device_spec
    from coach.voice.audio.on_air import OnAir
    from coach.voice.speech.speaker import SilentSpeaker, Speaker

    if quiet:
        return SilentSpeaker(on_finished=runner.speech_finished)
    reported = threading.Event()

    def output_failed(error: Exception) -> None:
        """The speaker failed mid-session (device unplugged): pause and say so, once."""
        if not reported.is_set():
            reported.set()
            runner.events.put(DeviceProblem(device or "the speaker", lost=True,
                                            detail=str(error)))

    try:
        speaker = Speaker(on_air or OnAir(), voice=voice, rate=rate, volume=volume, cues=cues,
                          device=device_spec(device), on_finished=runner.speech_finished,
                          on_error=output_failed, reference=reference, tts=tts)
    except Exception as error:  # no audio device, no espeak: keep coaching in print
        log.info("speech output unavailable: %s", error)  # the note below says it once
        click.echo(f"note: cannot speak ({error}); printing the coach's lines instead. "
                   f"Use --quiet to skip speech on purpose.", err=True)
        return SilentSpeaker(on_finished=runner.speech_finished)
    click.echo(f"Speaking with {speaker.renderer.describe()}", err=True)
    return speaker


def prepare_voice(tts: str | None, voice: str | None, quiet: bool) -> None:
    """Settle the speech back-end before anything else: a `--tts` or `--voice` that cannot work
    is refused now, `--voice list` prints the voices and exits, and Piper's voice starts loading
    in the background (~0.5 s) while the rest of the session is set up."""
    from coach.voice.speech.pyttsx3_tts import TTSError
    from coach.voice.speech.tts_select import choose_backend, make_renderer, preload

    try:
        backend = choose_backend(tts)
        if voice is not None and voice.strip().lower() == "list":
            renderer = make_renderer(backend)
            click.echo(f"Voices for --tts {backend} (pick one with --voice ID):")
            for info in renderer.list_voices():
                mark = "*" if info.id == renderer.voice_id else " "
                click.echo(f" {mark} {info.id}  {info.name} ({', '.join(info.languages)})")
            renderer.close()
            sys.exit(ExitStatus.OK)
        if quiet:
            return
        preload(backend, voice)  # the speaker's renderer finds it loading
    except TTSError as error:
        raise click.ClickException(str(error)) from None


def make_display(screen: str, events=None, session=None, open_page: bool = False,
                 port: int = 0):
    """The display for `--screen`: the live terminal screen (on a terminal), plain lines (pipes,
    CI, `none`), or plain lines plus the live page (`web`), whose URL is printed (and opened in
    the browser with `--open`)."""
    if screen == "web":
        from coach.app.web_screen import BothDisplays, WebScreen, WebScreenError

        page = WebScreen(events, step_of=lambda status: _step_of(session, status), port=port)
        try:
            page.start()
        except WebScreenError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Live page: {page.url}", err=True)
        if open_page:
            import webbrowser

            if not webbrowser.open(page.url):
                click.echo("note: no browser could be opened; open the address above.",
                           err=True)
        return BothDisplays(PlainDisplay(), page)
    if screen == "none" or not sys.stdout.isatty():
        return PlainDisplay()
    if os.environ.get("TERM", "") in ("dumb", "unknown", ""):
        # The live screen redraws with cursor movement, which such a terminal cannot do: it showed
        # nothing at all, and without a speaker the coach was then neither heard nor read.
        log.info("TERM=%s cannot redraw a live screen; printing plain lines",
                 os.environ.get("TERM", ""))
        return PlainDisplay()
    from coach.app.screen import LiveScreen

    return LiveScreen()


def _step_of(session: Session | None, status):
    """The step (and side) being done, for the page's picture; None outside the steps."""
    if session is None or not status.step_number:
        return None
    runs = session.runs
    return runs[status.step_number - 1] if status.step_number <= len(runs) else None


@click.command()
@click.argument("routine", default=DEFAULT_ROUTINE, required=False)
@click.option("--text", "text_mode", is_flag=True,
              help="Type commands instead of speaking them (no microphone needed).")
@click.option("--quiet", is_flag=True, help="Print the coach's lines without speaking them.")
@click.option("--speed", type=click.FloatRange(min=MIN_SPEED, max=MAX_SPEED), default=1.0,
              show_default=True, callback=lambda ctx, param, value: _finite(value, param),
              help=f"Run the clock this many times faster (demos and tests; {MIN_SPEED:g} to "
                   f"{MAX_SPEED:g}).")
@click.option("--tts", type=click.Choice(["auto", *TTS_NAMES]), default="auto",
              show_default=True, help=tts_help())
@click.option("--voice", help="A voice of that back-end (id or part of it, e.g. joe, en-us); "
                              "`--voice list` shows them.")
@click.option("--rate", type=int, callback=lambda ctx, param, value: _rate(value, param),
              help=f"Speech rate in words per minute, {RATE_LIMITS.low:g} to "
                   f"{RATE_LIMITS.high:g} (default 155 Piper, 165 pyttsx3).")
@click.option("--volume", type=float, callback=lambda ctx, param, value: _volume(value, param),
              help=f"Speech volume, {VOLUME_LIMITS.low:g} to {VOLUME_LIMITS.high:g} "
                   "(--quiet for none).")
@click.option("--no-cues", is_flag=True, help="No beeps or chimes, only speech.")
@click.option("--side", type=click.Choice(["left", "right"]),
              help="Which side to start on (skips the question).")
@click.option("--engine", type=click.Choice(ENGINES), default="auto",
              show_default=True, help=engine_help())
@click.option("--model", type=click.Path(path_type=Path), help="A Whisper (CTranslate2) or vosk model directory.")
@click.option("--audio-in", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              callback=lambda ctx, param, value: _usable_recording(value, param),
              help="Listen to this WAV recording instead of the microphone.")
@click.option("--input-device", help="Microphone (name or index; see `massage-coach doctor`).")
@click.option("--output-device", help="Speaker (name or index).")
@click.option("--record", "record_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Save each heard utterance as a WAV with what was recognized (debugging).")
@click.option("--for", "receiver", help="Who receives the massage: remembers their pressure.",
              callback=lambda ctx, param, value: clean_name(value))
@click.option("--screen", type=click.Choice(["none", "terminal", "web"]), default="terminal",
              show_default=True,
              help="The live screen: in this terminal, as a page in the browser (served on "
                   "127.0.0.1 only; its address is printed), or none (plain lines).")
@click.option("--no-screen", is_flag=True, help="The same as --screen none.")
@click.option("--open", "open_page", is_flag=True,
              help="With --screen web: open the page in the default browser.")
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="With --screen web: the port on 127.0.0.1 (default: any free one).")
@click.option("--music", type=click.Path(path_type=Path),
              callback=lambda ctx, param, value: usable_music(value, param),
              help="Play your own music (a WAV, FLAC or Ogg file, or a folder of them) quietly "
                   "under the coach's voice, looped.")
@click.option("--music-level", type=float, default=-20.0, show_default=True,
              callback=lambda ctx, param, value: music_level(value, param),
              help="How loud the music is, in dB under the coach's voice (-40 to -6).")
def run(routine: str, text_mode: bool, quiet: bool, speed: float, tts: str, voice: str | None,
        rate: int | None, volume: float | None, no_cues: bool, side: str | None, engine: str,
        model: Path | None, audio_in: Path | None, input_device: str | None,
        output_device: str | None, record_dir: Path | None, receiver: str | None,
        screen: str, no_screen: bool, open_page: bool, port: int, music, music_level: float
        ) -> None:
    """Coach a massage ROUTINE (default: thai-hamstring-sit) out loud.

    Say "help" at any time to hear what you can say. With --text, type the same commands.
    """
    from coach.core.routine import Side

    backend = unless_auto(tts)
    prepare_voice(backend, voice, quiet)
    loaded = load_routine_or_exit(routine)
    clock = MonotonicClock(speed)
    history = open_history()
    options = SessionOptions(first_side=Side(side) if side else None)
    choice = None
    if not text_mode:
        # Which engine hears this session is settled before a word is said (a missing or wrong
        # model is refused now), and the prompts ask for the word to move on that it hears best.
        from coach.voice.asr.base import RecognizerUnavailable
        from coach.voice.asr.engines import engine_named
        from coach.voice.asr.select import plan_choice

        try:
            choice = plan_choice(unless_auto(engine), model)
        except RecognizerUnavailable as error:
            raise click.ClickException(str(error)) from None
        options.advance_word = engine_named(choice.engine).advance_word
    if history is not None:
        options = profile_options(history, loaded, receiver, options)
    session = Session(loaded, clock, options)
    events: queue.Queue[Event | None] = queue.Queue()
    if no_screen:
        screen = "none"
    if (open_page or port) and screen != "web":
        click.echo("note: --open and --port are for --screen web; ignored.", err=True)
    display = make_display(screen, events, session, open_page, port)
    runner = Runner(session, clock, events, display)
    if history is not None:
        runner.history = SessionHistory(history, loaded, receiver,
                                        "text" if text_mode else engine)
    with display:
        if text_mode:
            runner.speaker = with_music(make_speaker(
                quiet, runner, voice, rate, volume, not no_cues, output_device, tts=backend),
                music, music_level)
            if hasattr(sys.stdin, "reconfigure"):
                sys.stdin.reconfigure(errors="replace")  # a stray byte is not a crash
            reader = threading.Thread(target=read_typed_commands, args=(sys.stdin, events),
                                      name="typed-commands", daemon=True)
            reader.start()
            code = runner.run()
        else:
            from coach.cli.voice_session import run_voice_session

            code = run_voice_session(
                runner, choice=choice, engine=engine, model=model, audio_in=audio_in,
                input_device=input_device, record_dir=record_dir, speed=speed,
                make_speaker=lambda on_air, reference: with_music(make_speaker(
                    quiet, runner, voice, rate, volume, not no_cues, output_device, on_air,
                    reference, tts=backend), music, music_level))
    if history is not None:
        history.close()
    exit_process(code)


def register(main: click.Group) -> None:
    main.add_command(run)
