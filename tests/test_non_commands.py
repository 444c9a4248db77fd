""""Talking to each other, sighs and music fire nothing" (README), through the real listener.

Sounds a massage room has that are not commands, each streamed through the real listener and
recognizer of the default engine, in the grammar of a running hold (what is listened for most
of a session) and with every phrase open:

* sighs: a voiced out-breath ("haah", "hmm", "ohh", "phew" by espeak-ng, low and slow, with
  breath noise over it) - no package here ships recorded sighs;
* breathing: slow in- and out-breaths, shaped noise, close to the microphone;
* music: soft chords (`testaudio.music`) on their own, and under the breathing;
* a partner's chatter: real people reading sentences (shared/speech `sentences`), two of them at
  once as when both talk, and real one-word distractors (shared/speech `speech-commands`).

Measured with pocketsphinx (2026-11-29): nothing fired in either grammar. Seen to catch: a
listener with no rejection (every threshold and the partial threshold at 0, webrtc VAD,
`min_speech=0`) fired on the sighs ("pause" 0.35) and the chatter (9 commands, e.g. "less
pressure" 0.61). Breathing and music fired nothing even then: the VAD and the recognizer alone
keep them out, so for those two this test guards the whole listener, not one rule.
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.core.status import Phase
from testkit import testaudio as ta
from coach.voice.asr.select import create_recognizer
from coach.voice.listen.listener import Listener
from coach.voice.pipeline import listen_pcm
from testkit.session_driver import to_phase

RATE = ta.SAMPLE_RATE


def envelope(n: int, attack: float, release: float) -> np.ndarray:
    """Rise over `attack` of the length, fall over `release` (fractions), smooth."""
    t = np.linspace(0.0, 1.0, n)
    rise = np.clip(t / attack, 0, 1)
    fall = np.clip((1 - t) / release, 0, 1)
    return (np.sin(np.pi / 2 * rise) * np.sin(np.pi / 2 * fall)).astype(np.float32)


def breath(seconds: float, level_dbfs: float, seed: int, out: bool) -> np.ndarray:
    """One breath: pink noise (air) shaped in time; an out-breath falls away slowly."""
    n = int(seconds * RATE)
    air = ta.pink_noise(n, level_dbfs, seed=seed)
    shape = envelope(n, 0.2, 0.7) if out else envelope(n, 0.5, 0.3)
    return air * shape


def sighs() -> np.ndarray:
    """Voiced out-breaths, each with breath noise over it and quiet between."""
    parts = []
    for i, (sound, voice, pitch) in enumerate([("haaah", "en-us", 30), ("hmmmm", "en-gb", 25),
                                                ("ohhhh", "en-us+f3", 40), ("phew", "en-gb", 35),
                                                ("aaahh", "en-029", 30), ("hhhmmm", "en-us", 20)]):
        voiced = ta.synthesize(sound, voice, 80, pitch=pitch, seed=i)
        air = breath(len(voiced) / RATE + 0.4, -32, seed=10 + i, out=True)
        sigh = air.copy()
        sigh[: len(voiced)] += voiced * envelope(len(voiced), 0.1, 0.8) * 0.5
        parts += [ta.pad(sigh, 0.5, 1.5, seed=i)]
    return np.concatenate(parts)


def breathing(cycles: int = 6, level_dbfs: float = -22.0) -> np.ndarray:
    parts = []
    for i in range(cycles):
        parts += [breath(1.1, level_dbfs - 4, seed=2 * i, out=False),
                  ta.noise_floor(int(0.3 * RATE), seed=i),
                  breath(1.8, level_dbfs, seed=2 * i + 1, out=True),
                  ta.noise_floor(int(1.2 * RATE), seed=50 + i)]
    return np.concatenate(parts)


def music_alone(seconds: float = 20.0) -> np.ndarray:
    return ta.with_noise_floor(ta.music(int(seconds * RATE), -20.0, seed=3))


def music_and_breathing() -> np.ndarray:
    calm = breathing(4, -24.0)
    return calm + ta.music(len(calm), -26.0, seed=4)


def chatter() -> np.ndarray:
    """Real sentences one after another, then two at once, as when both people talk."""
    sentences = [ta.load_recording(r) for r in ta.recordings(set_name="sentences")]
    alone = [ta.pad(s, 0.5, 1.0, seed=i) for i, s in enumerate(sentences)]
    together = []
    for i in range(0, len(sentences) - 1, 2):
        a, b = sentences[i], sentences[i + 1]
        both = np.zeros(max(len(a), len(b) + RATE // 2), np.float32)
        both[: len(a)] += a
        both[RATE // 2: RATE // 2 + len(b)] += 0.7 * b
        together.append(ta.pad(both, 0.5, 1.0, seed=20 + i))
    return np.concatenate(alone + together)


SOUNDS = {
    "sighs": sighs,
    "breathing": breathing,
    "music": music_alone,
    "music and breathing": music_and_breathing,
    "chatter": chatter,
}


@pytest.fixture(scope="module")
def default_recognizer():
    return create_recognizer(None, None)  # the default engine, as `run` picks it


@pytest.mark.parametrize("context", ["hold", "every phrase"])
@pytest.mark.parametrize("sound", list(SOUNDS))
def test_sounds_that_are_not_commands_fire_nothing(default_recognizer, sound, context):
    listener = Listener(default_recognizer)
    if context == "hold":
        listener.set_context(tuple(to_phase(Phase.HOLD).session.active_intents()))
    audio = SOUNDS[sound]()
    heard = listen_pcm(listener, ta.to_pcm(audio))
    fired = [(h.event.text, round(h.confidence, 2), round(h.speech_started, 1))
             for h in heard if h.fired]
    assert fired == [], f"{sound} ({len(audio) / RATE:.0f} s) fired {fired}"
