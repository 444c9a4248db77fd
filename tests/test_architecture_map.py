"""The map in docs/architecture.md names every module under coach/, in its own package's entry,
so the map cannot fall behind the tree (it once left out 10 of the 23 core modules).

How a module counts as named: the map is the first fenced block of the document. Each package
has an entry there, a line starting `name/` and running on over the lines indented deeper below
it (a sub-package's entry sits inside its parent's). A module is named when its file name without
`.py` appears as a whole word (underscores included: `pressure` is not named by `pressure_talk`)
in its package's entry. `__init__.py` files are not modules to name.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COACH = ROOT / "coach"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def map_lines(document: str) -> list[str]:
    """The lines of the document's first fenced block: the map."""
    match = re.search(r"^```[^\n]*\n(.*?)^```", document, re.MULTILINE | re.DOTALL)
    assert match, f"{ARCHITECTURE.relative_to(ROOT)} has no fenced block holding the map"
    return match.group(1).splitlines()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def entry(lines: list[str], package: str) -> list[str] | None:
    """The lines of `package`'s entry among `lines`: its `package/` line and every line below it
    indented deeper. None when no line there starts with `package/`."""
    for start, line in enumerate(lines):
        if line.strip().startswith(f"{package}/"):
            depth = _indent(line)
            end = start + 1
            while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > depth):
                end += 1
            return lines[start:end]
    return None


def unnamed_modules(lines: list[str], root: Path = COACH) -> list[str]:
    """Every module under `root` its package's entry in the map does not name, each with why."""
    missing = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        shown = path.relative_to(root.parent)
        section: list[str] | None = lines
        for package in path.relative_to(root.parent).parts[:-1]:
            section = entry(section, package)
            if section is None:
                missing.append(f"{shown}: the map has no entry `{package}/` for its package")
                break
        else:
            if not re.search(rf"(?<![\w]){re.escape(path.stem)}(?![\w])", "\n".join(section)):
                parent = "/".join(path.relative_to(root.parent).parts[:-1])
                missing.append(f"{shown}: not named in the map's entry for {parent}/")
    return missing


def test_every_module_under_coach_is_named_in_the_architecture_map() -> None:
    lines = map_lines(ARCHITECTURE.read_text(encoding="utf-8"))
    missing = unnamed_modules(lines)
    assert not missing, (
        f"{len(missing)} module(s) missing from the map in docs/architecture.md (name each in "
        "its package's entry, with a few words on its job):\n  " + "\n  ".join(missing))


def test_a_module_is_named_only_by_its_whole_name_in_its_own_package(tmp_path: Path) -> None:
    """The rule itself: `pressure_talk` does not name `pressure`, and a name under another
    package's entry does not count."""
    package = tmp_path / "coach"
    (package / "core").mkdir(parents=True)
    (package / "voice").mkdir()
    for name in ("core/pressure.py", "core/pressure_talk.py", "voice/speaker.py"):
        (package / name).write_text("")
    lines = ["coach/",
             "  core/     pressure_talk,",
             "            speaker",
             "  voice/    nothing here"]
    assert unnamed_modules(lines, package) == [
        "coach/core/pressure.py: not named in the map's entry for coach/core/",
        "coach/voice/speaker.py: not named in the map's entry for coach/voice/",
    ]
