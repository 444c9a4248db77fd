"""Smoke test: `python -m bench` runs end to end at the tiny size and writes every row.

Numbers are never asserted: they are measurements of a shared machine, not unit-test facts (the
benchmark's own PASS/MISS column is where targets live).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.__main__ import main

EXPECTED_ROWS = (
    "Accuracy, real people", "per word", "per speaker", "Accuracy, synthesized, clean",
    "Accuracy, synthesized, 20 dB", "Accuracy, synthesized, 10 dB", "Accuracy, synthesized, 5 dB",
    "False accepts per 100, real distractor words", "False accepts per 100, real sentences",
    "False accepts per 100, synth chatter", "False accepts per 100, all non-command",
    "Accuracy, real people, far field (-10 dB, reverb)", "per word, far field",
    "False accepts per 100, far-field distractors",
    "False accepts per hour, continuous", "real-time factor over that continuous chatter",
    "Natural phrasings understood, typed",
    "Natural phrasings understood, spoken", "coach's own voice", "Latency p50", "Latency p95",
    "Real-time factor", "Peak resident memory", "Launch to first spoken word",
    "Stop to silence at the sink", "Commands over the coach's own music",
    "Commands over music from something else",
)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_tiny_benchmark_writes_a_table_with_every_row(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # Given out of order: the side-by-side puts its columns in the benchmark's own order.
    assert main(["--size", "tiny", "--engines", "pocketsphinx,whisper",
                 "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    titles = {"whisper": "## Whisper tiny.en + base", "pocketsphinx": "## pocketsphinx (English)"}
    for engine, title in titles.items():
        files = list(tmp_path.glob(f"*-{engine}.md"))
        assert len(files) == 1
        text = files[0].read_text()
        assert text.startswith(title + "\n"), text[:80]
        assert "machine:" in text and "cores" in text and "model/settings:" in text
        for row in EXPECTED_ROWS:
            assert row in text, row
        assert text in printed
        for line in text.splitlines():
            if line.startswith("| ") and not line.startswith("| metric"):
                assert line.rstrip().endswith(("PASS |", "MISS |", "- |")), line
    # The engines side by side, on the same clips: one column each, every row of both.
    both = next(tmp_path.glob("*-side-by-side.md")).read_text()
    assert "| metric | target | whisper | pocketsphinx |" in both
    for row in EXPECTED_ROWS:
        assert row in both, row
    # "whisper" has base beside tiny.en; "whisper-tiny" (its own column in a real run, left out
    # here for time: it runs the same rows) is tiny.en alone.
    assert "second opinion: whisper base" in next(tmp_path.glob("*-whisper.md")).read_text()
    from bench.cost import make_listener

    listener, description = make_listener("whisper-tiny")
    assert "no second opinion" in description and listener.recognizer.name == "whisper-tiny"


def test_far_field_clips_are_quieter_longer_and_the_same_every_time() -> None:
    """The far-field rows hear the real clips through sox: 10 dB down, with a reverb tail, and
    byte-identical on every call (the rows compare runs and engines)."""
    from bench import corpus
    from testkit import testaudio as ta

    dry = next(corpus.real_commands(1))
    first, again = (next(corpus.far_field([dry], "far-field real")) for _ in range(2))
    assert first.group == "far-field real" and first.truth == dry.truth
    assert np.array_equal(first.samples, again.samples)
    assert len(first.samples) == len(dry.samples) + int(corpus.FAR_FIELD_TAIL_S * ta.SAMPLE_RATE)
    assert -11.5 < ta.dbfs(first.samples) - ta.dbfs(dry.samples) < -8.5
    # The reverb: after the word the dry clip falls to its floor; the room rings on above it.
    after = slice(int((dry.speech_end + 0.1) * ta.SAMPLE_RATE),
                  int((dry.speech_end + 0.3) * ta.SAMPLE_RATE))
    assert ta.dbfs(dry.samples[after]) < corpus.FAR_FIELD_FLOOR_DBFS + 3
    assert ta.dbfs(first.samples[after]) > corpus.FAR_FIELD_FLOOR_DBFS + 6


def test_the_benchmark_audio_is_the_same_in_every_process() -> None:
    """Seeds must not come from `hash()` of strings, which Python salts per process: the same
    code would then measure different noise every run."""
    script = ("from bench import corpus\n"
              "items = corpus.stratified(corpus.synth_grid(), 1)[:4]\n"
              "print([round(float(abs(c.samples).sum()), 4) for c in corpus.synth_commands(items)])\n"
              "from testkit import testaudio as ta\n"
              "recs = ta.recordings(set_name='speech-commands')[:1]\n"
              "print([round(float(abs(ta.load_recording(r)).sum()), 4) for r in recs])\n")
    repo = Path(__file__).resolve().parent.parent
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, cwd=repo, env={**os.environ, "PYTHONHASHSEED": salt}).stdout
            for salt in ("1", "2")]
    assert runs[0] == runs[1] and runs[0].strip()
