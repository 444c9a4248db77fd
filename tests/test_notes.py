"""Notes by voice and by keyboard, in the pure session (fake clock, no audio)."""

from __future__ import annotations

from coach.app.typed_input import typed_event
from coach.core.commands import Intent, parse
from coach.core.events import CommandSource, NoteTaken, NotUnderstood
from coach.core.notes import CONFIRM_SECONDS, LISTEN_SECONDS, clean_note, is_cancel
from coach.core.status import Phase
from testkit.session_driver import Driver, to_phase


def heard_note(driver: Driver, text: str) -> list[str]:
    before = len(driver.said)
    driver.feed(driver.session.handle(NoteTaken(text, CommandSource.SPOKEN, "pocketsphinx")))
    return driver.said[before:]


def test_spoken_note_is_read_back_and_kept_on_yes() -> None:
    driver = to_phase(Phase.HOLD)
    assert driver.say("take a note") == ["Go ahead."]
    status = driver.session.status()
    assert status.taking_note
    # While the note is being said, only safety words are listened for as commands.
    assert "next" not in status.listening_for and "stop" in status.listening_for
    assert heard_note(driver, "knot by the left shoulder blade") == [
        "I heard: knot by the left shoulder blade. Keep it?"]
    status = driver.session.status()
    assert not status.taking_note and status.note_read_back == "knot by the left shoulder blade"
    assert status.listening_for[0] == "yes" and "no" in status.listening_for
    assert driver.records("note") == []  # nothing kept before the yes
    assert driver.say("yes") == ["Kept."]
    assert driver.records("note") == [{"text": "knot by the left shoulder blade", "step_id": "sit"}]
    assert driver.phase is Phase.HOLD  # the hold ran on throughout


def test_hold_keeps_time_while_a_note_is_taken() -> None:
    driver = to_phase(Phase.HOLD)
    hold = driver.session.hold
    assert hold is not None
    before = hold.remaining(driver.clock.now())
    driver.say("take a note")
    driver.wait(5)
    heard_note(driver, "tender spot")
    driver.say("yes")
    assert hold.remaining(driver.clock.now()) < before - 5


def test_no_deletes_the_read_back_note() -> None:
    driver = to_phase(Phase.HOLD)
    driver.say("take a note")
    heard_note(driver, "the left so i")
    assert driver.say("no") == ["Deleted. Say take a note to try again."]
    assert driver.records("note") == []
    assert driver.records("note_dropped")[-1] == {"text": "the left so i", "why": "no"}
    assert driver.phase is Phase.HOLD  # "no" answered the note, not the hold


def test_yes_answers_the_note_before_a_hold_question() -> None:
    driver = to_phase(Phase.HOLD_DECISION)
    driver.say("take a note")
    heard_note(driver, "tight spot")
    driver.say("yes")
    assert driver.phase is Phase.HOLD_DECISION  # the "move on?" question is still open
    assert driver.records("note")[-1]["text"] == "tight spot"


def test_unanswered_read_back_is_dropped_silently() -> None:
    driver = to_phase(Phase.HOLD)
    driver.say("take a note")
    heard_note(driver, "tight spot")
    said = driver.wait(CONFIRM_SECONDS + 1)
    assert not any("note" in line.lower() for line in said)
    assert driver.records("note") == []
    assert driver.records("note_dropped")[-1]["why"] == "no answer"


def test_silence_after_take_a_note_ends_the_wait() -> None:
    driver = to_phase(Phase.STEP)
    driver.say("take a note")
    assert driver.session.next_wakeup() is not None  # the runner must wake for the deadline
    said = driver.wait(LISTEN_SECONDS + 1)
    assert "I didn't hear a note." in said
    assert not driver.session.status().taking_note


def test_cancel_and_unintelligible_notes() -> None:
    driver = to_phase(Phase.HOLD)
    driver.say("take a note")
    assert heard_note(driver, "never mind") == ["No note, then."]
    driver.say("take a note")
    assert heard_note(driver, "") == ["Sorry, I didn't catch that. Say take a note to try again."]
    assert driver.records("note") == []


def test_a_command_during_the_note_wait_wins_and_ends_it() -> None:
    driver = to_phase(Phase.HOLD)
    driver.say("take a note")
    said = driver.say("stop")
    assert said[0].startswith("Stopped.")
    assert driver.phase is Phase.PAUSED
    assert not driver.session.status().taking_note
    # A late transcription after the wait ended is not kept and says nothing.
    assert heard_note(driver, "knot") == []
    assert driver.records("note_dropped")[-1]["why"] == "not asked for"


def test_note_is_not_offered_before_the_steps() -> None:
    driver = to_phase(Phase.SCREENING)
    assert "note" not in driver.session.status().listening_for
    assert driver.say("take a note") == ["You can take a note once we've started."]
    assert not driver.session.status().taking_note


def test_typed_notes_are_kept_at_once() -> None:
    driver = to_phase(Phase.HOLD)
    driver.feed(driver.session.handle(typed_event("note: knot by the left hamstring.")))
    assert driver.said[-1] == "Noted: knot by the left hamstring."
    # "note" alone, then the text on the next line, as a spoken note would go.
    event = typed_event("note")
    assert event.intent is Intent.NOTE  # type: ignore[union-attr]
    driver.feed(driver.session.handle(event))
    driver.feed(driver.session.handle(NotUnderstood("sore calf", CommandSource.TYPED)))
    assert driver.said[-1] == "Noted: sore calf."
    assert [r["text"] for r in driver.records("note")] == ["knot by the left hamstring",
                                                           "sore calf"]


def test_note_phrases_do_not_collide_with_no() -> None:
    assert parse("take a note") is Intent.NOTE
    assert parse("note") is None  # one sound from "no": only the longer forms are commands
    assert parse("no") is Intent.NO


def test_cleaning_and_cancel_words() -> None:
    assert clean_note("  knot  by the   blade. ") == "knot by the blade"
    assert is_cancel("Never mind") and is_cancel("cancel") and not is_cancel("knot")


def test_the_note_window_is_real_time_at_any_speed() -> None:
    """At --speed 20, "I didn't hear a note." came 0.75 s after "Go ahead.": a person speaks at
    their own pace whatever the demo speed."""
    import time

    from testkit.coach_process import CoachProcess, start_first_spot

    coach = CoachProcess("thai-hamstring-sit", "--text", "--quiet", "--side", "left",
                         "--no-screen", "--speed", "20")
    start_first_spot(coach)
    coach.type("note")
    coach.expect(r"^coach: Go ahead\.$")
    time.sleep(LISTEN_SECONDS / 20 * 3)  # three times the old window
    coach.type("knot near the sit bone")
    coach.expect(r"^coach: Noted: knot near the sit bone\.$")
    assert not any("didn't hear a note" in line for line in coach.seen)
    coach.type("end session")
    assert coach.finish() == 0
