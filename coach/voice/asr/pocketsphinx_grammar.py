"""The JSGF grammars the pocketsphinx recognizer decodes with, and the words that compete in them.

A grammar over the command phrases alone maps *anything* onto a command (20/20 ordinary sentences
fired one, see shared/notes/voice-loop.md). So the recognizer runs a second, competitor grammar
over the same audio: the same phrases OR one or two frequent English words. If the audio is a
command the competitor picks the same phrase; chatter and wrong words go to the English words.
Building both grammars, and choosing which English words may compete, is this module's one job;
decoding and scoring are `pocketsphinx_engine` and `pocketsphinx_scores`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from coach.voice.asr.base import phone_distance

PADDING_WORDS: tuple[str, ...] = ()
"""Polite padding accepted around a phrase (e.g. ("okay", "please"), mirroring
`coach.core.commands.parse`). Off by default: on real one-word commands it cost 4/60 correct."""

GARBAGE_CANDIDATES: tuple[str, ...] = tuple("""
the of and a to in you he was for as with his they at be from have or had by word but
what all were we when your there use an each which she do their if will many then them these
would write like him into has look see number way could people my than first water been
call who its find day did get come made may part over new sound take only little work know
place year live me give most very after thing our just name sentence man think great where
through much before line mean any same tell boy follow came want show also around form
small set put does another well large must big even such because turn why ask men change went
light kind need picture try us animal point mother world near build self earth father
head stand own page should country found answer school grow study still learn plant cover food
sun between state never last let thought city cross farm hard start might story saw
far sea draw late run while press close night real life few north open seem together white
children begin got walk example paper group always music those both mark often letter until
mile river car feet care second book carry took science eat room friend began idea fish
mountain once base hear horse cut sure watch color face wood main enough plain girl usual
young become body family direct leave song measure door product black short numeral
class wind question happen complete ship area half rock order fire south problem piece told
knew pass since top whole king street inch nothing course wheel full force blue object decide
surface island week moon birthday lovely hello towel bottle shoulder breathe relax really
sorry maybe later lunch warm oil neck tight almost feel okay nice dinner coffee tea
weather tomorrow yesterday morning evening phone kitchen window garden table chair hand
arm knee foot finger skin muscle cream shower minute hour money market office doctor
about said other every under""".split())
"""Frequent English words that may compete with the command phrases in the garbage pass
(`garbage=True`); those whose pronunciation is within GARBAGE_MIN_DISTANCE phones of any command
word, or that are command words themselves, are dropped automatically when the recognizer is built.
No word of the benchmark's one-word recordings (speech-commands distractors, digits) is in the list,
so the false-accept rates it measures are not flattered by a competitor that knows the test words
(a test checks it; dropping the 10 that were in it changed no measured rate)."""

GARBAGE_MIN_DISTANCE = 2


def command_grammar(phrases: Iterable[str], padding: Sequence[str]) -> str:
    """The grammar pass: one of `phrases`, optionally between `padding` words."""
    alternatives = " | ".join(sorted(set(phrases)))
    rule = "<command>"
    if padding:
        pad = " | ".join(padding)
        rule = f"[<pad>] <command> [<pad>]"
        extra = f"<pad> = {pad};\n"
    else:
        extra = ""
    return (f"#JSGF V1.0;\ngrammar commands;\n{extra}<command> = {alternatives};\n"
            f"public <utterance> = {rule};\n")


def competitor_grammar(phrases: Iterable[str], garbage: Sequence[str]) -> str:
    """The competitor grammar: a command phrase, or one or two garbage words (not a loop)."""
    alternatives = " | ".join(sorted(set(phrases)))
    words = " | ".join(garbage)
    return (f"#JSGF V1.0;\ngrammar garbage;\n<command> = {alternatives};\n<garbage> = {words};\n"
            f"public <utterance> = <command> | <garbage> [<garbage>];\n")


def garbage_words(phrases: Iterable[str], lookup: Callable[[str], str | None]) -> tuple[str, ...]:
    """GARBAGE_CANDIDATES minus words sounding within GARBAGE_MIN_DISTANCE phones of a command word.

    `lookup` gives a word's pronunciation as space-separated phones (None or "" when the
    dictionary lacks it): the decoder's own `lookup_word`, so the distance is measured in the
    phones the decoder will really use. Candidates the dictionary lacks are dropped too.
    """
    command_words = {w for p in phrases for w in p.split()}
    prons = [(lookup(w) or "").split() for w in command_words]
    keep = []
    for word in dict.fromkeys(GARBAGE_CANDIDATES):
        pron = lookup(word)
        if word in command_words or not pron:
            continue
        phones = pron.split()
        if all(phone_distance(phones, c) >= GARBAGE_MIN_DISTANCE for c in prons):
            keep.append(word)
    return tuple(keep)
