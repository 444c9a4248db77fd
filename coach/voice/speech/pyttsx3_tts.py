"""Text to PCM: the speech back-ends' common interface, and the pyttsx3 (espeak-ng) back-end.

Two back-ends render a line to 16-bit samples behind one interface (`rendering.SpeechRenderer`,
re-exported here with the other shared parts): Piper's neural voice (`coach/voice/speech/piper_tts.py`,
the default when installed) and pyttsx3 driving espeak-ng (here: the fallback, and the way to use
any voice installed on the system).
`coach/voice/speech/tts_select.py` picks one. Both read `spoken_text.speakable(text)`, so numbers and
durations are words whichever voice speaks, and both cache renders in a `RenderCache`.

Why render instead of `engine.say()`: rendering to a WAV and playing it ourselves through
sounddevice tells us exactly when our own voice is on the air (the listener needs that), lets
us cut a line within milliseconds, works without a sound card, and is testable.

Why a child process: pyttsx3 on Linux has a long list of traps (a second ``runAndWait()`` can
hang, ``stop()`` works once, two queued ``save_to_file`` calls write only the last file, the
espeak driver ``print()``s "Audio saved to ..." on stdout, which would scribble over the screen).
All pyttsx3 calls therefore happen in ONE long-lived worker process that renders one line at a
time to a fresh temp file; the parent reads the WAV back. If the worker hangs or dies it is
killed and restarted, and as a last resort the ``espeak-ng -w`` binary renders the line.

Two more traps measured with pyttsx3 2.99 and handled in the worker:
- the driver proxy starts "busy", so the first ``setProperty`` calls are queued and then
  silently dropped by the first ``runAndWait()``: the worker runs one empty ``runAndWait()``
  right after ``init()`` and checks every property it sets;
- renders vary by ~0.4 % in length between runs: never compare bytes.

Volume is applied as a gain on the samples (after peak-normalising the voice to about -3 dBFS),
not inside espeak, so a "louder" command never needs a re-render and the cache key is
(text, voice, rate) only.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import multiprocessing.connection
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from coach.voice.speech.word_times import estimate_word_times
from coach.voice.speech.rendering import (  # noqa: F401 - re-exported: the back-ends' shared parts
    VOICE_PEAK_DBFS,
    CacheKey,
    RenderCache,
    Rendered,
    SpeechRenderer,
    TTSError,
    UnknownVoiceError,
    VoiceInfo,
    clamp_rate,
    line_text,
    normalise_peak,
)

log = logging.getLogger(__name__)

DEFAULT_RATE_WPM = 165  # a calm pace for instructions; espeak's own default (175-200) feels rushed
INSTALL_HINT = "install it with `apt-get install espeak-ng libespeak-ng1` (Debian/Ubuntu)"


class EspeakMissingError(TTSError):
    """pyttsx3's espeak driver could not load libespeak-ng; the message says what to install."""


# ---------------------------------------------------------------------------------------------
# worker process (everything pyttsx3 lives here)
# ---------------------------------------------------------------------------------------------
def _voice_records(engine: Any) -> list[dict[str, Any]]:
    out = []
    for v in engine.getProperty("voices"):
        out.append(
            {
                "id": str(v.id),
                "name": str(v.name),
                "languages": [str(x) for x in (v.languages or [])],
                "gender": v.gender,
            }
        )
    return out


def _worker_entry(fd: int) -> None:
    """Entry point of the worker interpreter: talk to the parent over the inherited socket."""
    _worker_main(mp.connection.Connection(fd))


def _worker_main(conn: mp.connection.Connection) -> None:
    """Own the pyttsx3 engine for the life of the process; answer one request at a time."""
    # The espeak driver prints "Audio saved to ..." after each render: keep it off our terminal.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    try:
        import pyttsx3

        engine = pyttsx3.init("espeak")
        # Settle the proxy's initial "busy" state so later setProperty calls apply at once.
        engine.runAndWait()
    except Exception as exc:  # noqa: BLE001 - report every start failure to the parent
        conn.send(("error", "init", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None, None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        op = request[0]
        try:
            if op == "quit":
                return
            if op == "voices":
                conn.send(("ok", _voice_records(engine), None))
            elif op == "render":
                _, text, voice_id, rate, path = request
                if voice_id is not None and engine.getProperty("voice") != voice_id:
                    engine.setProperty("voice", voice_id)
                engine.setProperty("rate", int(rate))
                engine.setProperty("volume", 1.0)
                # espeak in retrieval mode applies parameters through its command queue, so the
                # new rate can take a few ms to show; Synth is queued behind it either way.
                deadline = time.monotonic() + 0.2
                while engine.getProperty("rate") != int(rate) and time.monotonic() < deadline:
                    time.sleep(0.005)
                engine.save_to_file(text, path)
                engine.runAndWait()
                conn.send(("ok", path, None))
            else:
                conn.send(("error", "request", f"unknown request {op!r}"))
        except Exception as exc:  # noqa: BLE001 - the parent decides what to do
            conn.send(("error", "render", f"{type(exc).__name__}: {exc}"))


# ---------------------------------------------------------------------------------------------
# parent side
# ---------------------------------------------------------------------------------------------
def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise TTSError(f"{path}: expected 16-bit PCM, got {8 * wav.getsampwidth()}-bit")
        rate = wav.getframerate()
        channels = wav.getnchannels()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int16)
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return data, rate


class Pyttsx3Renderer:
    """Renders lines with pyttsx3 in one long-lived worker process, one at a time, with an LRU
    cache keyed by (text, voice, rate) because routines repeat the same lines.

    Thread-safe: calls are serialised by a lock (pyttsx3 must never see two renders at once).
    """

    name = "pyttsx3"
    default_rate = DEFAULT_RATE_WPM

    def __init__(
        self,
        voice: str | None = None,
        rate: int | None = None,
        cache_size: int = 128,
        timeout: float = 20.0,
        allow_fallback: bool = True,
    ) -> None:
        self.rate = clamp_rate(rate if rate is not None else DEFAULT_RATE_WPM)
        self.timeout = timeout
        self.allow_fallback = allow_fallback
        self._lock = threading.RLock()
        self._cache = RenderCache(cache_size)
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: mp.connection.Connection | None = None
        self._tmpdir = tempfile.TemporaryDirectory(prefix="coach-tts-")
        self._counter = 0
        self._voices: list[VoiceInfo] | None = None
        self.voice_id: str | None = None
        if voice:
            self.voice_id = self.resolve_voice(voice).id

    # -- worker management -------------------------------------------------------------------
    def _ensure_worker(self) -> mp.connection.Connection:
        if self._proc is not None and self._proc.poll() is None and self._conn is not None:
            return self._conn
        self._kill_worker()
        # A plain child interpreter, not multiprocessing "spawn": spawn re-imports the caller's
        # __main__, which breaks scripts without an `if __name__ == "__main__"` guard, and
        # fork would copy PortAudio's threads. Requests and answers go over a socketpair;
        # stdout goes to /dev/null (the espeak driver prints on it), stderr to a log file.
        ours, theirs = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[3])
        code = (
            f"import sys; sys.path.insert(0, {package_root!r}); "
            f"from coach.voice.speech.pyttsx3_tts import _worker_entry; _worker_entry({theirs.fileno()})"
        )
        started = time.monotonic()
        stderr_path = Path(self._tmpdir.name) / "worker-stderr.log"
        with open(stderr_path, "ab") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                pass_fds=(theirs.fileno(),),
                close_fds=True,
            )
        theirs.close()
        conn = mp.connection.Connection(ours.detach())
        if not conn.poll(self.timeout):
            proc.kill()
            proc.wait()
            conn.close()
            raise TTSError(f"the pyttsx3 worker did not start within {self.timeout} s")
        try:
            status, _, message = conn.recv()
        except EOFError:
            proc.wait(5)
            conn.close()
            tail = stderr_path.read_text(errors="replace")[-800:]
            raise TTSError(f"the pyttsx3 worker exited at start: {tail}") from None
        if status != "ready":
            proc.wait(5)
            conn.close()
            if "espeak" in (message or "").lower():
                raise EspeakMissingError(f"pyttsx3 cannot load eSpeak ({message}); {INSTALL_HINT}")
            raise TTSError(f"the pyttsx3 worker failed to start: {message}")
        log.info("pyttsx3 worker pid %s ready in %.2f s", proc.pid, time.monotonic() - started)
        self._proc, self._conn = proc, conn
        return conn

    def _kill_worker(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait(5)
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None

    def _call(self, request: tuple[Any, ...], timeout: float) -> Any:
        conn = self._ensure_worker()
        conn.send(request)
        if not conn.poll(timeout):
            log.error("pyttsx3 worker hung on %s; killing it", request[0])
            self._kill_worker()
            raise TimeoutError(f"pyttsx3 did not answer {request[0]!r} within {timeout} s")
        try:
            status, payload, message = conn.recv()
        except EOFError as exc:
            self._kill_worker()
            raise TTSError("the pyttsx3 worker died") from exc
        if status != "ok":
            raise TTSError(f"pyttsx3 {request[0]} failed: {message}")
        return payload

    def start(self) -> None:
        """Start the worker now (it otherwise starts on first use); surfaces install problems."""
        with self._lock:
            self._ensure_worker()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._proc is not None and self._proc.poll() is None:
                try:
                    self._conn.send(("quit",))
                    self._proc.wait(1)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._kill_worker()
            self._tmpdir.cleanup()

    # -- voices ------------------------------------------------------------------------------
    def describe(self) -> str:
        return f"pyttsx3 (espeak-ng), voice {self.voice_id or 'default'}"

    def list_voices(self) -> list[VoiceInfo]:
        with self._lock:
            if self._voices is None:
                records = self._call(("voices",), self.timeout)
                self._voices = [
                    VoiceInfo(r["id"], r["name"], tuple(r["languages"]), r["gender"])
                    for r in records
                ]
            return list(self._voices)

    def resolve_voice(self, wanted: str) -> VoiceInfo:
        """Match an id ("gmw/en-us"), an id tail ("en-us"), a language or a name substring."""
        voices = self.list_voices()
        key = wanted.strip().lower()
        tests = (
            lambda v: v.id.lower() == key,
            lambda v: v.id.lower().rsplit("/", 1)[-1] == key,
            lambda v: key in (lang.lower() for lang in v.languages),
            lambda v: v.name.lower() == key,
            lambda v: key in v.name.lower() or key in v.id.lower(),
        )
        for test in tests:
            matches = [v for v in voices if test(v)]
            if matches:
                return matches[0]
        sample = ", ".join(v.id for v in voices if "en" in v.id.lower())[:200]
        raise UnknownVoiceError(
            f"no voice matches {wanted!r}; try one of: {sample} (see `list_voices()`)"
        )

    # -- rendering ---------------------------------------------------------------------------
    def render(self, text: str, voice: str | None = None, rate: int | None = None) -> Rendered:
        """Render `text` (blocking; ~10-30 ms for a sentence). Cached by (text, voice, rate).
        The result's `text` is what was spoken (`line_text`)."""
        text = line_text(text)
        with self._lock:
            voice_id = self.resolve_voice(voice).id if voice else self.voice_id
            wpm = clamp_rate(rate if rate is not None else self.rate)
            return self._cache.get_or_render(
                (text, voice_id, wpm), lambda: self._render_uncached(text, voice_id, wpm))

    def _render_uncached(self, text: str, voice_id: str | None, wpm: int) -> Rendered:
        self._counter += 1
        path = Path(self._tmpdir.name) / f"line-{os.getpid()}-{self._counter}.wav"
        started = time.monotonic()
        timeout = self.timeout + len(text) / 50
        engine = "pyttsx3"
        errors = []
        try:
            for attempt in (1, 2):
                try:
                    self._call(("render", text, voice_id, wpm, str(path)), timeout)
                    samples, sr = _read_wav(path)
                    if samples.size == 0:
                        raise TTSError("pyttsx3 wrote an empty file")
                    break
                except EspeakMissingError:
                    raise
                except (TTSError, TimeoutError, OSError, EOFError, wave.Error) as exc:
                    errors.append(f"attempt {attempt}: {exc}")
                    log.warning("pyttsx3 render failed (%s); restarting the worker", exc)
                    self._kill_worker()
            else:
                if not self.allow_fallback or shutil.which("espeak-ng") is None:
                    raise TTSError("pyttsx3 could not render the line: " + "; ".join(errors))
                log.warning("falling back to the espeak-ng binary for %r", text[:40])
                samples, sr = self._espeak_binary(text, voice_id, wpm, path)
                engine = "espeak-ng"
        finally:
            path.unlink(missing_ok=True)
        elapsed = time.monotonic() - started
        log.debug("rendered %d chars in %.1f ms (%s)", len(text), 1000 * elapsed, engine)
        samples = normalise_peak(samples)
        return Rendered(samples, sr, text, voice_id, wpm, elapsed, engine,
                        estimate_word_times(text, samples, sr))

    @staticmethod
    def _espeak_binary(
        text: str, voice_id: str | None, wpm: int, path: Path
    ) -> tuple[np.ndarray, int]:
        cmd = ["espeak-ng", "-s", str(wpm), "-w", str(path)]
        if voice_id:
            cmd += ["-v", voice_id.rsplit("/", 1)[-1]]
        subprocess.run(cmd + ["--", text], check=True, capture_output=True, timeout=30)
        return _read_wav(path)


_default: Pyttsx3Renderer | None = None
_default_lock = threading.Lock()


def list_voices() -> list[VoiceInfo]:
    """Installed espeak-ng voices as pyttsx3 sees them (starts a shared renderer if needed)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Pyttsx3Renderer()
    return _default.list_voices()
