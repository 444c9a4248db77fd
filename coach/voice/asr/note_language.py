"""A small language model for spoken notes about the body ("knot by the left shoulder blade").

Why: a general dictation model knows every word but little about massage, so a note like "tender
spot on the right hamstring" comes back as "two thirds got on the right to three". Notes are
short and formulaic (a finding, a place, a side, a part of the body, sometimes a preference), so
a bigram model trained on sentences built from those pieces makes the recognizer expect them,
while still allowing any order and any subset of the words it knows.

`note_sentences()` builds the training sentences from the word lists below; `write_arpa()` turns
them into a Witten-Bell smoothed bigram model in ARPA text format, which pocketsphinx loads
directly (`Decoder.add_lm_file`). Words the pronunciation dictionary lacks are dropped by the
caller (`known` argument), so the model never names a word the decoder cannot say.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

FINDINGS = ("knot", "knots", "tender spot", "sore spot", "tight spot", "bruise", "scar", "tension",
            "a lump", "cramp", "pain", "soreness", "tightness", "sensitive spot")
STATES = ("tight", "tender", "sore", "sensitive", "stiff", "painful", "ticklish", "bruised",
          "very tight", "a bit sore", "better", "much better", "relaxed", "numb")
PLACES = ("by", "near", "on", "under", "above", "below", "behind", "beside", "in", "at",
          "around", "next to", "inside", "along")
SIDES = ("left", "right", "both", "upper", "lower", "outer", "inner", "middle of the")
PARTS = ("shoulder blade", "shoulder", "shoulders", "neck", "back", "upper back", "lower back",
         "spine", "hip", "hips", "glute", "glutes", "buttock", "hamstring", "hamstrings", "thigh",
         "thighs", "calf", "calves", "knee", "ankle", "foot", "feet", "arch", "heel", "arm",
         "forearm", "wrist", "hand", "elbow", "sacrum", "ribs", "waist", "side", "leg", "legs",
         "shin", "trap", "traps", "collarbone", "chest", "head", "jaw", "scalp")
LIKES = ("likes", "prefers", "wants", "needs", "liked", "does not like", "hates")
PRESSURES = ("light pressure", "firm pressure", "more pressure", "less pressure",
             "gentle pressure", "deep pressure", "it lighter", "it firmer", "it slower",
             "longer holds", "shorter holds", "more time", "oil", "no oil", "warm hands")
PEOPLE = ("she", "he", "they", "sam", "my partner")
ADVICE = ("avoid", "go easy on", "skip", "spend more time on", "be careful with", "work on",
          "come back to", "stay longer on", "check", "watch")


def note_sentences() -> list[str]:
    """Every training sentence: the patterns notes take, over the word lists above."""
    places = [f"{side} {part}" for side, part in itertools.product(SIDES, PARTS)] + list(PARTS)
    out: list[str] = []
    for finding, place, where in itertools.product(FINDINGS, PLACES, places):
        out.append(f"{finding} {place} the {where}")
    for state, where in itertools.product(STATES, places):
        out.append(f"{where} is {state}")
        out.append(f"the {where} is {state}")
        out.append(f"{state} {where}")
    for person, like, pressure, part in itertools.product(PEOPLE, LIKES, PRESSURES, PARTS):
        out.append(f"{person} {like} {pressure} on the {part}")
    for like, pressure in itertools.product(LIKES, PRESSURES):
        out.append(f"{like} {pressure}")
    for advice, where in itertools.product(ADVICE, places):
        out.append(f"{advice} the {where}")
    return out


def write_arpa(sentences: Iterable[str], path: Path,
               known: Callable[[str], bool] = lambda word: True) -> int:
    """Write a Witten-Bell bigram model of `sentences` to `path`; return how many words it has.

    A sentence with a word `known` rejects is dropped whole rather than cut, so the model never
    learns a bigram that skips over a missing word.
    """
    unigrams: Counter[str] = Counter()
    bigrams: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence in sentences:
        words = sentence.split()
        if not words or not all(known(w) for w in words):
            continue
        tokens = ["<s>", *words, "</s>"]
        unigrams.update(tokens[1:])
        for left, right in zip(tokens, tokens[1:]):
            bigrams[left][right] += 1
    if not unigrams:
        raise ValueError("no usable sentence: every one had a word the dictionary lacks")
    vocab = sorted(unigrams) + ["<s>"]
    total = sum(unigrams.values())
    # Unigrams: add-one so every word keeps some probability after any history.
    uni_prob = {w: (unigrams.get(w, 0) + 1) / (total + len(vocab)) for w in vocab}
    lines_uni: list[str] = []
    lines_bi: list[str] = []
    for word in vocab:
        followers = bigrams.get(word)
        backoff = 0.0
        if followers:
            count = sum(followers.values())
            distinct = len(followers)
            seen_mass = 0.0
            for nxt, c in sorted(followers.items()):
                p = c / (count + distinct)
                lines_bi.append(f"{math.log10(p):.4f} {word} {nxt}")
                seen_mass += uni_prob[nxt]
            left_over = distinct / (count + distinct)
            backoff = math.log10(left_over / max(1e-9, 1.0 - seen_mass))
        prob = -99.0 if word == "<s>" else math.log10(uni_prob[word])
        lines_uni.append(f"{prob:.4f} {word} {backoff:.4f}")
    path.write_text("\n".join([
        "\\data\\", f"ngram 1={len(lines_uni)}", f"ngram 2={len(lines_bi)}", "",
        "\\1-grams:", *lines_uni, "", "\\2-grams:", *lines_bi, "", "\\end\\", ""]))
    return len(vocab) - 2  # words, without the sentence markers
