"""Getting a vosk model, on purpose, without ever breaking offline use or leaving a broken one.

vosk recognizes better than the bundled pocketsphinx, but its English model
(vosk-model-small-en-us-0.15, ~40 MB) is on no package registry; it is fetched once, with
`massage-coach models download`, and never implicitly at run time. Only this module fetches models;
where they are looked for is `coach.voice.asr.model_locations`, which never touches the network.

Downloads resume (HTTP Range into a `.part` file), are checked against a SHA-256 when one is known
(pinned here once confirmed, or passed by the user) and are unpacked into a temporary directory
that is renamed into place only when complete, so an interrupted download never leaves a
half-unpacked model that would later fail to load.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from coach.voice.asr.model_locations import MARKER, is_vosk_model, project_models_dir

log = logging.getLogger(__name__)

OFFLINE_HINT = ("the coach keeps working without it (Whisper, or pocketsphinx); run "
                "`massage-coach models download` when online")


@dataclass(frozen=True)
class ModelSource:
    """Where a known model comes from, and the checksum that proves the download is intact.

    `sha256` None means no checksum is known: downloads are then installed unverified, with a
    warning that prints the hash of what was received (pass `--sha256` to insist on a value).
    """

    name: str
    url: str
    sha256: str | None
    size_mb: float
    language: str


DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
KNOWN_MODELS: dict[str, ModelSource] = {
    DEFAULT_MODEL: ModelSource(
        name=DEFAULT_MODEL,
        url=f"https://alphacephei.com/vosk/models/{DEFAULT_MODEL}.zip",
        # Published by the numen voice-control project, whose model script verifies this same
        # archive (alphacephei also serves it under /kaldi/models/). Not re-checked from here:
        # this machine has no internet. A mismatch installs nothing and says what to do.
        sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
        size_mb=40,
        language="en-us",
    ),
}


class ModelDownloadError(RuntimeError):
    """A download or install failed; the message says why and what to do."""


class NoNetwork(ModelDownloadError):
    """The model server cannot be reached (offline, DNS failure, connection refused)."""


class ChecksumMismatch(ModelDownloadError):
    """The downloaded file is not the expected one; it was deleted, nothing was installed."""


ProgressCallback = Callable[[int, int | None], None]  # (bytes so far, total or None)


def _is_offline_error(error: BaseException) -> bool:
    """Whether the server could not be reached at all (as opposed to a connection cut later)."""
    if not isinstance(error, urllib.error.URLError) or isinstance(error, urllib.error.HTTPError):
        return False  # urlopen wraps every connect-time failure in URLError
    return isinstance(error.reason, (socket.gaierror, ConnectionRefusedError, TimeoutError,
                                     OSError))


def _fetch_into(url: str, part: Path, timeout: float, on_progress: ProgressCallback | None) -> None:
    """Fetch `url` into `part`, continuing from its current size. Raises on a cut connection."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "massage-coach"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - https/http only
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:
            log.info("%s is already complete", part.name)
            return  # nothing left to fetch: the checksum decides whether it is good
        raise ModelDownloadError(f"{url}: HTTP {error.code} {error.reason}") from error
    with response:
        if have and response.status == 206:
            content_range = response.headers.get("Content-Range", "")
            match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", content_range)
            if not match or int(match.group(1)) != have:
                raise ModelDownloadError(f"{url}: server answered an unexpected range "
                                         f"{content_range!r}")
            total = int(match.group(2)) if match.group(2) != "*" else None
            mode = "ab"
            log.info("resuming %s at %.1f MB", part.name, have / 1e6)
        else:
            if have:
                log.info("server does not resume downloads; starting %s again", part.name)
            have = 0
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            mode = "wb"
        with part.open(mode) as out:
            if on_progress:
                on_progress(have, total)
            while True:
                block = response.read(1 << 16)
                if not block:
                    break
                out.write(block)
                have += len(block)
                if on_progress:
                    on_progress(have, total)
    if total is not None and have < total:
        raise ConnectionResetError(f"connection closed after {have} of {total} bytes")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks (models are tens of MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _safe_extract(archive: Path, target: Path) -> None:
    """Extract a zip, refusing members that would land outside `target` (zip slip)."""
    target = target.resolve()
    with zipfile.ZipFile(archive) as zf:
        for member in zf.infolist():
            destination = (target / member.filename).resolve()
            if target != destination and target not in destination.parents:
                raise ModelDownloadError(f"{archive.name}: unsafe path {member.filename!r}")
        zf.extractall(target)


def _model_root(unpacked: Path) -> Path:
    """The model directory inside an unpacked archive (one top-level folder, or the top)."""
    if is_vosk_model(unpacked):
        return unpacked
    entries = [p for p in unpacked.iterdir() if not p.name.startswith("__MACOSX")]
    if len(entries) == 1 and is_vosk_model(entries[0]):
        return entries[0]
    raise ModelDownloadError("the archive does not contain a vosk model (no am/final.mdl)")


def _rich_progress(name: str) -> tuple[ProgressCallback, Callable[[], None]]:
    """A rich progress bar on stderr; returns (update callback, close)."""
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, Progress, TimeRemainingColumn,
                               TransferSpeedColumn)

    bar = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                   TransferSpeedColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=False)
    task = bar.add_task(name, total=None)
    bar.start()

    def update(done: int, total: int | None) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop


def _missing_folders(dest: Path) -> list[Path]:
    """The folders `dest.mkdir(parents=True)` would create, outermost first."""
    missing = []
    for folder in (dest, *dest.parents):
        if folder.exists():
            break
        missing.append(folder)
    return list(reversed(missing))


def _undo_folders(created: list[Path], part: Path) -> None:
    """A download that failed before a byte arrived leaves nothing behind: not even the folders
    made for it (a partial `.part` file is kept, so the next try resumes)."""
    if part.exists() and part.stat().st_size > 0:
        return
    part.unlink(missing_ok=True)
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            return


def download_model(
    name: str = DEFAULT_MODEL,
    dest: Path | None = None,
    progress: bool = True,
    *,
    sha256: str | None = None,
    url: str | None = None,
    retries: int = 3,
    retry_delay: float = 1.0,
    timeout: float = 30.0,
) -> Path:
    """Download, verify and install a vosk model; return its directory.

    `name` is a model in `KNOWN_MODELS` (or any name when `url` is given, e.g. a local mirror).
    `sha256` overrides the pinned checksum; with neither, the model is installed unverified and
    the received file's SHA-256 is logged so it can be confirmed. A mismatch deletes the download
    and installs nothing. Raises `NoNetwork` when the server cannot be reached (nothing changes
    on disk apart from a resumable `.part` file), `ModelDownloadError` for other failures.
    """
    source = KNOWN_MODELS.get(name)
    if url is None:
        if source is None:
            raise ModelDownloadError(f"unknown model {name!r}; known: {', '.join(KNOWN_MODELS)} "
                                     "(or pass --url)")
        url = source.url
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https", "file"):
        raise ModelDownloadError(f"not a download address: {url!r}; give an http://, https:// "
                                 "or file:// URL")
    expected = (sha256 or (source.sha256 if source else None) or "").lower() or None
    if expected is not None and not re.fullmatch(r"[0-9a-f]{64}", expected):
        raise ModelDownloadError(f"not a SHA-256 hex digest: {expected!r}")
    dest = Path(dest).expanduser() if dest else project_models_dir()
    final = dest / name
    if is_vosk_model(final):
        log.info("%s is already installed at %s", name, final)
        return final
    created = _missing_folders(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        for folder in reversed(created):  # whatever part of the path was made
            try:
                folder.rmdir()
            except OSError:
                pass
        raise ModelDownloadError(_unusable_folder(dest, error)) from None
    part = dest / f"{name}.zip.part"

    on_progress, close = _rich_progress(name) if progress else (None, lambda: None)
    try:
        attempt = 0
        received_any = False
        while True:
            before = part.stat().st_size if part.exists() else 0
            try:
                _fetch_into(url, part, timeout, on_progress)
                break
            except ModelDownloadError:
                raise
            except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
                received_any |= (part.stat().st_size if part.exists() else 0) > before
                if _is_offline_error(error) and not received_any:
                    # Unreachable from the start: offline. Retrying only makes the user wait.
                    raise NoNetwork(f"no network: cannot reach {url} ({_reason(error)}); "
                                    f"{OFFLINE_HINT}") from error
                if attempt >= retries:
                    raise ModelDownloadError(
                        f"download of {name} interrupted ({_reason(error)}); run the same "
                        "command again to resume") from error
                attempt += 1
                delay = min(retry_delay * 2 ** (attempt - 1), 8.0)
                log.warning("download interrupted (%s); retrying in %.1f s", _reason(error), delay)
                time.sleep(delay)
    except BaseException:
        _undo_folders(created, part)
        raise
    finally:
        close()

    actual = file_sha256(part)
    if expected is not None and actual != expected:
        part.unlink(missing_ok=True)
        raise ChecksumMismatch(f"{name}: SHA-256 of the download is {actual}, expected {expected}; "
                               "the file was deleted and nothing was installed. A damaged or "
                               "intercepted download: try again on another network. If the "
                               "publisher has replaced the file, check its new SHA-256 with "
                               "them and pass it with --sha256")
    if expected is None:
        log.warning("%s is NOT verified: no confirmed checksum is known. SHA-256 of what was "
                    "received: %s. Compare it with a trusted source, then pin it (pass --sha256 "
                    "next time, or record it in coach/voice/asr/model_download.py).", name, actual)

    unpack_dir = Path(tempfile.mkdtemp(prefix=f".{name}.unpacking-", dir=dest))
    try:
        try:
            _safe_extract(part, unpack_dir)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
            part.unlink(missing_ok=True)  # a broken archive cannot be resumed into a good one
            raise ModelDownloadError(f"{name}: the archive is damaged ({error}); run the "
                                     "download again") from error
        root = _model_root(unpack_dir)
        (root / MARKER).write_text(json.dumps(
            {"name": name, "url": url, "sha256": actual, "verified": expected is not None},
            indent=2), encoding="utf-8")
        try:
            os.rename(root, final)  # atomic on one file system: all or nothing
        except OSError as error:
            if is_vosk_model(final):  # installed concurrently by someone else: fine
                return final
            raise ModelDownloadError(f"cannot move the model into {final}: {error}") from error
    finally:
        shutil.rmtree(unpack_dir, ignore_errors=True)
    part.unlink(missing_ok=True)
    log.info("installed %s at %s (%s)", name, final, "verified" if expected else "unverified")
    return final


def _unusable_folder(dest: Path, error: OSError) -> str:
    """Why the models folder cannot be made, and where that folder came from (a file where the
    folder should be is most often a mistyped MASSAGE_COACH_MODELS)."""
    from coach.voice.asr.model_locations import MODELS_ENV

    if isinstance(error, (FileExistsError, NotADirectoryError)):
        problem = "a file is in the way (a folder is needed)"
    else:
        problem = error.strerror or str(error)
    origin = (f"; it comes from ${MODELS_ENV}: point it at a folder, or unset it"
              if os.environ.get(MODELS_ENV) else "; choose another folder with --dest")
    return f"cannot use {dest} for models: {problem}{origin}"


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    return str(reason if reason is not None else error) or type(error).__name__
