"""Letters from other scripts that look like Latin ones, for the hint on a bad id.

Why: an id typed or pasted with a Cyrillic "а" looks exactly like the valid one, so the checker's
plain suggestion (every non-ASCII letter turned into a dash: "thai-h-mstring-sit", or "tw" for
"twо") made no sense to its author. Naming the look-alike and suggesting the Latin spelling does.
"""

from __future__ import annotations

import unicodedata

LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "һ": "h",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x",
}


def latin_spelling(text: str) -> tuple[str, list[str]]:
    """`text` lower-cased with look-alike letters replaced by the Latin ones and accents dropped,
    and a description of each look-alike replaced ("'а' (CYRILLIC SMALL LETTER A)")."""
    replaced: list[str] = []
    out = []
    for char in text.lower():
        latin = LOOKALIKES.get(char)
        if latin is not None:
            description = f"'{char}' ({unicodedata.name(char, 'U+%04X' % ord(char))})"
            if description not in replaced:
                replaced.append(description)
            out.append(latin)
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)) or char)
    return "".join(out), replaced
