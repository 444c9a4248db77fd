"""A line as it should be read aloud: numbers, durations and symbols spelled out in words.

Why: both speech back-ends phonemize with espeak-ng, which reads "30s" as "thirty ess", "2-3
min" as "two three min" and "1.5" as "one point five". The session already says its own times in
words (`coach.core.timewords`), but routine authors write freely, and a line must sound the same
whichever voice reads it. The result is also what goes on the air for the listener (its own-voice
rules compare heard words with the words of the line being spoken), so it holds words only: no
phonemes or respellings (those are the Piper back-end's business, see `piper_tts.py`).
"""

from __future__ import annotations

import re

from coach.core.timewords import number_words

_UNITS = {
    "s": ("second", "seconds"), "sec": ("second", "seconds"), "secs": ("second", "seconds"),
    "second": ("second", "seconds"), "seconds": ("second", "seconds"),
    "m": ("minute", "minutes"), "min": ("minute", "minutes"), "mins": ("minute", "minutes"),
    "minute": ("minute", "minutes"), "minutes": ("minute", "minutes"),
    "h": ("hour", "hours"), "hr": ("hour", "hours"), "hrs": ("hour", "hours"),
    "hour": ("hour", "hours"), "hours": ("hour", "hours"),
    "x": ("time", "times"), "times": ("time", "times"),
    "cm": ("centimetre", "centimetres"), "mm": ("millimetre", "millimetres"),
    "kg": ("kilo", "kilos"), "%": ("percent", "percent"),
}
_UNIT_PATTERN = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUMBER = r"\d+(?:\.\d+)?"
# "2-3 minutes", "2 to 3 min", "30s", "1.5 min", "3x", "50 %"; the unit must end the word
_QUANTITY = re.compile(
    rf"(?<![\w.])(?P<low>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<high>{_NUMBER}))?"
    rf"(?:\s?(?P<unit>{_UNIT_PATTERN})(?!\w)|(?![\w]))", re.IGNORECASE)
_FRACTIONS = {"1/2": "half", "1/3": "a third", "2/3": "two thirds", "1/4": "a quarter",
              "3/4": "three quarters"}
_FRACTION = re.compile(r"(?<![\w/])(\d+)/(\d+)(?![\w/])")
_ORDINALS = ("zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
             "twelfth").split()
_ONES_INDEX = {number_words(i): i for i in range(1, 10)}
_ORDINAL = re.compile(r"(?<![\w.])(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
_SYMBOLS = (("&", " and "), ("+", " plus "), ("/", " or "), ("°", " degrees"), ("…", "."),
            ("e.g.", "for example"), ("i.e.", "that is"), ("approx.", "about"), ("etc.", "and so on"))


def integer_words(n: int) -> str:
    """Any whole number in words: 7 -> "seven", 120 -> "one hundred and twenty"."""
    if n < 0:
        return "minus " + integer_words(-n)
    if n < 100:
        return number_words(n)
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = f"{number_words(hundreds)} hundred"
        return head if rest == 0 else f"{head} and {number_words(rest)}"
    for size, name in ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")):
        if n >= size:
            top, rest = divmod(n, size)
            head = f"{integer_words(top)} {name}"
            if rest == 0:
                return head
            return f"{head} and {integer_words(rest)}" if rest < 100 else \
                f"{head} {integer_words(rest)}"
    return str(n)  # unreachable


def quantity_words(number: str) -> str:
    """"3" -> "three", "1.5" -> "one and a half", "0.5" -> "a half", "2.25" -> "two point two
    five"."""
    if "." not in number:
        return integer_words(int(number))
    whole, frac = number.split(".", 1)
    if frac.rstrip("0") == "":
        return integer_words(int(whole))
    if frac.rstrip("0") == "5":
        return "a half" if int(whole) == 0 else f"{integer_words(int(whole))} and a half"
    return f"{integer_words(int(whole))} point " + " ".join(number_words(int(d)) for d in frac)


def _is_one(number: str) -> bool:
    return float(number) == 1.0


def _quantity(match: re.Match[str]) -> str:
    low, high, unit = match.group("low"), match.group("high"), match.group("unit")
    words = quantity_words(low)
    if high is not None:
        words += " to " + quantity_words(high)
    if unit is None:
        return words
    singular, plural = _UNITS[unit.lower()]
    last = high if high is not None else low
    half = "." in last and last.split(".", 1)[1].rstrip("0") == "5"
    if half and high is None and float(last) < 1:
        return f"half a {singular}"  # "0.5 min" -> "half a minute"
    return f"{words} {singular if _is_one(last) and not half else plural}"


def _fraction(match: re.Match[str]) -> str:
    top, bottom = match.group(1), match.group(2)
    return _FRACTIONS.get(f"{top}/{bottom}", f"{integer_words(int(top))} out of "
                                             f"{integer_words(int(bottom))}")


def _ordinal(match: re.Match[str]) -> str:
    n = int(match.group(1))
    if n < len(_ORDINALS):
        return _ORDINALS[n]
    words = integer_words(n)
    head, _, last = words.rpartition(" ")
    last = _ORDINALS[_ONES_INDEX[last]] if last in _ONES_INDEX else \
        (last[:-1] + "ieth" if last.endswith("y") else last + "th")
    return f"{head} {last}".strip()


# a sentence ends at . ! or ? followed by a space and a capital or digit ("e.g. this" does not)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def split_first_sentence(text: str) -> tuple[str, str] | None:
    """(first sentence, the rest) of a line of several sentences, else None."""
    parts = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else None


def speakable(text: str) -> str:
    """`text` with numbers, ranges, units and a few symbols as words, and spacing tidied.

    >>> speakable("Hold 20-30s, then rest 1 min.")
    'Hold twenty to thirty seconds, then rest one minute.'
    """
    out = _FRACTION.sub(_fraction, text)
    out = _ORDINAL.sub(_ordinal, out)
    for symbol, words in _SYMBOLS:
        out = out.replace(symbol, words)
    out = _QUANTITY.sub(_quantity, out)
    return " ".join(out.split())
