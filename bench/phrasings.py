"""The natural-phrasings rows: people saying stop, pain, warning signs and "softer" in their own
words (tests/data/phrasings.csv), typed and spoken.

    python -m bench.phrasings                      # typed (all), spoken (held-out) by Piper + en-us
    python -m bench.phrasings --split all --voices piper:en_US-joe-medium

Typed: every line through `interpret(typed=True)`. Spoken: the held-out lines only (102, each by
Piper's voice and one espeak-ng voice: about 3 minutes on two busy cores), synthesized and streamed
through the real listener in the context of a running hold (`Session.active_intents()` in
Phase.HOLD: where the receiver talks most). A line is right when exactly its intent fires, or
nothing for a "none" line. Safety lines are the kinds stop, pain, softer and scope.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from coach.core.commands import Intent, interpret

log = logging.getLogger(__name__)

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "phrasings.csv"
SAFETY_KINDS = frozenset({"stop", "pain", "softer", "scope"})
PROTECTIVE = frozenset({Intent.STOP, Intent.OUCH, Intent.WARNING})
SPOKEN_VOICES = ("piper:en_US-joe-medium", "en-us")
SPOKEN_SPLIT = "heldout"


@dataclass(frozen=True)
class Phrasing:
    text: str
    intent: Intent | None
    kind: str
    split: str


@dataclass
class Score:
    """Right answers over the safety lines and over all, and what went wrong."""

    safety: list[int] = field(default_factory=lambda: [0, 0])
    overall: list[int] = field(default_factory=lambda: [0, 0])
    negations_protective: int = 0  # negations that fired stop, ouch or a warning
    chatter_fired: list[int] = field(default_factory=lambda: [0, 0])
    misses: list[str] = field(default_factory=list)

    def add(self, phrasing: Phrasing, got: list[Intent], label: str = "") -> None:
        """`got`: every intent fired. A phrasing said as several utterances ("stop, stop, stop"
        with pauses) is right when each fired its intent: the coach acted once per utterance."""
        ok = set(got) == {phrasing.intent} if phrasing.intent is not None else not got
        self.overall[0] += ok
        self.overall[1] += 1
        if phrasing.kind in SAFETY_KINDS:
            self.safety[0] += ok
            self.safety[1] += 1
        if phrasing.kind == "negation" and PROTECTIVE & set(got):
            self.negations_protective += 1
        if phrasing.kind == "chatter":
            self.chatter_fired[0] += bool(got)
            self.chatter_fired[1] += 1
        if not ok:
            fired = ",".join(i.value for i in got) or "-"
            self.misses.append(f"{phrasing.text!r}{label}->{fired}")

    @staticmethod
    def pct(pair: list[int]) -> float:
        return 100.0 * pair[0] / pair[1] if pair[1] else float("nan")

    def summary(self) -> str:
        per100 = 100.0 * self.chatter_fired[0] / self.chatter_fired[1] if self.chatter_fired[1] \
            else float("nan")
        return (f"safety {self.safety[0]}/{self.safety[1]} ({self.pct(self.safety):.1f} %), "
                f"all {self.overall[0]}/{self.overall[1]} ({self.pct(self.overall):.1f} %), "
                f"negations firing stop/ouch/warning {self.negations_protective}, "
                f"chatter fired {per100:.1f} per 100")


def phrasings(split: str = "all") -> list[Phrasing]:
    """The corpus lines of `split` ("dev", "heldout", "late" or "all")."""
    with CORPUS.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return [Phrasing(r["text"], None if r["intent"] == "none" else Intent(r["intent"]), r["kind"],
                     r["split"]) for r in rows if split == "all" or r["split"] == split]


def typed_score(split: str = "all") -> Score:
    score = Score()
    for phrasing in phrasings(split):
        got = interpret(phrasing.text, typed=True)
        score.add(phrasing, [got] if got is not None else [])
    return score


def hold_context() -> tuple[Intent, ...]:
    """What the listener listens for during a running hold."""
    from coach.core.status import Phase
    from testkit.session_driver import to_phase

    return tuple(to_phase(Phase.HOLD).session.active_intents())


def spoken_score(listener, split: str = SPOKEN_SPLIT,  # noqa: ANN001 - a Listener
                 voices: tuple[str, ...] = SPOKEN_VOICES, limit: int | None = None) -> Score:
    """Each line of `split` (the first `limit`), synthesized in each voice, through the real
    listener in a hold's context. The recognizer is left as it was found."""
    from coach.voice.pipeline import listen_pcm
    from testkit import testaudio as ta

    context = hold_context()
    score = Score()
    lines = phrasings(split)[:limit]
    written = _transcripts(listener.recognizer)
    try:
        for voice in voices:
            for i, phrasing in enumerate(lines):
                samples = ta.pad(ta.synthesize(phrasing.text, voice, 170, seed=i), seed=i + 1)
                listener.set_context(context)
                listener.reset()
                written.clear()
                heard = listen_pcm(listener, ta.to_pcm(samples))
                got = [h.event.intent for h in heard if h.fired]
                score.add(phrasing, got, f" ({voice.split(':')[-1]} wrote {written})")
    finally:
        del listener.recognizer.end_utterance  # the class's own method again
    return score


def _transcripts(recognizer) -> list[str]:  # noqa: ANN001 - a Recognizer
    """What a free-transcript engine wrote at each utterance's end (for the misses' list)."""
    written: list[str] = []
    end_utterance = recognizer.end_utterance

    def recording_end():  # noqa: ANN202
        hyp = end_utterance()
        written.append(hyp.transcript if hyp.transcript is not None else hyp.text)
        return hyp

    recognizer.end_utterance = recording_end
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default=SPOKEN_SPLIT, help="spoken lines: dev, heldout, late, all")
    parser.add_argument("--voices", nargs="+", default=list(SPOKEN_VOICES))
    parser.add_argument("--engine", default=None,
                        help="whisper (tiny.en + base), whisper-tiny (tiny.en alone), pocketsphinx "
                             "or vosk; default: as `run` picks it")
    parser.add_argument("--typed-only", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for split in ("dev", "heldout", "late", "all"):
        print(f"typed, {split}: {typed_score(split).summary()}")
    if args.typed_only:
        return 0
    from bench.cost import make_listener

    listener, description = make_listener(args.engine)
    started = time.monotonic()
    score = spoken_score(listener, args.split, tuple(args.voices))
    print(f"spoken ({args.split}, {', '.join(args.voices)}; {description}; "
          f"{time.monotonic() - started:.0f} s): {score.summary()}")
    for miss in score.misses:
        print("  missed:", miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
