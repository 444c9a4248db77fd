"""The benchmark's "commands over the coach's own music" rows (issue 21, `run --music`).

A command said while music plays in the room, the music 10 dB under the speech (speech-level
SNR, as the noise rows mix it). Two cases, the same clips, the same music:

* the coach plays the music (`run --music`): it goes out through the coach's output stream, so
  the playback reference holds it and the echo canceller subtracts it;
* something else plays it (a phone, a stereo): the reference holds nothing, the canceller
  passes the microphone through, and the listener hears the music as noise.

Per clip: `LEAD` seconds of music alone (in a session the music plays from the start, so the
canceller has converged long before a command; 4 s is what it needs here), then the command,
then `AFTER` seconds; through the room echo of testkit/over_the_coach.py, the real
`EchoCanceller` and the real listener in the command's phase context. The music is
testkit/music_audio.py's arpeggios (plucked notes every 0.31 s over a bass), a new key and
pattern per clip. No coach line is on the air: this measures the music alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.corpus import Clip
from bench.measure import apply_context, context_for
from coach.voice.audio.echo import EchoCanceller
from coach.voice.audio.on_air import OnAir
from coach.voice.audio.pcm import active_rms
from coach.voice.audio.playback_reference import PlaybackReference
from coach.voice.frames import AudioChunk
from coach.voice.listen.listener import Listener
from coach.voice.pipeline import VoicePipeline
from testkit import testaudio as ta
from testkit.music_audio import arpeggios
from testkit.over_the_coach import CHUNK, PLAYER_LEAD, room_echo

SNR_DB = 10.0
LEAD = 8.0
AFTER = 1.5
T0 = 1000.0  # the monotonic time of the first microphone sample


CASES = ("no music", "the coach's music", "other music")
""""no music": the same clips, lead and room with the music silent (what this engine hears of
these clips at all); "the coach's music": in the reference; "other music": not in it."""


@dataclass(frozen=True)
class MusicResult:
    case: str
    tries: int
    heard: frozenset[int]  # indices of the clips heard right
    errors: tuple[str, ...]

    def kept(self, baseline: MusicResult) -> tuple[int, int]:
        """(heard here, of those heard with no music): what the music cost."""
        return len(self.heard & baseline.heard), len(baseline.heard)


def mic_and_music(clip: Clip, seed: int, music: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(what the microphone hears, what the speaker played): the music through the room, the
    command added `LEAD` seconds in, the music's echo 10 dB under the command's speech (with
    `music` False, silent: the room's noise floor only)."""
    n = int((LEAD + clip.seconds + AFTER) * ta.SAMPLE_RATE)
    played = arpeggios(n / ta.SAMPLE_RATE, level_dbfs=-30.0, seed=seed)
    echo = room_echo(played, seed=seed) - ta.noise_floor(n, -55.0, seed=seed)  # no floor yet
    start = int(LEAD * ta.SAMPLE_RATE)
    span = echo[start: start + clip.samples.size]
    gain = active_rms(clip.samples) / float(np.sqrt(np.mean(np.square(span, dtype=np.float64)))) \
        / 10 ** (SNR_DB / 20)
    if not music:
        gain = 0.0
    played = played * np.float32(gain)
    echo = echo * np.float32(gain) + ta.noise_floor(n, -55.0, seed=seed)
    mic = echo.copy()
    mic[start: start + clip.samples.size] += clip.samples
    return mic, played


def hear(listener: Listener, mic: np.ndarray, played: np.ndarray | None) -> list:
    """The listener's decisions on `mic`; `played` (or nothing) written to the reference as the
    player writes it, a little ahead of the microphone."""
    listener.on_air = OnAir(guard_seconds=0.3)
    listener.reset()
    reference = PlaybackReference(seconds=8.0)
    pipeline = VoicePipeline(listener, canceller=EchoCanceller(reference))
    base = reference.index(T0)
    heard = []
    for i in range(0, mic.size, CHUNK):
        j = i + PLAYER_LEAD
        if played is not None and j - CHUNK < played.size:
            a = max(0, j - CHUNK)
            reference.write_index(played[a: j + CHUNK], base + a)
        heard += pipeline.push(AudioChunk(ta.to_pcm(mic[i: i + CHUNK]),
                                          T0 + (i + CHUNK) / ta.SAMPLE_RATE))
    return heard + pipeline.flush()


def over_music(listener: Listener, clips: list[Clip]) -> list[MusicResult]:
    """Each clip over music, played by the coach (in the reference) and by something else."""
    results = []
    for case in CASES:
        heard_right, errors = set(), []
        for i, clip in enumerate(clips):
            _, context = context_for(clip.intent, i)
            apply_context(listener, context)
            mic, played = mic_and_music(clip, seed=i, music=case != "no music")
            got = [h.event.intent for h in
                   hear(listener, mic, played if case != "other music" else None) if h.fired]
            if got == [clip.intent]:
                heard_right.add(i)
            elif len(errors) < 12:
                errors.append(f"{clip.truth!r}->{','.join(g.value for g in got) or '-'}")
        results.append(MusicResult(case, len(clips), frozenset(heard_right), tuple(errors)))
    return results
