"""Pocketsphinx command recognizer: a closed grammar judged by a competitor grammar.

A JSGF grammar over the command phrases alone maps *anything* onto a command, so every utterance
is decoded by two decoders in step over the same audio (the default, `garbage=True`):

1. the grammar decoder: `<sil> <command phrase> <sil>` (the phrases of the current context),
   lattice best-path pass off (with it on, some clips gave no hypothesis at all);
2. a competitor decoder: the same phrases OR one or two of ~250 frequent English words (words
   within one phone of a command word left out). If the audio is a command, the competitor picks
   the same phrase; chatter and wrong words go to the English words.

With `garbage=False` (the former default) the second decoder is an allphone phone loop instead.
Held-out, the loop's features added nothing next to the competitor, and it costs RTF ~0.06, so by
default it is off (`phone_loop=None`).

This module runs the decoders, switches context grammars and reads their paths. The grammars and
the competing words are `pocketsphinx_grammar`; turning the paths into one confidence is
`pocketsphinx_scores`; the model files are `pocketsphinx_model`.

The recognizer returns `text=""` below `reject_below`; the listener applies the per-intent
thresholds on top. The model comes from the pocketsphinx wheel and is loaded once.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Iterator, Sequence

from coach.core.commands import all_phrases, normalize
from coach.voice.asr.base import SAMPLE_RATE, Hypothesis, Recognizer, RecognizerUnavailable
from coach.voice.asr.pocketsphinx_grammar import (PADDING_WORDS, command_grammar,
                                                  competitor_grammar, garbage_words)
from coach.voice.asr.pocketsphinx_model import CMN_PRIOR, model_paths
from coach.voice.asr.pocketsphinx_scores import (CONFIDENCE_WEIGHTS, FRAME_RATE, FSG_ASCR_SCALE,
                                                 LEGACY_WEIGHTS, Scores, competitor_margin,
                                                 confidence, duration_mismatch, log_ascore,
                                                 loop_scores, path_log_score)

log = logging.getLogger(__name__)

GRAMMAR_OPTIONS: dict[str, object] = {"pip": 0.1}

GARBAGE_GRAMMAR_OPTIONS: dict[str, object] = {"bestpath": False}
"""With `garbage=True` (default) the lattice best-path pass is off: with it on, synthesized "next"
gave no hypothesis at all (the FSG lattice search failed); off, best phrase right rose 77->90 %
real, 75->88 % synthesized clean, 45->57 % at 10 dB (listen_bench --quick --zero-thresholds;
`--bestpath off` alone gives the same best phrases: it is this option, not the competitor)."""

REALIGN_SHIFTS = (0.004, 0.008, 0.012, 0.016, 0.020, 0.024, 0.028)
"""Seconds of an utterance's start left out for each decode of `realigned`: with the first
decode, every 4 ms phase of the endpointer's 32 ms frames (docs/listening.md, "A barge-in read
at several frame phases"). Three shifts (8, 16, 24 ms) fired a recorded "stop" from 14 of 16
starting points, seven from 16 of 16."""


class MissingWordError(RecognizerUnavailable):
    """A command phrase uses a word the pronunciation dictionary does not know."""


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
        hmm, dic, phone_lm = model_paths(model_dir)
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
        self._grammar.add_jsgf_string("commands", command_grammar(self.phrases, self.padding))
        self._grammar.activate_search("commands")
        self.garbage_words: tuple[str, ...] = ()
        if self._garb is not None:
            self.garbage_words = garbage_words(self.phrases, self._grammar.lookup_word)
            self._garb.add_jsgf_string("commands",
                                       competitor_grammar(self.phrases, self.garbage_words))
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
        self._last_audio = b""  # the last utterance's audio, for `realigned`

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
        return self._score(is_final=False, started=time.perf_counter(), fed=self._fed_bytes)

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
        self._last_audio = audio
        if self.final_batch:
            for decoder in self._decoders():
                decoder.reinit_feat()
                decoder.start_utt()
                decoder.process_raw(audio, False, True)
                decoder.end_utt()
        return self._score(is_final=True, started=started, fed=len(audio))

    def realigned(self) -> Iterator[Hypothesis]:
        """The last utterance decoded again without its first 4, 8, ... 28 ms, one at a time
        (the caller stops at the first good enough): with the first decode, every 4 ms phase of
        the endpointer's 32 ms frames (`Recognizer.realigned`). Decoded as it was streamed (live
        cepstral mean), so the scores compare with the first. ~60 ms each for a 0.7 s word."""
        for shift in REALIGN_SHIFTS:
            piece = self._last_audio[int(shift * SAMPLE_RATE) * 2:]
            if not piece:
                return
            started = time.perf_counter()
            for decoder in self._decoders():
                decoder.reinit_feat()
                decoder.start_utt()
                decoder.process_raw(piece, False, False)
                decoder.end_utt()
            yield self._score(is_final=True, started=started, fed=len(piece))

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
            self._grammar.add_jsgf_string(name, command_grammar(wanted, self.padding))
            if self._garb is not None:
                self._garb.add_jsgf_string(name, competitor_grammar(wanted, self.garbage_words))
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

    def _score(self, is_final: bool, started: float, fed: int) -> Hypothesis:
        """The decoders' current result as a Hypothesis; `fed`: bytes of audio they decoded."""
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
            gram_ascr += log_ascore(seg.ascore, self._ascr_scale)
            span_start = seg.start_frame if span_start is None else span_start
            span_end = seg.end_frame
            pron += self._pron(seg.word)
        if span_start is None or span_end is None:
            return Hypothesis("", 0.0, is_final, {"ms": (time.perf_counter() - started) * 1000})
        frames = span_end - span_start + 1
        gpf = gram_ascr / max(1, frames)
        llr, per, outside = 0.0, 0.0, 0
        if self._phones is not None:
            llr, per, outside = loop_scores(self._phones.seg(), span_start, span_end, gram_ascr,
                                            pron)
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
                total = max(1, fed // (2 * SAMPLE_RATE // FRAME_RATE))
                competitor_path = path_log_score(self._garb.seg(), self._ascr_scale)
                grammar_path = path_log_score(self._grammar.seg(), self._ascr_scale)
                garb_margin = competitor_margin(competitor_path, grammar_path, total)
        dur = duration_mismatch(frames, len(pron))
        margin, sure = confidence(self.weights, scores, garb_won, garb_margin, dur)
        detail = scores.as_detail()
        detail.update(margin=round(margin, 3), garb=garb_won, gmargin=round(garb_margin, 4),
                      dur=round(dur, 3), ms=round((time.perf_counter() - started) * 1000, 2))
        final_text = phrase if sure >= self.reject_below else ""
        return Hypothesis(final_text, sure, is_final,
                          {**detail, "best": float(self.phrases.index(phrase))},
                          span=frames / FRAME_RATE, other_words=bool(garb_won))

    def best_phrase(self, detail: dict[str, float]) -> str:
        """The phrase the grammar pass chose (even when rejected), from a hypothesis' detail."""
        index = int(detail.get("best", -1))
        return self.phrases[index] if 0 <= index < len(self.phrases) else ""

