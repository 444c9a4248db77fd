"""Ctrl-C while the program is still starting: a quiet exit 130, not a KeyboardInterrupt traceback.

Why here: the first ~0.3 s of every run go to importing (click, numpy, the engines), before any
command's own Ctrl-C handling exists. A KeyboardInterrupt raised there reaches the interpreter's
top level and prints a traceback through the user's terminal. `coach/__init__.py` installs this
hook first thing, so it covers the console script and `python -m coach` alike. Only an interrupt
that nothing else caught lands here; every other exception goes to the previous hook unchanged,
so importing `coach` in tests or tools changes nothing they would see.
"""

from __future__ import annotations

import os
import sys

INTERRUPTED = 130
"""`ExitStatus.INTERRUPTED` (128 + SIGINT), written out: this module imports nothing of ours. It
used to import `coach.exit_status`, and a Ctrl-C that came while that module built its enum
(~0.025 s into the run on a busy machine) printed a traceback through our files, before the
hook was installed. tests/test_no_tracebacks.py checks that the two stay equal."""

_previous = sys.excepthook


def _hook(kind: type[BaseException], error: BaseException,
          trace: object) -> None:
    if not issubclass(kind, KeyboardInterrupt):
        _previous(kind, error, trace)
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(INTERRUPTED)  # nothing to save yet: no session or history has been opened


def install() -> None:
    """Make an uncaught Ctrl-C a quiet exit 130 (once; installing twice keeps the first)."""
    if sys.excepthook is not _hook:
        global _previous
        _previous = sys.excepthook
        sys.excepthook = _hook
