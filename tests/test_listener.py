"""Listener: endpointing, strictness and own-voice rules, with the real VAD and recognizer."""
from __future__ import annotations

import pytest

from coach.core.commands import Intent, Strictness
from coach.core.events import CommandHeard, CommandSource, NotUnderstood
from testkit import testaudio as ta
from coach.voice.asr.base import Hypothesis, Recognizer
from coach.voice.asr.pocketsphinx_engine import PocketsphinxRecognizer
from coach.voice.listen.judge import DEFAULT_THRESHOLDS
from coach.voice.listen.listener import Listener
from coach.voice.pipeline import listen_pcm
from coach.voice.audio.on_air import OnAir
from testkit.over_the_coach import said_over_the_coach



class FixedRecognizer(Recognizer):
    """Says the same thing about every utterance: isolates the listener's own rules."""

    name = "fixed"

    def __init__(self, text: str, confidence: float) -> None:
        self.text, self.confidence = text, confidence
        self.resets = 0
        self.utterances = 0

    def start_utterance(self) -> None:
        self.utterances += 1

    def feed(self, pcm: bytes) -> Hypothesis | None:
        return None

    def end_utterance(self) -> Hypothesis:
        return Hypothesis(self.text, self.confidence, True)

    def reset(self) -> None:
        self.resets += 1


def test_strictness_low_confidence_next_does_not_fire_but_stop_does() -> None:
    """A confidence between the EAGER and SURE thresholds fires stop (EAGER), not next (SURE)."""
    between = (DEFAULT_THRESHOLDS[Strictness.EAGER] + DEFAULT_THRESHOLDS[Strictness.SURE]) / 2
    audio = ta.command_pcm("next")
    heard = listen_pcm(Listener(FixedRecognizer("next", between)), audio)
    assert [type(h.event) for h in heard] == [NotUnderstood]
    heard = listen_pcm(Listener(FixedRecognizer("next", 0.95)), audio)
    assert [h.event.intent for h in heard if h.fired] == [Intent.NEXT]
    heard = listen_pcm(Listener(FixedRecognizer("stop", between)), audio)
    assert [h.event.intent for h in heard if h.fired] == [Intent.STOP]


def test_endpoint_timing_and_one_decision_per_utterance() -> None:
    clip = ta.command_clip("stop")
    heard = listen_pcm(Listener(FixedRecognizer("stop", 0.9)), ta.to_pcm(clip))
    assert len(heard) == 1
    h = heard[0]
    true_end = ta.speech_end(clip)
    assert abs(h.speech_ended - true_end) < 0.1
    assert 0.0 <= h.emitted - true_end <= 0.4
    assert isinstance(h.event, CommandHeard) and h.event.source is CommandSource.SPOKEN
    assert h.event.engine == "fixed"


class PartialRecognizer(FixedRecognizer):
    """Like FixedRecognizer, but its partial results already say the phrase."""

    def feed(self, pcm: bytes) -> Hypothesis | None:
        return Hypothesis(self.text, self.confidence, False)


@pytest.mark.parametrize("text, confidence, early, expect_early", [
    ("how long", 0.95, 0.1, True),  # a whole command nothing longer starts with: ends early
    ("next", 0.95, 0.1, False),  # "next step" might follow: wait for the full hangover
    ("how long", 0.3, 0.1, False),  # not sure enough yet
    ("how long", 0.95, None, False),  # early endpointing off
])
def test_early_endpoint_only_for_a_whole_sure_command(text: str, confidence: float,
                                                      early: float | None,
                                                      expect_early: bool) -> None:
    clip = ta.command_clip("how long")
    listener = Listener(PartialRecognizer(text, confidence), early_hangover=early)
    decided = [h for h in listen_pcm(listener, ta.to_pcm(clip)) if h.fired or
               isinstance(h.event, NotUnderstood)]
    assert len(decided) == 1
    # Stream time from the end of the voiced audio to the decision (not wall time).
    waited = decided[0].emitted - decided[0].speech_ended
    hangover = listener.endpointer.hangover
    if expect_early:
        assert waited < hangover - 0.05
    else:
        assert waited >= hangover - 0.035  # one 32 ms VAD frame of rounding


def test_silence_and_noise_floor_fire_nothing() -> None:
    quiet = ta.to_pcm(ta.noise_floor(3 * ta.SAMPLE_RATE, -60))
    fan = ta.to_pcm(ta.pink_noise(3 * ta.SAMPLE_RATE, -35))
    rec = FixedRecognizer("stop", 0.99)
    assert listen_pcm(Listener(rec), quiet) == []
    assert [h for h in listen_pcm(Listener(rec), fan) if h.fired] == []


def test_on_air_only_barge_in_and_never_words_of_the_line() -> None:
    audio = ta.command_pcm("next")
    on_air = OnAir(guard_seconds=0.3)
    on_air.started("Now knead the shoulder and say stop if it hurts.", at=0.0)
    heard = listen_pcm(Listener(FixedRecognizer("next", 0.99), on_air=on_air), audio)
    assert not any(h.fired for h in heard)  # not a barge-in command
    heard = listen_pcm(Listener(FixedRecognizer("stop", 0.99), on_air=on_air), audio)
    assert not any(h.fired for h in heard)  # "stop" is in the line being spoken
    heard = listen_pcm(Listener(FixedRecognizer("wait", 0.99), on_air=on_air), audio)
    assert [h.event.intent for h in heard if h.fired] == [Intent.PAUSE]


class SoundingRecognizer(FixedRecognizer):
    """FixedRecognizer with the real pocketsphinx dictionary's pronunciations."""

    def __init__(self, text: str, confidence: float, dictionary: PocketsphinxRecognizer) -> None:
        super().__init__(text, confidence)
        self.dictionary = dictionary

    def pronunciation(self, word: str) -> tuple[str, ...] | None:
        return self.dictionary.pronunciation(word)


def test_on_air_a_phrase_sounding_like_a_word_of_the_line_is_vetoed(
        recognizer: PocketsphinxRecognizer) -> None:
    """"wait" while the coach says "waist" is its own voice; while it says "hips" it is a person."""
    audio = ta.command_pcm("next")
    fired = {}
    for line in ("Glide slowly down towards the waist.", "Glide slowly down towards the hips.",
                 "Shift your weight onto the left leg."):
        on_air = OnAir(guard_seconds=0.3)
        on_air.started(line, at=0.0)
        listener = Listener(SoundingRecognizer("wait", 0.99, recognizer), on_air=on_air)
        fired[line] = [h.event.intent for h in listen_pcm(listener, audio) if h.fired]
    assert fired == {"Glide slowly down towards the waist.": [],
                     "Glide slowly down towards the hips.": [Intent.PAUSE],
                     "Shift your weight onto the left leg.": []}


def test_recognizer_reset_after_the_coach_finishes_a_line() -> None:
    rec = FixedRecognizer("", 0.0)
    on_air = OnAir(guard_seconds=0.3)
    on_air.started("Take a slow breath.", at=0.0)
    on_air.finished(at=0.5)
    listener = Listener(rec, on_air=on_air)
    listen_pcm(listener, ta.to_pcm(ta.noise_floor(ta.SAMPLE_RATE)))
    assert rec.resets == 1


def test_coach_own_voice_fires_nothing(recognizer: PocketsphinxRecognizer) -> None:
    """espeak renders of instruction lines full of command words, marked on air: zero commands."""
    fired = []
    for i, line in enumerate(ta.COACH_LINES):
        speech = ta.synthesize(line, ta.VOICES[i % len(ta.VOICES)], 170, seed=i)
        clip = ta.pad(speech, 0.3, 0.6, seed=i)
        on_air = OnAir(guard_seconds=0.3)
        on_air.started(line, at=0.3)
        on_air.finished(at=0.3 + len(speech) / ta.SAMPLE_RATE)
        heard = listen_pcm(Listener(recognizer, on_air=on_air), ta.to_pcm(clip))
        fired += [(line, h.event.text) for h in heard if h.fired]
    assert fired == []


def test_stop_over_the_coach_voice_fires_stop(recognizer: PocketsphinxRecognizer) -> None:
    """"stop" said over the coach's voice, after echo cancellation, stops it."""
    heard = said_over_the_coach(
        recognizer, ta.synthesize("stop", "en-us", 170, seed=3),
        "Sit comfortably on the chair, and take a slow deep breath in and out.",
        "Place both hands flat on the upper back and glide slowly down towards the waist.")
    assert [h.event.intent for h in heard if h.fired] == [Intent.STOP]


@pytest.mark.parametrize(("said", "voice", "rate", "seed", "intent"), [
    ("stop stop", "en-us", 140, 0, Intent.STOP),
    ("hold on", "en-029", 170, 4, Intent.PAUSE),
    ("it hurts", "en-us", 140, 0, Intent.OUCH),
])
def test_two_word_barge_ins_over_the_coach_are_not_taken_for_its_own_voice(
        recognizer: PocketsphinxRecognizer, said, voice, rate, seed, intent) -> None:
    """A person's two-word barge-in is short, so the rule against two-word phrases stretched over
    the coach's sentence (STRETCHED_SECONDS_PER_PHONE) lets it through."""
    heard = said_over_the_coach(
        recognizer, ta.synthesize(said, voice, rate, seed=seed),
        "Receiver, place your legs about hip-width apart.",
        "Lower your weight slowly onto the back of the thigh, just below the buttock.")
    fired = [h for h in heard if h.fired]
    assert [h.event.intent for h in fired] == [intent]
    assert fired[0].event.text == said


def test_real_distractors_and_sentences_within_budget(recognizer: PocketsphinxRecognizer) -> None:
    """Non-command real speech: measured false-accept rate, asserted as a budget (see docs)."""
    recs = [r for r in ta.recordings(set_name="speech-commands")
            if r.transcript in ("bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow")][::2]
    recs += ta.recordings(set_name="sentences")
    fired = 0
    for rec in recs:
        heard = listen_pcm(Listener(recognizer), ta.to_pcm(ta.load_recording(rec)))
        fired += any(h.fired for h in heard)
    assert fired / len(recs) <= BUDGET, f"{fired} of {len(recs)} fired"


BUDGET = 1 / 61
"""Measured 2026-11-29 with pocketsphinx: 1 of these 61 (50 distractor words, 11 sentences)
fired. The floor sits at the measured figure: one more false accept is a regression. (The
README's 1 per 100 is the benchmark's figure over 153 non-command utterances.)"""


def test_real_command_words_through_the_listener(recognizer: PocketsphinxRecognizer) -> None:
    recs = ta.recordings(set_name="speech-commands", words=("stop", "yes", "no", "left", "right", "go"))[::2]
    intents = {"stop": Intent.STOP, "yes": Intent.YES, "no": Intent.NO, "left": Intent.LEFT,
               "right": Intent.RIGHT, "go": Intent.NEXT}
    ok = 0
    for rec in recs:
        heard = listen_pcm(Listener(recognizer), ta.to_pcm(ta.load_recording(rec)))
        ok += [h.event.intent for h in heard if h.fired] == [intents[rec.transcript]]
    assert ok / len(recs) >= RATE, f"{ok} of {len(recs)} right"


RATE = 17 / 30
"""Measured 2026-11-29 with pocketsphinx: 18 of these 30 real commands fired exactly the right
command (60 %); the floor is one fewer."""


class RecordingRecognizer(FixedRecognizer):
    """FixedRecognizer that remembers the phrase sets it was restricted to."""

    def __init__(self, text: str, confidence: float) -> None:
        super().__init__(text, confidence)
        self.phrase_sets: list[frozenset[str] | None] = []

    def set_phrases(self, phrases) -> None:
        self.phrase_sets.append(None if phrases is None else frozenset(phrases))


def test_context_restricts_grammar_and_intents() -> None:
    audio = ta.command_pcm("next")
    rec = RecordingRecognizer("next step", 0.9)
    listener = Listener(rec)
    listener.set_context(("stop", "left", "right"))
    assert [h.fired for h in listen_pcm(listener, audio)] == [False]  # next not listened for
    assert rec.phrase_sets[-1] == frozenset({"stop", "stop now", "stop stop", "left", "left side",
                                            "left leg", "right", "right side", "right leg"})
    listener.set_context([Intent.NEXT, "stop"])
    assert [h.event.intent for h in listen_pcm(listener, audio) if h.fired] == [Intent.NEXT]
    listener.set_context(None)
    assert [h.event.intent for h in listen_pcm(listener, audio) if h.fired] == [Intent.NEXT]
    assert rec.phrase_sets[-1] is None


def test_context_unchanged_is_cheap_and_applies_at_utterance_start() -> None:
    rec = RecordingRecognizer("stop", 0.9)
    listener = Listener(rec)
    listen_pcm(listener, ta.command_pcm("stop"))
    calls = len(rec.phrase_sets)
    context = ("stop", "pause")
    for _ in range(1000):
        listener.set_context(context)
    assert len(rec.phrase_sets) == calls  # nothing reaches the recognizer until speech starts
    listen_pcm(listener, ta.command_pcm("stop"))
    listen_pcm(listener, ta.command_pcm("stop"))
    assert len(rec.phrase_sets) == calls + 1  # applied once, at the first utterance start
    with pytest.raises(ValueError):
        listener.set_context(("not_an_intent",))


def test_context_with_the_real_recognizer(recognizer: PocketsphinxRecognizer) -> None:
    """In a left/right context "left side" is heard; out of context it fires nothing."""
    listener = Listener(recognizer)
    listener.set_context(("left", "right", "stop"))
    heard = listen_pcm(listener, ta.command_pcm("left side"))
    assert [h.event.intent for h in heard if h.fired] == [Intent.LEFT]
    listener.set_context(("next", "stop"))
    heard = listen_pcm(listener, ta.command_pcm("left side"))
    assert not any(h.event.intent is Intent.LEFT for h in heard if h.fired)
    listener.set_context(None)


def test_recognizer_is_reset_once_per_finished_line() -> None:
    """After the coach finishes a line the decoder is reset once, not on every chunk."""
    on_air = OnAir(guard_seconds=0.3)
    on_air.started("First line.", at=0.0)
    on_air.finished(at=0.5)
    on_air.started("Second line.", at=1.0)
    on_air.finished(at=1.5)
    recognizer = FixedRecognizer("next", 0.99)
    listener = Listener(recognizer, on_air=on_air)
    silence = ta.to_pcm(ta.noise_floor(320))
    for index in range(150):  # three seconds of quiet microphone after both lines
        listener.process(silence, at=(index + 1) * 0.02)
    assert recognizer.resets == 2


def test_a_two_word_command_after_many_answers_stays_one_utterance() -> None:
    """The real Silero VAD in one long stream, as in a session: eight spoken "no"s, then "left
    side". Carried over, Silero's state split "left side" in two; it is reset after each
    utterance, so every answer and the command are one utterance each."""
    import numpy as np

    recognizer = FixedRecognizer("", 0.0)
    listener = Listener(recognizer)
    parts = [ta.noise_floor(4 * ta.SAMPLE_RATE, seed=20)]
    for n in range(8):
        parts += [ta.command_clip("no", "en-us", 130),
                  ta.noise_floor(int(2.5 * ta.SAMPLE_RATE), seed=40 + n)]
    parts += [ta.command_clip("left side", "en-us", 150),
              ta.noise_floor(int(2.5 * ta.SAMPLE_RATE), seed=30)]
    listen_pcm(listener, ta.to_pcm(np.concatenate(parts)))
    assert recognizer.utterances == 9


@pytest.mark.parametrize(("sentence", "seed", "forced"), [
    ("It is getting dark already, shall I switch the lamp on?", 82, "ease off"),
    ("You are breathing much more slowly now, that is lovely.", 74, "repeat that"),
])
def test_chatter_forced_onto_a_two_word_command_fires_nothing(
        recognizer: PocketsphinxRecognizer, sentence, seed, forced) -> None:
    """The grammar stretches a two-word command over a whole sentence (over 2 s) and scores it
    above its threshold; a person never takes that long (STRETCHED_MIN_SECONDS), so it is
    rejected, not fired."""
    from coach.core.status import Phase
    from testkit.session_driver import to_phase

    listener = Listener(recognizer)
    listener.set_context(tuple(to_phase(Phase.SCREENING).session.active_intents()))
    heard = listen_pcm(listener, ta.to_pcm(ta.pad(ta.synthesize(sentence, "en-us", 200, seed=seed),
                                                   seed=seed + 1)))
    assert not any(h.fired for h in heard)
    forced_onto = [h for h in heard if h.event.text == forced]
    assert forced_onto and forced_onto[0].confidence >= DEFAULT_THRESHOLDS[Strictness.NORMAL]
    assert forced_onto[0].rejected
