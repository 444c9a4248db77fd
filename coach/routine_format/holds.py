"""A step's timing in a routine file: its hold (a time, or a range with a default), the hold's own
move-on question, and the cues spoken during it.

These rules are the ones that need the hold's numbers together (min <= default <= max, a
"time left" cue shorter than the hold, `ask` only on an until-softened hold), so they live apart
from the step's other fields in `coach.routine_format.checker`.
"""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coach.core.routine import Hold, HoldCues
from coach.routine_format.check_ins import move_on_wording_problem
from coach.routine_format.document import Document, Scope, short
from coach.routine_format.durations import describe_duration
from coach.routine_format.mappings import CUE_KEYS, HOLD_KEYS, read_mapping

MAX_COUNTDOWN = 10


def read_hold(doc: Document, node: Node, field: str, scope: Scope) -> Hold | None:
    """A step's `hold`: one time, or a mapping with min, max, a default and the move-on question;
    None with every problem reported to `doc`."""
    if not isinstance(node, MappingNode):
        seconds = doc.duration(node, field)
        return Hold(seconds, seconds, seconds) if seconds is not None else None
    items = read_mapping(doc, node, field, HOLD_KEYS, "a hold", required=("min", "max"))
    if items is None:
        return None
    low = doc.duration(items["min"][1], f"{field}.min") if "min" in items else None
    high = doc.duration(items["max"][1], f"{field}.max") if "max" in items else None
    default = doc.duration(items["default"][1], f"{field}.default") \
        if "default" in items else low
    softened = False
    if "until_softened" in items:
        softened = bool(doc.boolean(items["until_softened"][1], f"{field}.until_softened"))
    ask = _ask(doc, items, f"{field}.ask", softened, scope) if "ask" in items else None
    if low is None or high is None or default is None:
        return None
    if low > high:
        doc.add(items["min"][1], f"{field}.min",
                f"at most the max ({describe_duration(high)})", describe_duration(low),
                "hold-range", "min is the shortest hold, max the longest")
        return None
    if not low <= default <= high:
        doc.add(items["default"][1], f"{field}.default",
                f"between min and max ({describe_duration(low)} to "
                f"{describe_duration(high)})", describe_duration(default), "hold-range")
        return None
    return Hold(default=default, minimum=low, maximum=high, until_softened=softened, ask=ask)


def _ask(doc: Document, items: dict[str, tuple[Node, Node]], field: str, softened: bool,
         scope: Scope) -> str | None:
    """The hold's own move-on question: spoken text, a yes/no question, only when it is asked.

    Only an until-softened hold stops to ask anything, so `ask` anywhere else would be text
    that is never said; the author almost certainly forgot `until_softened: true`.
    """
    key_node, value_node = items["ask"]
    question = doc.text(value_node, field, scope)
    if question is None:
        return None
    doc.lint(value_node, field, [question])
    if not question.endswith("?"):
        doc.add(value_node, field, "a yes/no question ending in '?'",
                f"'{short(question)}'", "value",
                "it is asked when the hold reaches its default; yes moves on, no stays "
                "longer")
    elif wording := move_on_wording_problem(question):
        doc.add(value_node, field, "a question yes or no can answer",
                f"{wording}: '{short(question)}'", "not-yes-no",
                "yes moves on and no stays longer, so ask one thing: 'Has the knot "
                "eased?'")
    flag = items["until_softened"][1] if "until_softened" in items else None
    flag_is_bad = flag is not None and not (isinstance(flag, ScalarNode) and
                                            isinstance(doc.value(flag), bool))
    if not softened and not flag_is_bad:  # a bad flag is already reported on its own
        if "until_softened" in items:
            found = f"ask with until_softened: {items['until_softened'][1].value}"
        else:
            found = "ask but no until_softened"
        doc.add(key_node, field, "ask only on a hold with `until_softened: true`", found,
                "missing", "add `until_softened: true` to this hold, or remove `ask`: "
                "only a hold that waits for the tissue stops to ask")
    return question


def read_cues(doc: Document, node: Node, field: str, hold: Hold | None) -> HoldCues | None:
    """A step's `cues` (what is said or played during its hold), checked against the `hold`."""
    items = read_mapping(doc, node, field, CUE_KEYS, "cues")
    if items is None:
        return None
    base = HoldCues()
    values: dict[str, Any] = {}
    for key in ("announce", "halfway", "end_chime"):
        if key in items:
            values[key] = doc.boolean(items[key][1], f"{field}.{key}")
    if "countdown" in items:
        values["countdown"] = doc.integer(items["countdown"][1], f"{field}.countdown", 0,
                                          MAX_COUNTDOWN)
    if "remaining" in items:
        values["remaining"] = _remaining(doc, items["remaining"][1], f"{field}.remaining", hold)
    if any(value is None for value in values.values()):
        return None
    return HoldCues(
        announce=values.get("announce", base.announce),
        halfway=values.get("halfway", base.halfway),
        remaining=values.get("remaining", base.remaining),
        countdown=values.get("countdown", base.countdown),
        end_chime=values.get("end_chime", base.end_chime))


def _remaining(doc: Document, node: Node, field: str,
               hold: Hold | None) -> tuple[float, ...] | None:
    nodes = node.value if isinstance(node, SequenceNode) else [node]
    result = []
    ok = True
    for index, item in enumerate(nodes):
        path = f"{field}[{index}]" if isinstance(node, SequenceNode) else field
        seconds = doc.duration(item, path)
        if seconds is None:
            ok = False
        elif hold is not None and seconds >= hold.maximum:
            doc.add(item, path, f"less than the hold ({describe_duration(hold.maximum)})",
                    describe_duration(seconds), "value",
                    "this is time left before the end; it would never be said")
            ok = False
        else:
            result.append(seconds)
    return tuple(sorted(set(result), reverse=True)) if ok else None
