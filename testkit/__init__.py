"""Helpers for the tests and the benchmark only: synthesized and recorded test audio
(`testaudio`), a private PulseAudio null sink (`virtual_audio`, `sink_audio`), a session driven
by a fake clock (`session_driver`), the real CLI driven by typing (`coach_process`) and the
rest that docs/testing.md lists. Nothing under `coach/` imports them, and the tests take their
helpers from here, never from one another (tests/test_test_layout.py)."""
