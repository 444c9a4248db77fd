"""Where recognition models live, and which installed one the coach would use.

The coach must work with no network at all: pocketsphinx ships its English model inside its wheel,
so it always works. A vosk model is only ever found on disk, never fetched here (fetching is
`coach.voice.asr.model_download`, run on purpose with `massage-coach models download`): finding is
what every session does, so it stays small and cannot touch the network.

Search order for a vosk model (first hit wins):

1. an explicit path (`--model PATH`);
2. the project models directory: `models/` at the repository root when running from a checkout,
   otherwise the user data directory (platformdirs), overridable with $MASSAGE_COACH_MODELS;
3. `~/.cache/vosk`, where `vosk.Model(lang=...)` puts the models it downloads.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MODELS_ENV = "MASSAGE_COACH_MODELS"
VOSK_CACHE = Path.home() / ".cache" / "vosk"
MARKER = ".massage-coach.json"  # written into each model we install: source and checksum


def _checkout_root() -> Path | None:
    """The repository root when running from a source checkout, else None."""
    root = Path(__file__).resolve().parents[3]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and (root / "coach").is_dir():
        try:
            if 'name = "massage-coach"' in pyproject.read_text(encoding="utf-8"):
                return root
        except OSError:
            return None
    return None


def project_models_dir() -> Path:
    """The coach's own models directory (see the module docstring for how it is chosen)."""
    override = os.environ.get(MODELS_ENV)
    if override:
        return Path(override).expanduser()
    root = _checkout_root()
    if root is not None:
        return root / "models"
    import platformdirs

    return Path(platformdirs.user_data_dir("massage-coach")) / "models"


def search_dirs() -> list[tuple[str, Path]]:
    """Directories searched for models, in order, each with a short label for listings."""
    return [("project", project_models_dir()), ("vosk cache", VOSK_CACHE)]


def is_vosk_model(path: Path) -> bool:
    """Whether `path` looks like an unpacked vosk model (acoustic model plus a graph)."""
    return (path / "am" / "final.mdl").is_file() and (path / "graph").is_dir()


def model_language(name: str) -> str | None:
    """The language code in a vosk model directory name ("vosk-model-small-en-us-0.15" -> en-us)."""
    match = re.match(r"vosk-model-(?:small-)?([a-z]{2,3}(?:-[a-z]{2})?)(?:-|$)", name)
    return match.group(1) if match else None


def is_english(name: str) -> bool:
    lang = model_language(name)
    return lang is not None and (lang == "en" or lang.startswith("en-"))


@dataclass(frozen=True)
class InstalledModel:
    """A model found on disk."""

    path: Path
    location: str  # "--model", "project" or "vosk cache"
    language: str | None
    runtime_graph: bool  # can be restricted to the command phrases (small/lgraph models)
    sha256: str | None  # of the archive it came from, when installed by us
    verified: bool  # that archive matched a pinned or user-given checksum

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def usable_for_commands(self) -> bool:
        return self.runtime_graph and self.language is not None and is_english(self.name)


def describe_model(path: Path, location: str) -> InstalledModel:
    """What is known about the model at `path` (read from disk and our install marker)."""
    marker: dict[str, object] = {}
    try:
        marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    graph = path / "graph"
    sha = marker.get("sha256")
    return InstalledModel(
        path=path,
        location=location,
        language=model_language(path.name),
        runtime_graph=(graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file(),
        sha256=sha if isinstance(sha, str) else None,
        verified=bool(marker.get("verified", False)),
    )


def installed_models() -> list[InstalledModel]:
    """Every vosk model in the search directories, in search order (newest version first)."""
    found: list[InstalledModel] = []
    for location, directory in search_dirs():
        if not directory.is_dir():
            continue
        try:
            children = sorted((p for p in directory.iterdir() if p.is_dir()),
                              key=lambda p: p.name, reverse=True)
        except OSError as error:
            log.warning("cannot list %s: %s", directory, error)
            continue
        for child in children:
            if not child.name.startswith(".") and is_vosk_model(child):
                found.append(describe_model(child, location))
    return found


def find_english_model(model: Path | None = None) -> Path | None:
    """The vosk English model the coach would use, or None (then pocketsphinx is used).

    An explicit `model` path wins and is returned whenever it is a vosk model at all (the user
    chose it; the vocabulary check will say if its language does not fit). Otherwise the first
    English model with a runtime graph in search order.
    """
    if model is not None:
        model = Path(model).expanduser()
        return model if is_vosk_model(model) else None
    for candidate in installed_models():
        if candidate.usable_for_commands:
            return candidate.path
    return None
