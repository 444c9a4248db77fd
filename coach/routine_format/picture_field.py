"""A step's `picture` in a routine file: which view of the body, which region, which side, where
along it, and what rests on it.

Each value comes from a short fixed list (`coach.core.routine`'s View, Region, Marker, Touch,
KeepAway), because the screen can only draw what it knows; an unknown word is reported at its
line and column with the closest known word, like every other field. `side: "{side}"` follows
the step's side, so it is only allowed in a step that has `sides`, and it must be quoted: YAML
reads a bare `{side}` as a mapping.
"""

from __future__ import annotations

import difflib
import enum
from typing import TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coach.core.routine import STEP_SIDE, KeepAway, Marker, Picture, Region, Touch, View
from coach.routine_format.document import Document, shape_hint
from coach.routine_format.mappings import PICTURE_KEYS, read_mapping

SIDES = ("left", "right", "both", STEP_SIDE)

# Said after an unknown value, so an author sees what each word draws.
_MEANINGS = {
    View: "face-down: lying face down, seen from above; seated: sitting with the legs out; "
          "face-up: lying on the back",
    Region: "thigh is the back of the thigh (the hamstring)",
    Marker: "upper is toward the head, lower toward the feet, along the whole region",
    Touch: "what rests on the body: none for a stretch",
    KeepAway: "places to shade as not to be pressed on",
}

# Words people are likely to write for a known one: the hint names the known word.
_LIKELY = {"back": "face-down", "prone": "face-down", "lying": "face-down", "supine": "face-up",
           "sitting": "seated", "hamstring": "thigh", "hamstrings": "thigh", "buttock": "glutes",
           "middle": "centre", "center": "centre", "top": "upper", "bottom": "lower",
           "hand": "hands", "thumb": "thumbs", "forearm": "forearms", "bum": "seat"}

E = TypeVar("E", bound=enum.Enum)


def read_picture(doc: Document, node: Node, field: str, has_sides: bool) -> Picture | None:
    """The step's picture, or None with every problem reported to `doc`."""
    if isinstance(node, ScalarNode) and isinstance(doc.value(node), str):
        doc.add(node, field, "a mapping such as {view: face-down, region: thigh, side: "
                "\"{side}\"}", doc.found(node), "type",
                "a picture names a view, a region and a side")
        return None
    items = read_mapping(doc, node, field, PICTURE_KEYS, "a picture",
                         required=("view", "region", "side"))
    if items is None:
        return None
    before = len(doc.problems)
    get = lambda key: items[key][1] if key in items else None  # noqa: E731
    view = _choice(doc, get("view"), f"{field}.view", View) if "view" in items else None
    region = _choice(doc, get("region"), f"{field}.region", Region) \
        if "region" in items else None
    side = _side(doc, get("side"), f"{field}.side", has_sides) if "side" in items else None
    marker = _choice(doc, get("marker"), f"{field}.marker", Marker) \
        if "marker" in items else Marker.CENTRE
    touch = _choice(doc, get("touch"), f"{field}.touch", Touch) \
        if "touch" in items else Touch.HANDS
    keep_away = _keep_away(doc, get("keep_away"), f"{field}.keep_away") \
        if "keep_away" in items else ()
    if len(doc.problems) > before or None in (view, region, side, marker, touch):
        return None
    return Picture(view=view, region=region, side=side, marker=marker,  # type: ignore[arg-type]
                   touch=touch, keep_away=keep_away)  # type: ignore[arg-type]


def _choice(doc: Document, node: Node | None, field: str, kind: type[E]) -> E | None:
    """One word from an enum's values, or None with a hint naming the closest one."""
    words = [member.value for member in kind]  # type: ignore[attr-defined]
    value = doc.value(node) if isinstance(node, ScalarNode) else None
    if isinstance(value, str) and value in words:
        return kind(value)
    close = difflib.get_close_matches(str(value).lower(), words, n=1, cutoff=0.5) \
        if isinstance(value, str) else []
    if isinstance(value, str) and not close:  # "middel" is near "middle", which means centre
        likely = [word for word, known in _LIKELY.items() if known in words]
        near = difflib.get_close_matches(value.lower(), likely, n=1, cutoff=0.7)
        close = [_LIKELY[near[0]]] if near else []
    hint = f"did you mean `{close[0]}`? " if close else ""
    doc.add(node, field, "one of " + ", ".join(words), doc.found(node),
            "value" if isinstance(value, str) else "type",
            hint + _MEANINGS.get(kind, ""))
    return None


def _side(doc: Document, node: Node | None, field: str, has_sides: bool) -> str | None:
    """left, right, both, or "{side}" in a step done on each side."""
    if isinstance(node, MappingNode) and len(node.value) == 1 and \
            isinstance(node.value[0][0], ScalarNode) and \
            node.value[0][0].value in ("side", "other_side"):
        doc.add(node, field, "left, right, both or \"{side}\"", "a mapping (an unquoted {side})",
                "type", 'put it in quotes: side: "{side}"')
        return None
    value = doc.value(node) if isinstance(node, ScalarNode) else None
    if value not in SIDES:
        close = difflib.get_close_matches(str(value).lower(), SIDES, n=1, cutoff=0.5) \
            if isinstance(value, str) else []
        doc.add(node, field, "left, right, both or \"{side}\"", doc.found(node),
                "value" if isinstance(value, str) else "type",
                f"did you mean `{close[0]}`?" if close else
                "\"{side}\" follows the side the step is being done on")
        return None
    if value == STEP_SIDE and not has_sides:
        doc.add(node, field, "\"{side}\" only in a step that has `sides`",
                "\"{side}\" in a step that is done once", "side-placeholder",
                "add `sides: [left, right]` to this step, or write left, right or both")
        return None
    return value


def _keep_away(doc: Document, node: Node | None, field: str) -> tuple[KeepAway, ...] | None:
    """A list of places to shade; a single word counts as a list of one."""
    if isinstance(node, ScalarNode):
        one = _choice(doc, node, field, KeepAway)
        return (one,) if one is not None else None
    if not isinstance(node, SequenceNode):
        doc.add(node, field, "a list such as [knee, spine]", doc.found(node), "type",
                shape_hint(node, "list"))
        return None
    result: list[KeepAway] = []
    for index, item in enumerate(node.value):
        area = _choice(doc, item, f"{field}[{index}]", KeepAway)
        if area is None:
            return None
        if area not in result:
            result.append(area)
    return tuple(result)
