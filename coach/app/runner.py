"""Runs a session in real time: one loop, one queue of events, actions handed to adapters.

Every input (typed lines, the voice listener, the speaker saying a line is done, a device going
away) is a producer that puts `Event`s on one queue. The loop takes them in order, lets the
session react, ticks the clock, and hands the resulting actions to the speaker, the display and
the history. Nothing here knows whether the input was typed or spoken.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from coach.core.actions import (
    Action,
    AdjustVoice,
    CueKind,
    PlayCue,
    Record,
    Say,
    SessionOver,
    StopSpeaking,
)
from coach.core.clock import MonotonicClock
from coach.core.record_kinds import RecordKind
from coach.core.events import (
    CommandHeard,
    EndRequested,
    EndRequester,
    Event,
    NotUnderstood,
    SpeechFinished,
)
from coach.core.session import Session
from coach.core.status import Status
from coach.exit_status import ExitStatus

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 0.1  # the loop wakes at least this often (screen refresh, Ctrl-C)
DRAIN_SECONDS = 30.0  # after the session ends, wait at most this long for speech to finish


class SpeakerLike(Protocol):
    """What the runner needs from a speaker (`coach.voice.speech.speaker.Speaker` and friends)."""

    def say(self, text: str, utterance_id: int) -> None: ...
    def stop(self) -> None: ...
    def play_cue(self, cue: CueKind) -> None: ...
    def adjust(self, rate_steps: int = 0, volume_steps: int = 0) -> None: ...
    @property
    def busy(self) -> bool: ...
    def close(self) -> None: ...


class DisplayLike(Protocol):
    def show_line(self, text: str) -> None: ...
    def update(self, status: Status) -> None: ...


class HistoryLike(Protocol):
    def heard(self, event: CommandHeard | NotUnderstood) -> None: ...
    def record(self, kind: str, data: dict[str, Any]) -> None: ...
    def close(self, completed: bool, summary: str) -> None: ...


@dataclass
class Runner:
    session: Session
    clock: MonotonicClock
    events: "queue.Queue[Event | None]"
    display: DisplayLike
    speaker: SpeakerLike | None = None
    history: HistoryLike | None = None
    on_status: list[Callable[[Status], None]] = field(default_factory=list)
    over: SessionOver | None = None

    def speech_finished(self, utterance_id: int, interrupted: bool) -> None:
        """Speaker callback (any thread): a line ended."""
        self.events.put(SpeechFinished(utterance_id, interrupted))

    def run(self) -> int:
        """Run until the session ends, Ctrl-C, SIGTERM or SIGHUP. Returns the process exit
        status."""
        signals = StopSignals()
        signals.install()
        try:
            self._dispatch(self.session.start())
            while not self.session.ended and not signals.received:
                self._step()
            interrupted = bool(signals.received)
            if self.over is None:
                # Interrupted from outside: end the session properly so the log says so.
                self._dispatch(self.session.handle(EndRequested(EndRequester.SIGNAL)))
                self._publish_status()  # the displays show the session over, too
            self._drain(signals)
        finally:
            signals.restore()
        return ExitStatus.after_signal(signals.first) if interrupted else ExitStatus.OK

    def _step(self) -> None:
        wakeup = self.session.next_wakeup()
        wait = MAX_WAIT_SECONDS
        if wakeup is not None:
            wait = max(0.0, min(wait, self.clock.real_seconds(wakeup - self.clock.now())))
        try:
            event = self.events.get(timeout=wait)
        except queue.Empty:
            event = None
        if event is not None:
            if self.history is not None and isinstance(event, (CommandHeard, NotUnderstood)):
                self.history.heard(event)
            self._dispatch(self.session.handle(event))
        self._dispatch(self.session.tick())
        self._publish_status()

    def _publish_status(self) -> None:
        """Every display and follower gets the session's state (each turn, and once more when
        a signal ended the session outside the loop)."""
        status = self.session.status()
        self.display.update(status)
        for listener in self.on_status:
            listener(status)

    def _dispatch(self, actions: list[Action]) -> None:
        """Carry out one reply of the session, in order.

        The one rule for interruptions: a reply that interrupts (an urgent line, or a stop)
        silences whatever was speaking or queued *before* it, first, and nothing of its own: the
        acknowledgement cue that "softer" or "pause" plays just before its urgent answer is part
        of the same reply and is heard (an interruption overtakes queued data, never its own)."""
        interrupts = any((isinstance(a, Say) and a.urgent) or isinstance(a, StopSpeaking)
                         for a in actions)
        if interrupts and self.speaker is not None:
            self.speaker.stop()
        for action in actions:
            if isinstance(action, Say):
                self.display.show_line(action.text)
                if self.speaker is not None:
                    self.speaker.say(action.text, action.utterance_id)
            elif isinstance(action, StopSpeaking):
                pass  # done above, before anything of this reply was queued
            elif isinstance(action, PlayCue):
                if self.speaker is not None:
                    self.speaker.play_cue(action.cue)
            elif isinstance(action, AdjustVoice):
                if self.speaker is not None:
                    self.speaker.adjust(action.rate_steps, action.volume_steps)
            elif isinstance(action, Record):
                if action.kind is RecordKind.STEP:
                    self._announce_step(action.data)
                if self.history is not None:
                    self.history.record(action.kind, action.data)
            elif isinstance(action, SessionOver):
                self.over = action
                if self.history is not None:
                    self.history.close(action.completed, action.summary)

    def _announce_step(self, data: dict[str, Any]) -> None:
        """A display that lists lines (text mode, pipes) shows each step's title as the step
        starts, as the routine format promises; the live screen shows it in its header."""
        announce = getattr(self.display, "step_started", None)
        if announce is not None:
            announce(int(data.get("index") or 0), self.session.status().step_count,
                     str(data.get("title") or ""), data.get("side"))

    def _drain(self, signals: "StopSignals") -> None:
        """Let the last lines finish speaking (another Ctrl-C cuts them), then release the
        speaker."""
        if self.speaker is None:
            return
        already = signals.received
        deadline = time.monotonic() + DRAIN_SECONDS
        while self.speaker.busy and time.monotonic() < deadline:
            if signals.received > already:
                self.speaker.stop()
                break
            # still listening: "stop" said over the closing lines silences them (the ended
            # session answers it with StopSpeaking only)
            try:
                event = self.events.get(timeout=0.05)
            except queue.Empty:
                continue
            if event is not None:
                self._dispatch(self.session.handle(event))
        self.speaker.close()


class StopSignals:
    """Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal closed) counted by a flag the loop
    polls, instead of an exception.

    A KeyboardInterrupt can land anywhere, including inside `queue.Queue.get` after its lock
    was taken and before the `with` block that releases it began; the loop's next `put` then
    waits forever for that lock (seen under load: Ctrl-C left the program hanging). Counting
    the signal and letting the loop notice it within MAX_WAIT_SECONDS never interrupts a lock.
    Handlers can only be installed from the main thread; elsewhere this does nothing.
    """

    # SIGHUP: the terminal was closed; the session ends properly, as for Ctrl-C (exit 129).
    HANDLED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                    if hasattr(signal, name))

    def __init__(self) -> None:
        self.received = 0
        self.first = 0  # the first signal's number (for the exit status)
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in self.HANDLED:
            self._previous[signum] = signal.signal(signum, self._count)

    def _count(self, signum: int, frame: Any) -> None:
        self.first = self.first or signum  # plain assignments: a handler must not take locks
        self.received += 1

    def restore(self) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()
