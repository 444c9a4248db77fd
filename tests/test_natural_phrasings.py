"""Natural phrasings: what people say in pain or in a hurry acts; talk that mentions a command
word does not. The same reading for Whisper's transcripts and for typed lines."""

from __future__ import annotations

import pytest

from coach.app.typed_input import typed_event
from coach.core.commands import NATURAL_PHRASES, Intent, interpret, parse
from coach.core.events import CommandHeard, NotUnderstood


@pytest.mark.parametrize(("said", "intent"), [
    ("Stop it!", Intent.STOP), ("Okay, stop.", Intent.STOP), ("Stop, stop, stop!", Intent.STOP),
    ("stop right there", Intent.STOP), ("Stop talking.", Intent.STOP),
    ("Ow!", Intent.OUCH), ("Ouch, that hurts!", Intent.OUCH), ("Oh, that really hurts.", Intent.OUCH),
    ("Ow, ow.", Intent.OUCH), ("that's painful", Intent.OUCH), ("Ah, it's hurting.", Intent.OUCH),
    ("Too hard.", Intent.SOFTER), ("A bit softer, please.", Intent.SOFTER),
    ("not so hard", Intent.SOFTER), ("too deep", Intent.SOFTER),
    ("a little firmer", Intent.HARDER), ("Wait a sec.", Intent.PAUSE), ("Hang on.", Intent.PAUSE),
    ("How long left?", Intent.HOW_LONG), ("thats good", Intent.GOOD),
    ("Yep.", Intent.YES), ("That's right.", Intent.YES), ("Nope.", Intent.NO),
    ("Not really.", Intent.NO), ("quit", Intent.END), ("Go, go, go.", Intent.NEXT),
    ("left left left left", Intent.LEFT),
])
def test_natural_phrasings_act(said: str, intent: Intent) -> None:
    assert interpret(said) is intent
    assert interpret(said, typed=True) is intent


@pytest.mark.parametrize("said", [
    "Don't stop.", "Please don't stop, that's lovely.", "It doesn't hurt.", "No, it doesn't hurt at all.",
    "I stopped at the shop on the way.", "We could stop by the bakery later today if you like",
    "That hurts less than yesterday, which is a good sign for tomorrow",
    "the weather was lovely on our walk", "Could you pass me the oil, please?", "", "...",
])
def test_talk_that_mentions_commands_fires_nothing(said: str) -> None:
    assert interpret(said) is None


def test_one_letter_answers_are_typed_only() -> None:
    for letter, intent in (("y", Intent.YES), ("n", Intent.NO), ("q", Intent.END)):
        assert interpret(letter) is None  # from speech, a lone letter is noise
        assert interpret(letter, typed=True) is intent


def test_natural_phrasings_never_shadow_the_command_table() -> None:
    """A natural phrasing is never also a table phrase with another meaning."""
    for phrase, intent in NATURAL_PHRASES.items():
        assert parse(phrase) in (None, intent), phrase


def test_typed_lines_follow_the_same_reading() -> None:
    event = typed_event("ow that hurts")
    assert isinstance(event, CommandHeard) and event.intent is Intent.OUCH
    assert isinstance(typed_event("stop it"), CommandHeard)
    assert isinstance(typed_event("don't stop"), NotUnderstood)


@pytest.mark.parametrize(("said", "intent"), [
    ("ow my leg really hurts", Intent.OUCH), ("Ow, my leg really hurts!", Intent.OUCH),
    ("my lower back really hurts", Intent.OUCH), ("Ah, that is really painful.", Intent.OUCH),
    ("stop it right there now", Intent.STOP), ("can you please just stop", Intent.STOP),
    ("Okay, can you please just stop, please.", Intent.STOP),
    ("Um, stop it right there now, okay?", Intent.STOP),
])
def test_five_word_stop_and_pain_utterances_always_act(said: str, intent: Intent) -> None:
    """The README's promise at its boundary: a short utterance is five words or fewer, polite
    padding ("okay", "please", "um") not counted, and one with stop or pain in it acts, spoken or
    typed. Every earlier case is four words or fewer, so the length rule turned to `>= 5` passed
    them all (issue 25); these five-word ones fail under it."""
    assert interpret(said) is intent
    assert interpret(said, typed=True) is intent
