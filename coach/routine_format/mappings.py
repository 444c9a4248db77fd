"""The mappings of a routine file: the keys each place knows, and reading one mapping.

Every mapping in the format (the top level, a step, a hold, its cues, a contraindication) is read
the same way: unknown, repeated and missing keys are reported with a hint (a close spelling, or
"this key belongs in a step, check the indentation"), and the known keys are handed back with
their nodes. The hint needs every place's keys, so they are all listed here, in one table.
"""

from __future__ import annotations

import difflib

from yaml.nodes import MappingNode, Node, ScalarNode

from coach.routine_format.document import Document, shape_hint

TOP_KEYS = ("id", "title", "audience", "summary", "area", "equipment", "default_pressure",
            "max_pressure", "setup", "contraindications", "cautions", "steps", "closing",
            "release")
STEP_KEYS = ("id", "title", "sides", "say", "hold", "cues", "after", "pressure", "check_in",
             "warning", "other_position", "optional")
HOLD_KEYS = ("min", "max", "default", "until_softened", "ask")
CUE_KEYS = ("announce", "halfway", "remaining", "countdown", "end_chime")
CONTRAINDICATION_KEYS = ("question", "reason", "read_back")
_KEYS_BY_PLACE = {"the top level": TOP_KEYS, "a step": STEP_KEYS, "a hold": HOLD_KEYS,
                  "cues": CUE_KEYS, "a contraindication": CONTRAINDICATION_KEYS}


def read_mapping(doc: Document, node: Node | None, field: str, keys: tuple[str, ...], place: str,
                 required: tuple[str, ...] = ()) -> dict[str, tuple[Node, Node]] | None:
    """The key -> (key node, value node) of a mapping, reporting unknown/duplicate/missing keys."""
    if not isinstance(node, MappingNode):
        doc.add(node, field or "(top level)",
                f"a mapping of keys ({', '.join(keys[:4])}, ...)", doc.found(node),
                "type", shape_hint(node, "mapping"))
        return None
    items: dict[str, tuple[Node, Node]] = {}
    for key_node, value_node in node.value:
        key = doc.value(key_node) if isinstance(key_node, ScalarNode) else None
        if not isinstance(key, str):
            doc.add(key_node, field or "(top level)", "a key name",
                    doc.found(key_node), "type")
            continue
        path = join_field(field, key)
        if key in items:
            first = items[key][0].start_mark.line + 1
            doc.add(key_node, path, f"`{key}` only once (it is already on line {first})",
                    f"`{key}` again", "duplicate-key",
                    "YAML would silently keep only the last one; merge them")
            continue
        if key not in keys:
            doc.add(key_node, path, f"one of the keys of {place}", f"`{key}`",
                    "unknown-key", _key_hint(key, keys, place))
            continue
        items[key] = (key_node, value_node)
    for key in required:
        if key not in items:
            doc.add(node, join_field(field, key), f"a `{key}` key", "none", "missing",
                    _missing_hint(key))
    return items


def join_field(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _key_hint(key: str, keys: tuple[str, ...], place: str) -> str:
    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.5)
    if close:
        return f"did you mean `{close[0]}`?"
    homes = [where for where, known in _KEYS_BY_PLACE.items() if key in known and where != place]
    if homes:
        return f"`{key}` belongs in {homes[0]}, check the indentation"
    return "known keys: " + ", ".join(keys)


def _missing_hint(key: str) -> str:
    return {
        "contraindications": "write `contraindications: []` if there really are none",
        "say": "`say` is what the coach reads out for this step",
        "read_back": "what a no means, in a few words, said back after the last question so a "
                     "misheard no is caught: `read_back: no heart condition`",
    }.get(key, "")
