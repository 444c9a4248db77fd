"""The program around the coaching engine: the loop that runs a session, the live screen, and the
session history.

These are the parts that are neither the pure engine (`coach.core`) nor the audio adapters
(`coach.voice`) nor the command line (`coach.cli`): `runner` feeds events to a `Session` and
carries its actions out, `screen` shows where the session is, and `history` keeps what happened
in SQLite. The CLI builds them from options.
"""
