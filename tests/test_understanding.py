"""Understanding people as they really talk when something is wrong (issue 20).

The corpus (tests/data/phrasings.csv) holds 377 phrasings written for this project: `dev` lines
the reader (coach/core/understanding.py) was designed on, `heldout` lines (every third of each
kind, written in the same batch, never tuned on) and `late` lines (written after the reader was
frozen; one miss there was fixed afterwards, docs/listening.md "Understanding"). Each line is
read as typed text and as a transcript, the two ways `interpret` is called.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from coach.core.commands import Intent, interpret
from coach.core.understanding import understand

CORPUS = Path(__file__).parent / "data" / "phrasings.csv"
SAFETY_KINDS = ("stop", "pain", "softer", "scope")
PROTECTIVE = (Intent.STOP, Intent.OUCH, Intent.WARNING)


def corpus() -> list[dict[str, str]]:
    with CORPUS.open(newline="") as f:
        return list(csv.DictReader(f))


def wanted(row: dict[str, str]) -> Intent | None:
    return None if row["intent"] == "none" else Intent(row["intent"])


def test_the_corpus_is_big_enough_and_labelled() -> None:
    rows = corpus()
    kinds = [row["kind"] for row in rows]
    assert len(rows) >= 300
    for kind in ("stop", "pain", "softer"):
        assert kinds.count(kind) >= 60, kind
    assert kinds.count("negation") >= 50 and kinds.count("chatter") >= 60
    assert {row["split"] for row in rows} == {"dev", "heldout", "late"}
    assert sum(row["split"] == "heldout" for row in rows) >= len(rows) // 4
    for row in rows:
        wanted(row)  # every label is an intent or "none"


@pytest.mark.parametrize("typed", [True, False], ids=["typed", "transcript"])
@pytest.mark.parametrize("split", ["dev", "heldout", "late"])
def test_phrasings_are_understood(split: str, typed: bool) -> None:
    rows = [row for row in corpus() if row["split"] == split]
    safety = [row for row in rows if row["kind"] in SAFETY_KINDS]
    right = [row for row in rows if interpret(row["text"], typed=typed) is wanted(row)]
    safety_right = [row for row in safety if row in right]
    missed = [(row["text"], row["intent"]) for row in safety if row not in right]
    assert len(safety_right) >= 0.98 * len(safety), missed
    assert len(right) >= 0.95 * len(rows), [r["text"] for r in rows if r not in right]


def test_no_negation_ever_fires_stop_ouch_or_warning() -> None:
    fired = [(row["text"], interpret(row["text"])) for row in corpus()
             if row["kind"] == "negation" and interpret(row["text"]) in PROTECTIVE]
    assert not fired


def test_chatter_fires_at_most_one_in_a_hundred() -> None:
    chatter = [row["text"] for row in corpus() if row["kind"] == "chatter"]
    fired = [text for text in chatter if interpret(text) is not None]
    assert len(fired) <= len(chatter) / 100, fired


# ----- the scope rule, focused ------------------------------------------------------------------

@pytest.mark.parametrize(("said", "intent"), [
    ("no, stop", Intent.STOP), ("no stop", Intent.STOP), ("no no no stop", Intent.STOP),
    ("stop stop stop", Intent.STOP), ("hey stop that", Intent.STOP),
    ("don't stop", None), ("please don't stop", None), ("no need to stop", None),
    ("it's fine, no need to stop", None), ("you don't have to stop", None),
    ("I don't want you to stop", None), ("never stop", None),
    ("it doesn't hurt", None), ("no pain at all", None), ("no real pain", None),
    ("nothing hurts", None), ("I'm not numb", None), ("not too hard", None),
    ("never felt better", None),
])
def test_a_negator_governs_the_safety_word_it_stands_before(said: str,
                                                           intent: Intent | None) -> None:
    assert interpret(said) is intent


@pytest.mark.parametrize(("said", "intent"), [
    ("It doesn't hurt, but my leg is numb.", Intent.WARNING),
    ("Don't stop, just go a bit lighter.", Intent.SOFTER),
    ("No pain, just a bit too much pressure.", Intent.SOFTER),
    ("No, that hurts.", Intent.OUCH),
    ("it doesn't hurt and my foot is tingling", Intent.WARNING),
])
def test_a_negation_stops_at_its_clause(said: str, intent: Intent) -> None:
    assert interpret(said) is intent


@pytest.mark.parametrize(("said", "intent"), [
    ("I hurt my knee-skidding last year.", None),  # Whisper's spelling of "knee skiing"
    ("It's a long-standing ache from running.", None),
    ("Stop - it hurts.", Intent.OUCH),
    ("Ease off -- go only as far as is comfortable.", Intent.SOFTER),
])
def test_a_hyphen_inside_a_word_is_no_clause_break(said: str, intent: Intent | None) -> None:
    """Issue 20, found by the spoken benchmark: Whisper wrote "I hurt my knee skiing last year"
    with a hyphen, and a hyphen broke the clause, so "last year" no longer made it the past and
    it fired ouch. A dash between words still breaks a clause."""
    assert interpret(said) is intent


@pytest.mark.parametrize(("said", "intent"), [
    ("not so hard", Intent.SOFTER), ("don't press so hard", Intent.SOFTER),
    ("not that hard", Intent.SOFTER), ("not too hard", None),
])
def test_not_so_hard_asks_for_less_while_not_too_hard_says_it_is_fine(said: str,
                                                                      intent: Intent | None
                                                                      ) -> None:
    assert interpret(said) is intent


def test_length_is_no_bar_for_a_clear_report() -> None:
    assert interpret("that really hurts a lot now") is Intent.OUCH
    assert interpret("honestly I think it is starting to really hurt quite a lot now, when "
                     "you press right there on my lower back") is Intent.OUCH


def test_the_most_protective_reading_wins() -> None:
    assert interpret("ouch, that's a sharp pain") is Intent.WARNING
    assert interpret("stop, you're hurting me") is Intent.OUCH
    assert interpret("stop, that's too hard") is Intent.STOP


@pytest.mark.parametrize("said", [
    "Lift off the thigh slowly.", "Stop if there is any sharp pain.",
    "Numbness, tingling, or a sharp pain means lift your hands and stop.",
    "Do you have numbness, tingling or weakness in a leg?", "Say stop at any time.",
    "Squeeze the muscle, and let go.", "Keep it slow and gentle.",
    "Receiver, is that too much?", "Ease off: go only as far as feels comfortable.",
])
def test_the_coachs_own_instructions_are_not_read_as_commands(said: str) -> None:
    assert interpret(said) is None


@pytest.mark.parametrize("said", [
    "I stopped by the shop", "the bus stop is round the corner",
    "a pain in the neck at work today", "My knees hurt from kneeling on this hard floor.",
    "whoa, look at that sunset", "pass me the lighter", "the toast is burning",
])
def test_a_word_merely_mentioned_is_talk(said: str) -> None:
    assert interpret(said) is None
    assert understand(said) is None
