"""The process's exit statuses, named once.

Why a module of its own, at the top of the package: the commands (coach/cli), the session loop
(coach/app/runner.py) and the early Ctrl-C hook (coach/early_exit.py, which runs before anything
heavy is imported) all exit with these, and scripts and tests tell the outcomes apart by them.
"""

from __future__ import annotations

import signal
from enum import IntEnum


class ExitStatus(IntEnum):
    """What a `massage-coach` command's exit status means."""

    OK = 0
    """Done: the session ended, the routine is fine, the model is installed."""

    FAILED = 1
    """Something the command checked or tried did not work: `doctor` found a problem, `hear`
    heard no command, a download or a page could not be written."""

    UNUSABLE_INPUT = 2
    """What the command was given, or needs, cannot be used: a routine missing or with problems
    (`check`, `show` and `run` alike), no usable microphone, a recognizer that fails to load, no
    network for a download. Click's own usage errors exit 2 as well."""

    INTERRUPTED = 128 + signal.SIGINT
    """Ctrl-C (130), the shell's convention: 128 + the signal's number."""

    @staticmethod
    def after_signal(signal_number: int) -> int:
        """The shell's convention for a process ended by a signal: 128 + its number (130 for
        Ctrl-C, 143 for SIGTERM, 129 for SIGHUP)."""
        return 128 + signal_number
