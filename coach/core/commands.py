"""What people can say, and what it means.

One table maps every accepted phrasing to an `Intent`. Text mode parses typed lines with it, the
recognizers build their grammars from it, and `massage-coach commands` prints it, so the three can
never disagree. Short single words are misheard most, so most intents offer a two-word form too.

Each intent also carries how sure a recognizer must be before acting on it (`Strictness`): a
missed "stop" is worse than a spurious one, while a wrong "next" loses the receiver's place.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Intent(str, enum.Enum):
    NEXT = "next"
    BACK = "back"
    REPEAT = "repeat"
    PAUSE = "pause"
    RESUME = "resume"
    SKIP = "skip"
    STOP = "stop"
    END = "end"
    SOFTER = "softer"
    OUCH = "ouch"
    HARDER = "harder"
    GOOD = "good"
    HOW_LONG = "how_long"
    MORE_TIME = "more_time"
    HELP = "help"
    YES = "yes"
    NO = "no"
    LEFT = "left"
    RIGHT = "right"
    SLOWER = "slower"
    FASTER = "faster"
    LOUDER = "louder"
    QUIETER = "quieter"
    OTHER_POSITION = "other_position"
    NOTE = "note"


class Strictness(str, enum.Enum):
    """How much evidence a recognizer needs before firing an intent."""

    EAGER = "eager"  # safety: act on a stable partial result, accept lower confidence
    NORMAL = "normal"
    SURE = "sure"  # loses the receiver's place if wrong: demand high confidence


@dataclass(frozen=True)
class CommandSpec:
    intent: Intent
    phrases: tuple[str, ...]
    meaning: str
    strictness: Strictness = Strictness.NORMAL
    barge_in: bool = False  # may interrupt the coach while it is speaking


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(Intent.NEXT, ("next", "next step", "done", "continue", "ready", "go", "go ahead",
                              "move on"), "go to the next step", Strictness.SURE),
    CommandSpec(Intent.BACK, ("back", "go back", "previous", "previous step"),
                "go back one step", Strictness.SURE),
    CommandSpec(Intent.REPEAT, ("repeat", "again", "say that again", "repeat that"),
                "say the last instruction again"),
    CommandSpec(Intent.PAUSE, ("pause", "wait", "hold on"), "pause the timer and the coach",
                Strictness.EAGER, barge_in=True),
    CommandSpec(Intent.RESUME, ("resume", "go on", "carry on", "keep going"),
                "carry on after a pause"),
    CommandSpec(Intent.SKIP, ("skip", "skip this", "skip step"), "skip this step",
                Strictness.SURE),
    CommandSpec(Intent.STOP, ("stop", "stop now", "stop stop"),
                "silence the coach at once and pause", Strictness.EAGER, barge_in=True),
    CommandSpec(Intent.END, ("end session", "finish", "finish session"),
                "end the session now", Strictness.SURE),
    CommandSpec(Intent.SOFTER, ("softer", "lighter", "gentler", "ease off", "too much",
                                "less pressure"), "use lighter pressure", Strictness.EAGER),
    CommandSpec(Intent.OUCH, ("ouch", "that hurts", "it hurts"),
                "ease off a lot, pause and check in", Strictness.EAGER, barge_in=True),
    CommandSpec(Intent.HARDER, ("harder", "firmer", "deeper", "more pressure"),
                "use firmer pressure"),
    CommandSpec(Intent.GOOD, ("that's good", "that is good", "perfect", "that's perfect",
                                "good pressure"),
                "keep the pressure as it is"),
    CommandSpec(Intent.HOW_LONG, ("how long", "time left", "how much time", "how much longer"),
                "say how long is left on this hold"),
    CommandSpec(Intent.MORE_TIME, ("more time", "another minute", "stay here", "stay longer"),
                "add time to this hold"),
    CommandSpec(Intent.HELP, ("help", "what can i say"), "list what you can say now"),
    CommandSpec(Intent.YES, ("yes", "yeah", "yes please"), "answer yes"),
    CommandSpec(Intent.NO, ("no", "nope", "no thanks"), "answer no"),
    CommandSpec(Intent.LEFT, ("left", "left side", "left leg"), "start on the left side"),
    CommandSpec(Intent.RIGHT, ("right", "right side", "right leg"), "start on the right side"),
    CommandSpec(Intent.SLOWER, ("slower", "speak slower", "slow down"), "speak more slowly"),
    CommandSpec(Intent.FASTER, ("faster", "speak faster", "speed up"), "speak more quickly"),
    CommandSpec(Intent.LOUDER, ("louder", "speak up"), "speak more loudly"),
    CommandSpec(Intent.QUIETER, ("quieter", "not so loud"), "speak more quietly"),
    CommandSpec(Intent.OTHER_POSITION, ("other position", "another position"),
                "describe the alternative position for this step"),
    # No bare "note": it is one sound away from "no", which answers every question. SURE: a
    # wrong one makes the coach transcribe the next thing anyone says and read it back.
    CommandSpec(Intent.NOTE, ("take a note", "make a note"),
                "keep a note about this spot for next time (read back before it is kept)",
                Strictness.SURE),
)

SPEC_BY_INTENT: dict[Intent, CommandSpec] = {spec.intent: spec for spec in COMMANDS}
_INTENT_BY_PHRASE: dict[str, Intent] = {
    phrase: spec.intent for spec in COMMANDS for phrase in spec.phrases
}
if len(_INTENT_BY_PHRASE) != sum(len(spec.phrases) for spec in COMMANDS):
    raise AssertionError("a phrase is listed under two intents")  # pragma: no cover

BARGE_IN_INTENTS: frozenset[Intent] = frozenset(s.intent for s in COMMANDS if s.barge_in)

DEFAULT_ADVANCE_WORD = "next"
"""The word prompts ask for to move on ("Say next when you're done"). An engine that hears another
way of saying NEXT more reliably asks for that one instead (`SessionOptions.advance_word`)."""


VOICE_EXCLUDED: frozenset[str] = frozenset({
    # "ready" and "done" (go to the next step): one-syllable words that ordinary speech imitates.
    # On 194 non-commands (100 real distractor words, 84 synthesized chatter lines) they fired 3
    # of 8 false accepts, while being heard right almost never (synthesized "done" 0.2-0.65,
    # under SURE's 0.80); without them: 5 false accepts, and 42 vs 40 of 90 commands right.
    # A wrong "next" loses the receiver's place. "go" stays: real speakers' "go" is heard 7/10.
    "ready", "done",
})
"""Phrasings the voice grammar leaves out (still accepted typed) because measurements showed they
hurt recognition; each entry says why."""


def all_phrases() -> list[str]:
    """Every accepted phrasing, lower case, for building recognizer grammars."""
    return list(_INTENT_BY_PHRASE)


def normalize(text: str) -> str:
    """Lower-case, straighten apostrophes, drop punctuation and extra spaces."""
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"[^a-z' ]+", " ", text)
    return " ".join(text.split())


def parse(text: str) -> Intent | None:
    """The intent of a whole utterance, or None when it is not exactly a command.

    Deliberately strict: "please go to the next step" is not a command. Talking to the receiver
    must fire nothing, and a closed phrase list is what keeps it that way. Polite padding at the
    ends ("okay", "please", "coach") is allowed because people add it without thinking.
    """
    words = normalize(text).split()
    while words and words[0] in _PADDING:
        words = words[1:]
    while words and words[-1] in _PADDING:
        words = words[:-1]
    return _INTENT_BY_PHRASE.get(" ".join(words))


_PADDING = frozenset({"okay", "ok", "please", "coach", "um", "uh"})
