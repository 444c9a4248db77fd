"""`massage-coach hear FILE.wav...`: what would the coach do if it heard this recording?

Runs the real listener (VAD, recognizer, strictness) over each file as fast as the CPU allows and
prints every command it would fire, with the time the speaker stopped and the confidence, or
"nothing". The quickest way to check a microphone recording, a noisy room, or a tuning change.
With `--note` each file is instead transcribed the way a spoken note is (after "take a note").
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Callable, TypeVar

import click
from coach.exit_status import ExitStatus
from coach.voice.asr.engines import options_help as engine_help
from coach.voice.asr.select import ENGINES

log = logging.getLogger(__name__)
T = TypeVar("T")


def _recognized(path: Path, work: Callable[[], T]) -> T:
    """`work()`, or a plain error naming the file and what to do when the recognizer itself
    fails (a model damaged in a way its load check could not see): never a traceback."""
    try:
        return work()
    except Exception as error:  # the engine's own errors have no common type
        log.debug("recognition failed on %s", path, exc_info=True)
        raise click.ClickException(
            f"speech recognition failed on {path} ({type(error).__name__}: {error}); check the "
            "model (`massage-coach models list`) or choose another with --engine or --model"
        ) from None


def register(main: click.Group) -> None:
    """Attach `hear` to the `massage-coach` group."""
    main.add_command(hear)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path),
                metavar="FILE.wav...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file instead of text.")
@click.option("--engine", default="auto", show_default=True,
              type=click.Choice(ENGINES, case_sensitive=False),
              help=engine_help())
@click.option("--model", type=click.Path(path_type=Path), default=None,
              help="Model directory for the engine.")
@click.option("--vad", default="silero", show_default=True, type=click.Choice(["silero", "webrtc"]),
              help="Voice-activity detector.")
@click.option("--all", "show_all", is_flag=True, help="Also list utterances that were rejected.")
@click.option("--note", "as_note", is_flag=True,
              help="Transcribe each file as a spoken note instead of listening for commands.")
def hear(files: tuple[Path, ...], as_json: bool, engine: str, model: Path | None, vad: str,
         show_all: bool, as_note: bool) -> None:
    """Print the commands the coach would act on in each recording (any sample rate)."""
    from coach.voice.asr.base import RecognizerUnavailable
    from coach.voice.listen.listener import Listener
    from coach.voice.pipeline import RecordingInput, VoicePipeline
    from coach.voice.audio.wav_file import WavError, inspect_wav, pcm_chunks

    try:
        recognizer = _create(engine, model)
    except RecognizerUnavailable as error:
        raise click.ClickException(str(error)) from error
    transcriber = None
    if as_note:
        from coach.voice.listen.dictation import transcriber_for

        transcriber = transcriber_for(recognizer)
    failed = False
    for path in files:
        try:
            info = inspect_wav(path)
        except WavError as error:
            click.echo(f"{path}: cannot use this file: {error}", err=True)
            failed = True
            continue
        if transcriber is not None:
            pcm = b"".join(chunk for chunk, _ in pcm_chunks(path))  # a note is short
            note = _recognized(path, lambda: transcriber.transcribe(pcm))
            if as_json:
                click.echo(json.dumps({"file": str(path), "note": note.text,
                                       "confidence": round(note.confidence, 3),
                                       "engine": transcriber.name}))
            else:
                click.echo(f"{path}:\n  note \"{note.text}\"" if note.text else
                           f"{path}:\n  nothing")
            continue
        # The session's own pipeline, fed from the file as fast as it goes.
        pipeline = VoicePipeline(Listener(recognizer, vad=vad))
        started = time.perf_counter()
        heard = _recognized(path, lambda: pipeline.hear(
            RecordingInput(path, speed=0, start=0.0).open()))
        seconds = info.seconds
        rtf = (time.perf_counter() - started) / seconds if seconds else 0.0
        shown = [h for h in heard if h.fired or show_all]
        if as_json:
            click.echo(json.dumps({
                "file": str(path), "seconds": round(seconds, 3), "rtf": round(rtf, 4),
                "engine": recognizer.name,
                "heard": [{"intent": getattr(h.event, "intent", None) and h.event.intent.value,
                           "text": h.event.text, "fired": h.fired,
                           "speech_ended": round(h.speech_ended, 3), "emitted": round(h.emitted, 3),
                           "confidence": round(h.confidence, 3), "partial": h.partial,
                           "detail": h.reported_detail} for h in shown]}))
            continue
        click.echo(f"{path}:")
        if not shown:
            click.echo("  nothing")
        for h in shown:
            if h.fired:
                click.echo(f"  {h.speech_ended:6.2f}s  {h.event.intent.value:<14} \"{h.event.text}\"  "
                           f"confidence {h.confidence:.2f}{'  (partial)' if h.partial else ''}")
            else:
                click.echo(f"  {h.speech_ended:6.2f}s  (rejected)     \"{h.event.text}\"  "
                           f"confidence {h.confidence:.2f}")
    if failed:
        raise SystemExit(ExitStatus.FAILED)


def _create(engine: str, model: Path | None):
    """The recognizer via the shared engine selection (falls back to pocketsphinx directly)."""
    try:
        from coach.voice.asr.select import create_recognizer
    except ImportError:  # pragma: no cover - select.py ships with the project
        from coach.voice.asr.pocketsphinx_engine import PocketsphinxRecognizer

        return PocketsphinxRecognizer(model_dir=model)
    return create_recognizer(engine, model)
