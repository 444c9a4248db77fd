"""Lines as they are read aloud: numbers, durations, fractions, ordinals and symbols in words."""

from __future__ import annotations

import pytest

from coach.voice.speech.spoken_text import integer_words, speakable, split_first_sentence


@pytest.mark.parametrize("written, spoken", [
    ("Hold 20-30s, then rest 1 min.", "Hold twenty to thirty seconds, then rest one minute."),
    ("Hold 2 to 3 minutes.", "Hold two to three minutes."),
    ("Rest 1.5 min.", "Rest one and a half minutes."),
    ("Rest 0.5 min.", "Rest half a minute."),
    ("Repeat 3x on each side.", "Repeat three times on each side."),
    ("Use 1/2 of the oil.", "Use half of the oil."),
    ("The 2nd spot, then the 21st.", "The second spot, then the twenty first."),
    ("Level 3, firm & slow.", "Level three, firm and slow."),
    ("About 120 seconds.", "About one hundred and twenty seconds."),
    ("Left/right, e.g. a towel.", "Left or right, for example a towel."),
    ("A 5-minute rest.", "A five-minute rest."),
    ("No numbers   here.", "No numbers here."),
])
def test_numbers_and_symbols_become_words(written: str, spoken: str) -> None:
    assert speakable(written) == spoken


def test_integer_words() -> None:
    assert [integer_words(n) for n in (0, 7, 45, 100, 2026)] == [
        "zero", "seven", "forty five", "one hundred", "two thousand and twenty six"]


def test_first_sentence_split() -> None:
    assert split_first_sentence("Welcome. This is a routine.") == ("Welcome.",
                                                                  "This is a routine.")
    assert split_first_sentence("Hold it, e.g. like this. Then rest.") == (
        "Hold it, e.g. like this.", "Then rest.")
    assert split_first_sentence("Just one sentence.") is None
