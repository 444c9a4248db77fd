"""Which commands make sense at each moment of a session, most useful first.

The voice listener restricts recognition to these (plus nothing else): a grammar of a dozen
phrases is heard far more reliably, and mishears far less chatter, than one of every phrase. The
same list is what "help" says and the screen shows. Typed commands are not restricted.

The table is kept apart from the session so that it reads as one table: what each phase listens
for, and the few things (an open question, a note being taken) that change it.
"""

from __future__ import annotations

from coach.core.commands import SPEC_BY_INTENT, Intent
from coach.core.status import Phase

ALWAYS = (Intent.STOP, Intent.PAUSE, Intent.OUCH, Intent.SOFTER, Intent.REPEAT, Intent.HELP,
          Intent.END)
"""Safety and navigation words: heard in every phase, even while a note is being said."""

BY_PHASE: dict[Phase, tuple[Intent, ...]] = {
    Phase.WELCOME: (),
    Phase.SCREENING: (Intent.YES, Intent.NO, Intent.BACK),
    Phase.CHOOSE_SIDE: (Intent.LEFT, Intent.RIGHT),
    Phase.SETUP: (Intent.NEXT, Intent.HARDER, Intent.LEFT, Intent.RIGHT),
    Phase.STEP: (Intent.NEXT, Intent.BACK, Intent.SKIP, Intent.HARDER, Intent.GOOD,
                 Intent.HOW_LONG),
    Phase.HOLD: (Intent.HOW_LONG, Intent.MORE_TIME, Intent.HARDER, Intent.GOOD, Intent.NEXT,
                 Intent.BACK, Intent.SKIP),
    Phase.HOLD_DECISION: (Intent.NEXT, Intent.MORE_TIME, Intent.YES, Intent.NO,
                          Intent.HOW_LONG),
    Phase.OPTIONAL: (Intent.YES, Intent.NO, Intent.NEXT, Intent.SKIP, Intent.BACK,
                     Intent.HOW_LONG),
    Phase.PAUSED: (Intent.RESUME, Intent.NEXT, Intent.BACK, Intent.SKIP, Intent.HOW_LONG),
    Phase.CLOSING: (),
    Phase.ENDED: (),
}
"""What each phase listens for besides `ALWAYS`, the likely answer first."""

VOICE_CONTROLS = (Intent.SLOWER, Intent.FASTER, Intent.LOUDER, Intent.QUIETER)
"""Heard until the closing, but never offered by "help": they are not part of the massage."""

NOTE_PHASES = (Phase.SETUP, Phase.STEP, Phase.HOLD, Phase.HOLD_DECISION, Phase.PAUSED,
               Phase.OPTIONAL)
"""Where "take a note" works: once the routine has started and until it closes."""


def can_take_note(phase: Phase) -> bool:
    return phase in NOTE_PHASES


def active_intents(phase: Phase, *, question_open: bool, taking_note: bool,
                   note_read_back: bool, other_position: bool,
                   choices_open: bool = False) -> tuple[Intent, ...]:
    """The commands that make sense now, most useful first.

    `question_open`: a yes/no about the pressure or "is that better?" is waiting.
    `choices_open`: the question waiting is answered by softer, firmer or that's good; those
    lead, and yes and no stay heard only so that the coach can ask for a choice instead.
    `taking_note`: the next utterance is a note, so only the safety words are listened for.
    `note_read_back`: a spoken note was read back and waits for yes or no.
    `other_position`: the step being done (read, or in its hold) has an alternative position.
    """
    intents = list(BY_PHASE.get(phase, ()))
    if choices_open:
        intents = [Intent.SOFTER, Intent.HARDER, Intent.GOOD, *intents, Intent.YES, Intent.NO]
    elif question_open:
        intents = [Intent.YES, Intent.NO, Intent.GOOD, *intents]
    if can_take_note(phase):
        intents.append(Intent.NOTE)
    if taking_note:  # the note itself is transcribed; only safety words meanwhile
        intents = []
    elif note_read_back:
        intents = [Intent.YES, Intent.NO, *intents]
    if other_position:
        intents.append(Intent.OTHER_POSITION)
    if phase not in (Phase.CLOSING, Phase.ENDED):
        intents += VOICE_CONTROLS
    # The answer most likely now leads, then "stop"; when a yes/no question is open (an
    # optional step on offer, a safety question, "is that better?") both answers lead, so
    # the help line starts "yes, no".
    lead = 3 if choices_open and not taking_note and not note_read_back else \
        2 if intents[:2] == [Intent.YES, Intent.NO] else 1
    ordered: list[Intent] = []
    for intent in [*intents[:lead], *ALWAYS[:1], *intents[lead:], *ALWAYS[1:]]:
        if intent not in ordered:
            ordered.append(intent)
    return tuple(ordered)


def help_phrases(intents: tuple[Intent, ...]) -> tuple[str, ...]:
    """What to show and say for "help": the first phrasing of each command, voice controls left
    out."""
    return tuple(SPEC_BY_INTENT[i].phrases[0] for i in intents if i not in VOICE_CONTROLS)
