"""Every kind of record the session history keeps: one typed vocabulary for the engine and the store.

Why: the kinds were bare strings spread over five core modules and mirrored by constants in the
history store, so a typo ("step_dnoe") lost data silently and two kinds with near names
("session_started" from the engine, "session_start" from the store) were easy to confuse.
`Record` now takes a `RecordKind` (a plain string is checked against it), and the store and its
readers use the same members.

The values are what is stored in users' history files: never change one (old files keep them).
"""

from __future__ import annotations

import enum


class RecordKind(str, enum.Enum):
    """A record kind; the comment says which fields its data carries (for the engine's kinds,
    typed in `coach.core.record_data`, one payload class per kind)."""

    # Written by the history store itself, around the engine's records:
    SESSION_OPENED = "session_start"  # routine_id, routine_title, receiver, engine
    SESSION_CLOSED = "session_end"  # completed, summary
    # The engine's (coach.core):
    SESSION_BEGAN = "session_started"  # routine, pressure: the welcome is being said
    SESSION_OVER = "session_over"  # completed, steps_done, skipped, pressure
    CONTRAINDICATION = "contraindication"  # question: answered yes, the routine does not start
    SCREENING_CONFIRMED = "screening_confirmed"  # questions: the read-back was confirmed
    SCREENING_RESTARTED = "screening_restarted"  # the read-back was wrong: asked again
    OPTIONAL_STEP = "optional_step"  # index, step_id, wanted
    STEP = "step"  # index (1-based), step_id, title, side, planned_hold
    STEP_DONE = "step_done"  # index, step_id: finished, not skipped (what "steps done" counts)
    HOLD_STARTED = "hold_started"  # step, planned
    HOLD_CHECK = "hold_check"  # step, held: asked whether to move on
    HOLD_EXTENDED = "hold_extended"  # added
    HOLD = "hold"  # index, step_id, actual_hold (and planned_hold): fills in a step row
    PRESSURE = "pressure"  # level, previous, reason
    PRESSURE_SETTLED = "pressure_settled"  # level: the receiver said it is good
    CHECK_IN = "check_in"  # question, answer, action
    NOTE = "note"  # text, step_id (a tender spot when the session has a receiver)
    NOTE_DROPPED = "note_dropped"  # text, why
    DEVICE = "device"  # device, lost, detail
    INPUT_ENDED = "input_ended"  # reason (an InputEndReason): the session ends, nobody said so
    END_REQUESTED = "end_requested"  # by (an EndRequester): Ctrl-C and the like
    # Written by the runner for what the listener decided:
    HEARD = "heard"  # intent, text, confidence, source
    NOT_UNDERSTOOD = "not_understood"  # text, source

    def __str__(self) -> str:  # the stored value, also in f-strings and logs
        return self.value
