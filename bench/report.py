"""The benchmark's report: the sizes it runs at, a row of its table, and the tables themselves
(one per engine, and the engines side by side). Kept apart from the measuring so that the
shape of what is printed is one small module."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

from coach.voice.asr.engines import NAMES as ENGINE_NAMES

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Size:
    """How much of each set one run measures (None: all of it)."""

    name: str
    real_per_word: int | None
    synth_per_condition: int | None  # None: the full grid
    distractors_per_word: int | None
    chatter_voices: int
    chatter_lines: int | None
    stream_seconds: float
    own_lines: int | None
    latency_clips: int
    cost_seconds: float
    korean_clips: int
    barge_in_step: float  # seconds between two placements of "stop"/"ouch" over the long line
    phrasings_spoken: int | None = None  # held-out natural phrasings spoken (None: all 102)
    far_distractors_per_word: int | None = None  # far-field distractor words (and sentences)
    music_clips: int = 40  # synthesized commands said over music (bench/own_music.py)


SIZES: dict[str, Size] = {
    "tiny": Size("tiny", 1, 1, 1, 1, 2, 8, 2, 2, 3, 2, 4.0, 2, far_distractors_per_word=1,
                 music_clips=1),
    "quick": Size("quick", None, 24, None, 1, None, 180, 40, 20, 60, 10, 0.25,
                  far_distractors_per_word=6),
    "full": Size("full", None, None, None, 6, None, 1200, None, 60, 300, 30, 0.25,
                 music_clips=120),
}


@dataclass
class Row:
    metric: str
    n: str
    value: str
    target: str
    verdict: str  # "PASS", "MISS" or "-" (no target)


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "MISS")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def table(title: str, header: list[str], rows: list[Row]) -> str:
    out = [f"## {title}", "", *header, "",
           "| metric | n | result | target | |", "|---|---|---|---|---|"]
    out += [f"| {r.metric} | {r.n} | {r.value} | {r.target} | {r.verdict} |" for r in rows]
    return "\n".join(out) + "\n"


def side_by_side(results: dict[str, list[Row]], size: str, today: str) -> str:
    """One table, the engines as columns, on the same clips: each figure with its verdict."""
    order = list(ENGINE_NAMES)
    engines = sorted(results, key=lambda e: order.index(e) if e in order else len(order))
    metrics: list[str] = []
    for rows in results.values():
        metrics += [r.metric for r in rows if r.metric not in metrics]
    out = [f"## Engines side by side (`{size}`, {today}, the same clips)", "",
           "| metric | target | " + " | ".join(engines) + " |",
           "|---|---|" + "---|" * len(engines)]
    for metric in metrics:
        cells, target = [], ""
        for engine in engines:
            row = next((r for r in results[engine] if r.metric == metric), None)
            if row is None:
                cells.append("-")
                continue
            target = target or row.target
            mark = {"PASS": " ✓", "MISS": " ✗"}.get(row.verdict, "")
            cells.append(f"{row.value}{mark}")
        out.append(f"| {metric} | {target} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"
