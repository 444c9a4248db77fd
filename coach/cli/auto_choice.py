"""The "auto" of `--tts auto` and `--engine auto`, turned into what the back-ends take.

Why one function: the speech and recognition selectors take None for "choose for me" (and an
explicit name for "this one, or fail"), and the commands converted "auto" to None in six places.
"""

from __future__ import annotations

AUTO = "auto"
"""The option value that leaves the choice to the selector (`tts_select`, `asr.select`)."""


def unless_auto(choice: str) -> str | None:
    """`choice`, or None when it is "auto": the selector then picks what is installed."""
    return None if choice == AUTO else choice
