"""How the pocketsphinx recognizer turns its decoders' evidence into one confidence in [0, 1].

Kept apart from the decoding (`pocketsphinx_engine`) because this is the part that is fitted and
re-fitted from benchmark dumps (`bench/fit_rejection.py`), and its scale constants are facts about
pocketsphinx 5.1.1's reported scores that matter whenever a score is read.

Features, combined by a logistic squash (CONFIDENCE_WEIGHTS):

* `gpf`: the grammar path's acoustic log-likelihood per frame of the phrase. pocketsphinx scores
  every frame relative to its best senone, so this already is a ratio against the best free
  explanation of the frame (single-feature AUC right vs wrong phrase 0.76);
* `garb`: the competitor chose something other than an active phrase; `gmargin`: by how much its
  path beats the grammar's per frame (clipped at 0);
* `frames` and `dur`: phrase length and |log(frames / 8 per phone)| (stretched or clipped words).

With the allphone phone loop on (`garbage=False`, the former default) there are also `llr` (gpf
minus the loop's per-frame score), `per` (phone error rate of the loop's phones against the
phrase pronunciation) and `outside` (loop speech outside the phrase), scored with LEGACY_WEIGHTS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from coach.voice.asr.base import phone_distance

FRAME_RATE = 100  # pocketsphinx frames per second (10 ms shift)

FRAMES_PER_PHONE = 8.0
"""The expected length of one phone in frames (~80 ms), for the `dur` feature."""

LEGACY_WEIGHTS: tuple[float, ...] = (0.306, -2.343, -0.029, 0.234, 0.0, 0.0, 0.0, 2.739)
"""The weights used with `garbage=False` (grammar + phone loop, bestpath on). Fitted when the
first feature was called `llr`: the phone loop's share of it was ~0 then (ALLPHONE_ASCR_SCALE), so
it was the grammar's per-frame score, which is what `gpf` is."""

CONFIDENCE_WEIGHTS: tuple[float, ...] = (0.761, 0.0, 0.0, 0.9, -1.987, -2.761, -1.459, 5.349)
"""Logistic weights for (gpf, per, outside/10 frames, frames/100, garbage won, garbage margin,
|log duration ratio|, bias) in the default configuration (competitor decoder, bestpath off, no
phone loop, so per/outside are 0). Fitted by `bench/fit_rejection.py DUMP 1 --drop per,outside` on
the fit half (speakers/voices hashed into two halves) of a `listen_bench.py --quick --garbage
--zero-thresholds --dump` run. Single-feature AUC right vs wrong phrase there: gpf 0.76, garbage
won 0.72 (inverted), garbage margin 0.67; the phone loop's llr (correctly scaled) 0.73, per 0.70:
with them the held-out rates were the same (real 21/35, synthesized clean 10/20, 1.9 false
accepts per 100 at the fit half's 1/100 threshold), so the loop is off and its RTF ~0.06 saved."""

FSG_ASCR_SCALE = 1024.0
"""With bestpath off, pocketsphinx 5.1.1's FSG search reports segment acoustic scores shifted by
2**10 (SENSCR_SHIFT): seg.ascore is exp(score / 1024). Multiplying the log back by 1024 puts them
on the phone loop's scale."""

ALLPHONE_ASCR_SCALE = 1024.0
"""The allphone (phone loop) search of pocketsphinx 5.1.1 reports segment acoustic scores on the
same 2**10-shifted scale as the FSG search without bestpath (it has no lattice pass): a whole
utterance summed to about -0.1 unscaled, i.e. the loop side of `llr` was ~0 and `llr` was really
the grammar's own per-frame score. Scaled, `llr` is the ratio its name says."""

NON_SPEECH = frozenset({"SIL", "+NSN+", "+SPN+", "+BREATH+", "+COUGH+", "+UM+", "+UH+", "+NOISE+"})
"""Phone-loop symbols that are not speech (silence and fillers)."""


@dataclass(frozen=True)
class Scores:
    """Evidence from the passes for one utterance (also the `detail` of the hypothesis)."""

    frames: int  # frames covered by the phrase's words
    gpf: float  # grammar acoustic log-likelihood per frame of the phrase (<= 0; near 0 is good)
    llr: float  # gpf minus the phone loop's per-frame score (0 when the loop is off)
    per: float  # phone error rate of loop phones vs the phrase pronunciation (0 without loop)
    outside: int  # speech frames the phone loop found outside the phrase (0 without loop)
    ms: float  # decoding time for the final pass

    def as_detail(self) -> dict[str, float]:
        return {"frames": float(self.frames), "gpf": round(self.gpf, 3), "llr": round(self.llr, 3),
                "per": round(self.per, 3), "outside": float(self.outside), "ms": round(self.ms, 2)}


def log_ascore(ascore: float, scale: float) -> float:
    """A segment's acoustic score as a log-likelihood on the common scale (never log(0))."""
    return math.log(max(ascore, 1e-300)) * scale


def path_log_score(segments: Iterable[Any], scale: float) -> float:
    """The summed acoustic log-likelihood of a decoder's best path (its `seg()` segments)."""
    return sum(math.log(max(seg.ascore, 1e-300)) for seg in segments) * scale


def competitor_margin(competitor_path: float, grammar_path: float, total_frames: int) -> float:
    """Per-frame lead of the competitor's whole-utterance path over the grammar's, in [0, 10].

    A superset grammar scoring below the command grammar is a pruning artefact (an on-air "waist"
    fired "wait" at 0.93 on it): only a positive margin counts.
    """
    return max(0.0, min(10.0, (competitor_path - grammar_path) / total_frames))


def loop_scores(loop_segments: Iterable[Any], span_start: int, span_end: int, gram_ascr: float,
                pron: Sequence[str]) -> tuple[float, float, int]:
    """(llr, per, outside) of the phrase span [span_start, span_end] against the phone loop's path.

    `gram_ascr` is the grammar's log-likelihood of the span and `pron` the phrase's phones.
    """
    frames = span_end - span_start + 1
    loop_ascr = 0.0
    outside = 0
    loop_phones: list[str] = []
    for seg in loop_segments:
        s, e = seg.start_frame, seg.end_frame
        length = e - s + 1
        overlap = max(0, min(e, span_end) - max(s, span_start) + 1)
        if length > 0 and overlap > 0:
            loop_ascr += log_ascore(seg.ascore, ALLPHONE_ASCR_SCALE) * overlap / length
            if seg.word not in NON_SPEECH and overlap * 2 >= length:
                loop_phones.append(seg.word)
        if seg.word not in NON_SPEECH:
            outside += length - overlap
    llr = (gram_ascr - loop_ascr) / max(1, frames)
    per = phone_distance(loop_phones, pron) / max(1, len(pron))
    return llr, per, outside


def duration_mismatch(frames: int, phones: int) -> float:
    """|log(frames / expected frames)| for a phrase of `phones` phones: stretched or clipped words."""
    expected = max(1, phones) * FRAMES_PER_PHONE
    return abs(math.log(max(1, frames) / expected))


def confidence(weights: Sequence[float], scores: Scores, garb_won: float, garb_margin: float,
               dur: float) -> tuple[float, float]:
    """(margin, confidence): the weighted evidence and its logistic squash into [0, 1]."""
    w_gpf, w_per, w_out, w_frames, w_gw, w_gm, w_dur, bias = weights
    margin = (bias + w_gpf * scores.gpf + w_per * scores.per
              + w_out * min(scores.outside, 100) / 10 + w_frames * scores.frames / 100
              + w_gw * garb_won + w_gm * garb_margin + w_dur * dur)
    return margin, 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, margin))))
