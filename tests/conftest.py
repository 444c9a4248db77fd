"""Shared test fixtures: private user folders, the PulseAudio virtual speaker/microphone and a
recorder of its monitor.

The whole run lives in temporary folders, and is failed when it writes anywhere else:
`pytest_configure` (before any test module is imported, so fixtures of every scope and every
program a test starts inherit it) points HOME, XDG_* and MASSAGE_COACH_DATA at a private user
under /tmp and lists the real home's `.cache`, `.local/share`, `.local/state` and `.config` and
the repository (testkit/write_guard.py); `stay_in_temporary_folders` (session, autouse) compares
at the end and fails the run with every path that appeared or changed.

`private_user_folders` (autouse) points XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME at
fresh folders for every test, so one test's history or stamp never meets another's.

`virtual_audio` (session scope) starts one private PulseAudio daemon with a 16 kHz mono null
sink whose monitor is the default input (see testkit/virtual_audio.py). Without PulseAudio
the tests that use it are skipped with the reason, except on CI (env ``CI`` set), where a
missing audio stack is a broken build and the fixture fails loudly instead.

`recognizer` (module scope) is the pocketsphinx recognizer, for the tests that listen to
synthesized or recorded speech.

`sink_recorder` records the monitor (what the coach "said") with a monotonic timestamp per
block. It waits for the first input block before handing over, because the first input stream
in a process stalls 0.7-1.9 s (and the null sink only runs in real time while something reads
its monitor).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from testkit.virtual_audio import VirtualAudio, VirtualAudioError, VirtualAudioInfo
from testkit.write_guard import WriteGuard, private_environment

ROOT = Path(__file__).resolve().parents[1]
_GUARD_KEY = pytest.StashKey[WriteGuard]()
_PRIVATE_KEY = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """A private user for the whole run, set before anything is imported; and the listing of
    what the run may not touch."""
    real_home = Path(os.environ.get("HOME") or Path.home())
    private = Path(tempfile.mkdtemp(prefix="coach-tests-"))
    config.stash[_GUARD_KEY] = WriteGuard(real_home, ROOT).start()
    config.stash[_PRIVATE_KEY] = private
    os.environ.update(private_environment(private))
    # A run started in the background from a script (`./run-tests &`) inherits SIGINT ignored,
    # and so would every coach a test starts: the Ctrl-C tests then saw exit status 0. Ctrl-C
    # is what those tests are about, not how the suite was started; a handled signal is reset
    # to its default in each program started (exec), an ignored one is not.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    # Under `nohup` every coach would ignore SIGHUP (a closed terminal), and a test that closes
    # its terminal mid-repair saw the repair run on and swap the file in. A handler that does
    # nothing keeps the suite itself deaf to hangups, as nohup meant, and is reset to the
    # default in each program a test starts.
    if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        signal.signal(signal.SIGHUP, _hangup_ignored)


def _hangup_ignored(signum: int, frame: object) -> None:
    """The suite's own SIGHUP when it was started under nohup: nothing (see pytest_configure)."""


def pytest_unconfigure(config: pytest.Config) -> None:
    private = config.stash.get(_PRIVATE_KEY, None)
    if private is not None:
        shutil.rmtree(private, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def stay_in_temporary_folders(request: pytest.FixtureRequest) -> Iterator[Path]:
    """Fails the run (an error at the last test's teardown) when anything outside the
    temporary folders was written: the real home's folders or the repository. Yields the
    private HOME; a fixture of any scope that starts programs may depend on it explicitly."""
    guard = request.config.stash[_GUARD_KEY]
    yield Path(os.environ["HOME"])
    report = guard.report()
    if report:
        pytest.fail(report, pytrace=False)


@pytest.fixture(autouse=True)
def private_user_folders(tmp_path_factory: pytest.TempPathFactory,
                         monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Every test, and every program it starts, gets its own data, config and cache folders: no
    test writes to the user's real history (`~/.local/share/massage-coach/`), reads their
    settings, or leaves a note in their cache (the Whisper model's verified checksum). `$MASSAGE_COACH_DATA` is cleared so the default location (under
    XDG_DATA_HOME) is what a test sees unless it sets one itself."""
    base = tmp_path_factory.mktemp("user")
    folders = {"XDG_DATA_HOME": base / "data", "XDG_CONFIG_HOME": base / "config",
               "XDG_CACHE_HOME": base / "cache"}
    for name, folder in folders.items():
        folder.mkdir()
        monkeypatch.setenv(name, str(folder))
    monkeypatch.delenv("MASSAGE_COACH_DATA", raising=False)
    return folders


@pytest.fixture(autouse=True)
def kill_leftover_sessions() -> Iterator[None]:
    """No `massage-coach run` started by a test outlives it, even when the test fails."""
    yield
    # imported here: conftest loads before `pytest_configure` sets the private user, and this
    # module imports coach
    from testkit.coach_process import CoachProcess

    CoachProcess.kill_leftovers()


@pytest.fixture(scope="module")
def recognizer(request: pytest.FixtureRequest) -> Any:
    """The pocketsphinx recognizer, as `run --engine pocketsphinx` builds it: one per test module,
    since loading it takes a second. A module that wants other options names them in a
    module-level `POCKETSPHINX_OPTIONS` dict (test_pocketsphinx_engine.py: nothing rejected)."""
    from coach.voice.asr.pocketsphinx_engine import PocketsphinxRecognizer

    return PocketsphinxRecognizer(**getattr(request.module, "POCKETSPHINX_OPTIONS", {}))


OWN_VOICE_TEST = "test_every_line_spoken_by_the_coach_fires_nothing"


@pytest.fixture(scope="session", autouse=True)
def line_renders(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Every line of each (voice, half) the selected own-voice tests will hear, rendered in the
    background from the start of the run (testkit/line_renders.py says why); nothing when no
    such test is selected. The tests take them in the order they run."""
    wanted: list[tuple[str, str]] = []
    for item in request.session.items:
        spec = getattr(item, "callspec", None)
        if getattr(item, "originalname", "") == OWN_VOICE_TEST and spec is not None:
            key = (spec.params["voice"][0], spec.params["which"])
            if key not in wanted:
                wanted.append(key)
    if not wanted:
        yield None
        return
    from testkit.line_renders import LineRenders

    renders = LineRenders(wanted)
    yield renders
    renders.close()


@pytest.fixture(scope="session")
def virtual_audio() -> Iterator[VirtualAudioInfo]:
    audio = VirtualAudio()
    try:
        info = audio.start()
    except VirtualAudioError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the PulseAudio virtual device but it did not start: {exc}")
        pytest.skip(f"PulseAudio virtual device unavailable: {exc}")
    try:
        yield info
    finally:
        audio.stop()


class SinkRecorder:
    """Records the virtual sink's monitor and puts each sample on the `time.monotonic` axis.

    Blocks arrive in bursts (more so on a loaded 2-core box), so arrival times are not sample
    times. Samples are only ever delayed, never early, so the block that arrived earliest
    relative to its position gives the clock: t(sample i) = offset + i / rate with
    offset = min(arrival - samples_so_far / rate). Input overflows would break the mapping and
    are counted.
    """

    def __init__(self, rate: int = 16000, block: int = 160) -> None:
        import sounddevice as sd

        self.rate = rate
        self._lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        self._count = 0
        self._offset = float("inf")
        self.overflows = 0
        self._first = threading.Event()

        def callback(indata: np.ndarray, frames: int, t: Any, status: Any) -> None:
            now = time.monotonic()
            if status.input_overflow:
                self.overflows += 1
            with self._lock:
                self._chunks.append(indata[:, 0].copy())
                self._count += frames
                self._offset = min(self._offset, now - self._count / self.rate)
            self._first.set()

        self.stream = sd.InputStream(
            samplerate=rate, channels=1, dtype="float32", latency="high", blocksize=block,
            callback=callback,
        )

    def start(self, timeout: float = 5.0) -> None:
        self.stream.start()
        deadline = time.monotonic() + timeout
        if not self._first.wait(timeout):
            raise RuntimeError("the monitor recorder never delivered audio")
        # The first input stream in a process can deliver a block, then stall for a second or
        # more: wait until audio really flows (0.4 s captured within 0.6 s of wall time).
        while True:
            with self._lock:
                before = self._count
            time.sleep(0.6)
            with self._lock:
                flowed = (self._count - before) / self.rate
            if flowed >= 0.4:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the monitor recorder stalls: {self.describe()}")

    def close(self) -> None:
        self.stream.stop()
        self.stream.close()

    def signal(self) -> tuple[np.ndarray, np.ndarray]:
        """(times, samples): every captured sample with its estimated monotonic time."""
        with self._lock:
            data = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
            offset = self._offset
        times = offset + (np.arange(data.size) + 1) / self.rate
        return times, data

    def rms_between(self, start: float, end: float) -> float:
        times, data = self.signal()
        part = data[(times >= start) & (times <= end)]
        return float(np.sqrt(np.mean(part.astype(np.float64) ** 2))) if part.size else 0.0

    def loud_times(self, threshold: float = 0.01, window: float = 0.01) -> list[float]:
        """End times of `window`-long stretches whose RMS is above `threshold`."""
        times, data = self.signal()
        n = max(1, int(window * self.rate))
        usable = data.size // n * n
        if usable == 0:
            return []
        rms = np.sqrt(np.mean(data[:usable].reshape(-1, n).astype(np.float64) ** 2, axis=1))
        ends = times[n - 1 : usable : n]
        return [float(t) for t, r in zip(ends, rms) if r > threshold]

    def describe(self) -> str:
        """Summary for assertion messages: how much was captured, when, how loud."""
        times, data = self.signal()
        if not data.size:
            return "no audio captured"
        now = time.monotonic()
        return (
            f"{data.size / self.rate:.2f} s captured, {times[0] - now:.2f} s to "
            f"{times[-1] - now:.2f} s from now, peak {float(np.max(np.abs(data))):.4f}, "
            f"{self.overflows} overflows"
        )


@pytest.fixture
def sink_recorder(virtual_audio: VirtualAudioInfo) -> Iterator[SinkRecorder]:
    recorder = SinkRecorder(rate=virtual_audio.rate)
    recorder.start()
    try:
        yield recorder
    finally:
        recorder.close()
