"""System signals are their own events, not heard speech (issue 24).

The input running out (`InputEnded`) and Ctrl-C (`EndRequested`) end a session exactly as "end
session" does, but the history's heard table holds only what the person said, typed or pressed.
A command's source is a `CommandSource`, apart from the engine that heard it, and survives a trip
through the history file.
"""

from __future__ import annotations

import io
import json
import queue
import sqlite3
from pathlib import Path

import pytest

from coach.app.history import History
from coach.app.history.session_history import SessionHistory
from coach.app.plain_display import PlainDisplay
from coach.app.runner import Runner
from coach.app.typed_input import typed_event
from coach.core.actions import Record, SessionOver
from coach.core.clock import MonotonicClock
from coach.core.commands import Intent
from coach.core.events import (
    CommandHeard,
    CommandSource,
    EndRequested,
    EndRequester,
    Event,
    InputEnded,
    InputEndReason,
    NotUnderstood,
)
from coach.core.record_kinds import RecordKind
from coach.core.session import Session
from coach.core.status import Phase
from testkit.session_driver import Driver, sample_routine

ENDINGS: list[Event] = [InputEnded(reason) for reason in InputEndReason] + [
    EndRequested(EndRequester.SIGNAL)]


def _ended_by(event: Event | None) -> Driver:
    """A session into its first hold, then ended by `event` (None: by "end session")."""
    driver = Driver(sample_routine())
    for text in ("no", "no", "yes", "left", "next"):
        driver.say(text)
    driver.wait(5)
    if event is None:
        driver.say("end session")
    else:
        driver.feed(driver.session.handle(event))
    return driver


@pytest.mark.parametrize("event", ENDINGS, ids=str)
def test_an_ending_input_ends_the_session_as_end_session_does(event: Event) -> None:
    by_command, by_event = _ended_by(None), _ended_by(event)
    assert by_event.session.phase is Phase.ENDED
    assert by_event.said == by_command.said  # the same lines, the summary among them
    over = [a for a in by_event.actions if isinstance(a, SessionOver)]
    assert over == [a for a in by_command.actions if isinstance(a, SessionOver)]
    # Recorded as why the session ended, not as something heard.
    records = [a for a in by_event.actions if isinstance(a, Record)]
    kinds = {RecordKind.INPUT_ENDED, RecordKind.END_REQUESTED}
    assert [r.kind for r in records if r.kind in kinds] == [
        RecordKind.INPUT_ENDED if isinstance(event, InputEnded) else RecordKind.END_REQUESTED]
    assert by_event.session.status().last_heard == "next"  # nor shown as the last thing heard


@pytest.mark.parametrize("event", ENDINGS, ids=str)
def test_an_ending_input_after_the_end_does_nothing(event: Event) -> None:
    driver = _ended_by(None)
    assert driver.session.handle(event) == []


@pytest.mark.parametrize("source, engine, label", [
    (CommandSource.TYPED, "", "text"),
    (CommandSource.BUTTON, "", "screen"),
    (CommandSource.SPOKEN, "vosk", "vosk"),
    (CommandSource.SPOKEN, "whisper", "whisper"),
    (CommandSource.SPOKEN, "", "spoken"),
])
def test_the_source_round_trips_through_the_history(tmp_path: Path, source: CommandSource,
                                                    engine: str, label: str) -> None:
    with History.open(tmp_path / "history.sqlite3") as history:
        sid = history.start_session("calf", "Calf release", None, "vosk", at=1.0)
        history.record_heard(sid, CommandHeard(Intent.NEXT, "next", 0.9, source, engine), at=2.0)
        history.record_heard(sid, NotUnderstood("pass the oil", source, engine), at=3.0)
    db = sqlite3.connect(tmp_path / "history.sqlite3")
    stored = [row[0] for row in db.execute("SELECT source FROM heard ORDER BY at")]
    db.close()
    assert stored == [label, label]  # the column files from before the enum hold, unchanged
    assert all(CommandSource.from_label(value) == (source, engine) for value in stored)


def test_old_labels_read_as_spoken_by_their_engine() -> None:
    assert CommandSource.from_label("pocketsphinx") == (CommandSource.SPOKEN, "pocketsphinx")
    assert CommandSource.from_label("text") == (CommandSource.TYPED, "")


def _run(tmp_path: Path, events: list[Event], engine: str = "auto") -> sqlite3.Connection:
    """A real runner over `events`, its history in `tmp_path`; the file, opened to read."""
    routine = sample_routine()
    inbox: "queue.Queue[Event | None]" = queue.Queue()
    for event in events:
        inbox.put(event)
    with History.open(tmp_path / "history.sqlite3") as history:
        runner = Runner(Session(routine, MonotonicClock()), MonotonicClock(), inbox,
                        PlainDisplay(io.StringIO()),
                        history=SessionHistory(history, routine, None, engine))
        assert runner.run() == 0
    return sqlite3.connect(tmp_path / "history.sqlite3")


def test_the_end_of_typed_input_is_no_heard_row(tmp_path: Path) -> None:
    db = _run(tmp_path, [typed_event("no"), typed_event("pass the oil"),
                         InputEnded(InputEndReason.TYPED_INPUT_CLOSED)])
    heard = db.execute("SELECT understood, text, source FROM heard ORDER BY at, event_id")
    assert heard.fetchall() == [(1, "no", "text"), (0, "pass the oil", "text")]
    ended = db.execute("SELECT data FROM events WHERE kind = 'input_ended'").fetchall()
    assert [json.loads(data) for (data,) in ended] == [{"reason": "typed input closed"}]
    assert db.execute("SELECT completed FROM sessions").fetchall() == [(0,)]
    db.close()


def test_a_spoken_command_names_the_engine_of_an_auto_session(tmp_path: Path) -> None:
    db = _run(tmp_path, [CommandHeard(Intent.NO, "no", 0.9, CommandSource.SPOKEN, "whisper"),
                         InputEnded(InputEndReason.END_OF_RECORDING)])
    assert db.execute("SELECT engine FROM sessions").fetchall() == [("whisper",)]
    assert db.execute("SELECT text, source FROM heard").fetchall() == [("no", "whisper")]
    db.close()


def test_an_input_that_ends_at_once_leaves_no_session(tmp_path: Path) -> None:
    db = _run(tmp_path, [InputEnded(InputEndReason.RECOGNITION_FAILED)])
    assert db.execute("SELECT COUNT(*) FROM sessions").fetchone() == (0,)
    assert db.execute("SELECT COUNT(*) FROM heard").fetchone() == (0,)
    db.close()


def test_the_listeners_flags_are_typed_and_reported_as_before() -> None:
    """`Heard.rejected`, `own_voice` and `note` are fields, not floats in the engine's detail;
    `hear --json` and the benchmark's rows still show them as 1.0."""
    from coach.voice.frames import Heard

    heard = Heard(NotUnderstood("", CommandSource.SPOKEN, "whisper"), 1.0, 1.5, 1.6, 0.0,
                  {"logprob": -0.4}, rejected=True, own_voice=True)
    assert heard.detail == {"logprob": -0.4}
    assert heard.reported_detail == {"logprob": -0.4, "rejected": 1.0, "own_voice": 1.0}
    later = heard.with_compute(0.02)
    assert (later.rejected, later.own_voice, later.note, later.compute) == (True, True, False, 0.02)
    assert Heard(NotUnderstood("x"), 0, 0, 0, 0.5).reported_detail == {}


def test_hold_markers_are_typed_and_halfway_is_said_once_however_long_the_hold() -> None:
    from coach.core import hold_cues
    from coach.core.hold_cues import CHECK_IN, HALFWAY, Marker, MarkerKind

    step = next(step for step in sample_routine().steps
                if step.cues.countdown and step.cues.halfway and step.hold)
    markers = hold_cues.cue_markers(step, 120.0)
    kinds = {marker.kind for marker, _ in markers}
    assert MarkerKind.TICK in kinds
    assert (Marker(MarkerKind.TICK, 1.0), 1.0) in markers
    fired: set[Marker] = set()
    assert hold_cues.fire_due(markers, fired, 59.0)[:1] == [m for m, _ in markers][:1]
    # Made a minute longer: halfway and the check-in stay said; the ticks are armed again.
    again = hold_cues.rearmed(hold_cues.cue_markers(step, 180.0), fired, 119.0)
    assert HALFWAY in fired and {HALFWAY, CHECK_IN} & fired <= again
    assert not any(marker.kind is MarkerKind.TICK for marker in again)
