"""The tests take their helpers from testkit/ and conftest.py, never from one another (issue 24:
tests/test_cli_run_text.py had become a library that eight test files and conftest.py imported).

A test module imported by another runs its module-level code twice over, ties the two together
(moving or deleting a test breaks an unrelated file) and hides its helpers where nobody looks.
Every import statement of every Python file under tests/, testkit/ and bench/ is read, at any
depth (imports inside functions count too).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
PROGRAMS = {"screen_demo.py": "a program test_screen.py runs under tmux"}
"""Files in tests/ that are neither test modules nor conftest.py, and why they are there."""


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file; a relative import inside tests/ is resolved
    to `tests.<name>`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # `from . import x`, `from .x import y`: a sibling in the same folder
                base = path.parent.name
                if node.module:
                    found.append((node.lineno, f"{base}.{node.module}"))
                else:
                    found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            elif node.module:
                found.append((node.lineno, node.module))
                if node.module == "tests":  # `from tests import test_x`
                    found += [(node.lineno, f"tests.{alias.name}") for alias in node.names]
    return found


def is_a_module_of_tests(module: str) -> bool:
    """Whether `module` is a test module or any other module of tests/ (conftest.py included:
    its fixtures reach a test by name, never by import)."""
    parts = module.split(".")
    if parts[0] == "tests":
        return len(parts) > 1
    # `import test_x` works too when tests/ is on sys.path (pytest's rootdir-less import mode)
    return len(parts) == 1 and (TESTS / f"{parts[0]}.py").exists()


def python_files() -> list[Path]:
    return sorted(path for folder in ("tests", "testkit", "bench")
                  for path in (ROOT / folder).rglob("*.py"))


def test_no_file_imports_a_module_of_tests() -> None:
    offences = [f"{path.relative_to(ROOT)}:{line}: imports {module}"
                for path in python_files()
                for line, module in imported_modules(path) if is_a_module_of_tests(module)]
    assert offences == [], ("move the helper to testkit/ (or a fixture to tests/conftest.py):\n"
                            + "\n".join(offences))


def test_tests_holds_only_test_modules_conftest_and_named_programs() -> None:
    """A helper module in tests/ is a library in the wrong place: testkit/ is where helpers
    live (docs/testing.md names them)."""
    stray = [path.name for path in sorted(TESTS.glob("*.py"))
             if not path.name.startswith("test_")
             and path.name not in ("conftest.py", "__init__.py", *PROGRAMS)]
    assert stray == [], f"helper modules in tests/, move them to testkit/: {stray}"


def test_the_check_sees_every_form_of_import(tmp_path: Path) -> None:
    """The reader finds the forms an import between tests takes."""
    folder = tmp_path / "tests"
    folder.mkdir()
    sample = folder / "test_sample.py"
    sample.write_text("import tests.test_screen\n"
                      "from tests.test_cli_run_text import CoachProcess\n"
                      "from tests import test_listener\n"
                      "from . import test_voice_session\n"
                      "from .test_vosk_engine import synth\n"
                      "def helper():\n"
                      "    from tests.test_history_safety import _fill\n"
                      "import test_screen\n"
                      "from testkit.coach_process import CoachProcess\n"
                      "import tests\n")
    caught = sorted(module for _, module in imported_modules(sample)
                    if is_a_module_of_tests(module))
    assert caught == ["test_screen", "tests.test_cli_run_text", "tests.test_history_safety",
                      "tests.test_listener", "tests.test_screen", "tests.test_voice_session",
                      "tests.test_vosk_engine"]
