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


def test_every_kind_the_engine_records_has_one_payload_class() -> None:
    """The engine builds each record from its payload class (`coach.core.record_data`), so a
    record's fields are checked where it is made; the store's own kinds need none."""
    from coach.core import record_data

    classes = [value for value in vars(record_data).values() if isinstance(value, type)
               and issubclass(value, record_data.RecordData) and value is not record_data.RecordData]
    store_kinds = {RecordKind.SESSION_OPENED, RecordKind.SESSION_CLOSED, RecordKind.HEARD,
                   RecordKind.NOT_UNDERSTOOD}
    kinds = [cls.kind for cls in classes]
    assert sorted(kinds) == sorted(set(RecordKind) - store_kinds)
    step = record_data.StepStarted(2, "calf", "Calf squeeze", "left", 90.0).record()
    assert step == Record("step", {"index": 2, "step_id": "calf", "title": "Calf squeeze",
                                   "side": "left", "planned_hold": 90.0})
    assert record_data.ScreeningRestarted().record() == Record("screening_restarted", {})
