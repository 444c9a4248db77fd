"""`massage-coach models`: what recognition models are installed, and getting the vosk one.

`models list` answers "why is it using pocketsphinx?" without reading the docs: every model found,
where, whether it can be used for commands, and which engine `run` would pick. `models download`
is the one command in the program that uses the network, and only when asked.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from coach.exit_status import ExitStatus
from coach.voice.asr.select import ENGINES

log = logging.getLogger(__name__)


def _list(model: Path | None, engine: str) -> None:
    from coach.voice.asr.model_locations import (describe_model, installed_models, is_vosk_model,
                                                 search_dirs)
    from coach.voice.asr.select import describe_choice

    out = Console(soft_wrap=True)  # paths and commands stay copy-pasteable
    _engine_lines(out)
    _whisper_line(out)
    found = installed_models()
    if model is not None and is_vosk_model(Path(model)):
        found.insert(0, describe_model(Path(model), "--model"))
    out.print("vosk models searched, in order:")
    if model is not None:
        out.print(f"  {'--model':<11} {model}")
    for label, directory in search_dirs():
        state = "" if directory.is_dir() else "  [dim](does not exist)[/dim]"
        out.print(f"  {label:<11} {directory}{state}")
    if found:
        table = Table(box=None, header_style="bold underline", pad_edge=False)
        table.add_column("Model", no_wrap=True)
        for column in ("Where", "Language", "Commands", "Checksum"):
            table.add_column(column)
        for item in found:
            if not item.runtime_graph:
                usable = "[red]no: no runtime graph[/red]"
            elif item.language is None:
                usable = "[yellow]? language unknown[/yellow]"
            elif not item.usable_for_commands:
                usable = "[yellow]no: not English[/yellow]"
            else:
                usable = "[green]yes[/green]"
            if item.sha256 is None:
                checksum = "[dim]not installed by massage-coach[/dim]"
            elif item.verified:
                checksum = "[green]verified[/green]"
            else:
                checksum = f"[yellow]unverified[/yellow] sha256 {item.sha256[:16]}…"
            table.add_row(item.name, f"{item.location}: {item.path.parent}", item.language or "?",
                          usable, checksum)
        out.print()
        out.print(table)
    else:
        out.print("\nNo vosk models installed (optional: [bold]massage-coach models download[/bold] "
                  "once while online). pocketsphinx's English model is bundled as the last fallback.")
    out.print(f"\nWould use: {describe_choice(engine, model)}")


def _engine_lines(out: Console) -> None:
    """Every engine of the registry, in the order "auto" tries them: what it is, and whether it
    can run here (or why not, with what to do)."""
    from coach.voice.asr.engines import ENGINES as REGISTRY

    out.print("Engines, in the order auto tries them:")
    for engine in REGISTRY:
        state = engine.available()
        status = "[green]available[/green]" if state.ok else \
            f"[yellow]unavailable[/yellow]: {escape(state.problem)}"
        by_name = "" if engine.auto else " [dim](auto never picks it; --engine " \
            f"{engine.name})[/dim]"
        out.print(f"  {engine.name:<13} {status}{by_name}")
        out.print(f"  {'':<13} [dim]{escape(engine.description)}[/dim]")
    out.print()


def _whisper_line(out: Console) -> None:
    """The Whisper model: installed or not, where, and whether its checksum is the pinned one."""
    from coach.voice.asr.whisper_files import (INSTALL_HINT, MODEL_SHA256, PACKAGE,
                                               PACKAGE_VERSION, packaged_model)

    path = packaged_model()
    if path is None:
        out.print(f"Whisper tiny.en: [yellow]not installed[/yellow]; {INSTALL_HINT}\n")
        return
    out.print(f"Whisper tiny.en ({PACKAGE} {PACKAGE_VERSION}): {path}")
    out.print(f"  model.bin SHA-256 must be {MODEL_SHA256[:16]}… (checked before first use)")
    from coach.voice.asr.whisper_base import second_opinion_status

    usable, line = second_opinion_status()
    out.print(escape(line) if usable else f"[yellow]{escape(line)}[/yellow]")
    out.print()


def _download(name: str, dest: Path | None, sha256: str | None, url: str | None,
              quiet: bool) -> None:
    from coach.voice.asr import model_download
    from coach.voice.asr.model_locations import describe_model, project_models_dir

    err = Console(stderr=True, soft_wrap=True)
    source = model_download.KNOWN_MODELS.get(name)
    target = dest or project_models_dir()
    size = f" (~{source.size_mb:.0f} MB)" if source else ""
    err.print(f"Downloading {name}{size} into {target}")
    try:
        path = model_download.download_model(name, dest, progress=not quiet, sha256=sha256,
                                             url=url)
    except model_download.NoNetwork as error:
        err.print(f"[yellow]{error}[/yellow]")
        sys.exit(ExitStatus.UNUSABLE_INPUT)
    except model_download.ModelDownloadError as error:
        err.print(f"[red]{error}[/red]")
        sys.exit(ExitStatus.FAILED)
    info = describe_model(path, "project")
    state = "verified" if info.verified else "NOT verified (no confirmed checksum; see above)"
    click.echo(f"{name} is installed at {path} ({state}).")


def register(main: click.Group) -> None:
    """Attach the `models` group to the main command."""

    @main.group("models")
    def models_group() -> None:
        """Recognition models: list what is installed, download the vosk English model."""

    @models_group.command("list")
    @click.option("--model", type=click.Path(path_type=Path), default=None,
                  help="Also consider this vosk model directory (as `run --model` would).")
    @click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
                  help=f"Which engine request to explain ({', '.join(ENGINES)}).")
    def list_command(model: Path | None, engine: str) -> None:
        """Show installed models, where they are, and which engine would be used."""
        _list(model, engine)

    @models_group.command("download")
    @click.option("--name", default=None,
                  help="Model to fetch (default: vosk-model-small-en-us-0.15).")
    @click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="Directory to install into (default: the project models directory).")
    @click.option("--sha256", default=None,
                  help="Expected SHA-256 of the zip; a mismatch installs nothing.")
    @click.option("--url", default=None, help="Fetch from this URL instead (e.g. a local mirror).")
    @click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
    def download_command(name: str | None, dest: Path | None, sha256: str | None,
                         url: str | None, quiet: bool) -> None:
        """Fetch a vosk model once (needs network); the coach never downloads on its own."""
        from coach.voice.asr.model_download import DEFAULT_MODEL

        _download(name or DEFAULT_MODEL, dest, sha256, url, quiet)
