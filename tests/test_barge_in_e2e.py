"""Barge-in end to end: "stop" and "ouch" said over a long line silence the running program.

The whole chain in the real program: a command played into the PulseAudio null sink while the
coach reads a long line through it -> the monitor (the microphone) -> echo canceller -> listener
-> session -> runner -> speaker cut. What the sink carried is recorded by the test
(`sink_recorder`), and the program logs the moment each command is decided (`-v`: "decided stop
at monotonic T", coach/voice/pipeline.py), on the same system-wide monotonic clock.

Telling the coach's voice apart in that recording: the sink mixes the coach with the command we
played; the monitor is bit-exact, so the played clip is found by cross-correlation and
subtracted, leaving the coach alone (exact zeros where it is silent). After the cut the coach
answers ("Stopped. ...") almost at once (the first sound of the reply came 13-28 ms after the
decision), so "quiet" cannot mean "silent for a while": the reply is located in the recording
by cross-correlating its rendering (the same TTS, voice and rate as the coach), and the long
line's last sound is the last sound before the reply began. Its time after the decision is the
cut latency.

Measured on the 2-core box (pocketsphinx, 3 runs of each): the long line's last sound came 30
to 5 ms *before* the decision as the recorder sees it (the cut itself came 1-2 ms after it: the
line was between two sounds, and the recorder's time axis is good to a few tens of ms), and the
reply began 13-28 ms after it. The bound is the target: 150 ms.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from testkit import testaudio as ta
from coach.voice.audio.pcm import resample
from coach.voice.audio.player import to_float32
from coach.voice.speech.limits import DEFAULT_VOLUME
from coach.voice.speech.piper_tts import STEADY_VOICE_ENV
from coach.voice.speech.tts_select import make_renderer
from testkit.coach_process import CoachProcess
from testkit.sink_audio import play_into_sink, wait_until_sink_quiet

ROOT = Path(__file__).resolve().parents[1]
ROUTINE = str(ROOT / "tests" / "data" / "barge-in.yaml")
LONG_LINE = "Slide both palms slowly along the length of the thigh"  # ~11 s aloud

ENGINE = "auto"
"""The one place that names the engine: "auto" is the program's default engine (pocketsphinx
until an English vosk model or the Whisper engine is there). Put a name here to pin one."""

CUT_BOUND = 0.150  # seconds from the decision to the long line's last sound (the target)
SPEED = 10.0  # the 20 s hold takes 2 s: were the session not paused, it would run out at once
QUIET = 0.002  # RMS of a 5 ms window of the coach alone; its silences are exact zeros
START_TRIES = 3  # "next" to start the step, said when the coach is quiet, again if not heard
SAY_AT = 1.0
"""Seconds into the long line's sound (the player's "on the air" log: its first sample at the
DAC) at which the command's first sound is played. Timed from the sound, not from the printed
line: Piper's render lies between the two (0.96 s against 1.93 s in two runs' logs)."""
REPLY_WITHIN = 4.0  # seconds from playing the command to the reply's printed line


@dataclass(frozen=True)
class Said:
    """A command as a person says it: the clip played into the sink, the intent it must fire
    and the reply that proves the session took it."""

    intent: str
    clip: np.ndarray
    reply: str  # regex of the reply line


def real_stop() -> np.ndarray:
    """A real person's "stop" (speech-commands), one the default engine hears clean at 0.93,
    peak-normalised: said firmly, close to the laptop."""
    recording = next(r for r in ta.recordings(set_name="speech-commands", words=("stop",))
                     if r.path.name == "a9abc695_nohash_1.wav")
    # at the level of someone saying it firmly close to the laptop (the file is ~-30 dBFS)
    return ta.normalize_peak(ta.load_recording(recording), -3.0)


def synthesized_ouch() -> np.ndarray:
    """No real "ouch" ships in shared/speech: espeak-ng en-gb at 170 wpm (0.86 clean with
    pocketsphinx; en-us scores 0.6-0.69, under EAGER's 0.69)."""
    return ta.command_clip("ouch", "en-gb", 170)


def locate(template: np.ndarray, signal: np.ndarray) -> tuple[int, float]:
    """Where `template` best fits in `signal` (start index) and how well: the Pearson
    correlation (-1..1) of the two at that offset."""
    template = template.astype(np.float64) - float(np.mean(template))
    signal = signal.astype(np.float64)
    m = template.size
    n = signal.size + m - 1
    size = 1 << (n - 1).bit_length()
    cross = np.fft.irfft(np.fft.rfft(signal, size) * np.fft.rfft(template[::-1], size), size)
    cross = cross[m - 1: signal.size]
    sums = np.convolve(signal, np.ones(m), "valid")
    squares = np.convolve(signal ** 2, np.ones(m), "valid")
    spread = np.sqrt(np.maximum(squares - sums ** 2 / m, 1e-12) * float(np.dot(template, template)))
    score = cross / spread
    best = int(np.argmax(score))
    return best, float(score[best])


def coach_rendering(text: str) -> np.ndarray:
    """`text` as the coach's speaker plays it: the default back-end (Piper when installed), its
    default voice and rate, its resampling to the 16 kHz output and its default volume."""
    os.environ[STEADY_VOICE_ENV] = "1"  # as the program under test renders it
    try:
        renderer = make_renderer()
    finally:
        del os.environ[STEADY_VOICE_ENV]
    try:
        rendered = renderer.render(text)
    finally:
        renderer.close()
    return resample(to_float32(rendered.samples), rendered.sample_rate, ta.SAMPLE_RATE) * \
        DEFAULT_VOLUME


def windows_rms(samples: np.ndarray, size: int) -> np.ndarray:
    usable = samples.size // size * size
    return np.sqrt(np.mean(samples[:usable].reshape(-1, size).astype(np.float64) ** 2, axis=1))


@dataclass(frozen=True)
class BargedIn:
    """What a run left to measure: when the command was decided and played, and the reply."""

    decision: float  # monotonic time the program decided the command
    played_at: float  # monotonic time the test started playing the (last) clip
    clip: np.ndarray  # what was played into the sink
    reply: str  # the reply line, as printed
    tries: int  # how many times the word was said before it was heard (1: the first time)


def barge_in(virtual_audio, sink_recorder, tmp_path, said: Said) -> dict[str, float]:
    """Run the session to its long line, say `said` over it, and measure from the sink."""
    run = run_to_barge_in(virtual_audio, tmp_path, said)
    return {**measure(sink_recorder, said, run), "tries": run.tries}


SAFETY_TRIES = 3
"""How many times the safety word may be said over the line. The first try is the promise
(issue 20) and is counted: a run where it was missed fails, with the count. The later tries
are there so that what follows a heard safety word (the cut, the reply, the paused hold) is
still checked, and reported, before it fails."""


def run_to_barge_in(virtual_audio, tmp_path, said: Said) -> BargedIn:
    """Start the program, start the long step by voice, say `said` over it at `SAY_AT` seconds
    into its sound (again, up to SAFETY_TRIES times, while it is not heard), let the reply play,
    check the session paused, and end it."""
    # The voice renders the same each time, so the test's own rendering of the reply matches it.
    env = {**virtual_audio.env, "MASSAGE_COACH_DATA": str(tmp_path), STEADY_VOICE_ENV: "1"}
    coach = CoachProcess(ROUTINE, "--no-screen", "--engine", ENGINE, "--speed", str(SPEED),
                         env=env, coach_options=("-vv",))
    prompt, _ = coach.expect(r"^coach: Say (\w+) when you're ready to begin", timeout=60)
    advance = re.search(r"Say (\w+) when", prompt).group(1)  # the word this engine asks for
    # the welcome is over (a gap between two lines can last a second when the TTS worker
    # restarts), then the step is started by voice, said again if need be, as a person would
    # (this is not the command under test: it is said when the coach is quiet)
    # printed is not spoken: under load Piper renders slower than real time, and a gap of more
    # than 2 s between two welcome lines once let "next" fall on the following line (rejected:
    # "coach speaking"), three tries running out before the prompt was even said
    coach.expect(r"on the air at monotonic [\d.]+: [\"']Say \w+ when you're ready", timeout=90)
    wait_until_sink_quiet(virtual_audio, quiet_for=2.0, timeout=40)
    start = np.concatenate([ta.noise_floor(4800), ta.command_clip(advance, "en-gb", 170),
                            ta.noise_floor(8000)])
    for attempt in range(START_TRIES):
        play_into_sink(virtual_audio, start)
        try:
            coach.expect(rf"^coach: {LONG_LINE}", timeout=5.0)
            break
        except AssertionError:
            if attempt == START_TRIES - 1:
                raise
    # the long line's first sound reaches the sink when the player puts it on the air
    on_air, _ = coach.expect(rf"on the air at monotonic ([\d.]+): '{LONG_LINE[:20]}", timeout=15)
    sounding = float(re.search(r"monotonic ([\d.]+)", on_air).group(1))
    clip = np.concatenate([said.clip, ta.noise_floor(3200, seed=9)])
    time.sleep(max(0.0, sounding + SAY_AT - first_sound(said.clip) - time.monotonic()))
    reply = None
    for tries in range(1, SAFETY_TRIES + 1):
        played_at = time.monotonic()
        play_into_sink(virtual_audio, clip)
        try:
            reply, _ = coach.expect(said.reply, timeout=REPLY_WITHIN)
            break
        except AssertionError:
            print(f"{said.intent!r} try {tries} ({played_at - sounding:.2f} s into the line's "
                  "sound) not heard:\n" + "\n".join(coach.seen[-25:]))
    assert reply is not None, (f"{said.intent!r} said {SAFETY_TRIES} times over the line was "
                               "never heard:\n" + "\n".join(coach.seen[-40:]))
    time.sleep(2.0 + 20 / SPEED)  # the reply is spoken; an unpaused hold would have run out
    coach.process.terminate()
    coach.finish()
    text = "\n".join(coach.seen)
    decided = [float(m.group(1)) for line in coach.seen
               if (m := re.search(rf"decided {said.intent} at monotonic ([\d.]+)", line))]
    assert len(decided) == 1, text

    # The session paused: nothing but the reply until the test ended it, and the hold never
    # started (it waits for the step's last line, which the cut dropped; it starts on "resume").
    spoken = [line for line in coach.seen if line.startswith("coach: ")]
    after = spoken[spoken.index(reply) + 1:]
    assert after[0] == "coach: Ending the session here.", text
    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        kinds = [kind for (kind,) in db.execute("SELECT kind FROM events")]
    assert "hold_started" not in kinds, kinds
    return BargedIn(decided[0], played_at, clip, reply, tries)


def measure(sink_recorder, said: Said, run: BargedIn) -> dict[str, float]:
    """From the sink: the coach was speaking when the command came; when its long line last
    made a sound and when the reply began, both in seconds after the decision."""
    clip, played_at, decision = run.clip, run.played_at, run.decision
    # The coach alone: find the clip we played in the recording and take it out.
    times, mixed = sink_recorder.signal()
    assert sink_recorder.overflows == 0, sink_recorder.describe()
    first, last = np.searchsorted(times, [played_at - 0.5, played_at + 3.0])
    offset, _ = locate(clip, mixed[first:last])
    start = first + offset
    # the sink adds it unscaled: the best gain there is 1 (give or take the coach's voice)
    gain = float(np.dot(mixed[start: start + clip.size], clip) / np.dot(clip, clip))
    assert abs(gain - 1.0) < 0.15, f"the played clip is not in the recording (gain {gain:.2f})"
    coach_only = mixed.copy()
    coach_only[start: start + clip.size] -= clip
    speech_onset = times[start] + first_sound(said.clip)

    # It was speaking when the command came: the long line filled the half second around the
    # command's first sound.
    around = coach_only[(times >= speech_onset - 0.25) & (times <= speech_onset + 0.25)]
    assert np.sqrt(np.mean(around.astype(np.float64) ** 2)) > 0.01, "the coach was not speaking"

    # The reply, found by its rendering; the long line's last sound is the last before it.
    # Matched by loudness envelope (5 ms windows): the waveform itself came back with a
    # different fine structure (correlation 0.54) while every window's level matched to 1 %.
    window = 80  # 5 ms
    reply_audio = coach_rendering(run.reply[len("coach: "):])
    reply_lead = first_sound(reply_audio)
    template = windows_rms(reply_audio, window)[: int((reply_lead + 1.0) * 200)]
    first, last = np.searchsorted(times, [decision - 0.3, decision + 15.0])
    offset, fit = locate(template, windows_rms(coach_only[first:last], window))
    reply_start = times[first + offset * window] + reply_lead
    # measured fits 0.86-0.97 (the 5 ms grid falls differently on each run); with the speaker
    # not cutting, so that no reply was recorded, the best fit anywhere was 0.65-0.69
    after_decision = windows_rms(coach_only[times >= decision], window)
    assert fit > 0.75 and reply_start > decision, (
        f"the reply is not in the recording (fit {fit:.2f} at {reply_start - decision:+.3f} s); "
        f"the coach made sound for {np.sum(after_decision > QUIET) * 0.005:.2f} s of the "
        f"{after_decision.size * 0.005:.2f} s recorded after the decision")
    # The reply's own first sound, at the level that counts as sound here (QUIET), not at
    # `first_sound`'s 0.01: a reply that fades in over a few ms had its onset taken for the
    # long line's last sound (a cut of 0.39 s measured 4 ms before a reply that came 0.39 s
    # after the decision, with the line silent from 0.02 s on); and a window's slack for the
    # 5 ms grid.
    reply_windows = windows_rms(reply_audio, window)
    onset_in_reply = float(np.flatnonzero(reply_windows > QUIET)[0]) * window / ta.SAMPLE_RATE
    reply_onset = reply_start - reply_lead + onset_in_reply - window / ta.SAMPLE_RATE
    before_reply = (times >= decision - 1.0) & (times < reply_onset)
    part_times, part = times[before_reply], coach_only[before_reply]
    loud = np.flatnonzero(windows_rms(part, window) > QUIET)
    last_sound = part_times[min(part.size - 1, (loud[-1] + 1) * window - 1)] if loud.size \
        else decision - 1.0
    return {"cut": last_sound - decision, "reply": reply_start - decision,
            "onset": speech_onset - decision}


def first_sound(samples: np.ndarray, threshold: float = 0.01) -> float:
    """Seconds from the start of `samples` to its first sample above `threshold`."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    return float(loud[0]) / ta.SAMPLE_RATE if loud.size else 0.0


@pytest.mark.audio
@pytest.mark.parametrize("said", [
    Said("stop", np.zeros(0), r"^coach: Stopped\. Say resume"),
    Said("ouch", np.zeros(0), r"^coach: Sorry\. Easing off"),
], ids=lambda said: said.intent)
def test_a_barge_in_over_a_long_line_silences_it_and_pauses(virtual_audio, sink_recorder,
                                                             tmp_path, said):
    """A real person's "stop", and the single word "ouch" (eases off and asks "Is that
    better?"), said over a long line, through the whole program and the sink.

    Seen to fail with barge-in disabled (each mutation run once, for both words):
    * the listener's `_own_voice_veto` rejecting every command while the coach is on air:
      "'stop' said once over the line (...) was not heard" (and the same for "ouch");
    * `Speaker` not cutting (`_cut_locked` neither cancelling nor stopping the current line):
      the long line played on and the reply was not in the recording ("fit 0.69 at +10.1 s",
      "fit 0.65 at +10.6 s");
    * `Replies._on_stop` / `_on_ouch` not pausing: the hold started and ran out ("Well done."
      instead of nothing until the test ended the session).
    """
    clip = real_stop() if said.intent == "stop" else synthesized_ouch()
    measured = barge_in(virtual_audio, sink_recorder, tmp_path,
                        Said(said.intent, clip, said.reply))
    print(f"{said.intent}: {measured}")
    assert measured["cut"] < CUT_BOUND, measured
    # The promise is the first try (issue 20). The later tries only let the rest of the test
    # (cut, reply, paused hold) be checked and reported before this fails. Was an XFAIL while
    # each new line opened its own output stream (first tries heard 0 of 2 on an idle machine);
    # with one stream for the session, 10 of 10 first tries, with up to five busy loops beside
    # (docs/echo.md, "One output stream for the session").
    assert measured["tries"] == 1, (
        f"{said.intent!r} was heard on try {measured['tries']}, not the first: {measured}")


@pytest.mark.audio
def test_stop_silences_the_closing_lines(virtual_audio, sink_recorder, tmp_path):
    """After "end session" the coach speaks its closing and summary (~8 s) with the session
    already over; "stop" still silences it (typed here: the same event a heard "stop" is).
    Seen to fail before the fix (the ended session ignored every command and the runner's
    drain did not read them): the closing played on for 7.6 s after the "stop"."""
    coach = CoachProcess(ROUTINE, "--text", "--no-screen",
                         env={**virtual_audio.env, "MASSAGE_COACH_DATA": str(tmp_path)})
    coach.expect(r"^coach: Say \w+ when you're ready to begin", timeout=60)
    wait_until_sink_quiet(virtual_audio, quiet_for=2.0, timeout=40)
    coach.type("end session")
    coach.expect(r"^coach: Thank you\. Take it easy getting up\.")
    time.sleep(1.5)  # "Ending the session here." and the summary are being spoken
    assert sink_recorder.rms_between(time.monotonic() - 0.5, time.monotonic()) > 0.01, \
        "the closing was not being spoken"
    stopped_at = time.monotonic()
    coach.type("stop")
    assert coach.finish(timeout=10) == 0
    time.sleep(0.5)
    loud = [t for t in sink_recorder.loud_times(0.01) if t > stopped_at]
    last = max(loud, default=stopped_at) - stopped_at
    assert last < 0.3, f"the closing went on for {last:.2f} s after stop"
