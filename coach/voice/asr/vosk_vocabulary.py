"""What words a vosk model can recognize, and which command phrases it therefore cannot.

vosk silently drops grammar words that are not in the model vocabulary; it only logs a warning
(vosk-api #2048). A dropped "stop" would be a safety bug, so the recognizer
(`coach.voice.asr.vosk_engine`) checks every phrase here at start-up and names the unusable ones.
The word list is read from the model files directly, without loading the model (which takes
seconds and hundreds of megabytes): from `graph/words.txt`, or, for small models that ship none,
from the symbol table in the header of the graph FST. The unknown-word entry is looked up here
too, because its spelling differs per model ("[unk]" in the English models, "<UNK>" in the Korean
one).
"""

from __future__ import annotations

import functools
import logging
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

# How the unknown word is spelled in the vocabularies of known models, most common first.
UNK_SPELLINGS: tuple[str, ...] = ("[unk]", "<unk>", "<UNK>")

_FST_MAGIC = 2125659606  # OpenFst FstHeader magic number
_SYMBOL_TABLE_MAGIC = 2125658996  # OpenFst SymbolTable magic number
_FST_HAS_ISYMBOLS = 0x1



class VocabularyUnavailable(RuntimeError):
    """The model's word list could not be found or read (the check is then skipped, loudly)."""


def _read_fst_input_symbols(path: Path) -> frozenset[str]:
    """Read the input symbol table embedded in an OpenFst file header.

    Small vosk models (e.g. vosk-model-small-en-us-0.15, the Korean model) ship no words.txt: the
    word list only exists as the symbol table inside `graph/Gr.fst`, which is also where vosk
    itself takes it from. Only the header is parsed; the FST body is never read.
    """
    with path.open("rb") as stream:

        def read(n: int) -> bytes:
            data = stream.read(n)
            if len(data) != n:
                raise VocabularyUnavailable(f"{path} ends inside its header")
            return data

        def read_i32() -> int:
            return struct.unpack("<i", read(4))[0]

        def read_str() -> bytes:
            length = read_i32()
            if not 0 <= length < 1 << 20:
                raise VocabularyUnavailable(f"{path}: implausible string length {length}")
            return read(length)

        if read_i32() != _FST_MAGIC:
            raise VocabularyUnavailable(f"{path} is not an OpenFst file")
        read_str()  # fst type, e.g. "ngram" or "const"
        read_str()  # arc type
        read_i32()  # version
        flags = read_i32()
        read(8 + 8 + 8 + 8)  # properties, start state, number of states, number of arcs
        if not flags & _FST_HAS_ISYMBOLS:
            raise VocabularyUnavailable(f"{path} carries no symbol table")
        if read_i32() != _SYMBOL_TABLE_MAGIC:
            raise VocabularyUnavailable(f"{path}: symbol table magic number not found")
        read_str()  # table name
        read(8)  # available key
        (size,) = struct.unpack("<q", read(8))
        if not 0 <= size < 1 << 26:
            raise VocabularyUnavailable(f"{path}: implausible symbol count {size}")
        # Each entry is <int32 length><bytes><int64 key>; decode from one buffer for speed.
        rest = stream.read()
    words: list[str] = []
    pos = 0
    unpack_len = struct.Struct("<i").unpack_from
    for _ in range(size):
        (length,) = unpack_len(rest, pos)
        pos += 4
        words.append(rest[pos:pos + length].decode("utf-8", errors="replace"))
        pos += length + 8
        if pos > len(rest):
            raise VocabularyUnavailable(f"{path}: symbol table is truncated")
    return frozenset(words)


@functools.lru_cache(maxsize=2)
def model_vocabulary(model_path: Path) -> frozenset[str]:
    """Every word the model can recognize, from `graph/words.txt` or the graph's symbol table.

    Raises `VocabularyUnavailable` when neither can be read.
    """
    model_path = Path(model_path)
    words_txt = model_path / "graph" / "words.txt"
    if words_txt.is_file():
        with words_txt.open(encoding="utf-8", errors="replace") as stream:
            return frozenset(line.split()[0] for line in stream if line.strip())
    for name in ("Gr.fst", "HCLG.fst"):
        fst = model_path / "graph" / name
        if fst.is_file():
            return _read_fst_input_symbols(fst)
    raise VocabularyUnavailable(
        f"no graph/words.txt, graph/Gr.fst or graph/HCLG.fst under {model_path}"
    )


@dataclass(frozen=True)
class VocabularyReport:
    """Which phrases a model can recognize, which it cannot, and why."""

    usable: tuple[str, ...]
    unusable: dict[str, tuple[str, ...]] = field(default_factory=dict)  # phrase -> missing words
    unk_word: str | None = None
    checked: bool = True  # False when the vocabulary could not be read

    def describe(self) -> str:
        """A human-readable summary naming every unusable phrase and its missing words."""
        if not self.checked:
            return "vocabulary not checked (the model's word list could not be read)"
        if not self.unusable:
            return f"all {len(self.usable)} phrases are in the model vocabulary"
        missing = "; ".join(
            f"{phrase!r} (missing {', '.join(repr(w) for w in words)})"
            for phrase, words in self.unusable.items()
        )
        return (f"{len(self.unusable)} of {len(self.usable) + len(self.unusable)} phrases are "
                f"not in the model vocabulary and can never be recognized: {missing}")


def check_vocabulary(model_path: Path, phrases: Iterable[str]) -> VocabularyReport:
    """Check every phrase's words against the model vocabulary (vosk would drop them silently)."""
    phrases = list(dict.fromkeys(phrases))
    try:
        vocabulary = model_vocabulary(Path(model_path))
    except (OSError, VocabularyUnavailable) as error:
        log.warning("cannot read the vocabulary of %s (%s): phrases are not checked",
                    model_path, error)
        return VocabularyReport(usable=tuple(phrases), checked=False)
    usable: list[str] = []
    unusable: dict[str, tuple[str, ...]] = {}
    for phrase in phrases:
        missing = tuple(word for word in phrase.split() if word not in vocabulary)
        if missing or not phrase.split():
            unusable[phrase] = missing
        else:
            usable.append(phrase)
    unk = next((spelling for spelling in UNK_SPELLINGS if spelling in vocabulary), None)
    return VocabularyReport(usable=tuple(usable), unusable=unusable, unk_word=unk)
