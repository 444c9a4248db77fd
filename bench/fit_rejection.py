"""Fit the pocketsphinx confidence weights from a `listen_bench.py --zero-thresholds --dump` file.

Logistic regression (numpy, no extra dependency) of "the fired phrase is the right intent" on the
recognizer's scores, then the accept rate / false-accept trade-off at several thresholds.
"""
from __future__ import annotations

import json
import sys

import numpy as np

from coach.core.commands import all_phrases, normalize, parse

PHRASES = [normalize(p) for p in all_phrases()]  # PocketsphinxRecognizer's order: detail["best"]


def best_text(row: dict) -> str:
    """The grammar pass's phrase, even when the recognizer rejected it (text "")."""
    if row.get("text"):
        return row["text"]
    index = int(row.get("best", -1))
    return PHRASES[index] if 0 <= index < len(PHRASES) else ""

FEATURES = ("llr", "per", "outside")


def features(row: dict) -> list[float]:
    return [row["llr"], row["per"], min(row["outside"], 100.0) / 10.0, row["frames"] / 100.0]


def main() -> None:
    rows = [r for r in json.load(open(sys.argv[1])) if "llr" in r and not r["partial"]]
    x = np.array([features(r) for r in rows])
    y = np.array([1.0 if r["truth"] and parse(best_text(r)) == parse(r["truth"]) else 0.0 for r in rows])
    own = np.array([r["kind"] == "own" for r in rows])
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    for _ in range(20000):
        p = 1 / (1 + np.exp(-xb @ w))
        w -= 0.05 * (xb.T @ (p - y) / len(y) + 1e-3 * np.r_[w[:-1], 0])
    print("weights (llr, per, outside/10, frames/100, bias):", np.round(w, 3))
    p = 1 / (1 + np.exp(-xb @ w))
    kinds = sorted({r["kind"] for r in rows})
    for thr in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        acc = {k: 0 for k in kinds}
        for r, pr, yy in zip(rows, p, y):
            if pr >= thr:
                acc[r["kind"]] += 1 if yy else 0
        bad = {k: sum(1 for r, pr, yy in zip(rows, p, y) if pr >= thr and not yy and r["kind"] == k) for k in kinds}
        print(f"thr {thr}: good kept {int(sum((p >= thr) & (y == 1)))}/{int(y.sum())}  bad kept "
              f"{int(sum((p >= thr) & (y == 0)))}/{int((1 - y).sum())}  by kind good={acc} bad={bad}")


if __name__ == "__main__":
    main()
