"""Typed input: each line typed (or piped) becomes the event a spoken one would produce.

Why its own module: it is an input adapter, the typed counterpart of the voice listener
(coach/voice/), and a producer on the runner's one queue like it; the runner only runs the loop.
"""

from __future__ import annotations

import logging
import queue
import time
from typing import TextIO

from coach.core.commands import Intent, interpret
from coach.core.events import (
    CommandHeard,
    CommandSource,
    Event,
    InputEnded,
    InputEndReason,
    NotUnderstood,
    NoteTaken,
)
from coach.core.plain_text import printable

log = logging.getLogger(__name__)

MAX_TYPED_BACKLOG = 64  # typed events queued ahead of the loop, at most (read_typed_commands)
BACKLOG_WAIT_SECONDS = 0.02  # how often a reader held back by a full backlog looks again


def typed_event(line: str) -> Event:
    """A typed line as the event a spoken one would produce ("note ..." keeps a note)."""
    words = line.strip().split(maxsplit=1)
    if words and words[0].lower().rstrip(":") == "note":
        if len(words) == 2:
            return NoteTaken(words[1].strip())
        return CommandHeard(Intent.NOTE, line.strip(), 1.0, CommandSource.TYPED)  # note next
    intent = interpret(line, typed=True)  # the natural phrasings heard by voice, typed too
    if intent is None:
        return NotUnderstood(line.strip(), CommandSource.TYPED)
    return CommandHeard(intent, line.strip(), 1.0, CommandSource.TYPED)


def read_typed_commands(stream: TextIO, events: "queue.Queue[Event | None]",
                        backlog: int = MAX_TYPED_BACKLOG) -> None:
    """Producer: each typed line becomes an event; end of input ends the session.

    Typed text is made printable first (control characters escaped, bytes that are not UTF-8
    replaced), so it can be shown and saved; a Windows line end (`no\\r\\n`) is a line end,
    not part of the answer. Input that cannot be read at all ends the session like end of input,
    rather than leaving it waiting for a reader that died.

    Piped input can arrive far faster than a session takes it (`yes softer |` filled 900 MB in
    40 s), so the reader never runs more than `backlog` events ahead of the loop: it waits for
    room, which holds the pipe back too. While it waits, a line that repeats the one before it is
    dropped rather than queued (counted, and said once in the log): a flood of "softer" is one
    "softer" the session has not answered yet, not a thousand."""
    repeats = dropped = 0
    last = ""
    try:
        for line in stream:
            line = printable(line.rstrip("\r\n"), one_line=True)
            if not line.strip():
                continue
            if events.qsize() >= backlog and line.strip() == last:
                if not dropped:
                    log.warning("typed input is arriving faster than the session takes it; "
                                "repeats of %r are dropped while it catches up", last)
                repeats += 1
                dropped += 1
                time.sleep(BACKLOG_WAIT_SECONDS)  # and the flood waits too, not a busy CPU
                continue
            if repeats:
                log.info("dropped %d repeat(s) of %r", repeats, last)
                repeats = 0
            while events.qsize() >= backlog:
                time.sleep(BACKLOG_WAIT_SECONDS)
            last = line.strip()
            events.put(typed_event(line))
    except (OSError, ValueError) as error:  # a closed or undecodable stream
        log.warning("typed input stopped: %s", error)
    if dropped:
        log.warning("typed input: %d repeated line(s) dropped in all, while the session caught "
                    "up", dropped)
    events.put(InputEnded(InputEndReason.TYPED_INPUT_CLOSED))
