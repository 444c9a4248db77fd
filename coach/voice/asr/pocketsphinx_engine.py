"""Pocketsphinx command recognizer: a closed grammar judged by a competitor grammar.

A JSGF grammar over the command phrases alone maps *anything* onto a command (20/20 ordinary
sentences fired one, see shared/notes/voice-loop.md). So every utterance is decoded by two
decoders in step over the same audio (the default, `garbage=True`):

1. the grammar decoder: `<sil> <command phrase> <sil>` (the phrases of the current context),
   lattice best-path pass off (with it on, some clips gave no hypothesis at all);
2. a competitor decoder: the same phrases OR one or two of ~250 frequent English words (words
   within one phone of a command word left out). If the audio is a command, the competitor picks
   the same phrase; chatter and wrong words go to the English words.

Features, combined by a logistic squash (CONFIDENCE_WEIGHTS) into one confidence in [0, 1]:

* `gpf`: the grammar path's acoustic log-likelihood per frame of the phrase. pocketsphinx scores
  every frame relative to its best senone, so this already is a ratio against the best free
  explanation of the frame (single-feature AUC right vs wrong phrase 0.76);
* `garb`: the competitor chose something other than an active phrase; `gmargin`: by how much its
  path beats the grammar's per frame (clipped at 0);
* `frames` and `dur`: phrase length and |log(frames / 8 per phone)| (stretched or clipped words).

With `garbage=False` (the former default) the second decoder is an allphone phone loop instead,
adding `llr` (gpf minus the loop's per-frame score), `per` (phone error rate of the loop's phones
against the phrase pronunciation) and `outside` (loop speech outside the phrase), scored with
LEGACY_WEIGHTS. Held-out, the loop's features added nothing next to the competitor, and it costs
RTF ~0.06, so by default it is off (`phone_loop=None`).

The recognizer returns `text=""` below `reject_below`; the listener applies the per-intent
thresholds on top. The model comes from the pocketsphinx wheel and is loaded once.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from coach.core.commands import all_phrases, normalize
from coach.voice.asr.base import (SAMPLE_RATE, Hypothesis, Recognizer, RecognizerUnavailable,
                                  phone_distance)

log = logging.getLogger(__name__)

FRAME_RATE = 100  # pocketsphinx frames per second (10 ms shift)

PADDING_WORDS: tuple[str, ...] = ()
"""Polite padding accepted around a phrase (e.g. ("okay", "please"), mirroring
`coach.core.commands.parse`). Off by default: on real one-word commands it cost 4/60 correct."""

GRAMMAR_OPTIONS: dict[str, object] = {"pip": 0.1}

GARBAGE_GRAMMAR_OPTIONS: dict[str, object] = {"bestpath": False}
"""With `garbage=True` (default) the lattice best-path pass is off: with it on, synthesized "next"
gave no hypothesis at all (the FSG lattice search failed); off, best phrase right rose 77->90 %
real, 75->88 % synthesized clean, 45->57 % at 10 dB (listen_bench --quick --zero-thresholds;
`--bestpath off` alone gives the same best phrases: it is this option, not the competitor)."""

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

CMN_PRIOR = "50,-2.9,-5.3,-0.7"
"""Initial cepstral mean: the median over ~120 real and synthesized clips at microphone level.
pocketsphinx's default (40,3,-1) is far from it, and a streamed short command has too few frames
to recover: 45/60 real commands streamed with this prior vs 43/60 with the default."""

GARBAGE_CANDIDATES: tuple[str, ...] = tuple("""
the of and a to in you he was for as with his they at be from have or had by word but
what all were we when your there use an each which she do their if will many then them these
would write like him into has look see number way could people my than first water been
call who its find day did get come made may part over new sound take only little work know
place year live me give most very after thing our just name sentence man think great where
through much before line mean any same tell boy follow came want show also around form
small set put does another well large must big even such because turn why ask men change went
light kind need picture try us animal point mother world near build self earth father
head stand own page should country found answer school grow study still learn plant cover food
sun between state never last let thought city cross farm hard start might story saw
far sea draw late run while press close night real life few north open seem together white
children begin got walk example paper group always music those both mark often letter until
mile river car feet care second book carry took science eat room friend began idea fish
mountain once base hear horse cut sure watch color face wood main enough plain girl usual
young become body family direct leave song measure door product black short numeral
class wind question happen complete ship area half rock order fire south problem piece told
knew pass since top whole king street inch nothing course wheel full force blue object decide
surface island week moon birthday lovely hello towel bottle shoulder breathe relax really
sorry maybe later lunch warm oil neck tight almost feel okay nice dinner coffee tea
weather tomorrow yesterday morning evening phone kitchen window garden table chair hand
arm knee foot finger skin muscle cream shower minute hour money market office doctor
about said other every under""".split())
"""Frequent English words that may compete with the command phrases in the garbage pass
(`garbage=True`); those whose pronunciation is within GARBAGE_MIN_DISTANCE phones of any command
word, or that are command words themselves, are dropped automatically when the recognizer is built.
No word of the benchmark's one-word recordings (speech-commands distractors, digits) is in the list,
so the false-accept rates it measures are not flattered by a competitor that knows the test words
(a test checks it; dropping the 10 that were in it changed no measured rate)."""

GARBAGE_MIN_DISTANCE = 2

FSG_ASCR_SCALE = 1024.0
"""With bestpath off, pocketsphinx 5.1.1's FSG search reports segment acoustic scores shifted by
2**10 (SENSCR_SHIFT): seg.ascore is exp(score / 1024). Multiplying the log back by 1024 puts them
on the phone loop's scale."""

ALLPHONE_ASCR_SCALE = 1024.0
"""The allphone (phone loop) search of pocketsphinx 5.1.1 reports segment acoustic scores on the
same 2**10-shifted scale as the FSG search without bestpath (it has no lattice pass): a whole
utterance summed to about -0.1 unscaled, i.e. the loop side of `llr` was ~0 and `llr` was really
the grammar's own per-frame score. Scaled, `llr` is the ratio its name says."""

_NON_SPEECH = frozenset({"SIL", "+NSN+", "+SPN+", "+BREATH+", "+COUGH+", "+UM+", "+UH+", "+NOISE+"})


class MissingWordError(RecognizerUnavailable):
    """A command phrase uses a word the pronunciation dictionary does not know."""


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


def _model_paths(model_dir: Path | None) -> tuple[Path, Path, Path]:
    try:
        import pocketsphinx
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise RecognizerUnavailable("pocketsphinx is not installed: pip install pocketsphinx") from error
    base = Path(model_dir) if model_dir else Path(pocketsphinx.get_model_path()) / "en-us"
    hmm, dic, phone_lm = base / "en-us", base / "cmudict-en-us.dict", base / "en-us-phone.lm.bin"
    for path in (hmm, dic, phone_lm):
        if not path.exists():
            raise RecognizerUnavailable(f"pocketsphinx model file missing: {path}")
    return hmm, dic, phone_lm


def _jsgf_garbage(phrases: Iterable[str], garbage: Sequence[str]) -> str:
    """The competitor grammar: a command phrase, or one or two garbage words (not a loop)."""
    alternatives = " | ".join(sorted(set(phrases)))
    words = " | ".join(garbage)
    return (f"#JSGF V1.0;\ngrammar garbage;\n<command> = {alternatives};\n<garbage> = {words};\n"
            f"public <utterance> = <command> | <garbage> [<garbage>];\n")


def _jsgf(phrases: Iterable[str], padding: Sequence[str]) -> str:
    alternatives = " | ".join(sorted(set(phrases)))
    rule = "<command>"
    if padding:
        pad = " | ".join(padding)
        rule = f"[<pad>] <command> [<pad>]"
        extra = f"<pad> = {pad};\n"
    else:
        extra = ""
    return (f"#JSGF V1.0;\ngrammar commands;\n{extra}<command> = {alternatives};\n"
            f"public <utterance> = {rule};\n")


class PocketsphinxRecognizer(Recognizer):
    """Closed-grammar pocketsphinx with phone-loop rejection (see the module docstring)."""

    name = "pocketsphinx"

    def __init__(self, phrases: Sequence[str] | None = None, model_dir: Path | None = None, *,
                 padding: Sequence[str] = PADDING_WORDS, reject_below: float = 0.2,
                 weights: tuple[float, ...] | None = None, garbage: bool = True,
                 phone_loop: bool | None = None, partial_every: float = 0.1,
                 decoder_options: dict[str, object] | None = None, final_batch: bool = False) -> None:
        """Load the model and build both searches.

        `reject_below`: confidence under which the final text is "" (the listener's per-intent
        thresholds sit above it). `weights` (see CONFIDENCE_WEIGHTS) map the scores to confidence
        with a logistic function; a parameter so the benchmark can sweep them.
        `decoder_options`: extra pocketsphinx settings for the grammar pass; the default phone
        insertion probability 0.1 (vs 1.0) measured 47/60 vs 42/60 on real one-word commands
        against the full phrase grammar, because it stops short words growing into longer phrases.
        `final_batch`: decode the whole utterance again at the end in one batch (full-utterance
        CMN; ~+2/60 real commands) at the price of ~40-120 ms more latency per utterance.
        `partial_every`: seconds of new audio between partial hypotheses (decoder.hyp is cheap,
        the scoring is not free).
        `garbage`: run the competitor decoder (phrases OR frequent English words) with bestpath
        off; the default since it measured better held-out (docs/listening.md).
        `phone_loop`: run the allphone decoder for `llr`/`per`/`outside`. None = only without
        `garbage`: with the competitor it added nothing held-out and cost RTF ~0.06.
        """
        from pocketsphinx import Decoder

        self.phrases = [normalize(p) for p in (phrases if phrases is not None else all_phrases())]
        self.padding = tuple(padding)
        self.reject_below = reject_below
        self.garbage = garbage
        self.phone_loop = (not garbage) if phone_loop is None else phone_loop
        self.weights = weights if weights is not None else (CONFIDENCE_WEIGHTS if garbage else LEGACY_WEIGHTS)
        self.partial_every = partial_every
        self.final_batch = final_batch
        merged = {**GRAMMAR_OPTIONS, **(GARBAGE_GRAMMAR_OPTIONS if garbage else {}),
                  **(decoder_options or {})}
        self._ascr_scale = 1.0 if merged.get("bestpath", True) else FSG_ASCR_SCALE
        hmm, dic, phone_lm = _model_paths(model_dir)
        self.model_dir = hmm.parent
        started = time.perf_counter()
        common = dict(hmm=str(hmm), dict=str(dic), loglevel="FATAL", samprate=SAMPLE_RATE,
                      remove_noise=False, cmninit=CMN_PRIOR)
        try:
            self._grammar = Decoder(lm=None, **common, **merged)
            self._phones = (Decoder(allphone=str(phone_lm), backtrace=False, **common)
                            if self.phone_loop else None)
            self._garb = (Decoder(lm=None, **common, **merged)
                          if garbage else None)
        except Exception as error:  # the C library raises plain RuntimeError/ValueError
            raise RecognizerUnavailable(f"cannot load pocketsphinx model from {hmm.parent}: {error}") from error
        missing = sorted({w for p in [*self.phrases, *self.padding] for w in p.split()
                          if self._grammar.lookup_word(w) is None})
        if missing:
            raise MissingWordError(
                "pocketsphinx dictionary has no pronunciation for: " + ", ".join(missing)
                + f" (dictionary {dic}); rephrase the command or add the word to the dictionary")
        self._grammar.add_jsgf_string("commands", _jsgf(self.phrases, self.padding))
        self._grammar.activate_search("commands")
        self.garbage_words: tuple[str, ...] = ()
        if self._garb is not None:
            self.garbage_words = self._pick_garbage()
            self._garb.add_jsgf_string("commands", _jsgf_garbage(self.phrases, self.garbage_words))
            self._garb.activate_search("commands")
        everything = frozenset(self.phrases)
        # Context grammars: one named JSGF search per distinct phrase set, compiled on first use
        # (~0.5-1 ms for 20-30 phrases) and switched with activate_search (~0.003 ms) afterwards.
        self._searches: dict[frozenset[str], str] = {everything: "commands"}
        self._active: frozenset[str] = everything
        self._pending: frozenset[str] | None = None
        self._pron_cache: dict[str, list[str]] = {}
        self.load_seconds = time.perf_counter() - started
        log.info("pocketsphinx loaded in %.2f s: %d phrases", self.load_seconds, len(self.phrases))
        self._in_utt = False
        self._fed_bytes = 0
        self._last_partial_at = 0
        self._audio = bytearray()

    def _pick_garbage(self) -> tuple[str, ...]:
        """GARBAGE_CANDIDATES minus words sounding within GARBAGE_MIN_DISTANCE phones of a command word."""
        command_words = {w for p in self.phrases for w in p.split()}
        prons = [self._grammar.lookup_word(w).split() for w in command_words]
        keep = []
        for word in dict.fromkeys(GARBAGE_CANDIDATES):
            pron = self._grammar.lookup_word(word)
            if word in command_words or not pron:
                continue
            phones = pron.split()
            if all(phone_distance(phones, c) >= GARBAGE_MIN_DISTANCE for c in prons):
                keep.append(word)
        return tuple(keep)

    def _path_ascr(self, decoder) -> float:
        return sum(math.log(max(seg.ascore, 1e-300)) for seg in decoder.seg()) * self._ascr_scale

    def _decoders(self) -> list:
        return [d for d in (self._grammar, self._phones, self._garb) if d is not None]

    # ----------------------------------------------------------------- Recognizer interface

    def start_utterance(self) -> None:
        if self._in_utt:
            for decoder in self._decoders():
                decoder.end_utt()
        # Fresh feature state for every utterance: pocketsphinx carries cepstral-mean state across
        # utterances (set_cmn does not clear it), which made results depend on what was heard
        # before (38/60 vs 45/60 real commands after a streamed pass) and tests order-dependent.
        # reinit_feat costs ~0.15 ms.
        self._apply_pending()
        for decoder in self._decoders():
            decoder.reinit_feat()
            decoder.start_utt()
        self._in_utt = True
        self._fed_bytes = 0
        self._last_partial_at = 0
        self._audio = bytearray()

    def feed(self, pcm: bytes) -> Hypothesis | None:
        """Decode new audio in both passes; every `partial_every` s return a scored partial."""
        if not self._in_utt:
            self.start_utterance()
        if not pcm:
            return None
        for decoder in self._decoders():
            decoder.process_raw(pcm, False, False)
        self._audio.extend(pcm)
        self._fed_bytes += len(pcm)
        if self._fed_bytes - self._last_partial_at < self.partial_every * SAMPLE_RATE * 2:
            return None
        self._last_partial_at = self._fed_bytes
        hyp = self._grammar.hyp()
        if hyp is None or not hyp.hypstr:
            return Hypothesis("", 0.0, False)
        return self._score(is_final=False, started=time.perf_counter())

    def end_utterance(self) -> Hypothesis:
        started = time.perf_counter()
        if not self._in_utt:
            return Hypothesis("", 0.0, True)
        for decoder in self._decoders():
            decoder.end_utt()
        self._in_utt = False
        # Optionally decode the whole utterance again in one batch, so cepstral mean
        # normalisation sees all of it (real one-word commands: 47/60 batch vs 45/60 streamed).
        audio = bytes(self._audio)
        self._audio = bytearray()
        if self.final_batch:
            for decoder in self._decoders():
                decoder.reinit_feat()
                decoder.start_utt()
                decoder.process_raw(audio, False, True)
                decoder.end_utt()
        return self._score(is_final=True, started=started)

    def reset(self) -> None:
        """Forget the current utterance (after the coach spoke, so its voice does not linger)."""
        if self._in_utt:
            for decoder in self._decoders():
                decoder.end_utt()
            self._in_utt = False
        self._fed_bytes = 0
        self._audio = bytearray()

    def set_phrases(self, phrases: Sequence[str] | None) -> None:
        """Listen only for `phrases` (None: all) from the next utterance on.

        Phrases this recognizer was not built with are ignored (logged); if none is left the
        request is refused with ValueError rather than silently listening for everything.
        Cheap when the set is unchanged (a frozenset compare).
        """
        if phrases is None:
            wanted = frozenset(self.phrases)
        else:
            asked = frozenset(normalize(p) for p in phrases)
            wanted = asked & frozenset(self.phrases)
            if asked - wanted:
                log.debug("set_phrases: not in this grammar, ignored: %s", sorted(asked - wanted))
            if not wanted:
                raise ValueError(f"none of {sorted(asked)} is a phrase of this recognizer")
        if wanted == (self._pending if self._pending is not None else self._active):
            return
        self._pending = wanted
        if not self._in_utt:
            self._apply_pending()

    @property
    def active_phrases(self) -> frozenset[str]:
        """The phrases the grammar pass listens for now (or from the next utterance)."""
        return self._pending if self._pending is not None else self._active

    def _apply_pending(self) -> None:
        """Switch the grammar search (only between utterances: pocketsphinx requires it)."""
        wanted, self._pending = self._pending, None
        if wanted is None or wanted == self._active:
            return
        name = self._searches.get(wanted)
        if name is None:
            name = f"ctx{len(self._searches)}"
            started = time.perf_counter()
            self._grammar.add_jsgf_string(name, _jsgf(wanted, self.padding))
            if self._garb is not None:
                self._garb.add_jsgf_string(name, _jsgf_garbage(wanted, self.garbage_words))
            self._searches[wanted] = name
            log.debug("compiled context grammar %s (%d phrases) in %.1f ms", name, len(wanted),
                      (time.perf_counter() - started) * 1000)
        self._grammar.activate_search(name)
        if self._garb is not None:
            self._garb.activate_search(name)
        self._active = wanted

    def describe(self) -> str:
        judges = [name for name, on in ((f"competitor of {len(self.garbage_words)} English words",
                                          self._garb is not None),
                                         ("allphone loop", self._phones is not None)) if on]
        return (f"pocketsphinx grammar (up to {len(self.phrases)} phrases; the listener narrows "
                f"it to the moment's commands) + {' + '.join(judges) or 'no'} rejection, "
                f"bestpath {'off' if self._ascr_scale != 1.0 else 'on'}, "
                f"model {self.model_dir}, reject<{self.reject_below}")

    # ----------------------------------------------------------------- scoring

    def _pron(self, word: str) -> list[str]:
        if word not in self._pron_cache:
            pron = self._grammar.lookup_word(word) or ""
            self._pron_cache[word] = pron.split()
        return self._pron_cache[word]

    def pronunciation(self, word: str) -> tuple[str, ...] | None:
        """The dictionary's first pronunciation of `word` (None if unknown): for the listener's
        sound-alike own-voice rule."""
        phones = self._pron(word)
        return tuple(phones) if phones else None

    def _score(self, is_final: bool, started: float) -> Hypothesis:
        hyp = self._grammar.hyp()
        text = normalize(hyp.hypstr) if hyp is not None and hyp.hypstr else ""
        words = [w for w in text.split() if w not in self.padding]
        phrase = " ".join(words)
        if phrase not in self._active:
            return Hypothesis("", 0.0, is_final, {"ms": (time.perf_counter() - started) * 1000})
        # Word span and grammar acoustic score of the phrase (padding words count as outside).
        gram_ascr = 0.0
        span_start, span_end = None, None
        pron: list[str] = []
        for seg in self._grammar.seg():
            base = seg.word.split("(")[0]
            if not base or base.startswith(("<", "[", "+")):  # (NULL) nodes, silence, fillers
                continue
            if base in self.padding and base not in words:
                continue
            gram_ascr += math.log(max(seg.ascore, 1e-300)) * self._ascr_scale
            span_start = seg.start_frame if span_start is None else span_start
            span_end = seg.end_frame
            pron += self._pron(seg.word)
        if span_start is None or span_end is None:
            return Hypothesis("", 0.0, is_final, {"ms": (time.perf_counter() - started) * 1000})
        frames = span_end - span_start + 1
        gpf = gram_ascr / max(1, frames)
        llr, per, outside = 0.0, 0.0, 0
        if self._phones is not None:
            llr, per, outside = self._loop_scores(span_start, span_end, gram_ascr, pron)
        scores = Scores(frames, gpf, llr, per, outside, (time.perf_counter() - started) * 1000)
        # Competitor pass: the same audio against the phrases OR one/two frequent English words.
        garb_won, garb_margin = 0.0, 0.0
        if self._garb is not None:
            ghyp = self._garb.hyp()
            gtext = normalize(ghyp.hypstr) if ghyp is not None and ghyp.hypstr else ""
            if gtext not in self._active:
                garb_won = 1.0
            if ghyp is not None:
                # per-frame acoustic log-likelihood, whole utterance: competitor minus grammar
                total = max(1, self._fed_bytes // (2 * SAMPLE_RATE // FRAME_RATE))
                # A superset grammar scoring below the command grammar is a pruning artefact
                # (an on-air "waist" fired "wait" at 0.93 on it): only a positive margin counts.
                garb_margin = max(0.0, min(10.0, (self._path_ascr(self._garb)
                                                    - self._path_ascr(self._grammar)) / total))
        expected = max(1, len(pron)) * 8.0  # ~80 ms per phone
        dur = abs(math.log(max(1, frames) / expected))
        w_gpf, w_per, w_out, w_frames, w_gw, w_gm, w_dur, bias = self.weights
        margin = (bias + w_gpf * gpf + w_per * per + w_out * min(outside, 100) / 10
                  + w_frames * frames / 100 + w_gw * garb_won + w_gm * garb_margin + w_dur * dur)
        confidence = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, margin))))
        detail = scores.as_detail()
        detail.update(margin=round(margin, 3), garb=garb_won, gmargin=round(garb_margin, 4),
                      dur=round(dur, 3), ms=round((time.perf_counter() - started) * 1000, 2))
        final_text = phrase if confidence >= self.reject_below else ""
        return Hypothesis(final_text, confidence, is_final,
                          {**detail, "best": float(self.phrases.index(phrase))},
                          span=frames / FRAME_RATE)

    def _loop_scores(self, span_start: int, span_end: int, gram_ascr: float,
                     pron: list[str]) -> tuple[float, float, int]:
        """(llr, per, outside) of the phrase span against the allphone decoder's path."""
        assert self._phones is not None
        frames = span_end - span_start + 1
        loop_ascr = 0.0
        outside = 0
        loop_phones: list[str] = []
        for seg in self._phones.seg():
            s, e = seg.start_frame, seg.end_frame
            length = e - s + 1
            overlap = max(0, min(e, span_end) - max(s, span_start) + 1)
            if length > 0 and overlap > 0:
                loop_ascr += (math.log(max(seg.ascore, 1e-300)) * ALLPHONE_ASCR_SCALE
                              * overlap / length)
                if seg.word not in _NON_SPEECH and overlap * 2 >= length:
                    loop_phones.append(seg.word)
            if seg.word not in _NON_SPEECH:
                outside += length - overlap
        llr = (gram_ascr - loop_ascr) / max(1, frames)
        per = phone_distance(loop_phones, pron) / max(1, len(pron))
        return llr, per, outside

    def best_phrase(self, detail: dict[str, float]) -> str:
        """The phrase the grammar pass chose (even when rejected), from a hypothesis' detail."""
        index = int(detail.get("best", -1))
        return self.phrases[index] if 0 <= index < len(self.phrases) else ""


def decode_pcm(recognizer: Recognizer, pcm: bytes, chunk_bytes: int = 3200) -> Hypothesis:
    """Decode one whole utterance (helper for tests and the benchmark)."""
    recognizer.start_utterance()
    for offset in range(0, len(pcm), chunk_bytes):
        recognizer.feed(pcm[offset: offset + chunk_bytes])
    return recognizer.end_utterance()


def _env_model_dir() -> Path | None:
    value = os.environ.get("COACH_POCKETSPHINX_MODEL")
    return Path(value) if value else None
