"""The routine format, field by field: what each key must hold, and the `Routine` it builds.

`RoutineChecker` walks a composed `coach.routine_format.document.Document` from the top level down
through contraindications, steps, holds, cues and pressure levels. Every rule of the format lives
here (required keys, ids, sides, hold ranges, until-softened questions, all five pressure levels)
and every broken rule is reported through the document as a `Problem`, never raised; a part that
has problems is left out, and no `Routine` is built unless there are none. The format is
documented for routine authors in docs/routine-format.md.

Beside it: `mappings` (the keys each place knows, and reading a mapping), `holds` (a step's hold,
its move-on question and its cues) and `check_ins` (the check-in and its answers), each a part of
the format with rules of its own.
"""

from __future__ import annotations

import difflib
import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coach.core.routine import (
    PRESSURE_LEVELS,
    PRESSURE_NAMES,
    Audience,
    Contraindication,
    HoldCues,
    Routine,
    Side,
    Step,
)
from coach.routine_format.check_ins import read_check_in
from coach.routine_format.document import Document, Scope, shape_hint, short
from coach.routine_format.holds import read_cues, read_hold
from coach.routine_format.mappings import (
    CONTRAINDICATION_KEYS,
    STEP_KEYS,
    TOP_KEYS,
    read_mapping,
)
from coach.routine_format.pressure_direction import direction_problem

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class RoutineChecker:
    """Checks one routine document and builds the routine from it."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.max_pressure = PRESSURE_LEVELS[-1]  # the routine's cap, read before the steps

    def run(self, expected_id: str | None) -> Routine | None:
        """The routine, or None when the document has any problem (`expected_id`: the file name
        stem, which the routine's id must match)."""
        try:
            root = self.doc.compose()
            if root is None:
                return None
            return self.routine(root, expected_id)
        finally:
            self.doc.close()

    # -- the routine ------------------------------------------------------------------------

    def routine(self, root: Node, expected_id: str | None) -> Routine | None:
        items = read_mapping(self.doc, root, "", TOP_KEYS, "the top level",
                             required=("id", "title", "audience", "summary", "contraindications",
                                       "steps"))
        if items is None:
            return None
        outside = Scope(sides=None)
        get = lambda key: items[key][1] if key in items else None  # noqa: E731

        routine_id = self.identifier(get("id"), "id", "routine") if "id" in items else None
        if routine_id and expected_id is not None and routine_id != expected_id:
            self.doc.add(get("id"), "id", f"the file name without .yaml ('{expected_id}')",
                         f"'{routine_id}'", "id-mismatch",
                         "rename the file or change the id, so people can start it by its id")
        title = self.doc.text(get("title"), "title", outside) if "title" in items else None
        summary = self.doc.text(get("summary"), "summary", outside) if "summary" in items else None
        audience = self.audience(get("audience")) if "audience" in items else None
        area = (self.doc.text(get("area"), "area", outside) or "") if "area" in items else ""
        default_pressure = 3
        if "default_pressure" in items:
            default_pressure = self.doc.integer(get("default_pressure"), "default_pressure", 1, 5,
                                                "pressure") or 3
        if "max_pressure" in items:
            self.max_pressure = self.doc.integer(get("max_pressure"), "max_pressure", 1, 5,
                                                 "pressure") or self.max_pressure
            if default_pressure > self.max_pressure:
                self.doc.add(get("default_pressure"), "default_pressure",
                             f"at most max_pressure ({self.max_pressure})",
                             str(default_pressure), "pressure",
                             "the pressure starts at or below the routine's cap")
        release = ""
        if "release" in items:
            release = self.doc.text(get("release"), "release", outside) or ""
            if release:
                self.doc.lint(get("release"), "release", [release])
            if release and release[-1] not in ".!":
                self.doc.add(get("release"), "release", "one sentence ending in '.'",
                             f"'{short(release)}'", "value", "it is said inside a reply: "
                             "'Stopped. Lift your seat off the thigh first. Say resume ...'")
        spoken: dict[str, tuple[str, ...]] = {}
        for key in ("equipment", "setup", "cautions", "closing"):
            spoken[key] = self.doc.texts(get(key), key, outside)
            if key != "equipment" and key in items:
                self.doc.lint(get(key), key, spoken[key])
        contraindications = self.contraindications(get("contraindications")) \
            if "contraindications" in items else ()
        steps = self.steps(get("steps")) if "steps" in items else ()

        if self.doc.problems or None in (routine_id, title, summary, audience):
            return None
        return Routine(
            id=routine_id, title=title, audience=audience, summary=summary,  # type: ignore[arg-type]
            equipment=spoken["equipment"], setup=spoken["setup"],
            contraindications=contraindications, cautions=spoken["cautions"],
            steps=steps, closing=spoken["closing"], default_pressure=default_pressure,
            max_pressure=self.max_pressure, area=area, release=release,
            source_path=self.doc.file)

    def identifier(self, node: Node | None, field: str, what: str) -> str | None:
        value = self.doc.value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            suggestion = re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") \
                if isinstance(node, ScalarNode) and value is not None else ""
            self.doc.add(node, field, f"a {what} id in lower-case-with-dashes",
                         self.doc.found(node), "type" if not isinstance(value, str) else "value",
                         f"for example '{suggestion}'" if suggestion else "")
            return None
        return value

    def audience(self, node: Node) -> Audience | None:
        choices = [a.value for a in Audience]
        value = self.doc.value(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, str) and value in choices:
            return Audience(value)
        close = difflib.get_close_matches(str(value), choices, n=1) if value else []
        self.doc.add(node, "audience", "partner or self", self.doc.found(node),
                     "type" if not isinstance(value, str) else "value",
                     f"did you mean `{close[0]}`?" if close else
                     "partner: one person massages another; self: on your own")
        return None

    def contraindications(self, node: Node) -> tuple[Contraindication, ...]:
        if isinstance(node, ScalarNode) and self.doc.value(node) is None:
            self.doc.add(node, "contraindications", "a list of yes/no questions (or [] for none)",
                         "nothing", "missing",
                         "write `contraindications: []` if there really are none")
            return ()
        if not isinstance(node, SequenceNode):
            self.doc.add(node, "contraindications", "a list of question/reason pairs",
                         self.doc.found(node), "type", shape_hint(node, "list"))
            return ()
        result = []
        outside = Scope(sides=None)
        for index, item in enumerate(node.value):
            field = f"contraindications[{index}]"
            items = read_mapping(self.doc, item, field, CONTRAINDICATION_KEYS, "a contraindication",
                                 required=CONTRAINDICATION_KEYS)
            if items is None:
                continue
            question = self.doc.text(items["question"][1], f"{field}.question", outside) \
                if "question" in items else None
            reason = self.doc.text(items["reason"][1], f"{field}.reason", outside) \
                if "reason" in items else None
            read_back = self.doc.text(items["read_back"][1], f"{field}.read_back", outside) \
                if "read_back" in items else None
            if read_back and any(mark in read_back for mark in ".?!,;:"):
                self.doc.add(items["read_back"][1], f"{field}.read_back",
                             "a few words with no punctuation", f"'{short(read_back)}'",
                             "value", "it is one item of a list said in one sentence, 'So: no "
                             "heart condition, not pregnant. Is that right?', so a comma inside "
                             "it would blur where it ends; join with 'or'")
            if question and not question.endswith("?"):
                self.doc.add(items["question"][1], f"{field}.question",
                             "a yes/no question ending in '?'", f"'{short(question)}'", "value",
                             "it is asked aloud and answered with yes or no")
            if question and reason and read_back:
                result.append(Contraindication(question, reason, read_back))
        return tuple(result)

    def steps(self, node: Node) -> tuple[Step, ...]:
        if isinstance(node, ScalarNode) and self.doc.value(node) is None or \
                isinstance(node, SequenceNode) and not node.value:
            self.doc.add(node, "steps", "at least one step", "an empty step list", "empty-steps")
            return ()
        if not isinstance(node, SequenceNode):
            self.doc.add(node, "steps", "a list of steps (each starting with '- id:')",
                         self.doc.found(node), "type", shape_hint(node, "list"))
            return ()
        steps: list[Step] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(node.value):
            step = self.step(item, f"steps[{index}]", seen, index)
            if step is not None:
                steps.append(step)
        return tuple(steps)

    def step(self, node: Node, field: str, seen: dict[str, int], index: int) -> Step | None:
        items = read_mapping(self.doc, node, field, STEP_KEYS, "a step",
                             required=("id", "title", "say"))
        if items is None:
            return None
        get = lambda key: items[key][1] if key in items else None  # noqa: E731
        before = len(self.doc.problems)

        step_id = self.identifier(get("id"), f"{field}.id", "step") if "id" in items else None
        if step_id is not None:
            if step_id in seen:
                first = seen[step_id]
                self.doc.add(get("id"), f"{field}.id",
                             f"a step id not used before (steps[{first}] is already '{step_id}')",
                             f"'{step_id}'", "duplicate-id", "give each step its own id")
            else:
                seen[step_id] = index
        sides = self.sides(get("sides"), f"{field}.sides") if "sides" in items else ()
        scope = Scope(sides=bool(sides))
        title = self.doc.text(get("title"), f"{field}.title", scope) if "title" in items else None
        say = self.doc.texts(get("say"), f"{field}.say", scope, required=True) \
            if "say" in items else ()
        hold = read_hold(self.doc, get("hold"), f"{field}.hold", scope) if "hold" in items else None
        cues = HoldCues()
        if "cues" in items:
            if "hold" not in items:
                self.doc.add(items["cues"][0], f"{field}.cues", "cues only on a step with a `hold`",
                             "cues but no hold", "missing", "add a hold, or remove the cues")
            cues = read_cues(self.doc, get("cues"), f"{field}.cues", hold) or cues
        after = self.doc.texts(get("after"), f"{field}.after", scope)
        pressure = self.pressure(get("pressure"), f"{field}.pressure", scope) \
            if "pressure" in items else {}
        warning = self.doc.text(get("warning"), f"{field}.warning", scope) \
            if "warning" in items else None
        alternative = self.doc.texts(get("other_position"), f"{field}.other_position", scope)
        check_in = read_check_in(self.doc, get("check_in"), f"{field}.check_in", scope,
                                 bool(alternative)) if "check_in" in items else None
        optional = bool(self.doc.boolean(get("optional"), f"{field}.optional")) \
            if "optional" in items else False

        for key, texts in (("title", [title]), ("say", say), ("after", after),
                           ("warning", [warning]),
                           ("other_position", alternative)):
            if key in items:
                self.doc.lint(get(key), f"{field}.{key}", [t for t in texts if t])
        if "pressure" in items and isinstance(get("pressure"), MappingNode):
            for key_node, value_node in get("pressure").value:
                level = self.doc.value(key_node) if isinstance(key_node, ScalarNode) else None
                if isinstance(value_node, ScalarNode) and \
                        isinstance(self.doc.value(value_node), str):
                    self.doc.lint(value_node, f"{field}.pressure.{level}",
                                  [self.doc.value(value_node)])

        if len(self.doc.problems) > before or step_id is None or title is None or not say:
            return None
        return Step(id=step_id, title=title, say=say, hold=hold, cues=cues, after=after,
                    pressure=pressure, sides=sides, check_in=check_in, warning=warning,
                    alternative=alternative, optional=optional, line=node.start_mark.line + 1)

    def sides(self, node: Node, field: str) -> tuple[Side, ...]:
        hint = "write `sides: [left, right]`, or leave sides out for a step done once"
        if not isinstance(node, SequenceNode):
            self.doc.add(node, field, "a list of sides such as [left, right]", self.doc.found(node),
                         "type", hint)
            return ()
        result: list[Side] = []
        for index, item in enumerate(node.value):
            value = self.doc.value(item) if isinstance(item, ScalarNode) else None
            if value not in ("left", "right"):
                self.doc.add(item, f"{field}[{index}]", "left or right", self.doc.found(item),
                             "value")
            elif Side(value) in result:
                self.doc.add(item, f"{field}[{index}]", "each side once", f"'{value}' twice",
                             "value")
            else:
                result.append(Side(value))
        if not node.value:
            self.doc.add(node, field, "left, right or both", "an empty list", "value", hint)
        return tuple(result)

    def pressure(self, node: Node, field: str, scope: Scope) -> dict[int, str]:
        if not isinstance(node, MappingNode):
            self.doc.add(node, field, "a mapping of levels 1 to 5 to text", self.doc.found(node),
                         "type", shape_hint(node, "mapping"))
            return {}
        result: dict[int, str] = {}
        levels_seen: set[int] = set()
        for key_node, value_node in node.value:
            level = self.doc.value(key_node) if isinstance(key_node, ScalarNode) else None
            if isinstance(level, str) and level.strip().isdigit():
                level = int(level)
            path = f"{field}.{key_node.value if isinstance(key_node, ScalarNode) else '?'}"
            if isinstance(level, bool) or not isinstance(level, int) or \
                    level not in PRESSURE_LEVELS:
                self.doc.add(key_node, path, "a pressure level from 1 to 5",
                             self.doc.found(key_node), "pressure", "levels: " + ", ".join(
                                 f"{n} {name}" for n, name in PRESSURE_NAMES.items()))
                continue
            if level in levels_seen:
                self.doc.add(key_node, path, f"level {level} once", f"level {level} again",
                             "duplicate-key")
                continue
            levels_seen.add(level)
            text = self.doc.text(value_node, path, scope)
            if text is not None:
                result[level] = text
                wrong_way = direction_problem(level, text, PRESSURE_LEVELS[0],
                                              self.max_pressure)
                if wrong_way:
                    self.doc.add(value_node, path, f"words that say where the weight or pressure "
                                 f"is at level {level}", wrong_way, "pressure-direction",
                                 "describe the position itself ('Rest part of the thigh's weight "
                                 "on the roller'), not a change from the level before: the coach "
                                 "says which way to move")
        wanted = [level for level in PRESSURE_LEVELS if level <= self.max_pressure]
        every = "all five levels 1, 2, 3, 4 and 5" if len(wanted) == len(PRESSURE_LEVELS) else \
            f"levels {_and_list([str(level) for level in wanted])} (max_pressure is " \
            f"{self.max_pressure})"
        missing = [level for level in wanted if level not in levels_seen]
        if missing and levels_seen:
            self.doc.add(node, field, every,
                         "no level " + _and_list([str(m) for m in missing]), "pressure",
                         "the receiver can ask for softer or harder at any time, so every level "
                         "needs its own instruction")
        elif not levels_seen and not node.value:
            self.doc.add(node, field, every, "an empty mapping", "pressure")
        for key_node, value_node in node.value:
            level = self.doc.value(key_node) if isinstance(key_node, ScalarNode) else None
            if isinstance(level, int) and not isinstance(level, bool) and \
                    self.max_pressure < level <= PRESSURE_LEVELS[-1]:
                self.doc.add(key_node, f"{field}.{level}",
                             f"no level above max_pressure ({self.max_pressure})",
                             f"level {level}", "pressure",
                             "the coach never goes above the routine's cap, so this text would "
                             "never be said; remove it, or raise max_pressure")
        return result


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
