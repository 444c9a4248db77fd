"""A person's word said over the coach's voice, through the session's data path: for the own-voice
sweep test (tests/test_barge_in_sweep.py) and the benchmark's barge-in row; and, simpler,
`said_over_the_coach` (espeak-ng's voice through a simulated echo path, straight into the
listener) for tests/test_listener.py and tests/test_listener_engines.py.

The coach's line is rendered by the real TTS (Piper with its variation off, so a miss reproduces),
comes back through a simulated room to the microphone, a person's clip is added at a chosen
moment, and the mix goes through `coach.voice.pipeline.VoicePipeline` with the real echo canceller
(fed what was played, as the player feeds it) and the real listener, while `OnAir` holds what the
speaker would have marked on the air: the line's text and, when the renderer gives them, its word
times (`Rendered.words`). Deterministic: the same inputs give the same decisions every run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.voice.audio.echo import EchoCanceller
from coach.voice.audio.on_air import OnAir
from coach.voice.audio.playback_reference import PlaybackReference
from coach.voice.asr.base import Recognizer
from coach.voice.frames import AudioChunk, Heard
from coach.voice.listen.listener import Listener
from coach.voice.pipeline import VoicePipeline
from coach.voice.speech.piper_tts import STEADY_VOICE_ENV
from coach.voice.speech.rendering import Rendered
from coach.voice.speech.tts_select import make_renderer
from testkit import testaudio as ta


ROOT = Path(__file__).resolve().parents[1]
SWEEP_ROUTINE = ROOT / "tests" / "data" / "barge-in.yaml"
WARM_UP_LINE = "Sit beside the receiver's right thigh, and rest both hands on it."
"""Said before the long line, as the session's earlier lines do: the canceller converges on it."""

SPEAKER_VOLUME = 0.85  # the speaker's DEFAULT_VOLUME
CHUNK = 320  # 20 ms, as the microphone delivers
PLAYER_LEAD = 640  # the player writes ~40 ms ahead of the DAC, as it does live


def long_line() -> str:
    """The 220-character line of the barge-in routine that says "breathing out" (the line whose
    "out" vetoed a rescued "ouch" in issue 20), found through testkit/coach_lines.py."""
    from coach.routine_format.loader import load_routine
    from testkit.coach_lines import routine_text

    lines = [line for line in routine_text(load_routine(SWEEP_ROUTINE)) if "breathing out" in line]
    return max(lines, key=len)


def render_steady(lines: list[str], tts: str | None = None) -> list[Rendered]:
    """`lines` as the coach's speaker renders them (default back-end, variation off)."""
    before = os.environ.get(STEADY_VOICE_ENV)
    os.environ[STEADY_VOICE_ENV] = "1"
    try:
        renderer = make_renderer(tts)
        renderer.start()
    finally:
        if before is None:
            del os.environ[STEADY_VOICE_ENV]
        else:
            os.environ[STEADY_VOICE_ENV] = before
    try:
        return [renderer.render(line) for line in lines]
    finally:
        renderer.close()


def room_echo(played: np.ndarray, seed: int = 7) -> np.ndarray:
    """What a laptop microphone hears of its own speaker: delayed, quieter, with reflections
    from the walls and floor, over the room's noise floor."""
    mic = np.zeros(played.size, np.float32)
    for delay_ms, gain in ((12, 0.6), (31, 0.25), (58, 0.12), (95, 0.05)):
        lag = int(delay_ms * ta.SAMPLE_RATE / 1000)
        mic[lag:] += gain * played[: played.size - lag]
    return mic + ta.noise_floor(played.size, -55.0, seed=seed)


def person_word(word: str) -> np.ndarray:
    """A person's `word`, said firmly close to the laptop: a real "stop" from shared/speech
    (the end-to-end test's), else espeak-ng en-gb at 170 wpm (no real "ouch" ships)."""
    if word == "stop":
        root = ta.speech_root()
        if root is None:
            raise FileNotFoundError("../shared/speech not found: the real 'stop' lives there")
        recording = next(r for r in ta.recordings(root, set_name="speech-commands",
                                                  words=("stop",))
                         if r.path.name == "a9abc695_nohash_1.wav")
        return ta.normalize_peak(ta.load_recording(recording), -3.0)
    return ta.command_clip(word, "en-gb", 170)


@dataclass(frozen=True)
class CoachAudio:
    """The coach's warm-up line and long line, as played (16 kHz float) and as put on the air."""

    played: np.ndarray
    line_start: int  # sample where the long line begins
    line_seconds: float
    renders: tuple[Rendered, ...]
    starts: tuple[int, ...]  # sample where each render begins


GAP = 0.5  # seconds between the warm-up line and the long line


def coach_audio(renders: list[Rendered]) -> CoachAudio:
    """The renders played one after the other, `GAP` apart, at the speaker's volume."""
    parts, starts, cursor = [], [], 0
    for index, rendered in enumerate(renders):
        voice = ta.resample(rendered.samples.astype(np.float32) / 32768.0, rendered.sample_rate)
        if index:
            parts.append(np.zeros(int(GAP * ta.SAMPLE_RATE), np.float32))
            cursor += int(GAP * ta.SAMPLE_RATE)
        starts.append(cursor)
        parts.append(voice * SPEAKER_VOLUME)
        cursor += voice.size
    played = np.concatenate(parts)
    last = renders[-1]
    return CoachAudio(played, starts[-1], len(last.samples) / last.sample_rate, tuple(renders),
                      tuple(starts))


def said_over(listener: Listener, coach: CoachAudio, clip: np.ndarray, at: float,
              after: float = 1.5, t0: float = 1000.0) -> list[Heard]:
    """The listener's decisions when `clip` is added `at` seconds into the long line (its first
    sample there), through the room, the echo canceller and the pipeline; the stream ends
    `after` seconds past the clip (or at the end of the coach's audio plus the guard)."""
    played = coach.played
    offset = coach.line_start + int(at * ta.SAMPLE_RATE)
    end = min(played.size + int(0.6 * ta.SAMPLE_RATE),
              offset + clip.size + int(after * ta.SAMPLE_RATE))
    mic = room_echo(np.concatenate([played, np.zeros(max(0, end - played.size), np.float32)]))
    mic = mic[:end].copy()
    mic[offset: offset + clip.size] += clip[: max(0, end - offset)]

    on_air = OnAir(guard_seconds=0.3)
    for rendered, start in zip(coach.renders, coach.starts):
        at_air = t0 + start / ta.SAMPLE_RATE
        on_air.started(rendered.text, at=at_air, words=rendered.words)
        on_air.finished(at=at_air + len(rendered.samples) / rendered.sample_rate)
    listener.on_air = on_air
    listener.reset()
    reference = PlaybackReference(seconds=8.0)
    pipeline = VoicePipeline(listener, canceller=EchoCanceller(reference))
    base = reference.index(t0)
    heard: list[Heard] = []
    for i in range(0, mic.size, CHUNK):
        j = i + PLAYER_LEAD
        if j - CHUNK < played.size:
            a = max(0, j - CHUNK)
            reference.write_index(played[a: j + CHUNK], base + a)
        heard += pipeline.push(AudioChunk(ta.to_pcm(mic[i: i + CHUNK]),
                                          t0 + (i + CHUNK) / ta.SAMPLE_RATE))
    return heard + pipeline.flush()


def sweep_positions(line_seconds: float, step: float = 0.5, tail: float = 0.6) -> list[float]:
    """Every `step` seconds of the line, while the word still starts on it (`tail` before its
    end)."""
    count = int((line_seconds - tail) / step) + 1
    return [round(i * step, 2) for i in range(count)]


def said_over_the_coach(recognizer: Recognizer, command: np.ndarray, before: str,
                        line: str, at: float = 1.0) -> list[Heard]:
    """What the listener hears when `command` (samples) is said `at` seconds into `line`, after
    echo cancellation against the known playback.

    The echo path is simulated (40 ms late, attenuated, a short reflection) and the canceller
    has already heard `before` (as in a session, where the welcome lines train it); without
    cancellation the coach's voice keeps the VAD open and the command is buried in it."""
    earlier = ta.synthesize(before, "en-gb", 170, level_dbfs=-26)
    coach = ta.pad(ta.synthesize(line, "en-gb", 170, level_dbfs=-26), 0.2, 0.2)
    gap = int(0.5 * ta.SAMPLE_RATE)
    played = np.concatenate([earlier, np.zeros(gap, np.float32), coach])
    delay = int(0.04 * ta.SAMPLE_RATE)
    echo = np.convolve(played, [0.0] * delay + [0.5, 0.0, 0.15])[: played.size]
    line_start = earlier.size + gap
    offset = line_start + int(at * ta.SAMPLE_RATE)
    mic = echo + ta.noise_floor(echo.size, -60)
    mic[offset: offset + len(command)] += command[: max(0, mic.size - offset)]
    mic = ta.pad(mic, 0.0, 0.6)

    t0 = 100.0  # the session clock of mic sample 0
    reference = PlaybackReference()
    canceller = EchoCanceller(reference)
    on_air = OnAir(guard_seconds=0.3)
    on_air.started(before, at=t0)
    on_air.finished(at=t0 + earlier.size / ta.SAMPLE_RATE)
    on_air.started(line, at=t0 + (line_start + 0.2 * ta.SAMPLE_RATE) / ta.SAMPLE_RATE)
    on_air.finished(at=t0 + (line_start + coach.size - 0.2 * ta.SAMPLE_RATE) / ta.SAMPLE_RATE)
    listener = Listener(recognizer, on_air=on_air)
    base = reference.index(t0)
    heard: list[Heard] = []
    for pcm, at_end in ta.chunks(ta.to_pcm(mic)):
        end = int(round(at_end * ta.SAMPLE_RATE))
        ahead = played[max(0, end - 320): end + 640]  # the player writes ~40 ms ahead
        reference.write_index(ahead, base + max(0, end - 320))
        cleaned, when = canceller.process(pcm, t0 + at_end)
        if cleaned:
            heard += listener.process(cleaned, when)
    return heard + listener.flush()
