"""A routine file's YAML, composed with positions: typed reads, each problem at its line.

yaml's node API keeps a start and end mark for every value, which is what lets a problem say
"line 14, column 5" rather than "somewhere in the steps". `Document` composes the text (reporting
syntax errors, characters YAML refuses and an empty file), builds each scalar's value as yaml's
safe loader would, and reads nodes as the kinds of value a routine holds: spoken text (with its
{side} placeholders and the safety lint), lists of sentences, true or false, whole numbers and
durations. A read that fails reports a `Problem` and returns None, so the checker carries on and
every problem in a file is reported at once. What goes where is `coach.routine_format.checker`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterable

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    ScalarEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coach.core.plain_text import control_characters
from coach.routine_format.durations import describe_duration, parse_duration
from coach.routine_format.problems import Problem
from coach.routine_format.safety_lint import unsafe_phrases

MAX_HOLD_SECONDS = 30 * 60  # longer than this is almost certainly "30m" typed for "30s"
MIN_DURATION_SECONDS = 1  # shorter is said as "zero seconds" and over before anyone moves
# What a hand-written routine never needs, and what would make checking it slow or crash:
MAX_NESTING = 40  # lists and mappings inside each other (a routine needs about 6)
MAX_EXPANDED_CHARS = 2_000_000  # all text, with every alias (*name) counted where it is used
PLACEHOLDERS = ("side", "other_side")


@dataclass
class Scope:
    """Where a piece of text lives, for deciding which placeholders it may use."""

    sides: bool | None  # None: outside any step; False: a step done once; True: per side


class Document:
    """One routine file's YAML: its nodes read as routine values, and the problems found."""

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
            return f"'{short(value)}'"
        return f"'{short(str(node.value))}' (which YAML reads as a {type(value).__name__})"

    # -- composing --------------------------------------------------------------------------

    def compose(self) -> Node | None:
        """The document's root node, or None (with the problem reported) for a syntax error, a
        character YAML refuses, an empty file, or a shape no routine has (see `_within_limits`).
        Call `close` when done with the nodes."""
        if not self._within_limits():
            return None
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
        return root

    def _within_limits(self) -> bool:
        """Walk the YAML's events (yaml's parser is a loop, not recursion) before composing it
        (which recurses): refuse nesting deeper than MAX_NESTING, and aliases that would make the
        text bigger than MAX_EXPANDED_CHARS (2,000 uses of one 100 kB anchor took a minute and
        200 MB to check). A syntax error is left for `compose` to report."""
        sizes: dict[str, int] = {}  # anchor -> characters it stands for
        open_sizes: list[list] = [[None, 0]]  # [anchor, characters so far] per open collection
        total = 0
        try:
            for event in yaml.parse(self.source, Loader=yaml.SafeLoader):
                added = 0
                if isinstance(event, CollectionStartEvent):
                    open_sizes.append([event.anchor, 0])
                    if len(open_sizes) - 1 > MAX_NESTING:
                        return self._limit(event, f"at most {MAX_NESTING} levels of lists and "
                                           "mappings inside each other",
                                           f"more than {MAX_NESTING}",
                                           "a routine needs only a few levels; is a bracket "
                                           "or an indent wrong?")
                elif isinstance(event, CollectionEndEvent):
                    anchor, size = open_sizes.pop()
                    if anchor:
                        sizes[anchor] = size
                    open_sizes[-1][1] += size
                elif isinstance(event, ScalarEvent):
                    added = len(event.value) + 1
                    if event.anchor:
                        sizes[event.anchor] = added
                elif isinstance(event, AliasEvent):
                    added = sizes.get(event.anchor, 0)
                open_sizes[-1][1] += added
                total += added
                if total > MAX_EXPANDED_CHARS:
                    return self._limit(event, f"at most {MAX_EXPANDED_CHARS:,} characters of "
                                       "text, with aliases (*name) counted each time they are "
                                       "used", "more", "repeat less through anchors and "
                                       "aliases; a routine is a few thousand characters")
        except yaml.YAMLError:
            return True  # compose reports it, with its position
        return True

    def _limit(self, event: Any, expected: str, found: str, hint: str) -> bool:
        mark = event.start_mark
        self.problems.append(Problem(self.file, mark.line + 1, mark.column + 1, "", expected,
                                     found, hint, "syntax"))
        return False

    def close(self) -> None:
        """Release the YAML loader (values can no longer be built after this)."""
        if self._loader is not None:
            self._loader.dispose()

    def value(self, node: ScalarNode) -> Any:
        """The Python value of a scalar, as yaml's safe loader would build it."""
        assert self._loader is not None
        try:
            return self._loader.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            return node.value  # e.g. an impossible date: treat it as the text it is

    # -- values ----------------------------------------------------------------------------

    def text(self, node: Node | None, field: str, scope: Scope) -> str | None:
        """One piece of text, with whitespace tidied and placeholders checked."""
        value = self.value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, str):
            hint = shape_hint(node, "text")
            if isinstance(node, ScalarNode) and value is not None:
                hint = f'put it in quotes: "{node.value}"'
            self.add(node, field, "text", self.found(node), "type", hint)
            return None
        cleaned = " ".join(value.split())
        if not cleaned:
            self.add(node, field, "some text", "empty text", "value")
            return None
        controls = control_characters(cleaned)
        if controls:
            self.add(node, field, "plain text without control characters",
                     ", ".join(dict.fromkeys(controls)), "value",
                     "remove the escape (\\x1b, \\a, \\0...): it would reach the terminal raw")
            return None
        self.placeholders(node, field, cleaned, scope)
        return cleaned

    def texts(self, node: Node | None, field: str, scope: Scope,
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
                     else "duration", shape_hint(node, "duration"))
            return None
        try:
            seconds = parse_duration(value)
        except ValueError as error:
            hint = "write minutes with m and seconds with s, no other units"
            if "zero" in str(error):
                hint = "a duration must be more than zero"
            elif "finite" in str(error):
                hint = f"give a number of seconds up to {MAX_HOLD_SECONDS}, or minutes with m"
            self.add(node, field, "a duration such as 30, 30s, 2m or 1m30s",
                     self.found(node), "duration", hint)
            return None
        if seconds > MAX_HOLD_SECONDS:
            said = describe_duration(seconds) if seconds < 100 * MAX_HOLD_SECONDS \
                else self.found(node)
            self.add(node, field, f"at most {describe_duration(MAX_HOLD_SECONDS)}", said,
                     "duration", "did you mean seconds (s)?")
            return None
        if seconds < MIN_DURATION_SECONDS:
            self.add(node, field, f"at least {MIN_DURATION_SECONDS} second", self.found(node),
                     "duration", "durations are in seconds; 0.5 would be said as zero seconds")
            return None
        return seconds

    def placeholders(self, node: Node, field: str, text: str, scope: Scope) -> None:
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


def short(text: str, limit: int = 50) -> str:
    """What the author wrote, on one line and cut to fit in a message."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


def shape_hint(node: Node | None, wanted: str) -> str:
    """A hint for the usual YAML slip behind a value of the wrong shape ("" if none fits)."""
    if wanted == "list" and isinstance(node, MappingNode):
        return "start each item with '- '"
    if wanted == "text" and isinstance(node, MappingNode):
        return "a line with ': ' in it reads as a key; put the sentence in quotes"
    if wanted == "text" and isinstance(node, SequenceNode):
        return "this field takes one sentence, not a list"
    if wanted == "duration" and isinstance(node, MappingNode):
        return "a ranged hold goes directly under `hold:` as {min, max, default}"
    return ""
