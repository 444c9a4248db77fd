"""Faults a careless or unlucky user brings, made on demand for the tests (issue 23).

`coach_cli` runs the real program as a subprocess (tracebacks and exit statuses are what the user
sees, so they are checked there, not through click's in-process runner). The model faults are
built beside the real Whisper model, linking its 75 MB model.bin instead of copying it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LONG_NAME = "a" * 300  # over the 255 bytes a file name may have on Linux file systems


def coach_cli(*args: str, stdin: str | None = "", env: dict[str, str] | None = None,
              timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`massage-coach ARGS` as the user would run it; stdout and stderr kept apart."""
    return subprocess.run([sys.executable, "-m", "coach", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          env={**os.environ, **(env or {})})


def packaged_whisper() -> Path | None:
    """The installed Whisper model folder, or None."""
    from coach.voice.asr.whisper_files import packaged_model

    return packaged_model()


def damaged_whisper_model(folder: Path, damage: str) -> Path:
    """A copy of the Whisper model in `folder` with one file damaged: "vocabulary" (cut to a
    third, as an interrupted copy leaves it) or "tokenizer" (cut off mid-JSON)."""
    source = packaged_whisper()
    assert source is not None, "the Whisper model is not installed"
    folder.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.name == "model.bin":
            (folder / item.name).symlink_to(item)
        else:
            shutil.copy(item, folder / item.name)
    name = {"vocabulary": "vocabulary.txt", "tokenizer": "tokenizer.json"}[damage]
    data = (folder / name).read_bytes()
    (folder / name).write_bytes(data[: len(data) // 3])
    return folder


def no_traceback(result: subprocess.CompletedProcess[str]) -> str:
    """Both streams, after checking neither holds a traceback; for the message checks."""
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text[-3000:]
    assert "terminate called" not in text, text[-3000:]
    return text
