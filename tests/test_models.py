"""Model locations and the downloader, against a real HTTP server on 127.0.0.1.

The server speaks enough HTTP/1.1 to matter: it honours Range requests (206 + Content-Range) and
can be told to cut the connection part-way through a body, as a flaky network does.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import re
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.voice.asr import model_download, model_locations
from coach.voice.asr.model_download import (
    ChecksumMismatch,
    ModelDownloadError,
    NoNetwork,
    download_model,
)
from coach.voice.asr.model_locations import find_english_model

NAME = "vosk-model-small-en-us-0.15"


def fake_model_zip(top: str = NAME, size: int = 300_000, corrupt: bool = False) -> bytes:
    """A zip shaped like a vosk model archive, with an incompressible payload of `size` bytes.

    `corrupt` damages the last member's data so extraction fails half-way through.
    """
    payload = hashlib.shake_256(b"model").digest(size)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{top}/README", "fake model for tests\n")
        zf.writestr(f"{top}/conf/model.conf", "--min-active=200\n")
        zf.writestr(f"{top}/graph/Gr.fst", b"g")
        zf.writestr(f"{top}/graph/HCLr.fst", b"h")
        zf.writestr(f"{top}/ivector/final.ie", payload[: size // 2])
        zf.writestr(f"{top}/am/final.mdl", payload[size // 2:])
    data = bytearray(buffer.getvalue())
    if corrupt:
        marker = data.find(payload[size // 2: size // 2 + 32])
        data[marker + 1000: marker + 1010] = b"X" * 10  # CRC check fails on am/final.mdl
    return bytes(data)


class Server:
    """State shared with the handler: what to serve and how to misbehave."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut_after: int | None = None  # close the socket after this many body bytes, once
        self.honour_range = True
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.port = 0


@pytest.fixture()
def server() -> Iterator[Server]:
    state = Server()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            state.requests.append((self.path, self.headers.get("Range")))
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            start = 0
            match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
            if match and state.honour_range:
                start = int(match.group(1))
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            chunk = body[start:]
            self.send_header("Content-Length", str(len(chunk)))
            self.end_headers()
            if state.cut_after is not None:
                cut, state.cut_after = state.cut_after, None
                self.wfile.write(chunk[:cut])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.wfile.write(chunk)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def url_of(server: Server, path: str = f"/{NAME}.zip") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.iterdir()) if dest.exists() else []


def test_download_verifies_and_installs(server: Server, tmp_path: Path) -> None:
    data = fake_model_zip()
    server.files[f"/{NAME}.zip"] = data
    path = download_model(NAME, tmp_path, progress=False, url=url_of(server),
                          sha256=hashlib.sha256(data).hexdigest())
    assert path == tmp_path / NAME
    assert (path / "am" / "final.mdl").is_file()
    assert leftovers(tmp_path) == [NAME]  # no .part, no temporary directory
    installed = model_locations.describe_model(path, "project")
    assert installed.verified and installed.sha256 == hashlib.sha256(data).hexdigest()
    # A second call finds it installed and does not download again.
    count = len(server.requests)
    assert download_model(NAME, tmp_path, progress=False, url=url_of(server)) == path
    assert len(server.requests) == count


def test_progress_bar_runs(server: Server, tmp_path: Path) -> None:
    data = fake_model_zip()
    server.files[f"/{NAME}.zip"] = data
    assert download_model(NAME, tmp_path, progress=True, url=url_of(server),
                          sha256=hashlib.sha256(data).hexdigest()).is_dir()


def test_resumes_after_a_cut_connection(server: Server, tmp_path: Path) -> None:
    data = fake_model_zip()
    server.files[f"/{NAME}.zip"] = data
    server.cut_after = 100_000
    digest = hashlib.sha256(data).hexdigest()
    with pytest.raises(ModelDownloadError, match="again to resume"):
        download_model(NAME, tmp_path, progress=False, url=url_of(server), sha256=digest,
                       retries=0)
    part = tmp_path / f"{NAME}.zip.part"
    assert part.stat().st_size == 100_000
    assert not (tmp_path / NAME).exists()
    path = download_model(NAME, tmp_path, progress=False, url=url_of(server), sha256=digest)
    assert server.requests[-1][1] == "bytes=100000-"  # only the rest was fetched
    assert (path / "am" / "final.mdl").is_file() and not part.exists()


def test_retries_within_one_call(server: Server, tmp_path: Path) -> None:
    data = fake_model_zip()
    server.files[f"/{NAME}.zip"] = data
    server.cut_after = 50_000
    path = download_model(NAME, tmp_path, progress=False, url=url_of(server), retries=2,
                          retry_delay=0.01, sha256=hashlib.sha256(data).hexdigest())
    assert path.is_dir()
    assert [r for _, r in server.requests] == [None, "bytes=50000-"]


def test_server_without_range_support_restarts_cleanly(server: Server, tmp_path: Path) -> None:
    data = fake_model_zip()
    server.files[f"/{NAME}.zip"] = data
    server.honour_range = False
    (tmp_path / f"{NAME}.zip.part").write_bytes(data[:1234])
    path = download_model(NAME, tmp_path, progress=False, url=url_of(server),
                          sha256=hashlib.sha256(data).hexdigest())
    assert path.is_dir()


def test_checksum_mismatch_is_refused(server: Server, tmp_path: Path) -> None:
    server.files[f"/{NAME}.zip"] = fake_model_zip()
    with pytest.raises(ChecksumMismatch, match="nothing was installed"):
        download_model(NAME, tmp_path, progress=False, url=url_of(server), sha256="0" * 64)
    assert leftovers(tmp_path) == []  # the bad file is gone too: resuming it cannot help


def test_pinned_checksum_is_used(server: Server, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    server.files[f"/{NAME}.zip"] = fake_model_zip()
    pinned = model_download.ModelSource(NAME, url_of(server), "1" * 64, 0.3, "en-us")
    monkeypatch.setitem(model_download.KNOWN_MODELS, NAME, pinned)
    with pytest.raises(ChecksumMismatch):
        download_model(NAME, tmp_path, progress=False)


def test_the_default_model_is_pinned_and_other_bytes_are_refused(server: Server,
                                                                   tmp_path: Path) -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", model_download.KNOWN_MODELS[NAME].sha256 or "")
    server.files[f"/{NAME}.zip"] = fake_model_zip()  # not the published archive
    with pytest.raises(ChecksumMismatch, match="pass it with --sha256"):
        download_model(NAME, tmp_path, progress=False, url=url_of(server))
    assert leftovers(tmp_path) == []


def test_unverified_install_says_so(server: Server, tmp_path: Path,
                                    caplog: pytest.LogCaptureFixture) -> None:
    data = fake_model_zip()
    name = "vosk-model-without-a-known-checksum"
    server.files[f"/{name}.zip"] = data
    path = download_model(name, tmp_path, progress=False, url=url_of(server, f"/{name}.zip"))
    assert "NOT verified" in caplog.text and hashlib.sha256(data).hexdigest() in caplog.text
    assert not model_locations.describe_model(path, "project").verified


def test_damaged_archive_leaves_no_half_model(server: Server, tmp_path: Path) -> None:
    data = fake_model_zip(corrupt=True)
    server.files[f"/{NAME}.zip"] = data
    with pytest.raises(ModelDownloadError, match="damaged"):
        download_model(NAME, tmp_path, progress=False, url=url_of(server),
                       sha256=hashlib.sha256(data).hexdigest())
    assert leftovers(tmp_path) == []


def test_archive_without_a_model_is_refused(server: Server, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("something/else.txt", "not a model")
    server.files[f"/{NAME}.zip"] = buffer.getvalue()
    with pytest.raises(ModelDownloadError, match="does not contain a vosk model"):
        download_model(NAME, tmp_path, progress=False, url=url_of(server),
                       sha256=hashlib.sha256(buffer.getvalue()).hexdigest())
    assert not (tmp_path / NAME).exists()


def test_zip_slip_is_refused(server: Server, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../evil.txt", "outside")
    server.files[f"/{NAME}.zip"] = buffer.getvalue()
    dest = tmp_path / "models"
    with pytest.raises(ModelDownloadError, match="unsafe path"):
        download_model(NAME, dest, progress=False, url=url_of(server),
                       sha256=hashlib.sha256(buffer.getvalue()).hexdigest())
    assert not (tmp_path / "evil.txt").exists()


def test_offline_is_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port on which nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(NoNetwork, match="no network.*pocketsphinx.*models download"):
        download_model(NAME, tmp_path, progress=False, url=f"http://127.0.0.1:{port}/m.zip",
                       retries=0, timeout=2)
    assert not (tmp_path / NAME).exists()


def test_unresolvable_host_is_no_network(tmp_path: Path) -> None:
    with pytest.raises(NoNetwork):
        download_model(NAME, tmp_path, progress=False, url="http://model-host.invalid/m.zip",
                       retries=0, timeout=2)


def test_http_error_is_reported(server: Server, tmp_path: Path) -> None:
    with pytest.raises(ModelDownloadError, match="HTTP 404"):
        download_model(NAME, tmp_path, progress=False, url=url_of(server, "/missing.zip"))


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ModelDownloadError, match="unknown model"):
        download_model("vosk-model-nope", tmp_path, progress=False)
    with pytest.raises(ModelDownloadError, match="SHA-256"):
        download_model(NAME, tmp_path, progress=False, sha256="abc")


# ---------------------------------------------------------------------------------------------
# Locations


def make_model(directory: Path, graph: bool = True) -> Path:
    (directory / "am").mkdir(parents=True)
    (directory / "am" / "final.mdl").write_bytes(b"m")
    (directory / "graph").mkdir()
    if graph:
        (directory / "graph" / "HCLr.fst").write_bytes(b"h")
        (directory / "graph" / "Gr.fst").write_bytes(b"g")
    return directory


@pytest.fixture()
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    project, cache = tmp_path / "project", tmp_path / "cache"
    monkeypatch.setenv(model_locations.MODELS_ENV, str(project))
    monkeypatch.setattr(model_locations, "VOSK_CACHE", cache)
    return project, cache


def test_search_order(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    project, cache = dirs
    assert find_english_model() is None
    cached = make_model(cache / "vosk-model-small-en-us-0.15")
    assert find_english_model() == cached
    local = make_model(project / "vosk-model-small-en-us-0.15")
    assert find_english_model() == local
    explicit = make_model(tmp_path / "anything")
    assert find_english_model(explicit) == explicit
    assert find_english_model(tmp_path / "missing") is None
    assert [m.location for m in model_locations.installed_models()] == ["project", "vosk cache"]


def test_only_english_models_with_a_runtime_graph_are_chosen(dirs: tuple[Path, Path]) -> None:
    project, _ = dirs
    make_model(project / "vosk-model-en-us-0.22", graph=False)  # big model: no runtime grammar
    make_model(project / "vosk-model-small-ko-0.22")
    make_model(project / ".vosk-model-small-en-us-0.15.unpacking-x")  # never a half install
    assert find_english_model() is None
    assert {m.name for m in model_locations.installed_models()} == {
        "vosk-model-en-us-0.22", "vosk-model-small-ko-0.22"}


def test_checkout_uses_repo_models_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(model_locations.MODELS_ENV, raising=False)
    root = Path(__file__).resolve().parents[1]  # this checkout's root
    assert model_locations.project_models_dir() == root / "models"
    monkeypatch.setattr(model_locations, "_checkout_root", lambda: None)
    assert "massage-coach" in str(model_locations.project_models_dir())


def test_model_language() -> None:
    assert model_locations.model_language("vosk-model-small-en-us-0.15") == "en-us"
    assert model_locations.model_language("vosk-model-en-us-0.22-lgraph") == "en-us"
    assert model_locations.model_language("vosk-model-small-ko-0.22") == "ko"
    assert model_locations.model_language("my-model") is None
    assert model_locations.is_english("vosk-model-small-en-in-0.4")
    assert not model_locations.is_english("vosk-model-small-es-0.42")


# ---------------------------------------------------------------------------------------------
# Command line


def test_cli_download_and_list(server: Server, dirs: tuple[Path, Path]) -> None:
    from click.testing import CliRunner

    from coach.cli import main

    project, _ = dirs
    data = fake_model_zip()
    server.files[f"/{NAME}.zip"] = data
    runner = CliRunner()
    result = runner.invoke(main, ["models", "list"])
    assert result.exit_code == 0, result.output
    assert "No vosk models installed" in result.output and "Would use: whisper" in result.output
    result = runner.invoke(main, ["models", "download", "-q", "--url", url_of(server),
                                  "--sha256", hashlib.sha256(data).hexdigest()])
    assert result.exit_code == 0, result.output
    assert f"installed at {project / NAME} (verified)" in result.output
    result = runner.invoke(main, ["models", "list", "--engine", "vosk"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert NAME in result.output and "verified" in result.output
    assert f"Would use: vosk ({project / NAME})" in result.output


def test_cli_download_offline_and_mismatch(server: Server, dirs: tuple[Path, Path]) -> None:
    from click.testing import CliRunner

    from coach.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["models", "download", "-q", "--url",
                                  "http://model-host.invalid/m.zip"])
    assert result.exit_code == 2 and "no network" in result.output
    assert "keeps working without it" in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    server.files[f"/{NAME}.zip"] = fake_model_zip()
    result = runner.invoke(main, ["models", "download", "-q", "--url", url_of(server),
                                  "--sha256", "f" * 64])
    assert result.exit_code == 1 and "expected ffff" in result.output
    assert model_locations.installed_models() == []
