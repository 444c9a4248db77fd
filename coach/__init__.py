"""massage-coach: a hands-free, offline voice coach for massage routines.

`coach.core` is the pure coaching logic (no audio imports); `coach.routine_format` reads routine
files into it; `coach.voice` holds the adapters that turn microphone audio into the same events
text mode produces and speak the engine's lines; `coach.app` runs a session (the loop, the
screen, the history); `coach.cli` is the command line.
"""

from coach import early_exit

early_exit.install()  # first, before the slow imports: Ctrl-C during them exits quietly

__version__ = "0.1.0"
