"""What the history's rows mean to a person: the session list's rows and timeline sentences."""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import Any

from coach.core.record_kinds import RecordKind
from coach.core.routine import PRESSURE_NAMES
from coach.core.plain_text import printable



@dataclass(frozen=True)
class SessionInfo:
    """One row of the session list."""

    id: int
    routine_id: str
    routine_title: str
    receiver: str | None
    engine: str
    started_at: float
    ended_at: float | None
    completed: bool
    summary: str | None
    steps_done: int

    @property
    def outcome(self) -> str:
        """"completed", "ended early", or "unfinished": never ended, because it is running now or
        the program was killed (the timeline still has everything up to that moment)."""
        if self.ended_at is None:
            return "unfinished"
        return "completed" if self.completed else "ended early"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "routine_id": self.routine_id, "routine_title": self.routine_title,
            "receiver": self.receiver, "engine": self.engine,
            "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at) if self.ended_at is not None else None,
            "completed": self.completed, "outcome": self.outcome, "summary": self.summary,
            "steps_done": self.steps_done,
        }


def session_info(row: tuple[Any, ...]) -> SessionInfo:
    return SessionInfo(id=row[0], routine_id=row[1], routine_title=row[2], receiver=row[3],
                       engine=row[4], started_at=row[5], ended_at=row[6],
                       completed=bool(row[7]), summary=row[8], steps_done=as_int(row[9]) or 0)


@dataclass(frozen=True)
class Entry:
    """One line of a session's timeline."""

    at: float
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """A short human sentence, for `history show` and the CSV export."""
        d = self.data
        if self.kind == RecordKind.SESSION_OPENED:
            who = f" for {d['receiver']}" if d.get("receiver") else ""
            return f"Started {d.get('routine_title', '')}{who} ({d.get('engine', '?')})"
        if self.kind == RecordKind.SESSION_CLOSED:
            outcome = "Completed" if d.get("completed") else "Ended early"
            return f"{outcome}: {d['summary']}" if d.get("summary") else outcome
        if self.kind == RecordKind.PRESSURE_SETTLED:
            level = as_int(d.get("level"))
            return f"Pressure {level} {PRESSURE_NAMES.get(level or 0, '')} is good".replace(
                "  ", " ")
        if self.kind == RecordKind.SESSION_OVER:
            outcome = "completed" if d.get("completed") else "ended early"
            done = as_int(d.get("steps_done"))
            return f"Session over: {outcome}, {_count(done, 'step')} done"
        if self.kind in (RecordKind.STEP, RecordKind.HOLD):
            return _describe_step(d)
        if self.kind == RecordKind.PRESSURE:
            level, previous, reason = pressure_fields(d)
            name = PRESSURE_NAMES.get(level or 0, "")
            text = f"Pressure {level} {name}".rstrip()
            if previous is not None:
                text = f"Pressure {previous} → {level} {name}".rstrip()
            return text + (f" ({reason})" if reason else "")
        if self.kind == RecordKind.HEARD:
            confidence = d.get("confidence")
            conf = f"{confidence:.2f}, " if isinstance(confidence, (int, float)) else ""
            return f"Heard \"{d.get('text', '')}\" → {d.get('intent')} ({conf}{d.get('source')})"
        if self.kind == RecordKind.NOT_UNDERSTOOD:
            return f"Not understood: \"{d.get('text', '')}\" ({d.get('source')})"
        if self.kind == RecordKind.NOTE:
            where = f" at {d['step_id']}" if d.get("step_id") else ""
            return f"Note{where}: {d.get('text', '')}"
        said = _describe_engine_record(self.kind, d)
        if said:
            return said
        rest = ", ".join(f"{k}={v}" for k, v in d.items())
        return f"{self.kind}: {rest}" if rest else self.kind

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "kind": self.kind, **self.data}


def _count(number: int | None, noun: str) -> str:
    if number is None:
        return f"? {noun}s"
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _seconds(value: Any) -> str:
    number = as_float(value)
    return format_seconds(number) if number is not None else "?"


def _describe_engine_record(kind: str, d: dict[str, Any]) -> str:
    """The engine's other records in words ("" for a kind not known here: shown raw)."""
    if kind == RecordKind.SESSION_BEGAN:
        level = as_int(d.get("pressure"))
        return f"Began at pressure {level} {PRESSURE_NAMES.get(level or 0, '')}".rstrip()
    if kind == RecordKind.STEP_DONE:
        return f"Step {d.get('index', '?')} done"
    if kind == RecordKind.HOLD_STARTED:
        return f"Hold started at {d.get('step', '?')}, planned {_seconds(d.get('planned'))}"
    if kind == RecordKind.HOLD_CHECK:
        return f"Asked whether to move on, after {_seconds(d.get('held'))}"
    if kind == RecordKind.HOLD_EXTENDED:
        return f"Hold made {_seconds(d.get('added'))} longer"
    if kind == RecordKind.OPTIONAL_STEP:
        wanted = "done" if d.get("wanted") else "skipped"
        return f"Optional step {d.get('index', '?')} ({d.get('step_id', '?')}): {wanted}"
    if kind == RecordKind.CONTRAINDICATION:
        return f"Stopped at the safety question: {d.get('question', '?')}"
    if kind == RecordKind.DEVICE:
        state = "lost" if d.get("lost") else "back"
        detail = f" ({d['detail']})" if d.get("detail") else ""
        return f"Audio device {d.get('device', '?')} {state}{detail}"
    if kind == RecordKind.NOTE_DROPPED:
        return f"Note not kept ({d.get('why', '?')}): {d.get('text', '')}"
    if kind == RecordKind.INPUT_ENDED:
        return f"Input ended ({d.get('reason', '?')})"
    if kind == RecordKind.END_REQUESTED:
        return f"Ended from outside ({d.get('by', '?')})"
    return ""


def _describe_step(d: dict[str, Any]) -> str:
    text = f"Step {d.get('index', '?')}"
    if d.get("title"):
        text += f" · {d['title']}"
    if d.get("side"):
        text += f" ({d['side']})"
    actual, planned = as_float(d.get("actual_hold")), as_float(d.get("planned_hold"))
    if actual is not None:
        text += f" held {format_seconds(actual)}"
        if planned is not None:
            text += f" of {format_seconds(planned)}"
    elif planned is not None:
        text += f", hold {format_seconds(planned)}"
    return text


def pressure_fields(data: dict[str, Any]) -> tuple[int | None, int | None, str | None]:
    """(level, previous, reason) of a pressure record."""
    level = as_int(data.get("level"))
    previous = as_int(data.get("previous"))
    reason = data.get("reason")
    return level, previous, None if reason is None else str(reason)


def clean_name(name: str | None) -> str | None:
    """A receiver's name as kept and matched: one line, single spaces, nothing unprintable."""
    if name is None:
        return None
    name = " ".join(printable(name, one_line=True).split())
    return name or None


def as_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def as_float(value: Any) -> float | None:
    try:
        number = None if value is None else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number is None or number == number and abs(number) != float("inf") else None


def loads(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return {"raw": text}
    return value if isinstance(value, dict) else {"value": value}


def iso(at: float) -> str:
    try:
        return _dt.datetime.fromtimestamp(at).astimezone().isoformat(timespec="seconds")
    except (OverflowError, ValueError, OSError):
        return str(at)


def format_seconds(seconds: float) -> str:
    """1:05 style, for holds."""
    try:
        whole = max(0, round(seconds))
    except (OverflowError, ValueError):
        return "?"
    return f"{whole // 60}:{whole % 60:02d}"
