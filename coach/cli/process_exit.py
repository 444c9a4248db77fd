"""Leaving the process promptly, even when a dead sound server would keep it alive.

PortAudio tears itself down at interpreter exit (sounddevice registers `Pa_Terminate` with
`atexit`). If a stream's close is still stuck on a sound server that died mid-session, that
teardown waits for it forever and Ctrl-C appears to do nothing. Everything worth keeping is already
safe by then (the history commits each event as it happens), so when audio is known to be stuck,
or when ordinary shutdown takes too long, the process flushes its output and leaves at once.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import NoReturn

from coach.voice.audio.devices import audio_is_stuck

log = logging.getLogger(__name__)

EXIT_GRACE_SECONDS = 5.0  # ordinary shutdown (atexit handlers included) gets this long

def _leave_now(code: int) -> NoReturn:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def exit_process(code: int) -> NoReturn:
    """Exit with `code`: at once if an audio release is stuck (PortAudio's exit handler would
    wait for it), otherwise normally, with a watchdog that forces the exit after a grace time."""
    if audio_is_stuck():
        log.warning("the audio device never finished closing; leaving without waiting for it")
        _leave_now(code)
    watchdog = threading.Timer(EXIT_GRACE_SECONDS, _leave_now, args=(code,))
    watchdog.daemon = True
    watchdog.start()
    from coach.voice.speech.backends import finish_loading

    finish_loading(EXIT_GRACE_SECONDS - 1.0)  # a voice still loading must not be torn down mid-load
    sys.exit(code)
