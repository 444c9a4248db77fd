"""Text that is safe to put on a terminal: no control characters, no undecodable bytes.

Routine files, receiver names, typed lines and old history rows are all text someone else wrote.
An escape sequence in any of them would reach the terminal raw (recolour it, move the cursor,
retitle the window, ring the bell), and a byte that is not UTF-8 arrives in Python as a lone
surrogate that cannot be printed or stored. `printable` makes both visible instead; routine
files with control characters are refused by `check` (see `control_characters`).
"""

from __future__ import annotations

import re

# Bidirectional controls (LRM, RLM, ALM, the embeddings and overrides, the isolates): invisible,
# yet "t\u202eoy.yaml" prints as "tyo.yaml" reversed, so a message could say something else than
# what the file holds.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# C0 controls except tab and newline, DEL, C1 controls, bidi controls and lone surrogates.
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")
_CONTROL_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return REPLACEMENT
    if char == "\t":
        return " "
    if char == "\n":
        return " "
    if ord(char) > 0xFF:
        return f"\\u{ord(char):04x}"
    return f"\\x{ord(char):02x}"


def printable(text: str, one_line: bool = False) -> str:
    """`text` with control characters shown as `\\x1b`-style escapes and undecodable bytes as
    U+FFFD. With `one_line`, newlines and tabs become spaces too."""
    pattern = _CONTROL_IN_LINE if one_line else _CONTROL
    return pattern.sub(_visible, text)


def control_characters(text: str) -> list[str]:
    """The control characters in `text` (tab and newline allowed), as `\\x1b`-style names."""
    return [f"\\x{ord(char):02x}" if char < "\ud800" else "an undecodable byte"
            for char in _CONTROL.findall(text)]
