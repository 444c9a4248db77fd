"""Quick listening benchmark: the real Listener over real and synthesized audio.

    python -m bench.listen_bench [--quick] [--dump OUT.json] [--final-batch] [--vad webrtc]
                                 [--context phase|all] [--garbage on|off] [--bestpath on|off]
                                 [--zero-thresholds]

Reports in-vocabulary accuracy (real speech, synthesized clean and at 10 dB SNR pink noise),
false accepts per 100 non-command utterances (real distractor words, digits, sentences,
synthesized non-commands), commands fired by the coach's own voice while on air, latency from the
end of speech to the command (p50/p95, compute included), and the real-time factor.

`--context phase` (default) evaluates each command inside a session context where its intent is
active (the phase contexts of `Session.active_intents()`, built with testkit/session_driver.py), and
each non-command inside every context in turn, via `Listener.set_context`: what the live loop
does. `--context all` listens for every phrase (the old single-grammar measurement).

An utterance counts as correct when exactly the right intent fires (anything else fired, or
nothing, is a miss). `--dump` writes every decision with its scores so thresholds can be refitted
(bench/fit_rejection.py style analysis) without decoding again.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import time
from dataclasses import dataclass, field

import numpy as np

from coach.core.commands import all_phrases, parse
from testkit import testaudio as ta
from coach.voice.asr.pocketsphinx_engine import PocketsphinxRecognizer
from coach.voice.listen.listener import Listener
from coach.voice.pipeline import listen_pcm
from coach.voice.audio.on_air import OnAir

log = logging.getLogger("bench.listen")

COMMAND_WORDS = ("stop", "go", "yes", "no", "left", "right")  # in the real set and in our table
NON_COMMAND_OOV = ("water", "okay", "lovely", "hello", "thanks", "turn over", "is that okay",
                   "my shoulder", "bottle", "towel", "nice", "really", "sorry", "maybe", "hmm",
                   "later", "music", "breathe", "relax", "the oil is warm", "can you feel that",
                   "tell me when", "your neck is tight", "almost", "lunch", "happy birthday")


@dataclass
class Tally:
    n: int = 0
    correct: int = 0
    fired: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def rate(self) -> float:
        return self.correct / self.n if self.n else float("nan")


def phase_contexts() -> dict[str, tuple[str, ...]]:
    """The session's listening contexts, by phase name (intent value tuples, as the live loop)."""
    from coach.core.session import Phase
    from testkit.session_driver import to_phase

    out: dict[str, tuple[str, ...]] = {}
    for phase in (Phase.SCREENING, Phase.CHOOSE_SIDE, Phase.SETUP, Phase.STEP, Phase.HOLD,
                  Phase.HOLD_DECISION, Phase.PAUSED):
        out[phase.value] = tuple(i.value for i in to_phase(phase).session.active_intents())
    return out


class ContextPicker:
    """Chooses the context each clip is heard in (deterministic)."""

    def __init__(self, mode: str, seed: int = 11) -> None:
        self.contexts = phase_contexts() if mode == "phase" else {}
        self.rng = random.Random(seed)
        self.turn = 0

    def pick(self, truth: str) -> tuple[str, ...] | None:
        if not self.contexts:
            return None
        want = parse(truth) if truth else None
        names = sorted(self.contexts)
        if want is not None:
            return self.contexts[self.rng.choice([n for n in names if want.value in self.contexts[n]])]
        self.turn += 1
        return self.contexts[names[self.turn % len(names)]]


PICKER: ContextPicker | None = None


def run_clip(listener: Listener, samples: np.ndarray, truth: str, tally: Tally, dump: list,
             kind: str, speech_end: float | None = None, group: str = "") -> None:
    """Push one clip; score against `truth` (a phrase, or "" for non-commands)."""
    listener.reset()
    if PICKER is not None:
        listener.set_context(PICKER.pick(truth))
    heard = listen_pcm(listener, ta.to_pcm(samples))
    fired = [h for h in heard if h.fired]
    want = parse(truth) if truth else None
    tally.n += 1
    tally.fired += len(fired)
    got = [h.event.intent for h in fired]
    if want is not None and got == [want]:
        tally.correct += 1
        end = speech_end if speech_end is not None else ta.speech_end(samples)
        tally.latencies.append(fired[0].emitted + fired[0].compute - end)
    elif want is None and not got:
        tally.correct += 1
    else:
        tally.errors.append((truth, ",".join(i.value for i in got) or "-"))
    for h in heard:
        dump.append(dict(kind=kind, group=group, truth=truth, fired=h.fired, text=h.event.text,
                         conf=h.confidence, partial=h.partial, **h.reported_detail))


def speech_end_of(clip: np.ndarray) -> float:
    """Where the audible speech ends (energy-based: espeak pads silence of its own)."""
    return ta.speech_end(clip)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer synthesized clips")
    parser.add_argument("--dump")
    parser.add_argument("--final-batch", action="store_true")
    parser.add_argument("--garbage", choices=("on", "off"),
                        help="competitor decoder on (default) or off (phone loop, legacy weights)")
    parser.add_argument("--bestpath", choices=("on", "off"),
                        help="force the grammar pass's lattice best-path search on or off")
    parser.add_argument("--vad", default="silero")
    parser.add_argument("--context", choices=("phase", "all"), default="phase")
    parser.add_argument("--zero-thresholds", action="store_true",
                        help="fire everything the recognizer does not reject (for refitting)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    global PICKER
    PICKER = ContextPicker(args.context)
    options = {} if args.bestpath is None else {"bestpath": args.bestpath == "on"}
    if args.garbage is not None:
        options_garbage = {"garbage": args.garbage == "on"}
    else:
        options_garbage = {}
    rec = PocketsphinxRecognizer(final_batch=args.final_batch, **options_garbage,
                                 reject_below=0.0 if args.zero_thresholds else 0.2,
                                 decoder_options=options)
    kwargs = {}
    if args.zero_thresholds:
        from coach.core.commands import Strictness
        kwargs = dict(thresholds={s: 0.0 for s in Strictness}, partial_threshold=2.0)
    listener = Listener(rec, vad=args.vad, **kwargs)
    dump: list = []
    tallies: dict[str, Tally] = {}
    audio_seconds = 0.0
    started = time.perf_counter()
    rng = random.Random(7)

    def tally(name: str) -> Tally:
        return tallies.setdefault(name, Tally())

    for r in ta.recordings(set_name="speech-commands"):
        clip = ta.load_recording(r)
        audio_seconds += len(clip) / ta.SAMPLE_RATE
        name = "real commands" if r.transcript in COMMAND_WORDS else "real non-commands"
        run_clip(listener, clip, r.transcript if r.transcript in COMMAND_WORDS else "", tally(name), dump, name,
                 group=r.speaker)
    for r in ta.recordings(set_name="sentences"):
        clip = ta.load_recording(r)
        audio_seconds += len(clip) / ta.SAMPLE_RATE
        run_clip(listener, clip, "", tally("real non-commands"), dump, "real sentences",
                 group=r.speaker)
    digits = ta.recordings(set_name="spoken-digits")
    for r in rng.sample(digits, 30 if args.quick else 60):
        clip = ta.load_recording(r)
        audio_seconds += len(clip) / ta.SAMPLE_RATE
        run_clip(listener, clip, "", tally("real non-commands"), dump, "real digits",
                 group=r.speaker)
    phrases = all_phrases()
    n_synth = 60 if args.quick else 150
    for i in range(n_synth):
        p = rng.choice(phrases)
        v, rt = rng.choice(ta.VOICES), rng.choice(ta.RATES)
        clip = ta.command_clip(p, v, rt, seed=i)
        audio_seconds += len(clip) / ta.SAMPLE_RATE
        run_clip(listener, clip, p, tally("synth clean"), dump, "synth clean", speech_end_of(clip), group=v)
        noisy = ta.command_clip(p, v, rt, snr_db=10, noise=rng.choice(["pink", "music"]), seed=i)
        audio_seconds += len(noisy) / ta.SAMPLE_RATE
        run_clip(listener, noisy, p, tally("synth 10 dB"), dump, "synth 10dB", speech_end_of(clip), group=v)
    for i, p in enumerate(NON_COMMAND_OOV):
        v, rt = rng.choice(ta.VOICES), rng.choice(ta.RATES)
        clip = ta.command_clip(p, v, rt, seed=100 + i)
        audio_seconds += len(clip) / ta.SAMPLE_RATE
        run_clip(listener, clip, "", tally("synth non-commands"), dump, "synth non-commands",
                 group=v)
    # The coach's own voice: long lines, marked on air.
    own = tally("own voice")
    for i, line in enumerate(ta.COACH_LINES):
        voice = ta.VOICES[i % len(ta.VOICES)]
        speech = ta.synthesize(line, voice, 170, seed=i)
        clip = ta.pad(speech, 0.3, 0.6, seed=i)
        on_air = OnAir(guard_seconds=0.3)
        on_air.started(line, at=0.3)
        on_air.finished(at=0.3 + len(speech) / ta.SAMPLE_RATE)
        own_listener = Listener(rec, on_air=on_air, vad=args.vad)
        own_listener.set_context(PICKER.pick(""))
        heard = listen_pcm(own_listener, ta.to_pcm(clip))
        audio_seconds += len(clip) / ta.SAMPLE_RATE
        own.n += 1
        fired = [h for h in heard if h.fired]
        own.fired += len(fired)
        own.correct += not fired
        own.errors += [(line[:30], h.event.text) for h in fired]
        # The same line NOT marked on air: what the rules save us from.
        bare = [h for h in listen_pcm(Listener(rec, vad=args.vad), ta.to_pcm(clip)) if h.fired]
        tally("coach lines, no on-air rule").n += 1
        tally("coach lines, no on-air rule").fired += len(bare)
    elapsed = time.perf_counter() - started

    lat = sorted(l for t in tallies.values() for l in t.latencies)
    print(f"recognizer: {rec.describe()}  vad: {listener.endpointer.classifier.name}  "
          f"context: {args.context}")
    print(f"{'set':32} {'n':>5} {'correct':>8} {'fired':>6}")
    for name, t in tallies.items():
        print(f"{name:32} {t.n:5d} {t.rate() * 100:7.1f}% {t.fired:6d}")
    neg = [tallies[k] for k in ("real non-commands", "synth non-commands") if k in tallies]
    n_neg = sum(t.n for t in neg)
    fa = sum(t.fired for t in neg)
    print(f"false accepts: {fa} in {n_neg} non-command utterances = {100 * fa / max(1, n_neg):.1f} per 100")
    if lat:
        print(f"latency end-of-speech->command: p50 {1000 * statistics.median(lat):.0f} ms, "
              f"p95 {1000 * lat[int(0.95 * (len(lat) - 1))]:.0f} ms (n={len(lat)})")
    print(f"RTF {elapsed / audio_seconds:.3f} ({audio_seconds:.0f} s audio in {elapsed:.0f} s)")
    for name, t in tallies.items():
        if t.errors:
            print(f"  {name} errors: {t.errors[:25]}")
    if args.dump:
        with open(args.dump, "w") as handle:
            json.dump(dump, handle)


if __name__ == "__main__":
    main()
