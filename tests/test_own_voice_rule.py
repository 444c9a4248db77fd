"""The own-voice rule (`judge.own_voice`) on its own: which of the coach's words veto a barge-in.

A pure function of the recognizer's result, the airings and the engine's pronunciations (the CMU
dictionary the listener uses for Whisper), so each case is one call: no audio. The sweep
(`test_barge_in_sweep.py`) and the every-line test (`test_own_voice.py`) measure the same rule
through real audio; these pin down each part of it, so that a break in one part is named.
"""

from __future__ import annotations

from coach.core.commands import Intent
from coach.voice.asr.base import Hypothesis
from coach.voice.asr.pronounce import pronunciation
from coach.voice.audio.on_air import Airing, OnAir, TimedWord
from coach.voice.listen.judge import PERSON_MAX_REMOVED_DB, WORD_MARGIN, own_voice

LINE = "keeping the pressure light and even, breathing out as you go, and then glide back up"


def timed(text: str, seconds_per_word: float = 0.4) -> tuple[TimedWord, ...]:
    """`text`'s words, one every `seconds_per_word`, from 0."""
    return tuple(TimedWord(word, i * seconds_per_word, (i + 1) * seconds_per_word)
                 for i, word in enumerate(text.split()))


def line_on_air(text: str = LINE, at: float = 100.0) -> tuple[OnAir, Airing]:
    on_air = OnAir(guard_seconds=0.3)
    on_air.started(text, at=at, words=timed(text))
    on_air.finished(at=at + 0.4 * len(text.split()))
    return on_air, on_air.overlapping(at, at)[0]


def word_time(airing: Airing, word: str) -> tuple[float, float]:
    found = next(w for w in airing.words if w.text.strip(",.") == word)
    return airing.started + found.start, airing.started + found.end


def verdict(hyp: Hypothesis, on_air: OnAir, start: float, end: float,
            intent: Intent = Intent.OUCH) -> str:
    return own_voice(intent, hyp, on_air.overlapping(start, end), 0.0, pronunciation, start, end)


def rescued_ouch() -> Hypothesis:
    """Whisper wrote "out", and the sound-alike rescue read it as "ouch" (issue 20's failure)."""
    return Hypothesis("ouch", 0.4, True, transcript="out")


def test_the_coachs_out_leaking_through_is_vetoed_by_the_transcript_word() -> None:
    """Why the transcript's words count: the coach's own "out", leaking through the canceller, is
    written "out" by Whisper and rescued as "ouch". The phrase "ouch" is in no line; only the
    transcript's "out" tells it is the coach's word. (Removing the transcript words from the
    veto lets this fire.)"""
    on_air, airing = line_on_air()
    start, end = word_time(airing, "out")
    assert "in its own line" in verdict(rescued_ouch(), on_air, start - 0.2, end)


def test_a_rescued_ouch_far_from_the_coachs_out_fires() -> None:
    """Issue 20: the same reading, said 2.5 s after the coach said "out" in the same line, is the
    person's. Before word times the whole line's words vetoed it."""
    on_air, airing = line_on_air()
    _, out_end = word_time(airing, "out")
    start = out_end + 2.5
    assert start + 0.5 < airing.ended
    assert verdict(rescued_ouch(), on_air, start, start + 0.5) == ""


def test_the_window_is_the_utterance_give_or_take_the_margin() -> None:
    on_air, airing = line_on_air()
    out_start, out_end = word_time(airing, "out")
    just_inside = out_end + WORD_MARGIN - 0.01
    assert verdict(rescued_ouch(), on_air, just_inside, just_inside + 0.5) != ""
    just_outside = out_end + WORD_MARGIN + 0.05
    assert verdict(rescued_ouch(), on_air, just_outside, just_outside + 0.5) == ""
    before = out_start - WORD_MARGIN - 0.55
    assert verdict(rescued_ouch(), on_air, before, before + 0.5) == ""


def test_without_word_times_the_whole_line_counts() -> None:
    """A line put on the air without word times (an old record, a cue) keeps the old rule."""
    on_air = OnAir(guard_seconds=0.3)
    on_air.started(LINE, at=100.0)
    on_air.finished(at=110.0)
    assert verdict(rescued_ouch(), on_air, 100.1, 100.6) != ""


def test_every_overlapping_line_counts_not_only_the_oldest() -> None:
    """ "wait" said as a new line starts with "Wait", while the last line's guard is still open:
    both lines overlap the utterance, and the newer one holds the word. (Checking only the
    oldest overlapping line lets this fire.)"""
    on_air = OnAir(guard_seconds=0.3)
    on_air.started("Twenty seconds, starting now.", at=100.0, words=timed("Twenty seconds, "
                                                                          "starting now."))
    on_air.finished(at=101.6)
    on_air.started("Wait for the receiver to relax.", at=101.7,
                   words=timed("Wait for the receiver to relax."))
    on_air.finished(at=104.1)
    hyp = Hypothesis("wait", 0.9, True, transcript="Wait.")
    assert len(on_air.overlapping(101.6, 102.1)) == 2
    assert "in its own line" in verdict(hyp, on_air, 101.6, 102.1, Intent.PAUSE)


def test_a_safety_word_from_a_free_transcript_is_not_vetoed_by_a_sound_alike() -> None:
    """Whisper wrote "ouch" while the coach said "couch": a person's, as far as the words go (the
    coach's "couch" would be written "couch"). A false fire is the safe error for a safety
    word."""
    on_air, airing = line_on_air("lie down on the couch and rest")
    start, end = word_time(airing, "couch")
    assert verdict(Hypothesis("ouch", 0.9, True, transcript="Ouch!"), on_air, start, end) == ""


def test_a_closed_grammar_sound_alike_said_at_that_moment_is_vetoed() -> None:
    """pocketsphinx has no transcript: its grammar forces the coach's "waist" onto "wait" (0.93,
    seen), so a sound-alike said at that moment still vetoes; said 3 s away, it does not."""
    on_air, airing = line_on_air("glide slowly down towards the waist and then back up the "
                                 "spine to the neck")
    start, end = word_time(airing, "waist")
    hyp = Hypothesis("wait", 0.93, True)
    assert "sounds like" in verdict(hyp, on_air, start, end, Intent.PAUSE)
    assert verdict(hyp, on_air, end + 3.0, end + 3.4, Intent.PAUSE) == ""


def test_a_cut_line_says_no_more_words() -> None:
    on_air = OnAir(guard_seconds=0.3)
    on_air.started(LINE, at=100.0, words=timed(LINE))
    on_air.finished(at=101.0)  # cut after two or three words
    airing = on_air.overlapping(100.0, 100.0)[0]
    assert "out" not in airing.words_between(100.0, 200.0).split()


def test_the_start_of_the_coachs_own_word_is_vetoed() -> None:
    """The benchmark's own-voice row (2026-12-07): the first half-second of the coach's
    "Numbness, tingling, or a sharp pain means lift your hands and stop." was cut off by the
    endpointer and written "Numb.", a warning sign that stopped the session. A heard word that
    begins a word the coach said at that moment is the coach's."""
    text = "Numbness, tingling, or a sharp pain means lift your hands and stop."
    on_air, airing = line_on_air(text)
    start, end = word_time(airing, "Numbness")
    numb = Hypothesis("numb", 0.35, True, transcript="Numb.")
    assert "start of 'numbness'" in verdict(numb, on_air, start, end, Intent.WARNING)
    # the same word said by the receiver 2 s after the coach said it fires
    assert verdict(numb, on_air, end + 2.0, end + 2.5, Intent.WARNING) == ""


def test_the_cancellers_evidence_of_a_person_lifts_the_word_veto() -> None:
    """Issue 20, the benchmark's last two misses: a person's "ouch" said over the coach's own
    "out" was written "out" too. The echo canceller removed 0.5-1.2 dB of it (a person's voice
    is energy it cannot remove) where it removes ~29 dB of the coach's: a person's. With the
    coach's own evidence (or none) the word still vetoes."""
    on_air, airing = line_on_air()
    start, end = word_time(airing, "out")
    airings = on_air.overlapping(start - 0.2, end)
    hyp = rescued_ouch()
    assert own_voice(Intent.OUCH, hyp, airings, 0.0, pronunciation, start - 0.2, end,
                     removed_db=0.8) == ""
    assert "in its own line" in own_voice(Intent.OUCH, hyp, airings, 0.0, pronunciation,
                                          start - 0.2, end, removed_db=PERSON_MAX_REMOVED_DB + 5)
    assert "in its own line" in own_voice(Intent.OUCH, hyp, airings, 0.0, pronunciation,
                                          start - 0.2, end, removed_db=None)


def test_a_person_needs_the_intents_own_bar_not_the_on_air_one() -> None:
    """With the canceller's evidence of a person, `on_air_min` no longer applies (the listener
    has already applied the intent's own threshold); without it, it does."""
    on_air, _ = line_on_air()
    hyp = Hypothesis("stop", 0.5, True)
    airings = on_air.overlapping(101.0, 101.5)
    assert own_voice(Intent.STOP, hyp, airings, 0.6, pronunciation, 101.0, 101.5,
                     removed_db=1.0) == ""
    assert "below 0.6" in own_voice(Intent.STOP, hyp, airings, 0.6, pronunciation, 101.0, 101.5)


def test_one_word_forced_onto_a_long_utterance_is_the_coachs() -> None:
    """The benchmark's own-voice row, pocketsphinx over Piper (2026-12-07): "wait" aligned over
    0.26 s of a 2.1 s utterance of the coach's "Massage could move a clot. Please get a
    doctor's advice first." fired (no word of it sounds like "wait"). A phrase that is a small
    part of a long utterance is the rest of a sentence; a person's barge-in fills its
    utterance. Evidence of a person lifts this veto too."""
    on_air, _ = line_on_air()
    forced = Hypothesis("wait", 0.77, True, span=0.26)
    airings = on_air.overlapping(101.0, 103.1)
    assert "forced onto a command" in own_voice(Intent.PAUSE, forced, airings, 0.6,
                                                 pronunciation, 101.0, 103.1)
    assert own_voice(Intent.PAUSE, forced, airings, 0.6, pronunciation, 101.0, 103.1,
                     removed_db=1.0) == ""
    barge_in = Hypothesis("stop", 0.93, True, span=0.59)
    assert own_voice(Intent.STOP, barge_in, on_air.overlapping(101.0, 101.58), 0.6,
                     pronunciation, 101.0, 101.58) == ""


def test_a_grammar_result_that_ordinary_words_explain_better_is_the_coachs() -> None:
    """pocketsphinx over Piper's "Pressure can slow healing or cause harm." fired "that hurts"
    (0.79, 1.1 s; no word sounds like it) where its competitor pass of common English words won.
    While the coach speaks that is its sentence; evidence of a person lifts it."""
    on_air, _ = line_on_air()
    forced = Hypothesis("that hurts", 0.79, True, span=1.19, other_words=True)
    airings = on_air.overlapping(101.0, 102.12)
    assert "competitor" in own_voice(Intent.OUCH, forced, airings, 0.6, pronunciation,
                                     101.0, 102.12)
    assert own_voice(Intent.OUCH, forced, airings, 0.6, pronunciation, 101.0, 102.12,
                     removed_db=0.5) == ""
