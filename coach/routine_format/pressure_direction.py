"""A pressure table's words must not point the wrong way.

The text for a level is read whenever the session arrives at that level: after "harder" from the
level below, and after "softer" or "ouch" from the level above (and at the start of a step). So a
level written as a change ("Let a little more of the thigh's weight sink onto the roller") tells
a hurting receiver's giver to add weight when it is read on the way down. The coach itself says
which way to go ("Take some pressure off." / "Add a little pressure."); the level's text has to
say where the weight or pressure *is* at that level.

This is a check of the words, not of their meaning, and it says so: it flags comparative words
that ask for more ("more weight", "a little more", "add", "deeper", "harder") at any level below
the routine's top, since that text is also read on the way down, and words that ask for less
("less", "lighter", "ease off", "weight off") at any level above the lightest, since that text
is also read on the way up. The top level may say "more" (it is only ever reached going up) and
the lightest may say "less". A table whose order is wrong without any such word ("Lean a little
toward the ball" for level 2) passes: no word says so.
"""

from __future__ import annotations

import re

# "more" as a comparison: not "more than" ("little more than its own weight" is an amount) and
# not "no more" ("no more than a brush" is a limit).
_MORE = re.compile(
    r"(?<!\bno\s)\bmore\b(?!\s+than\b)|\b(?:add|adds|adding|increase|increasing)\b|"
    r"\b(?:deeper|harder|firmer|heavier|further|stronger)\b", re.IGNORECASE)
_LESS = re.compile(
    r"\b(?:less|lighter|softer|gentler|lighten|reduce|reducing|decrease|decreasing)\b|"
    r"\bease\s+(?:off|up|back)\b|\bback\s+off\b|\b(?:weight|pressure)\s+off\b", re.IGNORECASE)


def direction_problem(level: int, text: str, lightest: int, top: int) -> str | None:
    """Why `text`, said at `level`, points the wrong way on one of the two ways into that level
    (None: no word says it does). `top` is the routine's max_pressure."""
    if level < top:
        found = _MORE.search(text)
        if found:
            return (f"'{found.group(0)}', which asks for more, but this text is also read after "
                    f"softer or ouch from level {level + 1}")
    if level > lightest:
        found = _LESS.search(text)
        if found:
            return (f"'{found.group(0)}', which asks for less, but this text is also read after "
                    f"harder from level {level - 1}")
    return None
