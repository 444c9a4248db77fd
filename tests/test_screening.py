"""The safety questions: answers read back and confirmed, non-answers and silence asked again,
and nothing else ("left", "next") taken for an answer. Driven on the real session and clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.core.commands import interpret
from coach.core.events import CommandSource, NotUnderstood
from coach.core.screening import MAX_SILENT_REASKS, REASK_AFTER_SECONDS
from coach.core.status import Phase
from coach.routine_format.loader import load_routine
from testkit.session_driver import Driver, sample_routine

HEART = "Does the receiver have a heart condition?"
PREGNANT = "Is the receiver pregnant?"
READ_BACK = "So: no heart condition and not pregnant. Is that right?"


def at_read_back() -> Driver:
    driver = Driver(sample_routine())
    driver.say("no")
    assert driver.say("no")[-1] == READ_BACK
    return driver


def test_the_answers_are_read_back_and_a_yes_starts():
    driver = at_read_back()
    assert driver.phase is Phase.SCREENING and not driver.session.screening.done
    assert driver.cues()[-1] == "attention"
    replies = driver.say("yes")
    assert replies[0] == "Thank you."
    assert driver.phase is Phase.CHOOSE_SIDE
    assert driver.records("screening_confirmed") == [{"questions": 2}]


def test_no_to_the_read_back_goes_back_through_the_questions():
    driver = at_read_back()
    replies = driver.say("no")
    assert replies == ["Then let's go through the questions again.", HEART]
    assert driver.phase is Phase.SCREENING
    driver.say("no")
    assert driver.say("yes")[0] == "Not during pregnancy."  # the second time, a yes stops
    assert driver.phase is Phase.ENDED and not driver.records("step")


def test_the_read_back_waits_for_a_clear_yes():
    driver = at_read_back()
    assert driver.say("next")[-1] == READ_BACK
    assert driver.say("skip")[-1] == READ_BACK
    assert driver.say("back")[-1] == PREGNANT  # back from the read-back: the last question
    assert driver.say("no")[-1] == READ_BACK
    assert driver.say("repeat")[-1] == READ_BACK
    assert driver.phase is Phase.SCREENING


def test_the_shipped_thai_read_back_is_one_sentence_naming_every_answer():
    path = Path(__file__).resolve().parents[1] / "routines" / "thai-hamstring-sit.yaml"
    routine = load_routine(path)
    driver = Driver(routine)
    for _ in routine.contraindications:
        driver.say("no")
    sentence = driver.said[-1]
    assert sentence.startswith("So: no heart condition, no varicose veins, not pregnant, ")
    assert sentence.endswith(", and no intense or lasting pain. Is that right?")
    assert sentence.count(".") == 1 and sentence.count(",") == len(routine.contraindications) - 1
    assert all(item.read_back in sentence
                                            for item in routine.contraindications)


@pytest.mark.parametrize("typed", ["maybe", "I don't know", "not sure"])
def test_a_typed_non_answer_gets_the_question_again(typed):
    driver = Driver(sample_routine())
    driver.feed(driver.session.handle(NotUnderstood(typed, CommandSource.TYPED)))
    assert driver.said[-2:] == ["I need a clear yes or no.", HEART]
    assert driver.phase is Phase.SCREENING and driver.session.question_index == 0
    driver.feed(driver.session.handle(NotUnderstood(typed, CommandSource.TYPED)))
    assert driver.said[-1] == HEART  # typed: every time, the person is looking


def test_heard_non_answers_get_the_question_again_once_per_asking():
    """Heard chatter (or the coach's own voice) cannot keep the question going round."""
    driver = Driver(sample_routine())
    heard = NotUnderstood("maybe", CommandSource.SPOKEN, "vosk")
    driver.feed(driver.session.handle(heard))
    assert driver.said[-2:] == ["I need a clear yes or no.", HEART]
    before = len(driver.said)
    driver.feed(driver.session.handle(heard))
    assert len(driver.said) == before
    driver.say("no")  # an answer: the next question may be nudged once again
    driver.feed(driver.session.handle(heard))
    assert driver.said[-2:] == ["I need a clear yes or no.", PREGNANT]


def test_silence_gets_the_question_again_a_few_times():
    driver = Driver(sample_routine())
    assert driver.session.next_wakeup() is not None
    said = driver.wait(REASK_AFTER_SECONDS + 1)
    assert said == ["I didn't hear an answer.", HEART]
    said = driver.wait(REASK_AFTER_SECONDS * (MAX_SILENT_REASKS + 2))
    assert said.count(HEART) == MAX_SILENT_REASKS - 1
    assert driver.session.next_wakeup() is None  # then it waits quietly
    assert driver.phase is Phase.SCREENING
    driver.say("no")
    assert driver.wait(REASK_AFTER_SECONDS + 1) == ["I didn't hear an answer.", PREGNANT]


@pytest.mark.parametrize("side", ["left", "right", "left side"])
def test_a_side_during_a_safety_question_is_not_an_answer(side):
    driver = Driver(sample_routine())
    replies = driver.say(side)
    assert replies == ["Please answer yes or no first.", HEART]
    assert not any("started with" in line for line in driver.said)
    driver.say("no")
    driver.say("no")
    assert driver.say(side)[-1] == READ_BACK  # and not during the read-back either
    assert driver.phase is Phase.SCREENING


def test_a_yes_mid_screening_still_stops_at_once():
    driver = Driver(sample_routine())
    driver.say("no")
    assert driver.say("yes")[0] == "Not during pregnancy."
    assert driver.phase is Phase.ENDED
    assert driver.records("screening_confirmed") == []


def test_silence_counts_from_the_end_of_the_question_not_its_start():
    """The read-back of ten answers takes half a minute to say: it is not asked again while it
    is still being said."""
    driver = Driver(sample_routine())
    driver.finish_speech = False  # the speaker is still saying the question, asked again
    driver.say("repeat")
    assert driver.wait(REASK_AFTER_SECONDS + 5) == []
    start = driver.clock.now()
    from coach.core.events import CommandSource, SpeechFinished

    driver.feed(driver.session.handle(SpeechFinished(driver.session.lines.last_id)))
    driver.finish_speech = True
    assert driver.wait(REASK_AFTER_SECONDS - 2) == []
    assert driver.session.next_wakeup() == pytest.approx(start + REASK_AFTER_SECONDS)
    assert driver.wait(3)[-1] == HEART


def test_heard_words_while_the_question_is_said_or_empty_are_not_answered():
    driver = Driver(sample_routine())
    driver.finish_speech = False
    driver.say("repeat")  # the question again, still being said
    driver.feed(driver.session.handle(NotUnderstood("does the receiver", CommandSource.SPOKEN,
                                                    "vosk")))
    driver.feed(driver.session.handle(NotUnderstood("", CommandSource.SPOKEN, "vosk")))
    assert driver.said[-1] == HEART and driver.said.count(HEART) == 2


def test_a_heart_condition_rules_the_sit_out_plainly():
    path = Path(__file__).resolve().parents[1] / "routines" / "thai-hamstring-sit.yaml"
    driver = Driver(load_routine(path))
    replies = driver.say("yes")  # the first question: a heart condition
    assert replies[0].startswith("This sit is not for anyone with a heart condition")
    assert "gentle" in replies[0]
    assert replies[1] == ("So we won't start this routine. If you're not sure of the answer, "
                          "ask a doctor or a qualified massage therapist.")
    assert not any("today" in line or "doctor first" in line for line in replies)
    assert driver.phase is Phase.ENDED


def test_a_side_while_paused_before_any_side_is_chosen():
    driver = Driver(sample_routine())
    driver.say("pause")
    assert driver.say("left") == ["No side is chosen yet. Say resume to carry on with the "
                                  "safety questions."]
    driver.say("resume")
    driver.say("no")
    driver.say("no")
    driver.say("yes")
    assert driver.phase is Phase.CHOOSE_SIDE
    driver.say("pause")
    replies = driver.say("right")
    assert replies[0] == "Starting with the right side." and driver.phase is Phase.SETUP
    assert not any("started with" in line for line in driver.said)


def test_an_answer_while_paused_at_a_safety_question_is_taken():
    driver = Driver(sample_routine())
    driver.say("stop")
    assert driver.say("no")[-1] == PREGNANT
    driver.say("pause")
    assert driver.say("no")[-1] == READ_BACK
    driver.say("pause")
    driver.say("yes")
    assert driver.phase is Phase.CHOOSE_SIDE


# ----- approval is not an answer (issue 25) -----------------------------------------------------

APPROVALS = ["that's good", "perfect", "that's perfect", "that's great", "that's fine"]


def said(driver: Driver, words: str) -> list[str]:
    """`words` read the way typed lines and Whisper's transcripts are (natural phrasings too)."""
    intent = interpret(words, typed=True)
    assert intent is not None, words
    return driver.command(intent, words)


@pytest.mark.parametrize("words", APPROVALS)
def test_approval_at_the_read_back_does_not_confirm_it(words):
    """Only "yes" and its true synonyms confirm the read-back: "that's good" or "perfect" is
    approval of something, not "yes, those answers are right" (issue 25: a break that let them
    confirm passed every test)."""
    driver = at_read_back()
    replies = said(driver, words)
    assert replies == ["Please answer yes or no first.", READ_BACK]
    assert driver.phase is Phase.SCREENING and driver.session.screening.reading_back
    assert not driver.session.screening.done and driver.records("screening_confirmed") == []
    assert driver.records("pressure_settled") == []


@pytest.mark.parametrize("words", ["yes", "yeah", "yep", "that's right", "correct",
                                   "yes that's right"])
def test_yes_and_its_true_synonyms_confirm_the_read_back(words):
    driver = at_read_back()
    assert said(driver, words)[0] == "Thank you."
    assert driver.records("screening_confirmed") == [{"questions": 2}]


@pytest.mark.parametrize("words", APPROVALS)
def test_approval_at_a_safety_question_gets_the_question_again(words):
    """README: anything else than yes or no gets the question again. "That's good" used to get
    "Good. Keeping level three, medium." and the question was never asked again."""
    driver = Driver(sample_routine())
    assert said(driver, words) == ["Please answer yes or no first.", HEART]
    assert driver.session.question_index == 0 and driver.records("pressure_settled") == []
    driver.say("no")
    assert said(driver, words) == ["Please answer yes or no first.", PREGNANT]


def test_approval_while_paused_at_a_safety_question_asks_it_again():
    driver = Driver(sample_routine())
    driver.say("pause")
    assert driver.say("that's good")[-1] == HEART
    assert driver.phase is Phase.SCREENING
