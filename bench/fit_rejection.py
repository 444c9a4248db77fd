"""Fit the pocketsphinx confidence weights from a `listen_bench.py --zero-thresholds --dump` file.

    python bench/fit_rejection.py DUMP.json [FA_TARGET] [--drop per,outside]

Logistic regression (numpy, no extra dependency) of "the grammar's phrase is the right intent" on
the recognizer's scores (final decisions only), with a held-out split: rows are split by speaker
(real speech) or espeak voice (synthesized) into two halves by a stable hash of the group name;
weights and the thresholds are fitted on the "fit" half only, and the rates are reported on the
"held-out" half. Thresholds: for each strictness the lowest that keeps false accepts (a wrong
intent fired on a non-command or a command) <= the target per 100 non-command utterances on the
fit half. `--drop` fits with some features held at zero (weight 0): e.g. `per,outside` for a
recognizer without the phone loop, from a dump made with it.
"""
from __future__ import annotations

import argparse
import json
import zlib

import numpy as np

from coach.core.commands import all_phrases, normalize, parse

PHRASES = [normalize(p) for p in all_phrases()]  # PocketsphinxRecognizer's order: detail["best"]

FEATURES = ("gpf", "per", "outside/10", "frames/100", "garbage won", "garbage margin", "|log dur|")


def best_text(row: dict) -> str:
    """The grammar pass's phrase, even when the recognizer rejected it (text "")."""
    if row.get("text"):
        return row["text"]
    index = int(row.get("best", -1))
    return PHRASES[index] if 0 <= index < len(PHRASES) else ""


def features(row: dict) -> list[float]:
    """The recognizer's weight order. Dumps from before "gpf" existed carry it as "llr" (the
    phone loop's share of that was ~0 then, see ALLPHONE_ASCR_SCALE)."""
    return [row.get("gpf", row["llr"]), row.get("per", 0.0),
            min(row.get("outside", 0.0), 100.0) / 10.0,
            row["frames"] / 100.0,
            row.get("garb", 0.0), max(0.0, row.get("gmargin", 0.0)), row.get("dur", 0.0)]


def held_out(row: dict) -> bool:
    return zlib.crc32(str(row.get("group", "")).encode()) % 2 == 1


def fit(x: np.ndarray, y: np.ndarray, steps: int = 20000,
        keep: np.ndarray | None = None) -> np.ndarray:
    """L2-regularised logistic regression by gradient descent; features where `keep` is False
    stay at weight 0."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    mask = np.r_[np.ones(x.shape[1]) if keep is None else keep.astype(float), 1.0]
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        w -= 0.1 * mask * (xb.T @ (p - y) / len(y) + 1e-3 * np.r_[w[:-1], 0])
    return w


def report(name: str, rows: list, p: np.ndarray, y: np.ndarray, thr: float, n_neg: int) -> str:
    """`n_neg`: non-command decisions in this half, including those with no phrase at all."""
    pos = [r["truth"] != "" for r in rows]
    n_pos = sum(pos)
    good = sum(1 for pr, yy, ps in zip(p, y, pos) if ps and yy and pr >= thr)
    fa_neg = sum(1 for pr, ps in zip(p, pos) if not ps and pr >= thr)
    by_kind = {}
    for r, pr, yy in zip(rows, p, y):
        if r["truth"]:
            k = by_kind.setdefault(r["kind"], [0, 0])
            k[0] += int(bool(yy) and pr >= thr)
            k[1] += 1
    kinds = " ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(by_kind.items()))
    return (f"{name}: thr {thr:.2f} commands right {good}/{n_pos} ({kinds}); false accepts on "
            f"non-commands {fa_neg}/{n_neg} = {100 * fa_neg / max(1, n_neg):.1f}/100")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dump")
    parser.add_argument("target", nargs="?", type=float, default=1.0)
    parser.add_argument("--drop", default="",
                        help="comma-separated features held at 0: per,outside,...")
    args = parser.parse_args()
    short = ["gpf", "per", "outside", "frames", "garb", "gmargin", "dur"]
    dropped = {name for name in args.drop.split(",") if name}
    if dropped - set(short):
        parser.error(f"--drop: unknown {sorted(dropped - set(short))}; known {short}")
    keep = np.array([name not in dropped for name in short])
    finals = [r for r in json.load(open(args.dump)) if not r["partial"] and r["kind"] != "own"]
    rows = [r for r in finals if "llr" in r]
    n_neg = {h: sum(1 for r in finals if not r["truth"] and held_out(r) == h) for h in (False, True)}
    target = args.target
    x = np.array([features(r) for r in rows])
    y = np.array([1.0 if r["truth"] and parse(best_text(r)) == parse(r["truth"]) else 0.0 for r in rows])
    test = np.array([held_out(r) for r in rows])
    w = fit(x[~test], y[~test], keep=keep)
    print("features:", FEATURES)
    print("weights (..., bias):", tuple(float(v) for v in np.round(w, 3)))
    xb = np.hstack([x, np.ones((len(x), 1))])
    p = 1 / (1 + np.exp(-xb @ w))
    train_rows = [r for r, t in zip(rows, test) if not t]
    test_rows = [r for r, t in zip(rows, test) if t]
    neg_train = [pr for r, pr in zip(train_rows, p[~test]) if not r["truth"]]
    n_neg_train = max(1, n_neg[False])
    # lowest threshold with <= target false accepts per 100 non-commands on the fit half
    chosen = 1.0
    for thr in np.arange(0.05, 1.0, 0.01):
        if 100 * sum(1 for pr in neg_train if pr >= thr) / n_neg_train <= target:
            chosen = float(round(thr, 2))
            break
    print(f"threshold for <= {target} FA/100 on the fit half: {chosen}")
    for thr in sorted({0.3, 0.45, 0.5, 0.55, 0.65, chosen}):
        print(" ", report("fit     ", train_rows, p[~test], y[~test], thr, n_neg[False]))
        print(" ", report("held-out", test_rows, p[test], y[test], thr, n_neg[True]))


if __name__ == "__main__":
    main()
