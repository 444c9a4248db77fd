"""Read a routine YAML file into a `Routine`, reporting every problem in it at once.

People write routines by hand, often without knowing YAML well, and a coach that stops halfway
through a session because of a typo is worse than no coach. So loading is also validation: the
file is composed with yaml's node API (which keeps a line and column for every value), walked
field by field, and every problem is collected as a `Problem` naming file, line, column, field
path, what was expected and what was found. Nothing is raised until the whole file is checked,
and nothing but `RoutineError` is ever raised, whatever the file holds.

Spoken text also goes through the safety lint (`coach.core.safety_lint.unsafe_phrases`): a
routine must never tell anyone to press, sit, push or lean on a joint or bone.

The format itself is documented for routine authors in docs/routine-format.md.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coach.core.durations import describe_duration, describe_hold, parse_duration
from coach.core.routine import (
    PRESSURE_LEVELS,
    PRESSURE_NAMES,
    Audience,
    Contraindication,
    Hold,
    HoldCues,
    Routine,
    Side,
    Step,
)
from coach.core.routine_problems import KINDS, Problem, RoutineError
from coach.core.safety_lint import unsafe_phrases

# The loader's public names, some defined in the modules it is built from: import them from here.
__all__ = ["KINDS", "Problem", "RoutineError", "check_routine", "describe_duration",
           "describe_hold", "load_routine", "parse_duration", "parse_routine", "unsafe_phrases"]

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000  # a routine is a few kilobytes; anything this big is the wrong file
MAX_HOLD_SECONDS = 30 * 60  # longer than this is almost certainly "30m" typed for "30s"
MAX_COUNTDOWN = 10
PLACEHOLDERS = ("side", "other_side")

TOP_KEYS = ("id", "title", "audience", "summary", "equipment", "default_pressure", "setup",
            "contraindications", "cautions", "steps", "closing")
STEP_KEYS = ("id", "title", "sides", "say", "hold", "cues", "after", "pressure", "check_in",
             "warning", "other_position", "optional")
HOLD_KEYS = ("min", "max", "default", "until_softened", "ask")
CUE_KEYS = ("announce", "halfway", "remaining", "countdown", "end_chime")
CONTRAINDICATION_KEYS = ("question", "reason")
_KEYS_BY_PLACE = {"the top level": TOP_KEYS, "a step": STEP_KEYS, "a hold": HOLD_KEYS,
                  "cues": CUE_KEYS, "a contraindication": CONTRAINDICATION_KEYS}

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --------------------------------------------------------------------------------------------
# The loader


def load_routine(path: str | Path) -> Routine:
    """Load and validate one routine file; raise RoutineError listing every problem in it."""
    routine, problems = check_routine(path)
    if problems or routine is None:
        raise RoutineError(problems)
    return routine


def check_routine(path: str | Path) -> tuple[Routine | None, list[Problem]]:
    """Validate one file: the routine (None if it cannot be built) and every problem found.

    A routine is returned only when there are no problems, so callers cannot run a half-checked
    one by accident.
    """
    path = Path(path)
    name = str(path)
    text, problem = _read_text(path)
    if problem:
        return None, [problem]
    stem = path.stem if path.suffix.lower() in (".yaml", ".yml") else path.name
    return parse_routine(text, name, expected_id=stem)


def parse_routine(text: str, file: str = "<text>",
                  expected_id: str | None = None) -> tuple[Routine | None, list[Problem]]:
    """Validate routine YAML held in a string (`file` is only used in messages).

    `expected_id`, when given, is what the routine's `id` must be: the file name stem.
    """
    checker = _Checker(file, text)
    try:
        routine = checker.run(expected_id)
    except Exception as error:  # a bug here must not become a traceback for a routine author
        log.exception("internal error while checking %s", file)
        checker.problems.append(Problem(
            file, 1, 1, "", "a file the checker can handle",
            f"an internal error ({type(error).__name__}: {error})",
            "please report this with the file attached", "internal"))
        routine = None
    problems = sorted(checker.problems, key=lambda p: (p.line, p.column))
    log.debug("%s: %d problem(s)", file, len(problems))
    return (None if problems else routine), problems


def _read_text(path: Path) -> tuple[str, Problem | None]:
    """The file's text, or the one problem that stops us from reading it as text."""
    name = str(path)

    def fail(expected: str, found: str, hint: str = "") -> tuple[str, Problem]:
        return "", Problem(name, 1, 1, "", expected, found, hint, "file")

    try:
        if path.is_dir():
            return fail("a routine file", "a directory",
                        "give the .yaml file inside it, or a routine id")
        if not path.exists():
            return fail("an existing routine file", "nothing at this path",
                        "check the spelling; `massage-coach list` shows the routines that ship")
        if path.stat().st_size > MAX_FILE_BYTES:
            return fail(f"a routine file under {MAX_FILE_BYTES // 1000} kB",
                        f"{path.stat().st_size // 1000} kB")
        raw = path.read_bytes()
    except OSError as error:
        return fail("a readable file", error.strerror or type(error).__name__)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return "", Problem(name, line, column, "", "UTF-8 text",
                           f"bytes that are not text (0x{raw[error.start]:02x})",
                           "is this really the YAML file? save it as UTF-8", "file")
    return text, None


@dataclass
class _Scope:
    """Where a piece of text lives, for deciding which placeholders it may use."""

    sides: bool | None  # None: outside any step; False: a step done once; True: per side


class _Checker:
    """Walks one composed YAML document, collecting problems and building the routine."""

    def __init__(self, file: str, text: str):
        self.file = file
        self.source = text
        self.problems: list[Problem] = []
        self._loader: yaml.SafeLoader | None = None

    # -- reporting --------------------------------------------------------------------------

    def add(self, node: Node | None, field: str, expected: str, found: str, kind: str,
            hint: str = "", at_end: bool = False) -> None:
        line = column = 1
        if node is not None:
            mark = node.end_mark if at_end else node.start_mark
            line, column = mark.line + 1, mark.column + 1
        self.problems.append(Problem(self.file, line, column, field, expected, found, hint, kind))

    def found(self, node: Node | None) -> str:
        """How to describe what the author actually wrote."""
        if node is None:
            return "nothing"
        if isinstance(node, MappingNode):
            return "a mapping (key: value lines)"
        if isinstance(node, SequenceNode):
            return "a list"
        value = self.value(node)
        if value is None:
            return "nothing (an empty value)"
        if isinstance(value, bool):
            return f"{node.value} (which YAML reads as true/false)"
        if isinstance(value, (int, float)):
            return f"the number {node.value}"
        if isinstance(value, str):
            return f"'{_short(value)}'"
        return f"'{_short(str(node.value))}' (which YAML reads as a {type(value).__name__})"

    # -- running ----------------------------------------------------------------------------

    def run(self, expected_id: str | None) -> Routine | None:
        try:
            try:
                self._loader = yaml.SafeLoader(self.source)  # the reader already checks characters
                root = self._loader.get_single_node()
            except yaml.MarkedYAMLError as error:
                mark = error.problem_mark or error.context_mark
                line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                what = error.problem or "invalid YAML"
                if error.context:
                    what = f"{what} {error.context}"
                    if error.context_mark and error.problem_mark and \
                            error.context_mark.line != error.problem_mark.line:
                        what += f" that starts on line {error.context_mark.line + 1}"
                self.problems.append(Problem(
                    self.file, line, column, "", "valid YAML", f"a syntax error: {what}",
                    _syntax_hint(error), "syntax"))
                return None
            except yaml.YAMLError as error:  # reader errors: control characters, bad encodings
                position = getattr(error, "position", 0) or 0
                line = self.source.count("\n", 0, position) + 1
                column = position - (self.source.rfind("\n", 0, position) + 1) + 1
                self.problems.append(Problem(
                    self.file, line, column, "", "plain text YAML",
                    f"a character YAML does not accept ({getattr(error, 'reason', error)})",
                    "is this really the YAML file?", "syntax"))
                return None
            if root is None:
                self.problems.append(Problem(
                    self.file, 1, 1, "", "a routine (id, title, audience, summary, steps...)",
                    "an empty file", "start from docs/routine-format.md or a shipped routine",
                    "empty"))
                return None
            return self.routine(root, expected_id)
        finally:
            if self._loader is not None:
                self._loader.dispose()

    def value(self, node: ScalarNode) -> Any:
        """The Python value of a scalar, as yaml's safe loader would build it."""
        assert self._loader is not None
        try:
            return self._loader.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            return node.value  # e.g. an impossible date: treat it as the text it is

    # -- generic shapes ---------------------------------------------------------------------

    def mapping(self, node: Node | None, field: str, keys: tuple[str, ...], place: str,
                required: tuple[str, ...] = ()) -> dict[str, tuple[Node, Node]] | None:
        """The key -> (key node, value node) of a mapping, reporting unknown/duplicate/missing keys."""
        if not isinstance(node, MappingNode):
            self.add(node, field or "(top level)",
                     f"a mapping of keys ({', '.join(keys[:4])}, ...)", self.found(node),
                     "type", _shape_hint(node, "mapping"))
            return None
        items: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node) if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str):
                self.add(key_node, field or "(top level)", "a key name",
                         self.found(key_node), "type")
                continue
            path = _join(field, key)
            if key in items:
                first = items[key][0].start_mark.line + 1
                self.add(key_node, path, f"`{key}` only once (it is already on line {first})",
                         f"`{key}` again", "duplicate-key",
                         "YAML would silently keep only the last one; merge them")
                continue
            if key not in keys:
                self.add(key_node, path, f"one of the keys of {place}", f"`{key}`",
                         "unknown-key", _key_hint(key, keys, place))
                continue
            items[key] = (key_node, value_node)
        for key in required:
            if key not in items:
                self.add(node, _join(field, key), f"a `{key}` key", "none", "missing",
                         _missing_hint(key))
        return items

    def text(self, node: Node | None, field: str, scope: _Scope) -> str | None:
        """One piece of text, with whitespace tidied and placeholders checked."""
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, str):
            hint = _shape_hint(node, "text")
            if isinstance(node, ScalarNode) and value is not None:
                hint = f'put it in quotes: "{node.value}"'
            self.add(node, field, "text", self.found(node), "type", hint)
            return None
        cleaned = " ".join(value.split())
        if not cleaned:
            self.add(node, field, "some text", "empty text", "value")
            return None
        self.placeholders(node, field, cleaned, scope)
        return cleaned

    def texts(self, node: Node | None, field: str, scope: _Scope,
              required: bool = False) -> tuple[str, ...]:
        """A list of sentences; a single string counts as a list of one."""
        if node is None or (isinstance(node, ScalarNode) and self.value(node) is None):
            if required:
                self.add(node, field, "at least one sentence", "nothing", "missing")
            return ()
        if isinstance(node, SequenceNode):
            if not node.value and required:
                self.add(node, field, "at least one sentence", "an empty list", "value")
            items = (self.text(item, f"{field}[{i}]", scope) for i, item in enumerate(node.value))
            return tuple(item for item in items if item is not None)
        if isinstance(node, MappingNode):
            self.add(node, field, "a sentence or a list of sentences", self.found(node), "type",
                     "a line with ': ' in it reads as a key; put the sentence in quotes")
            return ()
        one = self.text(node, field, scope)
        return (one,) if one is not None else ()

    def boolean(self, node: Node, field: str) -> bool | None:
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, bool):
            self.add(node, field, "true or false", self.found(node), "type")
            return None
        return value

    def integer(self, node: Node, field: str, low: int, high: int, kind: str = "value") -> int | None:
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(node, field, f"a whole number from {low} to {high}", self.found(node), "type")
            return None
        if not low <= value <= high:
            self.add(node, field, f"a whole number from {low} to {high}", self.found(node), kind)
            return None
        return value

    def duration(self, node: Node | None, field: str) -> float | None:
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(node, ScalarNode) or value is None or isinstance(value, bool):
            self.add(node, field, "a duration such as 30, 30s, 2m or 1m30s", self.found(node),
                     "type" if not isinstance(node, ScalarNode) or isinstance(value, bool)
                     else "duration", _shape_hint(node, "duration"))
            return None
        try:
            seconds = parse_duration(value)
        except ValueError as error:
            self.add(node, field, "a duration such as 30, 30s, 2m or 1m30s",
                     self.found(node), "duration",
                     "a duration must be more than zero" if "zero" in str(error)
                     else "write minutes with m and seconds with s, no other units")
            return None
        if seconds > MAX_HOLD_SECONDS:
            self.add(node, field, f"at most {describe_duration(MAX_HOLD_SECONDS)}",
                     describe_duration(seconds), "duration", "did you mean seconds (s)?")
            return None
        return seconds

    def placeholders(self, node: Node, field: str, text: str, scope: _Scope) -> None:
        for match in re.finditer(r"\{([^{}]*)\}", text):
            name = match.group(1)
            if name not in PLACEHOLDERS:
                close = difflib.get_close_matches(name.strip().lower(), PLACEHOLDERS, n=1)
                hint = f"did you mean {{{close[0]}}}?" if close else \
                    "only {side} and {other_side} are filled in"
                self.add(node, field, "only {side} or {other_side} in braces",
                         f"{{{name}}}", "placeholder", hint)
            elif scope.sides is None:
                self.add(node, field, f"no {{{name}}} outside the steps",
                         f"{{{name}}}", "side-placeholder",
                         "set-up, cautions and closing are said once; name the side in words")
            elif not scope.sides:
                self.add(node, field, f"{{{name}}} only in a step that has `sides`",
                         f"{{{name}}} in a step that is done once", "side-placeholder",
                         "add `sides: [left, right]` to this step, or name the side in words")
        stray = re.sub(r"\{[^{}]*\}", "", text)
        if "{" in stray or "}" in stray:
            self.add(node, field, "braces only around {side} or {other_side}",
                     f"a stray '{'{' if '{' in stray else '}'}'", "placeholder")

    def lint(self, node: Node, field: str, texts: Iterable[str]) -> None:
        """Run the safety lint over sentences that will be spoken."""
        items = node.value if isinstance(node, SequenceNode) else None
        for index, text in enumerate(texts):
            target = items[index] if items and index < len(items) else node
            for phrase in unsafe_phrases(text):
                self.add(target, field if items is None else f"{field}[{index}]",
                         "no instruction to press, sit, push or lean on a joint or bone",
                         f"'{phrase}'", "safety",
                         "move it off the bone ('beside the spine', 'an inch above the knee'), "
                         "or make it a clear warning ('never sit on the knee')")

    # -- the routine ------------------------------------------------------------------------

    def routine(self, root: Node, expected_id: str | None) -> Routine | None:
        items = self.mapping(root, "", TOP_KEYS, "the top level",
                             required=("id", "title", "audience", "summary", "contraindications",
                                       "steps"))
        if items is None:
            return None
        outside = _Scope(sides=None)
        get = lambda key: items[key][1] if key in items else None  # noqa: E731

        routine_id = self.identifier(get("id"), "id", "routine") if "id" in items else None
        if routine_id and expected_id is not None and routine_id != expected_id:
            self.add(get("id"), "id", f"the file name without .yaml ('{expected_id}')",
                     f"'{routine_id}'", "id-mismatch",
                     "rename the file or change the id, so people can start it by its id")
        title = self.text(get("title"), "title", outside) if "title" in items else None
        summary = self.text(get("summary"), "summary", outside) if "summary" in items else None
        audience = self.audience(get("audience")) if "audience" in items else None
        default_pressure = 3
        if "default_pressure" in items:
            default_pressure = self.integer(get("default_pressure"), "default_pressure", 1, 5,
                                            "pressure") or 3
        spoken: dict[str, tuple[str, ...]] = {}
        for key in ("equipment", "setup", "cautions", "closing"):
            spoken[key] = self.texts(get(key), key, outside)
            if key != "equipment" and key in items:
                self.lint(get(key), key, spoken[key])
        contraindications = self.contraindications(get("contraindications")) \
            if "contraindications" in items else ()
        steps = self.steps(get("steps")) if "steps" in items else ()

        if self.problems or None in (routine_id, title, summary, audience):
            return None
        return Routine(
            id=routine_id, title=title, audience=audience, summary=summary,  # type: ignore[arg-type]
            equipment=spoken["equipment"], setup=spoken["setup"],
            contraindications=contraindications, cautions=spoken["cautions"],
            steps=steps, closing=spoken["closing"], default_pressure=default_pressure,
            source_path=self.file)

    def identifier(self, node: Node | None, field: str, what: str) -> str | None:
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            suggestion = re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") \
                if isinstance(node, ScalarNode) and value is not None else ""
            self.add(node, field, f"a {what} id in lower-case-with-dashes", self.found(node),
                     "type" if not isinstance(value, str) else "value",
                     f"for example '{suggestion}'" if suggestion else "")
            return None
        return value

    def audience(self, node: Node) -> Audience | None:
        choices = [a.value for a in Audience]
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, str) and value in choices:
            return Audience(value)
        close = difflib.get_close_matches(str(value), choices, n=1) if value else []
        self.add(node, "audience", "partner or self", self.found(node),
                 "type" if not isinstance(value, str) else "value",
                 f"did you mean `{close[0]}`?" if close else
                 "partner: one person massages another; self: on your own")
        return None

    def contraindications(self, node: Node) -> tuple[Contraindication, ...]:
        if isinstance(node, ScalarNode) and self.value(node) is None:
            self.add(node, "contraindications", "a list of yes/no questions (or [] for none)",
                     "nothing", "missing",
                     "write `contraindications: []` if there really are none")
            return ()
        if not isinstance(node, SequenceNode):
            self.add(node, "contraindications", "a list of question/reason pairs",
                     self.found(node), "type", _shape_hint(node, "list"))
            return ()
        result = []
        outside = _Scope(sides=None)
        for index, item in enumerate(node.value):
            field = f"contraindications[{index}]"
            items = self.mapping(item, field, CONTRAINDICATION_KEYS, "a contraindication",
                                 required=CONTRAINDICATION_KEYS)
            if items is None:
                continue
            question = self.text(items["question"][1], f"{field}.question", outside) \
                if "question" in items else None
            reason = self.text(items["reason"][1], f"{field}.reason", outside) \
                if "reason" in items else None
            if question and not question.endswith("?"):
                self.add(items["question"][1], f"{field}.question",
                         "a yes/no question ending in '?'", f"'{_short(question)}'", "value",
                         "it is asked aloud and answered with yes or no")
            if question and reason:
                result.append(Contraindication(question, reason))
        return tuple(result)

    def steps(self, node: Node) -> tuple[Step, ...]:
        if isinstance(node, ScalarNode) and self.value(node) is None or \
                isinstance(node, SequenceNode) and not node.value:
            self.add(node, "steps", "at least one step", "an empty step list", "empty-steps")
            return ()
        if not isinstance(node, SequenceNode):
            self.add(node, "steps", "a list of steps (each starting with '- id:')",
                     self.found(node), "type", _shape_hint(node, "list"))
            return ()
        steps: list[Step] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(node.value):
            step = self.step(item, f"steps[{index}]", seen, index)
            if step is not None:
                steps.append(step)
        return tuple(steps)

    def step(self, node: Node, field: str, seen: dict[str, int], index: int) -> Step | None:
        items = self.mapping(node, field, STEP_KEYS, "a step", required=("id", "title", "say"))
        if items is None:
            return None
        get = lambda key: items[key][1] if key in items else None  # noqa: E731
        before = len(self.problems)

        step_id = self.identifier(get("id"), f"{field}.id", "step") if "id" in items else None
        if step_id is not None:
            if step_id in seen:
                first = seen[step_id]
                self.add(get("id"), f"{field}.id",
                         f"a step id not used before (steps[{first}] is already '{step_id}')",
                         f"'{step_id}'", "duplicate-id", "give each step its own id")
            else:
                seen[step_id] = index
        sides = self.sides(get("sides"), f"{field}.sides") if "sides" in items else ()
        scope = _Scope(sides=bool(sides))
        title = self.text(get("title"), f"{field}.title", scope) if "title" in items else None
        say = self.texts(get("say"), f"{field}.say", scope, required=True) \
            if "say" in items else ()
        hold = self.hold(get("hold"), f"{field}.hold", scope) if "hold" in items else None
        cues = HoldCues()
        if "cues" in items:
            if "hold" not in items:
                self.add(items["cues"][0], f"{field}.cues", "cues only on a step with a `hold`",
                         "cues but no hold", "missing", "add a hold, or remove the cues")
            cues = self.cues(get("cues"), f"{field}.cues", hold) or cues
        after = self.texts(get("after"), f"{field}.after", scope)
        pressure = self.pressure(get("pressure"), f"{field}.pressure", scope) \
            if "pressure" in items else {}
        check_in = self.text(get("check_in"), f"{field}.check_in", scope) \
            if "check_in" in items else None
        warning = self.text(get("warning"), f"{field}.warning", scope) \
            if "warning" in items else None
        alternative = self.texts(get("other_position"), f"{field}.other_position", scope)
        optional = bool(self.boolean(get("optional"), f"{field}.optional")) \
            if "optional" in items else False

        for key, texts in (("title", [title]), ("say", say), ("after", after),
                           ("check_in", [check_in]), ("warning", [warning]),
                           ("other_position", alternative)):
            if key in items:
                self.lint(get(key), f"{field}.{key}", [t for t in texts if t])
        if "pressure" in items and isinstance(get("pressure"), MappingNode):
            for key_node, value_node in get("pressure").value:
                level = self.value(key_node) if isinstance(key_node, ScalarNode) else None
                if isinstance(value_node, ScalarNode) and isinstance(self.value(value_node), str):
                    self.lint(value_node, f"{field}.pressure.{level}", [self.value(value_node)])

        if len(self.problems) > before or step_id is None or title is None or not say:
            return None
        return Step(id=step_id, title=title, say=say, hold=hold, cues=cues, after=after,
                    pressure=pressure, sides=sides, check_in=check_in, warning=warning,
                    alternative=alternative, optional=optional, line=node.start_mark.line + 1)

    def sides(self, node: Node, field: str) -> tuple[Side, ...]:
        hint = "write `sides: [left, right]`, or leave sides out for a step done once"
        if not isinstance(node, SequenceNode):
            self.add(node, field, "a list of sides such as [left, right]", self.found(node),
                     "type", hint)
            return ()
        result: list[Side] = []
        for index, item in enumerate(node.value):
            value = self.value(item) if isinstance(item, ScalarNode) else None
            if value not in ("left", "right"):
                self.add(item, f"{field}[{index}]", "left or right", self.found(item), "value")
            elif Side(value) in result:
                self.add(item, f"{field}[{index}]", "each side once", f"'{value}' twice", "value")
            else:
                result.append(Side(value))
        if not node.value:
            self.add(node, field, "left, right or both", "an empty list", "value", hint)
        return tuple(result)

    def hold(self, node: Node, field: str, scope: _Scope) -> Hold | None:
        if not isinstance(node, MappingNode):
            seconds = self.duration(node, field)
            return Hold(seconds, seconds, seconds) if seconds is not None else None
        items = self.mapping(node, field, HOLD_KEYS, "a hold", required=("min", "max"))
        if items is None:
            return None
        low = self.duration(items["min"][1], f"{field}.min") if "min" in items else None
        high = self.duration(items["max"][1], f"{field}.max") if "max" in items else None
        default = self.duration(items["default"][1], f"{field}.default") \
            if "default" in items else low
        softened = False
        if "until_softened" in items:
            softened = bool(self.boolean(items["until_softened"][1], f"{field}.until_softened"))
        ask = self.ask(items, f"{field}.ask", softened, scope) if "ask" in items else None
        if low is None or high is None or default is None:
            return None
        if low > high:
            self.add(items["min"][1], f"{field}.min",
                     f"at most the max ({describe_duration(high)})", describe_duration(low),
                     "hold-range", "min is the shortest hold, max the longest")
            return None
        if not low <= default <= high:
            self.add(items["default"][1], f"{field}.default",
                     f"between min and max ({describe_duration(low)} to "
                     f"{describe_duration(high)})", describe_duration(default), "hold-range")
            return None
        return Hold(default=default, minimum=low, maximum=high, until_softened=softened, ask=ask)

    def ask(self, items: dict[str, tuple[Node, Node]], field: str, softened: bool,
            scope: _Scope) -> str | None:
        """The hold's own move-on question: spoken text, a yes/no question, only when it is asked.

        Only an until-softened hold stops to ask anything, so `ask` anywhere else would be text
        that is never said; the author almost certainly forgot `until_softened: true`.
        """
        key_node, value_node = items["ask"]
        question = self.text(value_node, field, scope)
        if question is None:
            return None
        self.lint(value_node, field, [question])
        if not question.endswith("?"):
            self.add(value_node, field, "a yes/no question ending in '?'", f"'{_short(question)}'",
                     "value", "it is asked when the hold reaches its default; yes moves on, "
                     "no stays longer")
        flag = items["until_softened"][1] if "until_softened" in items else None
        flag_is_bad = flag is not None and not (isinstance(flag, ScalarNode) and
                                                isinstance(self.value(flag), bool))
        if not softened and not flag_is_bad:  # a bad flag is already reported on its own
            if "until_softened" in items:
                found = f"ask with until_softened: {items['until_softened'][1].value}"
            else:
                found = "ask but no until_softened"
            self.add(key_node, field, "ask only on a hold with `until_softened: true`", found,
                     "missing", "add `until_softened: true` to this hold, or remove `ask`: only "
                     "a hold that waits for the tissue stops to ask")
        return question

    def cues(self, node: Node, field: str, hold: Hold | None) -> HoldCues | None:
        items = self.mapping(node, field, CUE_KEYS, "cues")
        if items is None:
            return None
        base = HoldCues()
        values: dict[str, Any] = {}
        for key in ("announce", "halfway", "end_chime"):
            if key in items:
                values[key] = self.boolean(items[key][1], f"{field}.{key}")
        if "countdown" in items:
            values["countdown"] = self.integer(items["countdown"][1], f"{field}.countdown", 0,
                                               MAX_COUNTDOWN)
        if "remaining" in items:
            values["remaining"] = self.remaining(items["remaining"][1], f"{field}.remaining", hold)
        if any(value is None for value in values.values()):
            return None
        return HoldCues(
            announce=values.get("announce", base.announce),
            halfway=values.get("halfway", base.halfway),
            remaining=values.get("remaining", base.remaining),
            countdown=values.get("countdown", base.countdown),
            end_chime=values.get("end_chime", base.end_chime))

    def remaining(self, node: Node, field: str, hold: Hold | None) -> tuple[float, ...] | None:
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        result = []
        ok = True
        for index, item in enumerate(nodes):
            path = f"{field}[{index}]" if isinstance(node, SequenceNode) else field
            seconds = self.duration(item, path)
            if seconds is None:
                ok = False
            elif hold is not None and seconds >= hold.maximum:
                self.add(item, path, f"less than the hold ({describe_duration(hold.maximum)})",
                         describe_duration(seconds), "value",
                         "this is time left before the end; it would never be said")
                ok = False
            else:
                result.append(seconds)
        return tuple(sorted(set(result), reverse=True)) if ok else None

    def pressure(self, node: Node, field: str, scope: _Scope) -> dict[int, str]:
        if not isinstance(node, MappingNode):
            self.add(node, field, "a mapping of levels 1 to 5 to text", self.found(node), "type",
                     _shape_hint(node, "mapping"))
            return {}
        result: dict[int, str] = {}
        levels_seen: set[int] = set()
        for key_node, value_node in node.value:
            level = self.value(key_node) if isinstance(key_node, ScalarNode) else None
            if isinstance(level, str) and level.strip().isdigit():
                level = int(level)
            path = f"{field}.{key_node.value if isinstance(key_node, ScalarNode) else '?'}"
            if isinstance(level, bool) or not isinstance(level, int) or \
                    level not in PRESSURE_LEVELS:
                self.add(key_node, path, "a pressure level from 1 to 5", self.found(key_node),
                         "pressure", "levels: " + ", ".join(
                             f"{n} {name}" for n, name in PRESSURE_NAMES.items()))
                continue
            if level in levels_seen:
                self.add(key_node, path, f"level {level} once", f"level {level} again",
                         "duplicate-key")
                continue
            levels_seen.add(level)
            text = self.text(value_node, path, scope)
            if text is not None:
                result[level] = text
        missing = [level for level in PRESSURE_LEVELS if level not in levels_seen]
        if missing and levels_seen:
            self.add(node, field, "all five levels 1, 2, 3, 4 and 5",
                     "no level " + _and_list([str(m) for m in missing]), "pressure",
                     "the receiver can ask for softer or harder at any time, so every level "
                     "needs its own instruction")
        elif not levels_seen and not node.value:
            self.add(node, field, "all five levels 1, 2, 3, 4 and 5", "an empty mapping",
                     "pressure")
        return result


# --------------------------------------------------------------------------------------------
# Small helpers


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _key_hint(key: str, keys: tuple[str, ...], place: str) -> str:
    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.5)
    if close:
        return f"did you mean `{close[0]}`?"
    homes = [where for where, known in _KEYS_BY_PLACE.items() if key in known and where != place]
    if homes:
        return f"`{key}` belongs in {homes[0]}, check the indentation"
    return "known keys: " + ", ".join(keys)


def _syntax_hint(error: yaml.MarkedYAMLError) -> str:
    if "flow" in (error.context or "") and "'{'" in (error.problem or ""):
        return ("inside [ ] a '{' starts a mapping: write the list as '- ' lines, or put "
                "text with {side} in quotes")
    if "flow mapping" in (error.context or "") and "'?'" in (error.problem or ""):
        return ("inside { } a text ending in '?' (such as `ask`) must be quoted, or write the "
                "mapping as indented 'key: value' lines")
    if "found character '\\t'" in (error.problem or ""):
        return "YAML does not allow tabs for indentation; use spaces"
    return ("check indentation, colons and quotes on this line and the one above; text "
            "containing ': ' or starting with a quote, [ or { needs to be quoted")


def _missing_hint(key: str) -> str:
    return {
        "contraindications": "write `contraindications: []` if there really are none",
        "say": "`say` is what the coach reads out for this step",
    }.get(key, "")


def _shape_hint(node: Node | None, wanted: str) -> str:
    if wanted == "list" and isinstance(node, MappingNode):
        return "start each item with '- '"
    if wanted == "text" and isinstance(node, MappingNode):
        return "a line with ': ' in it reads as a key; put the sentence in quotes"
    if wanted == "text" and isinstance(node, SequenceNode):
        return "this field takes one sentence, not a list"
    if wanted == "duration" and isinstance(node, MappingNode):
        return "a ranged hold goes directly under `hold:` as {min, max, default}"
    return ""
