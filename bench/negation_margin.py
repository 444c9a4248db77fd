"""`python -m bench.negation_margin`: how wide the negation check's margin must be.

    python -m bench.negation_margin --split dev --save /tmp/dev.csv      # measure, then the table
    python -m bench.negation_margin --from /tmp/dev.csv                  # the table again
    python -m bench.negation_margin --split heldout,late --save /tmp/held.csv   # held out

The negation check (coach/voice/asr/negation_check.py) takes back a pain or warning reading of a
sentence when a negated sentence ("Not painful.") fits the audio `NEGATION_MARGIN` better than
what Whisper wrote ("That painful"). Too small a margin and a real pain report is taken for a
negation (the worst way to be wrong); too large and a negation half-heard eases off and asks.

Every pain, warning, negation and chatter line of tests/data/phrasings.csv in `--split` is
synthesized in Piper's voice and espeak-ng's six test voices at two rates and read by tiny.en
with every rescue, as the coach reads it, with the check scoring but never yielding. The table
counts, for each candidate margin, the negations that would no longer fire and the pain reports
that would be lost.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from coach.core.commands import interpret
from coach.voice.asr.negation_check import CHECKED, NegationCheck
from coach.voice.asr.whisper_engine import WhisperRecognizer
from coach.voice.asr.whisper_files import packaged_model
from bench.phrasings import phrasings
from testkit import testaudio as ta

log = logging.getLogger("bench.negation_margin")

KINDS = ("pain", "negation", "chatter")
VOICES = (ta.PIPER_SPEAKER, *ta.VOICES)
RATES = (150, 190)
MARGINS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


@dataclass
class Scored:
    kind: str
    text: str
    label: str  # the line's intent, or "none"
    voice: str
    rate: int
    transcript: str
    fired: str  # the intent read with the check never yielding, or ""
    margin: float | None  # the check's best negated sentence minus the transcript, or None
    negated: str


def measure(splits: list[str], voices: tuple[str, ...], rates: tuple[int, ...]) -> list[Scored]:
    engine = WhisperRecognizer(packaged_model())
    engine.negation = NegationCheck(engine.model, margin=float("inf"))  # score, never yield
    out: list[Scored] = []
    lines = [p for split in splits for p in phrasings(split) if p.kind in KINDS]
    for n, phrasing in enumerate(lines):
        for voice in voices:
            for rate in rates:
                samples = ta.pad(ta.synthesize(phrasing.text, voice, rate, seed=n), seed=n + 1)
                engine.start_utterance()
                engine.feed(ta.to_pcm(samples))
                hyp = engine.end_utterance()
                detail = hyp.detail or {}
                margin = detail.get("negation_margin")
                fired = interpret(hyp.text).value if hyp.text else ""
                out.append(Scored(phrasing.kind, phrasing.text,
                                  phrasing.intent.value if phrasing.intent else "none", voice,
                                  rate, hyp.transcript or "", fired,
                                  None if margin is None else float(margin), ""))
        log.info("%d/%d %s", n + 1, len(lines), phrasing.text)
    return out


def table(rows: list[Scored]) -> str:
    protective = {i.value for i in CHECKED}
    negations = [r for r in rows if r.kind == "negation" and r.fired in protective]
    pains = [r for r in rows if r.label in protective and r.fired in protective]
    chatter = [r for r in rows if r.kind == "chatter" and r.fired in protective]
    lines = [f"{len(negations)} negations and {len(chatter)} chatter lines read as pain or a "
             f"warning; {len(pains)} pain/warning lines read as pain or a warning "
             f"({len(rows)} clips)", "",
             "| margin | negations taken back | pain reports lost |", "|---|---|---|"]
    for m in MARGINS:
        fixed = sum(1 for r in negations if r.margin is not None and r.margin >= m)
        lost = sum(1 for r in pains if r.margin is not None and r.margin >= m)
        lines.append(f"| {m:.1f} | {fixed} of {len(negations)} | {lost} of {len(pains)} |")
    lines.append("")
    lines.append("Negations read as pain (transcript, margin):")
    lines += [f"  {r.text!r} {r.voice}@{r.rate}: {r.transcript!r} {r.margin}" for r in negations]
    top = sorted((r for r in pains if r.margin is not None), key=lambda r: -r.margin)[:12]
    lines.append("Pain reports nearest to a negation:")
    lines += [f"  {r.text!r} {r.voice}@{r.rate}: {r.transcript!r} {r.margin:.2f}" for r in top]
    return "\n".join(lines)


def load(paths: list[Path]) -> list[Scored]:
    rows = []
    for path in paths:
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                row["rate"] = int(row["rate"])
                row["margin"] = float(row["margin"]) if row["margin"] else None
                rows.append(Scored(**row))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", help="comma-separated: dev, heldout, late")
    parser.add_argument("--rates", default=",".join(map(str, RATES)))
    parser.add_argument("--save", type=Path)
    parser.add_argument("--from", dest="saved", type=Path, nargs="+")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.saved:
        rows = load(args.saved)
    else:
        rows = measure(args.split.split(","), VOICES,
                       tuple(int(r) for r in args.rates.split(",")))
        if args.save:
            with args.save.open("w", newline="") as f:
                writer = csv.DictWriter(f, [fl.name for fl in fields(Scored)])
                writer.writeheader()
                writer.writerows(asdict(r) for r in rows)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
