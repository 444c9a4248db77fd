"""Durations in the words a person would use out loud.

"How long?" deserves "about two minutes", not "117 seconds": exact numbers are hard to take in
while busy, and a rounded answer is what a teacher would give. Short times stay exact because
the last seconds matter.
"""

from __future__ import annotations

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty"}


def number_words(n: int) -> str:
    """0-99 as words ("forty five"); larger numbers as digits (never needed for holds)."""
    if n < 0 or n > 99:
        return str(n)
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    word = _TENS[tens * 10] if tens * 10 in _TENS else {6: "sixty", 7: "seventy", 8: "eighty",
                                                        9: "ninety"}[tens]
    return word if ones == 0 else f"{word} {_ONES[ones]}"


def _minutes(count: float) -> str:
    """Minutes in halves: 1 -> "a minute", 1.5 -> "a minute and a half", 3 -> "three minutes"."""
    whole = int(count)
    half = count - whole >= 0.5
    if whole == 0:
        return "half a minute"
    if whole == 1:
        return "a minute and a half" if half else "a minute"
    base = number_words(whole)
    return f"{base} and a half minutes" if half else f"{base} minutes"


def duration_words(seconds: float) -> str:
    """A length stated as such: 30 -> "thirty seconds", 90 -> "a minute and a half"."""
    seconds = round(seconds)
    if seconds < 60:
        return "one second" if seconds == 1 else f"{number_words(int(seconds))} seconds"
    if seconds % 30 == 0:
        return _minutes(seconds / 60)
    minutes, rest = divmod(int(seconds), 60)
    return f"{_minutes(minutes)} and {duration_words(rest)}"


def rounded_words(seconds: float) -> str:
    """A time rounded the way people speak: exact under ten seconds, then to 5 s, then to 30 s."""
    if seconds < 10:
        return duration_words(max(1, int(seconds + 0.5)))
    if seconds < 55:
        return f"{number_words(int(5 * round(seconds / 5)))} seconds"
    return _minutes(round(seconds / 30) / 2)


def remaining_words(seconds: float) -> str:
    """Time left: "about two minutes", "forty seconds"; exact in the last ten seconds."""
    if seconds < 1:
        return "just a moment"
    if seconds < 10:
        return rounded_words(seconds)
    return f"about {rounded_words(seconds)}"


def time_left(seconds: float) -> str:
    """Time left as a sentence: "About two minutes left.", "Just a moment left."."""
    words = remaining_words(seconds)
    return f"{words[:1].upper()}{words[1:]} left."


def range_words(minimum: float, maximum: float) -> str:
    """A hold range: (120, 300) -> "two to five minutes", (20, 30) -> "twenty to thirty seconds"."""
    if minimum == maximum:
        return duration_words(minimum)
    if minimum % 60 == 0 and maximum % 60 == 0 and minimum >= 60:
        return f"{number_words(int(minimum // 60))} to {number_words(int(maximum // 60))} minutes"
    if maximum < 60:
        return f"{number_words(int(minimum))} to {number_words(int(maximum))} seconds"
    return f"{duration_words(minimum)} to {duration_words(maximum)}"
