"""Render the opening of a session (the welcome and the routine's summary) in both voices, as the
speaker plays them (each back-end at its default rate, 16 kHz), into Ogg Vorbis files here.

    .venv/bin/python docs/voice-samples/render.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from coach.routine_format.library import find
from coach.routine_format.loader import load_routine
from testkit import testaudio as ta
from coach.voice.speech.tts_select import make_renderer

HERE = Path(__file__).resolve().parent
GAP_SECONDS = 0.4  # about the pause between two lines in a session


def opening_lines(routine_id: str = "thai-hamstring-sit") -> list[str]:
    routine = load_routine(find(routine_id))
    return [f"Welcome. This is {routine.title}.", routine.summary]


def main() -> None:
    for tts in ("piper", "pyttsx3"):
        renderer = make_renderer(tts)
        renderer.start()
        parts = []
        for line in opening_lines():
            rendered = renderer.render(line, rate=renderer.default_rate)
            parts += [ta.resample(rendered.samples.astype(np.float32) / 32768.0,
                                  rendered.sample_rate),
                      np.zeros(int(GAP_SECONDS * ta.SAMPLE_RATE), np.float32)]
        renderer.close()
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "welcome.wav"
            ta.save_wav(wav, np.concatenate(parts))
            out = HERE / f"welcome-{tts}.ogg"
            subprocess.run(["sox", str(wav), "-C", "4", str(out)], check=True)
        print(f"{out.name}: {out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
