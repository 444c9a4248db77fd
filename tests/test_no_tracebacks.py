"""Bad values on the command line get a plain message, never a traceback, and change nothing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from coach.cli import main


def _plain_failure(args: list[str]) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (1, 2), (args, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception))
    return result.output


def test_models_download_refuses_what_is_not_an_address(tmp_path: Path) -> None:
    output = _plain_failure(["models", "download", "--url", "notaurl",
                             "--dest", str(tmp_path / "models")])
    assert "not a download address" in output
    assert not (tmp_path / "models").exists()


def test_a_failed_download_leaves_no_folder_behind(tmp_path: Path) -> None:
    dest = tmp_path / "new" / "models"
    output = _plain_failure(["models", "download", "--quiet", "--dest", str(dest),
                             "--url", "http://127.0.0.1:9/model.zip"])
    assert "cannot reach" in output
    assert list(tmp_path.iterdir()) == []


def test_speed_must_be_a_finite_sane_number() -> None:
    """`--speed inf` once froze the hold and crashed at the end (ValueError in walk.py)."""
    for value in ("inf", "nan", "1e400", "-inf", "0", "-1", "5000"):
        output = _plain_failure(["run", "--text", "--quiet", "--speed", value])
        assert "Invalid value for '--speed'" in output and "0.1" in output and "1000" in output


# ---------------------------------------------------------------- issue 23: the real CLI, faults

import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

from testkit.faults import (LONG_NAME, ROOT, coach_cli, damaged_whisper_model,  # noqa: E402
                            no_traceback, packaged_whisper)
from testkit.testaudio import speech_root  # noqa: E402

SPEECH = (speech_root() or ROOT) / "sentences" / "cards" / "001.wav"  # a real voice
needs_whisper = pytest.mark.skipif(packaged_whisper() is None,
                                   reason="the Whisper model is not installed")


@needs_whisper
@pytest.mark.parametrize("damage", ["vocabulary", "tokenizer"])
def test_a_damaged_whisper_model_is_refused_at_load_naming_the_file(tmp_path: Path,
                                                                     damage: str) -> None:
    """Was: `hear` ended in `ValueError: <|startoftranscript|> token was not found` (or a bare
    tokenizers `Exception`), and `run` started a session that could not hear."""
    model = damaged_whisper_model(tmp_path / "model", damage)
    wav = tmp_path / "quiet.wav"
    import wave

    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x10\x00\xf0\xff" * 16000)
    heard = coach_cli("hear", "--model", str(model), str(wav), str(SPEECH))
    text = no_traceback(heard)
    assert heard.returncode == 1, text
    name = "vocabulary.txt" if damage == "vocabulary" else "tokenizer.json"
    assert f"{model}/{name}" in text and "reinstall" in text, text
    run = coach_cli("run", "--quiet", "--no-screen", "--model", str(model), "--audio-in", str(wav),
                    env={"MASSAGE_COACH_DATA": str(tmp_path / "data")})
    text = no_traceback(run)
    assert run.returncode == 1 and f"{model}/{name}" in text, text
    assert "Welcome" not in run.stdout  # refused before the session started


@needs_whisper
@pytest.mark.skipif(not SPEECH.is_file(), reason="the shared real-speech recordings are missing")
def test_a_recognizer_that_fails_mid_session_ends_the_session_loudly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault the load check cannot see (here: the check bypassed, so a damaged vocabulary only
    fails at the first decode, in the listener thread). Was: logged as "audio input failed" and
    the session went on deaf, saying "I didn't hear an answer" to "stop"."""
    from coach.core.events import InputEnded, InputEndReason
    from coach.voice.asr import engines, whisper_files
    from coach.voice.pipeline import RecordingInput, VoicePipeline, build_listener

    model = damaged_whisper_model(tmp_path / "model", "vocabulary")
    for module in (engines, whisper_files):
        monkeypatch.setattr(module, "check_model_files", lambda path: None)
    listener = build_listener("whisper", model, None, notes=False)
    events: list[object] = []
    failures: list[str] = []
    stop = threading.Event()
    started = time.monotonic()
    VoicePipeline(listener).run(RecordingInput(SPEECH, speed=20.0), events.append, stop,
                                failures.append)
    ended = [e for e in events if isinstance(e, InputEnded)]
    assert ended == [InputEnded(InputEndReason.RECOGNITION_FAILED)], events
    assert failures and "speech recognition stopped working" in failures[0], failures
    assert "stop" in failures[0] and "--engine" in failures[0]
    assert time.monotonic() - started < 20
    # The session's ears (what `run` uses) keep the failure, so the exit status says so.
    from coach.voice.pipeline import LiveVoice

    heard: list[object] = []
    voice = LiveVoice(lambda: listener, RecordingInput(SPEECH, speed=20.0), heard.append,
                      on_failure=lambda message: None)
    voice.start()
    deadline = time.monotonic() + 20
    while not heard and time.monotonic() < deadline:
        time.sleep(0.05)
    voice.stop()
    assert voice.failure and "speech recognition stopped working" in voice.failure


@needs_whisper
@pytest.mark.skipif(not SPEECH.is_file(), reason="the shared real-speech recordings are missing")
def test_hear_with_a_recognizer_that_fails_says_so_without_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same fault through `hear` (in-process, to bypass the load check): was a ValueError
    traceback; now the file, the error and what to do."""
    from coach.voice.asr import engines, whisper_files

    model = damaged_whisper_model(tmp_path / "model", "vocabulary")
    for module in (engines, whisper_files):
        monkeypatch.setattr(module, "check_model_files", lambda path: None)
    for extra in ([], ["--note"]):
        result = CliRunner().invoke(main, ["hear", "--model", str(model), *extra, str(SPEECH)])
        assert result.exit_code == 1, (result.output, result.exception)
        assert f"speech recognition failed on {SPEECH}" in result.output, result.output
        assert "--engine" in result.output


@pytest.mark.parametrize("where", ["uncreatable", "read-only"])
def test_record_into_an_unusable_folder_never_makes_the_coach_deaf(tmp_path: Path,
                                                                    where: str) -> None:
    """Was: a PermissionError traceback then exit 134 (uncreatable), or the first answer lost
    and the session ended, "audio input failed ... Permission denied" (read-only). /proc is a
    folder no one can add files to, root included."""
    import numpy as np

    from testkit.testaudio import command_clip, noise_floor, save_wav

    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    folder = blocker / "recordings" if where == "uncreatable" else Path("/proc")
    recording = tmp_path / "continue.wav"
    save_wav(recording, np.concatenate([noise_floor(32000, seed=1),
                                        command_clip("continue", "en-gb", 170),
                                        noise_floor(48000, seed=2)]))
    result = coach_cli("run", str(ROOT / "tests" / "data" / "voice-test.yaml"), "--audio-in",
                       str(recording), "--quiet", "--no-screen", "--engine", "pocketsphinx",
                       "--speed", "3", "--record", str(folder),
                       env={"MASSAGE_COACH_DATA": str(tmp_path)}, timeout=120)
    text = no_traceback(result)
    assert result.returncode == 0, text
    assert "Rest both hands on your thighs." in result.stdout, text  # "continue" was heard
    assert "--record: cannot save recordings in" in result.stderr, text
    assert "carries on unrecorded" in result.stderr


@pytest.mark.parametrize("args", [
    ["check", LONG_NAME], ["show", LONG_NAME], ["run", "--text", "--quiet", LONG_NAME],
    ["check", f"/tmp/{LONG_NAME}.yaml"], ["run", "--quiet", "--model", LONG_NAME],
    ["hear", "--model", LONG_NAME, "x.wav"]], ids=["check", "show", "run", "check-path",
                                                   "run-model", "hear-model"])
def test_a_file_name_longer_than_the_system_allows_gets_a_message(args: list[str]) -> None:
    """Was: `OSError: [Errno 36] File name too long` (and exit 134 from `run`)."""
    result = coach_cli(*args)
    text = no_traceback(result)
    assert result.returncode in (1, 2), text
    assert "longer than the system allows" in text, text


def test_models_download_into_a_file_says_which_setting_is_wrong(tmp_path: Path) -> None:
    """Was: FileExistsError traceback."""
    blocker = tmp_path / "models"
    blocker.write_text("not a folder")
    for target in (blocker, blocker / "sub"):
        result = coach_cli("models", "download", "--quiet",
                           env={"MASSAGE_COACH_MODELS": str(target)})
        text = no_traceback(result)
        assert result.returncode == 1, text
        assert "a file is in the way" in text and "MASSAGE_COACH_MODELS" in text, text
    assert blocker.read_text() == "not a folder"


def test_models_download_with_no_network_fails_with_a_reason(tmp_path: Path) -> None:
    """The default address, with every connection refused (a proxy that is not there stands in
    for no network: urllib honours it). It must not exit 0."""
    result = coach_cli("models", "download", "--quiet",
                       env={"MASSAGE_COACH_MODELS": str(tmp_path / "models"),
                            "https_proxy": "http://127.0.0.1:9", "http_proxy":
                            "http://127.0.0.1:9", "no_proxy": ""})
    text = no_traceback(result)
    assert result.returncode == 2, text
    assert "no network" in text and "when online" in text, text
    assert not (tmp_path / "models").exists()


def test_ctrl_c_while_still_importing_exits_quietly_with_130() -> None:
    """Was: a KeyboardInterrupt traceback. Deterministic: a real SIGINT right after the package
    is imported, while the rest of the program would still be loading."""
    script = ("import coach, os, signal, time; os.kill(os.getpid(), signal.SIGINT); "
              "import coach.cli; time.sleep(5)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=ROOT, timeout=30)
    assert result.returncode == 130, (result.returncode, result.stderr)
    assert result.stderr == "" and result.stdout == ""


def test_the_early_hook_exits_with_the_interrupted_status_and_imports_nothing_of_ours() -> None:
    """The hook is installed before anything else of ours is imported: a Ctrl-C while
    `coach.exit_status` built its enum (~0.025 s into a run on a busy machine) printed a
    traceback through our files (seen in 2 of 60 runs beside two busy loops). So early_exit
    imports nothing of ours, and writes the status out; the two must stay equal."""
    import ast

    from coach import early_exit
    from coach.exit_status import ExitStatus

    assert early_exit.INTERRUPTED == ExitStatus.INTERRUPTED
    tree = ast.parse((ROOT / "coach" / "early_exit.py").read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.startswith("coach")], imported


def test_ctrl_c_at_any_moment_of_the_start_never_shows_our_traceback() -> None:
    """Real Ctrl-Cs through the first 0.4 s of `run`. Only the interpreter's own start-up (before
    any of our code runs, ~0.05 s unloaded) is out of reach; a traceback from there names no file
    of ours."""
    for delay in (0.1, 0.2, 0.3, 0.4):
        process = subprocess.Popen([sys.executable, "-m", "coach", "run", "--text", "--quiet"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, cwd=ROOT)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
        # no frame of ours (the interpreter's start-up may show the editable install's finder,
        # `__editable___massage_coach_..._finder.py`: not our code), no click "Aborted!"
        assert f"{os.sep}coach{os.sep}" not in err and "Aborted!" not in err, (delay, err)
        if "Traceback" not in err:
            assert process.returncode == 130, (delay, process.returncode, err)


def test_volume_must_be_a_finite_audible_number() -> None:
    """Was: `--volume nan` accepted, and `--volume 0` quietly raised to 0.2 (not silent)."""
    for value in ("nan", "inf", "-1", "0", "0.1", "1.5"):
        output = _plain_failure(["run", "--text", "--quiet", "--volume", value])
        assert "Invalid value for '--volume'" in output and "--quiet" in output, output


def test_rate_outside_what_the_speaker_speaks_is_refused_naming_the_range() -> None:
    """Was: `--rate 400` accepted (the option took 80 to 400), then spoken at 260 without a word.
    The option's range is the speaker's (`limits.RATE_LIMITS`), both ends included."""
    from coach.voice.speech.limits import RATE_LIMITS

    low, high = int(RATE_LIMITS.low), int(RATE_LIMITS.high)
    for value in (str(low - 1), str(high + 1), "80", "400", "-5"):
        output = _plain_failure(["run", "--text", "--quiet", "--rate", value])
        assert "Invalid value for '--rate'" in output and f"from {low} to {high}" in output, output
    for value in (low, high):
        result = CliRunner().invoke(main, ["run", "--text", "--quiet", "--rate", str(value),
                                           "no-such-routine-here"])
        # past the option, to the routine, which does not exist
        assert "--rate" not in result.output and "no-such-routine-here" in result.output, (
            result.output)
