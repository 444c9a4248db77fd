"""A private PulseAudio daemon with a null sink: a virtual speaker and microphone.

Why: CI machines and this dev box have no sound card, and every PortAudio stream fails there with
"Error querying device -1". A null sink gives PortAudio a working `pulse`/`default` output, and
its monitor (made the default source) plays back whatever was sent to it, bit-exact with about
64 ms latency. Tests use it to prove speech really left the speaker and stopped when told; the
doctor command can use it to check the audio stack end to end.

Caveats measured on this machine (see /work/shared/notes/voice-loop.md):
- the first input stream in a process stalls 0.7-1.9 s before its first callback: open the
  recorder and wait for its first block *before* playing anything;
- use ``latency="high"`` for input streams (``"low"`` once captured almost nothing);
- use separate input and output streams (``sd.playrec`` was unreliable);
- the stock ``--system`` mode refuses root, so the daemon runs per user with its own
  ``XDG_RUNTIME_DIR`` under /tmp.

PortAudio reads the PulseAudio location when it initialises, so `VirtualAudio.start()` exports
the environment into ``os.environ`` (and restores it on `stop()`); start it before the first
``import sounddevice`` in the process, or call ``sounddevice._terminate(); sounddevice._initialize()``
afterwards (`VirtualAudio.start` does that for you when sounddevice is already imported).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

SINK_NAME = "coach_virt"
DEFAULT_RATE = 16000

_PA_SCRIPT = """\
load-module module-native-protocol-unix auth-anonymous=1 socket={socket}
load-module module-null-sink sink_name={sink} rate={rate} channels=1 sink_properties=device.description=CoachVirtualSpeaker
set-default-sink {sink}
set-default-source {sink}.monitor
"""


class VirtualAudioError(RuntimeError):
    """The virtual audio device could not be started; the message says why and what to install."""


@dataclass
class VirtualAudioInfo:
    """Where the private PulseAudio daemon lives and what it offers."""

    runtime_dir: Path
    server: str  # value for PULSE_SERVER, e.g. "unix:/tmp/.../native"
    sink: str  # null sink name (the virtual speaker)
    monitor: str  # its monitor source (the virtual microphone)
    rate: int
    env: dict[str, str] = field(default_factory=dict)  # variables a child process needs


class VirtualAudio:
    """Start and stop a private PulseAudio daemon with a mono null sink whose monitor is the
    default source. Use as a context manager::

        with VirtualAudio() as info:
            ...  # sounddevice now plays to info.sink and records from info.monitor
    """

    def __init__(self, rate: int = DEFAULT_RATE, start_timeout: float = 10.0) -> None:
        self.rate = rate
        self.start_timeout = start_timeout
        self.info: VirtualAudioInfo | None = None
        self._saved_env: dict[str, str | None] = {}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> VirtualAudioInfo:
        """Start the daemon and wait until `pactl info` answers. Raises `VirtualAudioError`."""
        if self.info is not None:
            return self.info
        for tool, package in (("pulseaudio", "pulseaudio"), ("pactl", "pulseaudio-utils")):
            if shutil.which(tool) is None:
                raise VirtualAudioError(
                    f"`{tool}` not found: install it with "
                    f"`apt-get install -y --no-install-recommends {package} libportaudio2`"
                )
        self._tmp = tempfile.TemporaryDirectory(prefix="coach-xdg-", dir="/tmp")
        runtime = Path(self._tmp.name)
        runtime.chmod(0o700)
        socket = runtime / "pulse" / "native"
        socket.parent.mkdir(mode=0o700)
        script = runtime / "virt.pa"
        script.write_text(_PA_SCRIPT.format(socket=socket, sink=SINK_NAME, rate=self.rate))
        env = {
            "XDG_RUNTIME_DIR": str(runtime),
            "PULSE_SERVER": f"unix:{socket}",
            # Keep the daemon away from any ~/.config/pulse cookie or client.conf of the user.
            "PULSE_RUNTIME_PATH": str(runtime / "pulse"),
            "PULSE_STATE_PATH": str(runtime / "state"),
            "HOME": os.environ.get("HOME", str(runtime)),
        }
        child_env = {**os.environ, **env}
        cmd = [
            "pulseaudio", "-D", "--system=false", "--exit-idle-time=-1", "--disallow-exit",
            "--log-target=stderr", "-n", "-F", str(script),
        ]
        log.info("starting private PulseAudio: %s", " ".join(cmd))
        try:
            proc = subprocess.run(
                cmd, env=child_env, capture_output=True, text=True, timeout=self.start_timeout
            )
        except subprocess.TimeoutExpired as exc:
            self._cleanup_dir()
            raise VirtualAudioError(f"pulseaudio did not daemonise within {self.start_timeout} s") from exc
        if proc.returncode != 0:
            self._cleanup_dir()
            raise VirtualAudioError(
                f"pulseaudio failed to start (exit {proc.returncode}): "
                f"{(proc.stderr or proc.stdout).strip()[-800:]}"
            )
        deadline = time.monotonic() + self.start_timeout
        while True:
            ok = subprocess.run(
                ["pactl", "info"], env=child_env, capture_output=True, text=True
            )
            if ok.returncode == 0:
                break
            if time.monotonic() > deadline:
                self._kill(child_env)
                self._cleanup_dir()
                raise VirtualAudioError(f"pactl info never answered: {ok.stderr.strip()}")
            time.sleep(0.05)
        self.info = VirtualAudioInfo(
            runtime_dir=runtime,
            server=env["PULSE_SERVER"],
            sink=SINK_NAME,
            monitor=f"{SINK_NAME}.monitor",
            rate=self.rate,
            env=env,
        )
        for key, value in env.items():
            self._saved_env[key] = os.environ.get(key)
            os.environ[key] = value
        _reinit_portaudio()
        log.info("private PulseAudio ready at %s", self.info.server)
        return self.info

    def stop(self) -> None:
        """Kill the daemon, restore the environment and remove the runtime directory."""
        if self.info is None:
            return
        self._kill({**os.environ, **self.info.env})
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()
        self.info = None
        self._cleanup_dir()
        _reinit_portaudio()

    def __enter__(self) -> VirtualAudioInfo:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- helpers -----------------------------------------------------------------------------
    def _kill(self, env: dict[str, str]) -> None:
        # `pulseaudio --kill` finds the daemon through XDG_RUNTIME_DIR's pid file: only ours.
        subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True, timeout=10)
        # It only signals: wait until the daemon is gone, or removing its runtime folder races
        # with its last writes there ("Directory not empty", seen once at session teardown).
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and subprocess.run(
                ["pulseaudio", "--check"], env=env, capture_output=True, timeout=10).returncode == 0:
            time.sleep(0.05)

    def _cleanup_dir(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def _reinit_portaudio() -> None:
    """Make an already-imported sounddevice see the (new or gone) PulseAudio server."""
    sd = sys.modules.get("sounddevice")
    if sd is None:
        return
    try:
        sd._terminate()
        sd._initialize()
    except Exception:  # pragma: no cover - best effort; a fresh process always works
        log.warning("could not re-initialise PortAudio", exc_info=True)


def pulse_available() -> str | None:
    """None if a virtual device can be started here, else the reason it cannot."""
    for tool, package in (("pulseaudio", "pulseaudio"), ("pactl", "pulseaudio-utils")):
        if shutil.which(tool) is None:
            return f"`{tool}` not found (apt-get install {package})"
    return None
