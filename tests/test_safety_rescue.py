"""A safety word Whisper misspelled inside a sentence (issue 20): found by sound, confirmed on the
audio, never a negation rescued away, never talk made into a safety word.

The candidate search is pure (dictionary sounds and the reader); the confirmation runs the real
tiny.en on real synthesized speech.
"""

from __future__ import annotations

import pytest

from coach.core.commands import Intent, interpret
from coach.voice.asr.safety_rescue import SafetyRescue, candidates
from coach.voice.asr.whisper_engine import WhisperRecognizer
from testkit import testaudio as ta
from testkit.whisper_models import tiny_model


@pytest.mark.parametrize(("written", "meant", "intent"), [
    ("He's up a little.", "ease up a little", Intent.SOFTER),
    ("Can you start?", "can you stop", Intent.STOP),
    ("My leg is um", "my leg is numb", Intent.WARNING),
    ("I got bins and needles in my foot.", "i got pins and needles in my foot", Intent.WARNING),
    ("Just left off.", "just lift off", Intent.STOP),
])
def test_a_sound_alike_of_a_safety_word_is_a_candidate(written: str, meant: str,
                                                       intent: Intent) -> None:
    assert interpret(written) is None
    assert (meant, intent) in candidates(written)


@pytest.mark.parametrize("written", [
    "No cramp.", "Not too hard.", "No, don't stop.", "I don't feel any pain.", "No sharp pain.",
    "It's not too heavy.", "Nothing at all.",
])
def test_a_negation_is_never_rescued_away(written: str) -> None:
    """"No cramp." is one phone from "ow cramp" and "not too hard" from "not so hard": the
    negator is never replaced, and cues that only act negated are never written in."""
    assert candidates(written) == []


def test_short_cues_and_long_talk_make_no_candidates() -> None:
    """"oh", "a" and "I" are one phone from "ow" and "whoa": cues under three phones are left
    to the short sound-alike rescue. Past twelve words, it is talk."""
    assert candidates("Oh.") == [] and candidates("Oh, oh, oh.") == [] and candidates("Wow.") == []
    assert candidates("It is getting dark already so shall I switch the lamp on now or later") \
        == []


@pytest.mark.parametrize(("said", "voice", "written", "intent"), [
    ("Just lift off.", ta.PIPER_SPEAKER, "Just left off.", Intent.STOP),
    ("Can we stop?", ta.PIPER_SPEAKER, "Can we start?", Intent.STOP),
    ("Ease up a little.", ta.PIPER_SPEAKER, "He's up a little.", Intent.SOFTER),
])
def test_the_audio_confirms_the_safety_word(said: str, voice: str, written: str,
                                            intent: Intent) -> None:
    """Real tiny.en writes these as no command (measured); the safety word scores within the
    margin of what was written, so the recognizer reads the safety intent. With the rescue
    asked for an impossible margin, the same audio reads as nothing: seen failing that way."""
    pcm = ta.to_pcm(ta.command_clip(said, voice, 170))
    engine = WhisperRecognizer(tiny_model().model_dir, model=tiny_model())
    engine.start_utterance()
    engine.feed(pcm)
    hyp = engine.end_utterance()
    assert hyp.transcript == written, hyp
    assert interpret(hyp.text) is intent and "safety_rescued" in hyp.detail, hyp
    engine.safety = SafetyRescue(tiny_model(), margin=-1e9)
    engine.start_utterance()
    engine.feed(pcm)
    assert engine.end_utterance().text == ""


@pytest.mark.parametrize(("said", "voice"), [
    ("Your shoulders feel really tight today, did you sleep badly?", "en-us"),
    ("It is getting dark already, shall I switch the lamp on?", "en-us"),
    ("I'm going to lift off the lid.", ta.PIPER_SPEAKER),
    ("Okay, I am going to use my forearm for this part.", ta.PIPER_SPEAKER),
])
def test_talk_is_not_made_into_a_safety_word(said: str, voice: str) -> None:
    """Sentences whose sound-alike candidates ("sore shoulders feel ...", "it is hurting dark",
    "I'm aching to lift off", "my forearm sore this part") came nearest to the margin in the
    measurement: the audio does not support them, and nothing fires."""
    engine = WhisperRecognizer(tiny_model().model_dir, model=tiny_model())
    engine.start_utterance()
    engine.feed(ta.to_pcm(ta.command_clip(said, voice, 170)))
    hyp = engine.end_utterance()
    assert hyp.text == "" and "safety_rescued" not in hyp.detail, hyp
