"""Helpers for the tests and the benchmark only: synthesized and recorded test audio
(`testaudio`), a private PulseAudio null sink (`virtual_audio`) and a session driven by a fake
clock (`session_driver`). Nothing under `coach/` imports them."""
