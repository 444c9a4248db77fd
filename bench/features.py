"""Dump per-clip recognizer scores (whole clip streamed in 20 ms chunks, no VAD) to fit rejection.

Usage: python bench/features.py OUT.json  -- then inspect with bench/fit_rejection.py
"""
from __future__ import annotations

import json
import random
import sys

from coach.core.commands import all_phrases
from testkit import testaudio as ta
from coach.voice.asr.pocketsphinx_engine import PocketsphinxRecognizer

OOV_WORDS = ["water", "okay", "lovely", "hello", "thanks", "turn over", "is that okay", "my shoulder",
             "bottle", "towel", "nice", "really", "sorry", "what", "maybe", "hmm", "later", "music",
             "breathe", "relax", "the oil is warm", "can you feel that", "tell me when",
             "your neck is tight", "almost", "lunch", "seven", "happy birthday"]


def run(rec: PocketsphinxRecognizer, pcm: bytes) -> dict:
    rec.start_utterance()
    partials = []
    for offset in range(0, len(pcm), 640):
        h = rec.feed(pcm[offset: offset + 640])
        if h is not None and h.detail:
            partials.append((rec.best_phrase(h.detail), h.confidence, h.detail))
    h = rec.end_utterance()
    return dict(bp=rec.best_phrase(h.detail) if "best" in h.detail else "", conf=h.confidence,
                partials=partials, **{k: v for k, v in h.detail.items() if k != "best"})


def main() -> None:
    rec = PocketsphinxRecognizer(reject_below=0.0)
    rows = []
    phr = set(all_phrases())
    for r in ta.recordings(set_name="speech-commands") + ta.recordings(set_name="sentences"):
        row = run(rec, ta.to_pcm(ta.load_recording(r, pad_after=0.3)))
        rows.append(dict(kind="real", truth=r.transcript if r.transcript in phr else "", said=r.transcript, **row))
    rng = random.Random(1)
    for p in rng.sample(all_phrases(), 40):
        v, rt = rng.choice(ta.VOICES), rng.choice(ta.RATES)
        rows.append(dict(kind="synth", truth=p, said=p, **run(rec, ta.to_pcm(ta.command_clip(p, v, rt)))))
    for p in OOV_WORDS:
        v, rt = rng.choice(ta.VOICES), rng.choice(ta.RATES)
        rows.append(dict(kind="synth", truth="", said=p, **run(rec, ta.to_pcm(ta.command_clip(p, v, rt)))))
    json.dump(rows, open(sys.argv[1] if len(sys.argv) > 1 else "/tmp/features.json", "w"))


if __name__ == "__main__":
    main()
