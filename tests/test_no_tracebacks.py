"""Bad values on the command line get a plain message, never a traceback, and change nothing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from coach.cli import main


def _plain_failure(args: list[str]) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (1, 2), (args, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception))
    return result.output


def test_models_download_refuses_what_is_not_an_address(tmp_path: Path) -> None:
    output = _plain_failure(["models", "download", "--url", "notaurl",
                             "--dest", str(tmp_path / "models")])
    assert "not a download address" in output
    assert not (tmp_path / "models").exists()


def test_a_failed_download_leaves_no_folder_behind(tmp_path: Path) -> None:
    dest = tmp_path / "new" / "models"
    output = _plain_failure(["models", "download", "--quiet", "--dest", str(dest),
                             "--url", "http://127.0.0.1:9/model.zip"])
    assert "cannot reach" in output
    assert list(tmp_path.iterdir()) == []


def test_speed_must_be_a_finite_sane_number() -> None:
    """`--speed inf` once froze the hold and crashed at the end (ValueError in walk.py)."""
    for value in ("inf", "nan", "1e400", "-inf", "0", "-1", "5000"):
        output = _plain_failure(["run", "--text", "--quiet", "--speed", value])
        assert "Invalid value for '--speed'" in output and "0.1" in output and "1000" in output
