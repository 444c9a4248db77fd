"""Record kinds are one typed vocabulary: a misspelt kind fails at once, and the stored values of
users' history files never change."""

from __future__ import annotations

import json

import pytest

from coach.core.actions import Record
from coach.core.record_kinds import RecordKind

STORED = {
    "session_start", "session_end", "session_started", "session_over", "contraindication",
    "screening_confirmed", "screening_restarted", "optional_step", "step", "step_done",
    "hold_started", "hold_check", "hold_extended", "hold", "pressure", "pressure_settled",
    "check_in", "note", "note_dropped", "device", "heard", "not_understood", "input_ended",
    "end_requested",
}


def test_a_misspelt_kind_fails_instead_of_being_stored_unread() -> None:
    with pytest.raises(ValueError):
        Record("step_dnoe", {})
    assert Record("step", {}).kind is RecordKind.STEP


def test_the_stored_values_never_change() -> None:
    assert {kind.value for kind in RecordKind} == STORED
    assert f"{RecordKind.STEP_DONE}" == "step_done"  # in f-strings and logs: the stored value
    assert json.dumps({"kind": RecordKind.NOTE}) == '{"kind": "note"}'
