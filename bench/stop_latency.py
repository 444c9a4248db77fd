"""`Speaker.stop()` to silence at the speaker: the latency figure `test_speaker.py` no longer times.

Why here and not in a unit test: a latency is a measurement of a shared machine, not a unit-test
fact (tests/test_bench.py). The test checks the behaviour (the line is cut, then silence, in order
of events); this reports how fast, with the README's 150 ms target beside it.

How: a private PulseAudio null sink (`testkit.virtual_audio`), the real `Speaker` with the default
voice (Piper) playing a long line into it, and `parec` recording the sink's monitor. Well into the
line, `stop()` is called; the figure is the monitor audio that still came after the samples
`parec` had delivered at the call, counted in samples (so a wall-clock mapping cannot drift), up
to the end of the last loud 10 ms. It includes parec's own 20 ms latency, so it errs long.

    python -m bench.stop_latency [TRIALS]
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import time

import numpy as np

LINE = ("Slide both palms slowly up along the spine, keeping the pressure light and even, and "
        "breathe out as you go, then circle back down along the shoulder blades.")
RATE = 16_000
LOUD = 0.01  # RMS of a 10 ms window; the coach's voice is ~0.1, silence exactly 0


class MonitorRecording:
    """`parec` on the sink's monitor, collected by a thread; `delivered()` counts samples."""

    def __init__(self, monitor: str, env: dict[str, str]) -> None:
        self._proc = subprocess.Popen(
            ["parec", "-d", monitor, f"--rate={RATE}", "--channels=1", "--format=s16le", "--raw",
             "--latency-msec=20"], stdout=subprocess.PIPE, env=env)
        self._lock = threading.Lock()
        self._data = bytearray()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while block := self._proc.stdout.read(640):
            with self._lock:
                self._data += block

    def delivered(self) -> int:
        with self._lock:
            return len(self._data) // 2

    def samples(self) -> np.ndarray:
        with self._lock:
            raw = bytes(self._data[: len(self._data) // 2 * 2])
        return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0

    def close(self) -> None:
        self._proc.kill()
        self._proc.wait(5)


def last_loud_sample(samples: np.ndarray) -> int | None:
    """The end (sample index) of the last 10 ms window louder than LOUD."""
    window = RATE // 100
    usable = samples.size // window * window
    rms = np.sqrt(np.mean(samples[:usable].reshape(-1, window).astype(np.float64) ** 2, axis=1))
    loud = np.flatnonzero(rms > LOUD)
    return int((loud[-1] + 1) * window) if loud.size else None


def measure_stop(trials: int = 3, into: float = 0.8) -> list[float]:
    """Seconds of monitor audio after `stop()`, one figure per trial (raises when none is heard)."""
    from coach.voice.audio.on_air import OnAir
    from coach.voice.speech.speaker import Speaker
    from testkit.virtual_audio import VirtualAudio

    figures = []
    with VirtualAudio() as info:
        recording = MonitorRecording(info.monitor, {**os.environ, **info.env})
        speaker = None
        try:
            deadline = time.monotonic() + 10
            while recording.delivered() < RATE // 2:
                if time.monotonic() > deadline:
                    raise RuntimeError("parec delivered nothing from the sink monitor")
                time.sleep(0.05)
            on_air = OnAir()
            speaker = Speaker(on_air)
            speaker.warm([LINE])
            for trial in range(trials):
                speaker.say(LINE, utterance_id=trial + 1)
                deadline = time.monotonic() + 10
                while not on_air.speaking():
                    if time.monotonic() > deadline:
                        raise RuntimeError("the line never went on the air")
                    time.sleep(0.005)
                time.sleep(into)
                at_call = recording.delivered()
                speaker.stop()
                speaker.wait_idle(5)
                time.sleep(0.8)  # the monitor's latency, and room to hear a stop that failed
                last = last_loud_sample(recording.samples())
                if last is None or last < at_call - int(into * RATE):
                    raise RuntimeError("the line never reached the sink")
                figures.append(max(0, last - at_call) / RATE)
        finally:
            if speaker is not None:
                speaker.close()
            recording.close()
    return figures


@functools.lru_cache(maxsize=1)
def measure_stop_once() -> tuple[float, ...]:
    """`measure_stop()` once per benchmark run: the speaker is the same whatever the engine."""
    return tuple(measure_stop())


def main(argv: list[str]) -> int:
    figures = measure_stop(int(argv[0]) if argv else 3)
    print(" ".join(f"{1000 * f:.0f} ms" for f in figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
