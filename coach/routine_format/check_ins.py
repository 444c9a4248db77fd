"""The check-in question in a routine file: the question, and what each answer does.

A check-in is asked during a hold, when the giver's hands are busy and an answer has to mean
exactly one thing. So the format makes the answers part of the question:

    check_in:                           check_in:
      ask: Receiver, is this too deep?    ask: Receiver, how is the pressure?
      if_yes: softer                      choices: [softer, firmer, that's good]
      if_no: carry on

A question with no answers defined is refused, and so is one offered as yes/no that yes or no
cannot answer: an either-or question ("a good ache, or too much?", where "yes" means nothing),
an open one ("how does it feel?"), or two questions in one. The wording rules are in
`yes_no_wording_problem`, which the hold's own `ask` question uses too.
"""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from coach.core.routine import AnswerAction, CheckIn, Choice
from coach.routine_format.document import Document, Scope, short

CHECK_IN_KEYS = ("ask", "if_yes", "if_no", "choices")
_ACTIONS = {action.value: action for action in AnswerAction}
_CHOICES = {choice.value: choice for choice in Choice}

EXAMPLE = ("write it as indented lines: `ask: Is this too deep?` with `if_yes: softer` and "
           "`if_no: carry on`, or `ask: How is the pressure?` with "
           "`choices: [softer, firmer, that's good]`")

# A yes/no question opens with one of these (after an optional "Receiver, ").
_YES_NO_OPENERS = re.compile(
    r"^(?:[A-Z][a-z]+,\s+)?(is|are|am|was|were|do|does|did|has|have|had|can|could|will|would|"
    r"should|shall|may|might|any)\b", re.IGNORECASE)
# "..., or too much?", "a good ache or too sharp?", "okay or not?": the alternatives are answers.
_EITHER_OR = re.compile(
    r",\s*or\b|\bor\s+(?:is\s+it\s+|it's\s+)?(?:too|about|just|rather|not|fine|ok|okay|right|"
    r"good|bad|better|worse|less|more|sharp|deep|light|hard|soft|painful|comfortable)\b",
    re.IGNORECASE)
# "Is this too deep?", "Does it feel sharp?": a yes here means trouble, never "carry on".
_TROUBLE = re.compile(r"\b(?:too|sharp\w*|hurts?|hurting|painful|more than|numb\w*|"
                      r"tingl\w*)\b", re.IGNORECASE)
# "Does the stretch hurt?", "Does anything feel sharp?": a yes is pain, so it must pause and ease
# off (ouch), or end this position (other position, which also eases off and pauses); one level
# lighter while the hold runs on is not enough (issue 20).
_PAIN = re.compile(r"\b(?:sharp\w*|hurts?|hurting|pain\w*|numb\w*|tingl\w*|burn\w*|"
                   r"pinch\w*|shoot\w*)\b", re.IGNORECASE)
# "Is it still tight?", "Has it not eased?": a yes here does not mean the hold has worked.
_NOT_DONE = re.compile(r"\b(?:still|not|n't)\b|n't\b", re.IGNORECASE)
# "Is the oil warm, and is the speed all right?": two questions, one answer.
_TWO_QUESTIONS = re.compile(
    r"\b(?:and|or)\s+(?:is|are|does|do|has|have|can|how|what)\b|\?.+\?", re.IGNORECASE)


def yes_no_wording_problem(question: str) -> str | None:
    """Why yes or no cannot answer `question` (None when they can), for the problem message."""
    if not _YES_NO_OPENERS.match(question):
        return "an open question (yes or no does not answer it)"
    if _TWO_QUESTIONS.search(question):
        return "two questions in one (one yes cannot answer both)"
    if _EITHER_OR.search(question):
        return "an either-or question (yes or no does not say which)"
    return None


def move_on_wording_problem(question: str) -> str | None:
    """Why a yes to a hold's move-on question would not mean "it has worked" (None: it does)."""
    if _NOT_DONE.search(question):
        return "a question where yes means it has not worked yet (still, not)"
    return yes_no_wording_problem(question)


def read_check_in(doc: Document, node: Node, field: str, scope: Scope,
                  has_other_position: bool) -> CheckIn | None:
    """The check-in at `node`, or None with every problem reported to `doc`."""
    if isinstance(node, ScalarNode) and isinstance(doc.value(node), str):
        doc.add(node, field, "a check-in with its answers (ask, then if_yes and if_no, or "
                "choices)", f"only the question '{short(str(doc.value(node)))}'", "answers",
                EXAMPLE)
        return None
    if not isinstance(node, MappingNode):
        doc.add(node, field, "a check-in: ask, with if_yes and if_no or with choices",
                doc.found(node), "type", EXAMPLE)
        return None
    items: dict[str, tuple[Node, Node]] = {}
    misplaced = False  # an unknown key may be the missing answer misspelt: report only that
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, ScalarNode) else None
        if key in items:
            doc.add(key_node, f"{field}.{key}", f"`{key}` only once", f"`{key}` again",
                    "duplicate-key")
        elif key not in CHECK_IN_KEYS:
            misplaced = True
            doc.add(key_node, f"{field}.{key}", "one of the keys of a check-in",
                    f"`{key}`", "unknown-key", "known keys: " + ", ".join(CHECK_IN_KEYS) +
                    ("; `yes` and `no` are written if_yes and if_no, because YAML reads a bare "
                     "yes or no as true or false" if str(key).lower() in ("yes", "no", "true",
                                                                          "false") else ""))
        else:
            items[key] = (key_node, value_node)
    if "ask" not in items:
        doc.add(node, f"{field}.ask", "an `ask` key: the question", "none", "missing", EXAMPLE)
        return None
    ask = doc.text(items["ask"][1], f"{field}.ask", scope)
    if ask is None:
        return None
    doc.lint(items["ask"][1], f"{field}.ask", [ask])
    if not ask.endswith("?"):
        doc.add(items["ask"][1], f"{field}.ask", "a question ending in '?'", f"'{short(ask)}'",
                "value", "it is asked aloud and waits for an answer")
    yes_no = [key for key in ("if_yes", "if_no") if key in items]
    if "choices" in items:
        if yes_no:
            doc.add(items[yes_no[0]][0], f"{field}.{yes_no[0]}",
                    "either if_yes/if_no or choices", "both", "answers",
                    "a choice question is answered by its choices, not by yes or no")
            return None
        choices = _choices(doc, items["choices"][1], f"{field}.choices")
        return CheckIn(ask, choices=choices) if choices else None
    if len(yes_no) < 2:
        if misplaced:
            return None
        missing = "if_no" if yes_no == ["if_yes"] else "if_yes"
        doc.add(node, f"{field}.{missing}", "what each answer does: if_yes and if_no, or "
                "choices", "no " + missing if yes_no else "no answers", "answers", EXAMPLE)
        return None
    wording = yes_no_wording_problem(ask)
    if wording:
        doc.add(items["ask"][1], f"{field}.ask", "a question yes or no can answer",
                f"{wording}: '{short(ask)}'", "not-yes-no",
                "ask one thing ('Is that too much?'), or offer choices instead of yes/no: "
                "`choices: [softer, firmer, that's good]`")
        return None
    actions = [_action(doc, items[key][1], f"{field}.{key}", has_other_position)
               for key in ("if_yes", "if_no")]
    if None in actions:
        return None
    if actions[0] is AnswerAction.CARRY_ON and _TROUBLE.search(ask):
        doc.add(items["if_yes"][1], f"{field}.if_yes",
                "an action that eases off (softer, ouch or other position)",
                f"carry on, but yes to '{short(ask)}' means something is wrong", "answers",
                "a yes that means trouble must never be taken as all is well; if yes really "
                "means all is well here, reword the question")
        return None
    if actions[0] not in (AnswerAction.OUCH, AnswerAction.OTHER_POSITION) and \
            _PAIN.search(ask):
        doc.add(items["if_yes"][1], f"{field}.if_yes",
                "ouch or other position (both pause and ease off)",
                f"{actions[0].value}, but yes to '{short(ask)}' means it hurts", "answers",
                "pain stops the hold until the receiver says it is better; 'softer' would go on "
                "pressing")
        return None
    if actions[0] is actions[1]:
        doc.add(items["if_no"][1], f"{field}.if_no", "a different action from if_yes",
                f"'{actions[1].value}' for both answers", "answers",  # type: ignore[union-attr]
                "if both answers do the same, the question is not needed")
        return None
    return CheckIn(ask, yes=actions[0], no=actions[1])


def _action(doc: Document, node: Node, field: str,
            has_other_position: bool) -> AnswerAction | None:
    value = doc.value(node) if isinstance(node, ScalarNode) else None
    action = _ACTIONS.get(" ".join(value.lower().split())) if isinstance(value, str) else None
    if action is None:
        doc.add(node, field, "one of: " + ", ".join(_ACTIONS), doc.found(node),
                "answers" if isinstance(value, str) else "type",
                "what the coach does on this answer")
        return None
    if action is AnswerAction.OTHER_POSITION and not has_other_position:
        doc.add(node, field, "`other position` only in a step with `other_position`",
                "other position, but the step has none", "answers",
                "add other_position lines to the step, or choose another action")
        return None
    return action


def _choices(doc: Document, node: Node, field: str) -> tuple[Choice, ...]:
    names = ", ".join(_CHOICES)
    if not isinstance(node, SequenceNode):
        doc.add(node, field, f"a list of choices from: {names}", doc.found(node), "type",
                "write `choices: [softer, firmer, that's good]`")
        return ()
    result: list[Choice] = []
    for index, item in enumerate(node.value):
        value = doc.value(item) if isinstance(item, ScalarNode) else None
        choice = _CHOICES.get(" ".join(value.lower().replace("\u2019", "'").split())) \
            if isinstance(value, str) else None
        if choice is None:
            doc.add(item, f"{field}[{index}]", f"one of: {names}", doc.found(item), "answers",
                    "each choice is a word the coach always understands")
        elif choice in result:
            doc.add(item, f"{field}[{index}]", "each choice once", f"'{choice.value}' twice",
                    "answers")
        else:
            result.append(choice)
    if len(node.value) < 2:
        doc.add(node, field, "at least two choices", f"{len(node.value)}", "answers",
                "a question with one possible answer is not a question")
        return ()
    return tuple(result) if len(result) == len(node.value) else ()
