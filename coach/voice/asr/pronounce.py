"""English pronunciations for engines that have no dictionary of their own (Whisper, vosk).

Why: the listener's own-voice rules compare *sounds* ("wait" said by a person vs "waist" said by
the coach) and measure how long a phrase took per phone (`Recognizer.pronunciation`). pocketsphinx
answers from its decoder; Whisper and vosk have no phone set. pocketsphinx's wheel, which the
coach always installs, ships the CMU pronouncing dictionary (cmudict-en-us.dict, 134 k words),
so every engine reads its pronunciations from that one file, loaded once, on first use.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)


def dictionary_path() -> Path | None:
    """pocketsphinx's bundled CMU dictionary, or None when pocketsphinx is not installed."""
    try:
        import pocketsphinx
    except ImportError:
        return None
    path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    return path if path.is_file() else None


@functools.lru_cache(maxsize=1)
def _dictionary() -> dict[str, tuple[str, ...]]:
    path = dictionary_path()
    if path is None:
        log.warning("no pronunciation dictionary (pocketsphinx not installed): the own-voice "
                    "sound-alike and stretched-phrase rules fall back to comparing words")
        return {}
    entries: dict[str, tuple[str, ...]] = {}
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            word, _, phones = line.strip().partition(" ")
            if word and phones and "(" not in word:  # the first pronunciation only
                entries.setdefault(word, tuple(phones.split()))
    return entries


def pronunciation(word: str) -> tuple[str, ...] | None:
    """The first dictionary pronunciation of `word` (any case), or None if unknown."""
    return _dictionary().get(word.lower())


def words_pronunciation(words: Sequence[str]) -> tuple[str, ...] | None:
    """The phones of several words said in a row, or None if any one is unknown (the sound-alike
    rescues compare whole stretches: "he's up" with "ease up")."""
    phones: list[str] = []
    for word in words:
        sounds = pronunciation(word)
        if sounds is None:
            return None
        phones += sounds
    return tuple(phones)
