"""Echo cancellation: the reference buffer, the delay estimate, libspeexdsp on known echoes, and
the real speaker through the PulseAudio virtual sink (its monitor is the microphone)."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from testkit import testaudio as ta
from testkit.music_audio import arpeggios
from coach.voice.audio.echo import MAX_LAG_SECONDS, EchoCanceller, at_search_edge, estimate_delay
from coach.voice.audio.playback_reference import PlaybackReference
from coach.voice.audio.speex import speexdsp_error

log = logging.getLogger(__name__)

needs_speex = pytest.mark.skipif(speexdsp_error() is not None,
                                 reason=f"libspeexdsp missing: {speexdsp_error()}")

LONG_LINE = ("Place both hands flat on the upper back and glide slowly down towards the waist, "
             "then knead the shoulders gently with your thumbs, and keep breathing slowly.")


def erle_db(raw: np.ndarray, cleaned: np.ndarray) -> float:
    """Echo return loss enhancement: how much echo energy the canceller removed."""
    e_raw = float(np.sum(raw.astype(np.float64) ** 2))
    e_out = float(np.sum(cleaned.astype(np.float64) ** 2)) + 1e-9
    return 10.0 * np.log10(e_raw / e_out)


def test_reference_gives_zeros_where_nothing_played_and_forgets_a_cut_tail() -> None:
    ref = PlaybackReference(seconds=1.0)
    ref.write(np.ones(160, np.float32), at=100.0)
    got = ref.read(100.0 - 0.005, 320)  # 80 samples before, 160 played, 80 after
    assert got[:80].sum() == 0 and np.all(got[80:240] == 1) and got[240:].sum() == 0
    ref.clear_after(100.0 + 0.005)
    assert ref.read(100.0, 160).sum() == pytest.approx(81)  # indices up to +80 kept
    ref.write(np.full(16000, 2, np.float32), at=200.0)  # a full ring later: old data is gone
    assert ref.read(100.0, 160).sum() == 0


def test_delay_estimate_finds_a_known_lag() -> None:
    speech = ta.synthesize(LONG_LINE, "en-gb", 170, level_dbfs=-20)
    max_lag, lag, n = 8000, 1234, 32000
    ref = np.zeros(n + 2 * max_lag, np.float32)
    ref[:] = speech[: ref.size] if speech.size >= ref.size else np.pad(speech, (0, ref.size - speech.size))
    mic = 0.4 * ref[max_lag - lag: max_lag - lag + n] + ta.noise_floor(n, -60)
    found, prominence = estimate_delay(mic, ref, max_lag)
    assert found == lag and prominence > 50


def test_music_that_repeats_keeps_the_delay_in_use() -> None:
    """Music that repeats correlates with its echo away from the true delay too: over 20 s of
    arpeggios at 96 bpm, some 1 s windows peak highest elsewhere (measured: 3 of 73 with a
    375 ms search, at its edge), and every window keeps the true delay once it is in use."""
    music = arpeggios(20.0, seed=3)
    max_lag, n, lag, within = 6000, 16000, -298, 240
    astray, kept, windows = 0, 0, 0
    for start in range(max_lag + 400, music.size - n - max_lag, 4000):
        ref = music[start - max_lag: start + n + max_lag]
        mic = 0.3 * music[start - lag: start - lag + n] + ta.noise_floor(n, -60)
        windows += 1
        astray += estimate_delay(mic, ref, max_lag)[0] != lag
        kept += estimate_delay(mic, ref, max_lag, near=lag, within=within)[0] == lag
    assert astray >= 1 and kept == windows, (astray, kept, windows)


def test_a_real_shift_still_moves_the_delay() -> None:
    """Nothing is left at the old delay when the echo really moved: the estimate goes."""
    speech = ta.synthesize(LONG_LINE, "en-gb", 170, level_dbfs=-20)
    max_lag, lag, n = 8000, 1234, 32000
    ref = np.zeros(n + 2 * max_lag, np.float32)
    ref[:min(ref.size, speech.size)] = speech[:ref.size]
    mic = 0.4 * ref[max_lag - lag: max_lag - lag + n] + ta.noise_floor(n, -60)
    assert estimate_delay(mic, ref, max_lag, near=-300, within=240)[0] == lag


def _simulate(canceller: EchoCanceller, ref: PlaybackReference, played: np.ndarray,
              mic: np.ndarray, t0: float, play_at: int, jitter: float = 0.03) -> np.ndarray:
    """Feed `mic` in 20 ms chunks with bursty arrival times, writing the reference just ahead
    of it (as the player does); returns the cleaned signal."""
    rng = np.random.default_rng(0)
    base = int(round(t0 * ref.rate))
    out = []
    for i in range(0, mic.size, 320):
        j = i - play_at + 640  # the player runs ~40 ms ahead of the DAC
        if j + 320 > 0 and j < played.size:
            a = max(j, 0)
            ref.write_index(played[a: j + 320], base + play_at + a)
        chunk = ta.to_pcm(mic[i:i + 320])
        cleaned, _ = canceller.process(chunk, t0 + (i + 320) / ref.rate + rng.uniform(0, jitter))
        out.append(ta.from_pcm(cleaned))
    return np.concatenate(out)


def _coach_in_the_room(delay_seconds: float) -> tuple[np.ndarray, np.ndarray, int]:
    """The long line as played, and the microphone hearing its echo through a short simulated
    room `delay_seconds` after the 0.5 s the output takes to start: (played, mic, echo start)."""
    played = ta.synthesize(LONG_LINE, "en-gb", 170, level_dbfs=-20)
    start = 8000 + int(delay_seconds * ta.SAMPLE_RATE)
    echo = np.convolve(played, [0.5, 0.2, -0.1])[: played.size]
    mic = ta.noise_floor(start + echo.size + 16000, -60)
    mic[start: start + echo.size] += echo
    return played, mic, start


@needs_speex
def test_speex_removes_a_simulated_room_echo() -> None:
    played, mic, start = _coach_in_the_room(0.073)
    ref = PlaybackReference()
    canceller = EchoCanceller(ref)
    out = _simulate(canceller, ref, played, mic, 1000.0, 8000)
    converged = slice(start + 2 * ta.SAMPLE_RATE, start + played.size)
    erle = erle_db(mic[converged], out[converged])
    log.info("simulated echo: ERLE %.1f dB after 2 s, CPU %.1f ms per s of audio, delay %s",
             erle, canceller.cpu_per_audio_second * 1000, canceller.estimates)
    assert erle >= 15  # (its CPU cost is logged above; cost figures belong to the benchmark)


def test_a_delay_estimate_at_the_edge_of_the_search_is_no_estimate() -> None:
    """A suite run's canceller took 499.8 ms (the 0.5 s search's end) for the delay and sat
    there for the session (echo.EDGE_SECONDS); an estimate pinned to an end is not followed."""
    max_lag = int(MAX_LAG_SECONDS * ta.SAMPLE_RATE)
    assert at_search_edge(max_lag, max_lag) and at_search_edge(-max_lag + 40, max_lag)
    assert at_search_edge(int(0.4998 * ta.SAMPLE_RATE), max_lag)
    assert not at_search_edge(int(0.073 * ta.SAMPLE_RATE), max_lag)
    assert not at_search_edge(int(-0.02 * ta.SAMPLE_RATE), max_lag)


@needs_speex
def test_the_cancellers_evidence_tells_a_person_from_its_own_voice() -> None:
    """`removed_db`: over a person's word said on top of the coach's voice, the canceller removes
    little (the evidence the own-voice rule weighs: judge.PERSON_MAX_REMOVED_DB). Over the
    coach's voice alone it removes most (`recent_db`), and the microphone holds no more than the
    playback explains, so it gives no evidence; nor before it has removed its own voice well."""
    from coach.voice.listen.judge import PERSON_MAX_REMOVED_DB

    played, mic, start = _coach_in_the_room(0.02)
    word = ta.synthesize("ouch", "en-us", 170, level_dbfs=-20)
    at = start + 6 * ta.SAMPLE_RATE
    mic[at: at + word.size] += word
    ref = PlaybackReference()
    canceller = EchoCanceller(ref)
    t0 = 1000.0
    _simulate(canceller, ref, played, mic, t0, 8000, jitter=0.0)
    seconds = lambda sample: t0 + sample / ta.SAMPLE_RATE  # noqa: E731 - stream time
    own = canceller.removed_db(seconds(start + 4.5 * ta.SAMPLE_RATE),
                               seconds(start + 5.5 * ta.SAMPLE_RATE))
    person = canceller.removed_db(seconds(at), seconds(at + word.size))
    # the coach alone: the microphone holds no more than its playback explains, so no evidence
    # of anyone (judge's word vetoes stand), though the canceller removes its voice well
    assert own is None, own
    removed_before = canceller.evidence.recent_db(seconds(start + 5.5 * ta.SAMPLE_RATE))
    assert removed_before is not None and removed_before > 10.0, removed_before
    assert person is not None and person <= PERSON_MAX_REMOVED_DB, person
    # the first 0.3 s of the line: the canceller has not yet shown it removes its own voice
    assert canceller.removed_db(seconds(start), seconds(start + 0.3 * ta.SAMPLE_RATE)) is None


def test_without_reference_audio_passes_through_unchanged() -> None:
    canceller = EchoCanceller(PlaybackReference())
    speech = ta.to_pcm(ta.command_clip("stop"))
    out = []
    for pcm, at in ta.chunks(speech):
        cleaned, _ = canceller.process(pcm, 50.0 + at)
        out.append(cleaned)
    got = ta.from_pcm(b"".join(out))
    want = ta.from_pcm(speech)[: got.size]
    assert np.array_equal(got, want)  # bit-exact: nothing played, nothing to cancel


class _Capture:
    """Runs the real `MicrophoneSource` (the sink's monitor) and the canceller in a thread."""

    def __init__(self, canceller: EchoCanceller) -> None:
        from coach.voice.audio.sources import MicrophoneSource

        self.canceller = canceller
        self.source = MicrophoneSource().open()
        self.raw: list[tuple[np.ndarray, float]] = []
        self.cleaned: list[tuple[np.ndarray, float]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for chunk in self.source:
            pcm, at = chunk.to_stream_format().pcm, chunk.at
            self.raw.append((ta.from_pcm(pcm), at))
            cleaned, end = self.canceller.process(pcm, at)
            self.cleaned.append((ta.from_pcm(cleaned), end))
            if self.stop.is_set():
                break

    def wait_flowing(self, timeout: float = 6.0) -> None:
        """The first input stream in a process stalls 0.7-1.9 s: wait until audio flows."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = len(self.raw)
            time.sleep(0.5)
            if len(self.raw) - before >= 15:  # >= 0.3 s of 20 ms chunks in 0.5 s
                return
        raise RuntimeError("the monitor never delivered audio")

    def close(self) -> tuple[np.ndarray, np.ndarray]:
        self.stop.set()
        self.source.close()
        self.thread.join(3)
        return (np.concatenate([c for c, _ in self.raw]),
                np.concatenate([c for c, _ in self.cleaned] or [np.zeros(0, np.float32)]))


# ERLE bounds (whole line, after 2 s) per speech back-end. Once the filter has converged both
# voices cancel alike: 26-38 dB after 2 s (7 runs on 2026-12-07, 28-32 for Piper earlier), so
# that bound is 20. Over the whole ~8 s line the start counts, before the first delay estimate
# (0.5 s of the line) moves the reference by the 200-310 ms this in-process capture is off
# from the initial guess: Piper 4.2-6.0 dB (4.7-5.3 earlier), espeak-ng 9.1-12.0 (8.3-13.1
# earlier). The espeak-ng bound of 10 sat inside that range and failed a clean-clone run at
# 9.1 with 38.4 dB after 2 s; 7 is under every measurement. A faster first estimate is the
# product's open item (docs/echo.md).
ERLE_BOUNDS = {"pyttsx3": (7, 20), "piper": (3.5, 20)}


@needs_speex
@pytest.mark.audio
@pytest.mark.parametrize("tts", sorted(ERLE_BOUNDS))
def test_real_speaker_echo_through_the_virtual_sink(virtual_audio, tts) -> None:
    """The real Speaker says a long line into the null sink while its monitor is the mic:
    after cancellation the echo energy is far below the raw (ERLE measured and reported)."""
    from coach.voice.audio.on_air import OnAir
    from coach.voice.speech.speaker import Speaker

    ref = PlaybackReference()
    canceller = EchoCanceller(ref)
    capture = _Capture(canceller)
    speaker = None
    try:
        capture.wait_flowing()
        speaker = Speaker(OnAir(), reference=ref, cues=False, tts=tts)
        speaker.warm([LONG_LINE])
        speaker.say(LONG_LINE, 1)
        time.sleep(0.5)
        assert speaker.wait_idle(60)
        time.sleep(0.5)
    finally:
        if speaker is not None:
            speaker.close()
        raw, cleaned = capture.close()
    raw = raw[: cleaned.size]
    frames = raw[: raw.size // 320 * 320].reshape(-1, 320)
    loud = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) > 0.003
    assert loud.sum() > 100, "the coach's voice never came back through the monitor"
    first = int(np.argmax(loud))
    out = cleaned[: frames.size].reshape(-1, 320)
    erle_all = erle_db(frames[loud], out[loud])
    later = loud.copy()
    later[: first + 100] = False  # after 2 s of convergence
    erle_later = erle_db(frames[later], out[later])
    log.warning("virtual sink, %s: ERLE %.1f dB over the whole line, %.1f dB after 2 s; delay "
                "estimates %s; CPU %.1f ms per s of audio; %d late frames, %d rebases", tts,
                erle_all, erle_later, canceller.estimates,
                canceller.cpu_per_audio_second * 1000, canceller.late_frames, canceller.rebases)
    whole_line, after_two_seconds = ERLE_BOUNDS[tts]
    assert erle_all >= whole_line
    assert erle_later >= after_two_seconds


@needs_speex
@pytest.mark.audio
def test_stop_over_the_real_speaker_is_heard_after_cancellation(virtual_audio) -> None:
    """The real Speaker says two lines into the sink; during the second, "stop" is played into
    the same sink (a person talking over the coach, repeating it if not heard). The real
    listener, fed the monitor after cancellation, fires STOP and nothing else."""
    import os
    import subprocess
    from pathlib import Path

    from coach.core.commands import Intent
    from coach.voice.asr.pocketsphinx_engine import PocketsphinxRecognizer
    from coach.voice.listen.listener import Listener
    from coach.voice.audio.on_air import OnAir
    from coach.voice.pipeline import VoicePipeline
    from coach.voice.speech.speaker import Speaker

    on_air = OnAir()
    listener = Listener(PocketsphinxRecognizer(), on_air=on_air)
    ref = PlaybackReference()
    canceller = EchoCanceller(ref)
    heard = []

    pipeline = VoicePipeline(listener, canceller=canceller)  # the session's own data path

    class _Listening(_Capture):
        def _run(self) -> None:
            for chunk in self.source:
                self.raw.append((ta.from_pcm(chunk.to_stream_format().pcm), chunk.at))
                heard.extend(pipeline.push(chunk))
                if self.stop.is_set():
                    break

    clip = Path(virtual_audio.runtime_dir) / "stop-over-coach.wav"
    ta.save_wav(clip, np.concatenate([ta.command_clip("stop"), ta.noise_floor(8000)]))
    capture = _Listening(canceller)
    speaker = None
    try:
        capture.wait_flowing()
        speaker = Speaker(on_air, reference=ref, cues=False)
        first = "Sit comfortably on the chair, and take a slow deep breath in and out."
        # Long enough for five tries: in about one run in ten the canceller is still adapting
        # and the first three are heard at 0.2-0.4 (measured: "stop" 0.24-0.33, "stop now" 0.44).
        second = LONG_LINE + " Let the weight of your hands do the work, and never press on the spine."
        speaker.warm([first, second])
        speaker.say(first, 1)
        speaker.say(second, 2)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(a.text == second
                                                      for a in on_air.overlapping(0, 1e12)):
            time.sleep(0.05)
        time.sleep(1.5)  # well into the second line
        # A person not heard the first time says it again: up to five times, always while
        # the coach is still talking over them.
        for _attempt in range(5):
            assert on_air.speaking(), "the coach should still be talking"
            subprocess.run(["paplay", "--device", virtual_audio.sink, str(clip)], check=True,
                           timeout=30, env={**os.environ, **virtual_audio.env})
            time.sleep(1.0)
            if any(h.fired for h in heard):
                break
        speaker.stop()
        speaker.wait_idle(10)
        time.sleep(0.5)
    finally:
        if speaker is not None:
            speaker.close()
        capture.close()
    fired = [h.event.intent for h in heard if h.fired]
    log.warning("stop over the real speaker: fired %s; delay estimates %s; heard %s", fired,
                canceller.estimates,
                [(h.event.text, round(h.confidence, 2), round(h.speech_ended - h.speech_started, 2),
                  h.rejected) for h in heard])
    assert fired == [Intent.STOP]
