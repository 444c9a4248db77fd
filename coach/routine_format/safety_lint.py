"""The safety lint: spoken text must never tell anyone to press, sit, push or lean on a joint or
bone.

Every sentence a routine will say goes through `unsafe_phrases` when the routine is loaded. It is
rule based, so it flags wording rather than meaning; authors rephrase ("an inch above the knee",
"never sit on the knee") when it fires, and a routine that still fails does not load.
"""

from __future__ import annotations

import re

# Joints and bones nobody should be told to press on. Longer forms come first: regex alternation
# takes the first alternative that matches, not the longest.
_BONES = (r"knee\s?caps?|knees?|patell(?:a|ae|as)|spinal\s+column|spines?|back\s?bones?|"
          r"vertebrae|vertebras?|spinous\s+process(?:es)?|elbows?|ankle\s?bones?|ankles?|"
          r"hip\s?bones?|pelvic\s+bones?|tail\s?bones?|coccyx|shin\s?bones?|shins?|tibias?|"
          r"collar\s?bones?|clavicles?|sternum|breast\s?bones?|wrists?|joints?|bones?")
# Bones that are never the object of "press" in a sane instruction; a joint can be ("press the
# knee toward the chest" moves it, which is a stretch, not pressure on it).
_HARD_BONES = (r"knee\s?caps?|patell(?:a|ae|as)|spinal\s+column|spines?|back\s?bones?|"
               r"vertebrae|vertebras?|spinous\s+process(?:es)?|ankle\s?bones?|hip\s?bones?|"
               r"pelvic\s+bones?|tail\s?bones?|coccyx|shin\s?bones?|tibias?|collar\s?bones?|"
               r"clavicles?|sternum|breast\s?bones?|bones?")
_ACTIONS = (r"press(?:es|ed|ing)?|push(?:es|ed|ing)?|sit(?:s|ting)?|sat|lean(?:s|ed|ing)?|"
            r"kneel(?:s|ing)?|knelt|stand(?:s|ing)?|stood|step(?:s|ped|ping)?|dig(?:s|ging)?|"
            r"sink(?:s|ing)?|bear(?:s|ing)?\s+down|weight|pressure")
_PREPS = r"on|onto|upon|into|against|along|to"
_NEGATION = re.compile(
    r"\b(?:never|not|no|nothing|don't|dont|do\s+not|avoid(?:s|ing)?|without|nor|instead\s+of|"
    r"rather\s+than|away\s+from|keep\s+off|stay\s+off|\w+n't)\b", re.IGNORECASE)
_WORD = r"[\w'{}-]+"
_OWNER = r"(?:(?:the|their|your|his|her|a|an|each|both|this|that|its|one|my|our)\s+)?"
_ADJECTIVES = (r"(?:(?:partner's|receiver's|person's|giver's|own|left|right|other|\{side\}|"
               r"\{other_side\}|bony|bare|upper|lower|middle)\s+){0,2}")
_REGION = (r"(?:(?:back|front|top|inside|outside|point|tip|crease|bend)\s+of\s+" + _OWNER
           + _ADJECTIVES + r")?")
_NOT_THE_BONE = r"(?!\s*(?:side|end|area|pit)\b)"  # "the knee side of the thigh"
_ON_BONE = re.compile(
    rf"\b(?:{_ACTIONS})\b"
    rf"(?:\s+(?!(?:{_PREPS})\b){_WORD}){{0,3}}?"
    rf"\s+(?:{_PREPS})\s+{_OWNER}{_ADJECTIVES}{_REGION}(?:{_BONES})\b{_NOT_THE_BONE}",
    re.IGNORECASE)
_PRESS_BONE = re.compile(
    rf"\b(?:press(?:es|ed|ing)?|push(?:es|ed|ing)?|dig(?:s|ging)?)\s+(?:\w+ly\s+)?"
    rf"{_OWNER}{_ADJECTIVES}{_REGION}(?:{_HARD_BONES})\b{_NOT_THE_BONE}",
    re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[.!?;:,()\u2014\u2013]|\s-\s|\b(?:but|then|and|instead(?!\s+of)|so)\b",
                           re.IGNORECASE)


def unsafe_phrases(text: str) -> list[str]:
    """The bits of `text` that tell someone to press, sit, push or lean on a joint or bone.

    The text is cut into clauses (at punctuation and at "and", "but", "then", "so"), and a clause
    is flagged when an action ("press", "sit", "lean", "weight", "pressure"...) is followed within
    a few words by "on/onto/into/against/along/to" and then directly by a joint or bone, or when
    "press/push/dig" takes a bone as its object ("press the kneecap"). A negation earlier in the
    clause ("never", "don't", "avoid", "instead of") makes it a warning, which is allowed. Places
    next to a bone are never flagged because the bone is not what follows the preposition:
    "beside the spine", "on either side of the spine", "an inch above the knee".
    """
    text = text.replace("\u2019", "'")
    found: list[str] = []
    start = 0
    for brk in [*_CLAUSE_BREAK.finditer(text), None]:
        end = brk.start() if brk else len(text)
        clause = text[start:end]
        start = brk.end() if brk else end
        for pattern in (_ON_BONE, _PRESS_BONE):
            for match in pattern.finditer(clause):
                if not _NEGATION.search(clause[: match.start()] + " " + match.group(0)):
                    found.append(" ".join(match.group(0).split()))
    return found
