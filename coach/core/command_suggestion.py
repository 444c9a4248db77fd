"""Typed lines that are not commands: which command the person most likely meant.

Typing "sofer", "stpo" or "how logn" gets a "did you mean" instead of a bare "not a command". The
suggestion is only words on the screen: nothing fires from it (a wrong guess must never move the
session on), so the person types the command itself. Phrases come from the one command table
(`coach.core.commands`); the natural phrasings it accepts are the commands' business, not this
module's.
"""

from __future__ import annotations

import difflib

from coach.core.commands import COMMANDS, normalize

CUTOFF = 0.75  # how alike (0..1) a line and a phrase must be to be offered: typos, not topics
SHORT_CUTOFF = 0.6  # a short line ("yse", "nxt") has fewer letters to be alike with
_PHRASES: tuple[str, ...] = tuple(phrase for spec in COMMANDS for phrase in spec.phrases)
_NEGATIONS = frozenset({"not", "don't", "dont", "never", "no"})


def nearest_command(text: str, fitting: tuple[str, ...] = ()) -> str | None:
    """The command phrase closest to `text`, or None when none is close.

    A line with a command in it ("a bit softer", "stop it") suggests that command, unless it is
    negated ("I'm not ready"); otherwise the closest spelling wins ("sofer"). `fitting` (what
    can be said now, e.g. `Status.can_say`) wins a near tie."""
    line = normalize(text)
    if not line or len(line) > 60:
        return None
    words = line.split()
    if not _NEGATIONS.intersection(words):
        padded = f" {line} "
        inside = [phrase for phrase in _PHRASES if f" {phrase} " in padded]
        if inside:
            return max(inside, key=lambda phrase: (len(phrase), phrase in fitting))
    short = len(line) <= 4
    cutoff = SHORT_CUTOFF if short else CUTOFF
    scored = []
    for phrase in _PHRASES:
        if short and len(phrase) > len(line) + 2:
            continue  # "quit" is not a typo of "quieter"
        score = difflib.SequenceMatcher(None, line, phrase).ratio()
        if score >= cutoff:
            scored.append((score + (0.05 if phrase in fitting else 0.0), phrase))
    return max(scored)[1] if scored else None


def not_a_command_reply(text: str, fitting: tuple[str, ...] = ()) -> str:
    """What the coach answers a typed line that is not a command."""
    guess = nearest_command(text, fitting)
    if guess:
        return f"Sorry, that's not a command I know. Did you mean {guess}? Type help to see them."
    return "Sorry, that's not a command I know. Type help to see them."
