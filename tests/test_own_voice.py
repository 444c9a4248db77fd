"""The coach's own voice fires nothing: every line of every shipped routine, really spoken.

Each distinct line a session can say from a routine is rendered by the real TTS (each back-end:
Piper's voice, the default, and pyttsx3's espeak-ng; the renderers the speaker uses), comes back through a simulated room to the microphone, and goes
through the same path as in a session: the echo canceller (against exactly what was played),
then the real listener while `OnAir` marks the coach as speaking. Not one command may fire.
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.core.library import available
from coach.core.routine import Routine
from coach.core.routine_loader import load_routine
from coach.voice import testaudio as ta
from coach.voice.asr.pocketsphinx_engine import PocketsphinxRecognizer
from coach.voice.echo import EchoCanceller, PlaybackReference, speexdsp_error
from coach.voice.listener import Listener
from coach.voice.on_air import OnAir
from coach.voice.tts_select import make_renderer

needs_speex = pytest.mark.skipif(speexdsp_error() is not None,
                                 reason=f"libspeexdsp missing: {speexdsp_error()}")


def spoken_lines(routine: Routine) -> set[str]:
    """Everything a session reads from this routine (both sides filled in)."""
    lines = {routine.title, routine.summary, *routine.setup, *routine.cautions,
             *routine.closing}
    for item in routine.contraindications:
        lines |= {item.question, item.reason}
    for run in routine.expanded_steps():
        step = run.step
        texts = [*step.say, *step.after, *step.alternative, *step.pressure.values()]
        texts += [text for text in (step.check_in, step.warning) if text]
        lines |= {run.render(text) for text in texts}
    return {line for line in lines if line.strip()}


def all_lines() -> list[str]:
    lines: set[str] = set()
    for info in available():
        lines |= spoken_lines(load_routine(info.path))
    return sorted(lines)


@pytest.fixture(scope="module", params=["piper", "pyttsx3"])
def renderer(request):
    with_renderer = make_renderer(request.param)
    with_renderer.start()
    yield with_renderer
    with_renderer.close()


def room_echo(played: np.ndarray) -> np.ndarray:
    """What a laptop microphone hears of its own speaker: delayed, quieter, with reflections
    from the walls and floor, over the room's noise floor."""
    mic = np.zeros(played.size, np.float32)
    for delay_ms, gain in ((12, 0.6), (31, 0.25), (58, 0.12), (95, 0.05)):
        lag = int(delay_ms * ta.SAMPLE_RATE / 1000)
        mic[lag:] += gain * played[: played.size - lag]
    return mic + ta.noise_floor(played.size, -55.0, seed=7)


@needs_speex
def test_every_routine_line_spoken_by_the_coach_fires_nothing(renderer):
    """Each line plays, comes back through a simulated room, is echo-cancelled against what was
    played (as in a session) and reaches the listener while OnAir marks the coach speaking."""
    lines = all_lines()
    assert len(lines) > 200  # the whole library, not a sample
    played, spans, cursor = [], [], 0
    for line in lines:
        rendered = renderer.render(line)
        voice = ta.resample(rendered.samples.astype(np.float32) / 32768.0, rendered.sample_rate)
        spans.append((rendered.text, cursor, cursor + voice.size))  # on air as the speaker does
        played += [voice, np.zeros(int(0.4 * ta.SAMPLE_RATE), np.float32)]
        cursor += voice.size + int(0.4 * ta.SAMPLE_RATE)
    played_audio = np.concatenate(played)
    mic = room_echo(played_audio)

    t0, play_at = 1000.0, 320
    reference = PlaybackReference(seconds=8.0)
    canceller = EchoCanceller(reference)
    on_air = OnAir(guard_seconds=0.3)
    for line, begin, end in spans:
        on_air.started(line, at=t0 + (play_at + begin) / ta.SAMPLE_RATE)
        on_air.finished(at=t0 + (play_at + end) / ta.SAMPLE_RATE)
    listener = Listener(PocketsphinxRecognizer(), on_air=on_air)
    base = int(round(t0 * reference.rate))
    fired = []
    for i in range(0, mic.size, 320):
        j = i - play_at + 640  # the player writes ~40 ms ahead of the DAC, as it does live
        if j + 320 > 0 and j < played_audio.size:
            a = max(j, 0)
            reference.write_index(played_audio[a: j + 320], base + play_at + a)
        cleaned, at = canceller.process(ta.to_pcm(mic[i:i + 320]), t0 + (i + 320) / ta.SAMPLE_RATE)
        fired += [(h.event.intent.value, round(h.speech_started - t0, 1))
                  for h in listener.process(cleaned, at) if h.fired]
    fired += [(h.event.intent.value, 0.0) for h in listener.flush() if h.fired]
    assert fired == [], f"the coach's own voice fired {fired}"


# Lines whose raw rendering (no echo canceller) once fired a two-word barge-in phrase stretched
# over the sentence: "hold on" (the first four and the last), "stop stop" (the two between).
ONCE_FIRED = (
    "Hamstring self-massage with a massage stick",
    "Hamstring self-massage with your hands",
    "Make small circles over it with your thumbs or fingertips.",
    "Pressure can cause deep bruising or bleeding, or move a clot. Please ask a doctor before "
    "any massage.",
    "Stand at the receiver's right side.",
    "Find the tightest spot on the back of your right thigh.",
    # In the quick benchmark (session 3): "hold on" at 0.83, over 1.31 s.
    "Pressure can cause deep bruising or bleeding. Please ask a doctor before any massage.",
)


@pytest.mark.parametrize("tts", ["piper", "pyttsx3"])
@pytest.mark.parametrize("phase", ["screening", "step"])
def test_lines_that_once_fired_a_two_word_phrase_fire_nothing_without_the_canceller(phase, tts):
    """Worst case: the coach's voice reaches the listener uncancelled (libspeexdsp missing, or
    the benchmark's own-voice row). Each line is rendered by the real TTS, played at half
    volume over a -60 dBFS floor (`bench.measure.own_voice_stream`), and heard on air in that
    phase's grammar, as in the session."""
    from coach.core.status import Phase
    from tests.session_driver import to_phase

    from bench.measure import own_voice_stream

    context = tuple(to_phase(Phase(phase)).session.active_intents())
    own = own_voice_stream(ONCE_FIRED, tts=tts)  # the benchmark's own-voice stream of these
    listener = Listener(PocketsphinxRecognizer(), on_air=own.on_air)
    listener.set_context(context)
    heard = []
    for pcm, at in ta.chunks(ta.to_pcm(own.samples)):
        heard += listener.process(pcm, at)
    heard += listener.flush()
    fired = [(h.event.text, round(h.confidence, 2)) for h in heard if h.fired]
    assert fired == [], f"the coach's own voice fired {fired}"
