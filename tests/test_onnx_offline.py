"""onnxruntime's telemetry is switched off before it loads, by the one door every ONNX user goes
through (coach/voice/onnx_offline.py; why, and the measurements: docs/privacy.md).

Each check runs in a fresh interpreter, as a user's process starts, with no CI marker and no
`ORT_DISABLE_TELEMETRY` inherited (onnxruntime stays silent on CI by itself), and a fresh HOME
that must not gain onnxruntime's `~/.cache/Microsoft/` folder. The end-to-end proof (no DNS query
from a 14 s spoken session) is tests/test_no_network.py.

Seen to catch: `telemetry_off` not setting the variable (both user tests failed: the folder
appeared).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from testkit.syscall_trace import CI_MARKERS

ROOT = Path(__file__).resolve().parents[1]


def fresh_python(code: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in CI_MARKERS and not k.startswith(("ORT_", "XDG_CACHE_HOME"))}
    env["HOME"] = str(home)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_silero_loads_with_the_telemetry_off(tmp_path):
    result = fresh_python(
        "import os\n"
        "from coach.voice.listen.vad import SileroFrames\n"
        "frames = SileroFrames()\n"
        "print(frames.speech_probability(bytes(2 * frames.frame_samples)))\n"
        "print(os.environ['ORT_DISABLE_TELEMETRY'])\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "1"
    assert not (tmp_path / ".cache" / "Microsoft").exists()


def test_piper_loads_with_the_telemetry_off(tmp_path):
    result = fresh_python(
        "import os\n"
        "from coach.voice.speech.piper_tts import PiperRenderer\n"
        "print(PiperRenderer().render('Hello.').duration > 0)\n"
        "print(os.environ['ORT_DISABLE_TELEMETRY'])\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "1"], result.stdout
    assert not (tmp_path / ".cache" / "Microsoft").exists()


def test_onnxruntime_imported_before_the_switch_is_refused_loudly(tmp_path):
    result = fresh_python(
        "import onnxruntime\n"
        "from coach.voice.onnx_offline import telemetry_off\n"
        "telemetry_off()\n", tmp_path)
    assert result.returncode != 0
    assert "TelemetryNotOff" in result.stderr and "ORT_DISABLE_TELEMETRY=1" in result.stderr
