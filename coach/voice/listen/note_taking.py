"""Notes by voice, as the listener decides them (the listener's rule 6).

Why its own module: taking a note is a job apart from hearing commands. After "take a note"
the session arms the listener (`set_dictation`); the next utterance goes to the transcriber as
well, and comes out as a note, or as the command it is. `NoteTaking` is a part of `Listener`
(coach.voice.listen.listener) and uses its state: the transcriber, the context lock, the
thresholds, the on-air record.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Protocol

from coach.core.commands import Intent, Strictness
from coach.core.events import NotUnderstood
from coach.voice.asr.base import Hypothesis, Recognizer
from coach.voice.audio.on_air import OnAir
from coach.voice.frames import Heard
from coach.voice.listen import judge
from coach.voice.listen.dictation import Transcriber
from coach.voice.listen.vad import Segment

log = logging.getLogger(__name__)


class Utterance(Protocol):
    """What a note decision reads of the listener's open utterance."""

    segment: Segment
    fired: Intent | None
    audio: list[bytes]


class NoteTaking:
    """Arming for a note and deciding on the utterance taken as one (a `Listener` mixin)."""

    if TYPE_CHECKING:  # the listener's own state, set in its __init__
        transcriber: Transcriber | None
        recognizer: Recognizer
        on_air: OnAir | None
        min_speech: float
        thresholds: dict[Strictness, float]
        _context_lock: threading.Lock
        _dictation_arg: bool
        _dictation_armed: bool

        def _in_context(self, intent: Intent) -> bool: ...
        def _unheard(self, text: str) -> NotUnderstood: ...

    def set_dictation(self, on: bool) -> None:
        """Take the next utterance as a note (`on`), or stop waiting for one.

        Called ~10 times a second with the session's `taking_note`; only a change counts, so a
        note already delivered is not re-armed by a status that has not caught up yet. Without a
        transcriber this does nothing (the session's wait for a note simply times out).
        """
        on = bool(on)
        if on == self._dictation_arg:
            return
        with self._context_lock:
            self._dictation_arg = on
            self._dictation_armed = on and self.transcriber is not None
        log.debug("dictation %s", "armed" if self._dictation_armed else "off")

    def _finish_note(self, utt: Utterance, hyp: Hypothesis, at: float) -> list[Heard]:
        """Decide on an utterance taken while a note was expected (the listener's rule 6).

        The command recognizer heard it too (`hyp`), because a note model hears a lone "stop"
        as "the elbow" (judge.note_or_command).
        """
        assert self.transcriber is not None
        segment = utt.segment
        if utt.fired is not None:  # "stop" acted on from a partial: that was no note
            self._disarm()
            return []
        end = segment.end if segment.end is not None else at
        if end - segment.start < self.min_speech:
            return [Heard(self._unheard(""), segment.start, end, at, 0.0, rejected=True)]
        if self.on_air is not None and judge.began_mid_line(
                segment.start, self.on_air.overlapping(segment.start, segment.start)):
            log.debug("note wait: utterance began while the coach was speaking; still waiting")
            return [Heard(self._unheard(""), segment.start, end, at, 0.0,
                          rejected=True, own_voice=True)]
        transcript = self.transcriber.transcribe(b"".join(utt.audio))
        self._disarm()  # one note per "take a note"
        event, transcript = judge.note_event(transcript, hyp, self._in_context, self.thresholds,
                                             self.recognizer.name)
        log.info("while waiting for a note: %s", event)
        return [Heard(event, segment.start, end, at, transcript.confidence,
                      dict(transcript.detail), note=True)]

    def _disarm(self) -> None:
        with self._context_lock:
            self._dictation_armed = False
