"""The Whisper engine, for real: its packaged model on real recordings and synthesized speech.

Floors sit just under what was measured (the figure is in each comment), so a regression fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.core.commands import Intent, interpret
from coach.voice.asr.whisper_engine import WhisperRecognizer
from coach.voice.asr.whisper_features import log_mel, mel_filters
from coach.voice.asr.whisper_guard import PAIN_PHRASES, PRESSURE_KEEPING, PainCheck
from coach.voice.listen.listener import Listener
from coach.voice.pipeline import listen_pcm
from testkit import testaudio as ta
from testkit.whisper_models import tiny_model

COMMAND_WORDS = ("stop", "go", "yes", "no", "left", "right")


def recognizer(phrases: list[str] | None = None) -> WhisperRecognizer:
    return WhisperRecognizer(tiny_model().model_dir, phrases, model=tiny_model())


def fired(listener: Listener, samples: np.ndarray) -> list[Intent]:
    listener.reset()
    return [h.event.intent for h in listen_pcm(listener, ta.to_pcm(samples)) if h.fired]


def test_the_features_are_whispers_log_mel() -> None:
    """Known properties of Whisper's front end: 80 Slaney bands over 201 FFT bins, one frame per
    10 ms, values in Whisper's range, silence at the floor 8 decades under the peak."""
    filters = mel_filters()
    assert filters.shape == (80, 201) and np.all(filters >= 0)
    assert np.all(filters.sum(axis=1) > 0)  # every band covers some bins
    tone = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32) * 0.5
    features = log_mel(np.concatenate([tone, np.zeros(16000, np.float32)]))
    assert features.shape == (80, 200)
    assert features[:, 150:].max() == pytest.approx(features.min())  # the silence is the floor
    assert features.max() - features.min() == pytest.approx(2.0, abs=1e-5)  # 8 decades / 4
    band = int(np.argmax(features[:, 50]))
    assert 10 <= band <= 20  # 440 Hz sits low on the mel scale


@pytest.mark.slow
def test_real_people_s_commands_are_heard_through_the_listener() -> None:
    """shared/speech, 10 speakers x 6 words, every phrase in grammar. Measured 57/60."""
    listener = Listener(recognizer())
    right, missed = 0, []
    for word in COMMAND_WORDS:
        for rec in ta.recordings(set_name="speech-commands", words=[word]):
            got = fired(listener, ta.load_recording(rec))
            if got == [interpret(word)]:
                right += 1
            else:
                missed.append(f"{rec.path.name}:{word}->{got}")
    assert right >= 55, missed


@pytest.mark.slow
def test_real_non_command_words_and_sentences_fire_almost_nothing() -> None:
    """The 240 other Speech Commands words (digits, up/down/on/off, distractors) and the 11
    sentences, all phrases in grammar (harder than a session's context). Measured 2 of 251
    ("down" and "nine" written "No.")."""
    listener = Listener(recognizer())
    fired_on = []
    for rec in ta.recordings(set_name="speech-commands") + ta.recordings(set_name="sentences"):
        if rec.transcript in COMMAND_WORDS:
            continue
        got = fired(listener, ta.load_recording(rec))
        if got:
            fired_on.append(f"{rec.transcript}->{got}")
    assert len(fired_on) <= 3, fired_on


def test_a_sound_alike_is_rescued_only_when_the_audio_supports_the_command() -> None:
    """A real "stop" that Whisper writes "start" is read as stop; the same rescue never gives a
    SURE intent ("text" is not "next": a wrong next loses the receiver's place)."""
    rec = next(r for r in ta.recordings(set_name="speech-commands", words=["stop"])
               if r.path.name == "1eddce1d_nohash_3.wav")
    pcm = ta.to_pcm(ta.load_recording(rec))
    engine = recognizer()
    engine.start_utterance()
    engine.feed(pcm)
    hyp = engine.end_utterance()
    assert hyp.transcript and interpret(hyp.transcript) is None, hyp  # written as a sound-alike
    assert hyp.text == "stop" and "rescued" in hyp.detail
    assert engine.rescue.candidates("text", ["next", "stop"]) == []
    assert engine.rescue.candidates("start", ["next", "stop", "softer"]) == ["stop"]


def test_pain_is_never_taken_for_approval() -> None:
    """The receiver's pain phrases, synthesized in 6 voices x 3 rates: none reads as "that's
    good" or "harder". And on real pain audio, a transcript that says "That's good." is overruled
    by the pain check (the espeak-ng case of ../shared/notes/whisper.md), thanks to its margin
    where the pain phrases score under the approval.

    Seen failing with the margin set to 0, with the margin at its old 1.0 (4 forced clips stand,
    and the clips Whisper writes as approval read as approval) and at 3.0 (the last such clip),
    and with the recognizer not asking its pain check."""
    engine = recognizer()
    check = PainCheck(tiny_model())
    wrong = []
    overruled = {"That's good.": 0, "Harder.": 0}
    for text in ("that hurts", "it hurts", "ouch"):
        for voice in ta.VOICES:
            for rate in ta.RATES:
                pcm = ta.to_pcm(ta.command_clip(text, voice, rate))
                engine.start_utterance()
                engine.feed(pcm)
                hyp = engine.end_utterance()
                if hyp.text and interpret(hyp.text) in PRESSURE_KEEPING:
                    wrong.append(f"{text} {voice} {rate}: {hyp.transcript!r}")
                encoded = tiny_model().encode(pcm)
                for approval in overruled:
                    if check.safer_reading(interpret(approval), encoded, pcm, approval):
                        overruled[approval] += 1
    assert not wrong
    # Forced onto these 54 pain clips: "Harder." and "That's good." overruled on all (measured:
    # the pain phrases score up to 1.9 under "That's good.", on 4 "that hurts" / "ouch" clips
    # past the old 1.0 margin; bench/pain_margin.py).
    assert overruled == {"That's good.": 54, "Harder.": 54}, overruled

    # The pain clips Whisper itself writes as approval (bench/pain_margin.py: 6 of 1296, these 5
    # at the default pitch; the first is the audit's, the last three came only in a held-out
    # run): the pain phrases score 1.3, 1.6, 1.02, 2.1 and 3.2 under "That's good." / "That's
    # perfect.", so the old 1.0 margin let the recognizer read approval on all five, and 3.0 on
    # the last. They must read as ouch.
    for voice, rate, snr, seed in (("en-us+f3", 230, 10, 0), ("en-gb-x-rp", 200, 20, 0),
                                   ("en-gb-x-rp", 215, 20, 7), ("en-gb", 215, 10, 7),
                                   ("en-gb-scotland", 185, 10, 7)):
        engine.start_utterance()
        engine.feed(ta.to_pcm(ta.command_clip("that hurts", voice, rate, snr_db=snr, seed=seed)))
        hyp = engine.end_utterance()
        assert interpret(hyp.transcript) is Intent.GOOD, hyp  # the case is still exercised
        assert interpret(hyp.text) is Intent.OUCH and "pain_check" in hyp.detail, (voice, hyp)

    pcm = ta.to_pcm(ta.command_clip("that hurts", "en-us", 170))
    encoded = tiny_model().encode(pcm)
    for approval in ("That's good.", "Harder."):
        safer = check.safer_reading(interpret(approval), encoded, pcm, approval)
        assert safer is not None and safer.intent is Intent.OUCH, approval
    assert check.safer_reading(Intent.SOFTER, encoded, pcm, "softer") is None  # already safe
    # The check must not turn every approval into pain: real approval keeps its meaning.
    good = ta.to_pcm(ta.command_clip("that's good", "en-us", 170))
    assert check.safer_reading(Intent.GOOD, tiny_model().encode(good), good, "That's good.") is None
    assert "that hurts" in PAIN_PHRASES
    # The recognizer asks its pain check about every approval it reads: given a real check that
    # overrules every approval (no margin limit), the real "that's good" reads as ouch.
    engine.guard = PainCheck(tiny_model(), margin=float("inf"))
    engine.start_utterance()
    engine.feed(good)
    hyp = engine.end_utterance()
    assert interpret(hyp.text) is Intent.OUCH and "pain_check" in hyp.detail, hyp


class CountingPainCheck(PainCheck):
    """The real pain check, counting the readings it is asked about."""

    def __init__(self, margin: float) -> None:
        super().__init__(tiny_model(), margin)
        self.asked: list[Intent] = []

    def safer_reading(self, intent, encoded, pcm, transcript):  # noqa: ANN001, ANN201
        self.asked.append(intent)
        return super().safer_reading(intent, encoded, pcm, transcript)


@pytest.mark.parametrize(("said", "voice", "written", "reading"), [
    ("hard", "en-gb", "Hard.", Intent.HARDER),
    ("firm", ta.PIPER_SPEAKER, "firm.", Intent.HARDER),
])
def test_a_rescued_reading_meets_the_pain_check(said: str, voice: str, written: str,
                                                reading: Intent) -> None:
    """Issue 25: a reading reached by the sound-alike rescue ("Hard." read as harder, "firm." as
    firmer) skipped the pain check. A real clip Whisper writes as `written`, the rescue's margin
    opened so it takes the pressure-raising reading: the real check is asked about it and, at its
    own margin, lets a plain "hard" stand (the pain phrases score over 5 under it); a check that
    overrules everything turns it into ouch. Seen failing with the check back behind the rescue's
    `elif` (the reading stayed harder and the check was never asked)."""
    from coach.voice.asr.whisper_guard import SoundAlikeRescue

    pcm = ta.to_pcm(ta.command_clip(said, voice, 170))
    engine = recognizer()
    engine.rescue = SoundAlikeRescue(tiny_model(), margin=float("inf"))
    for margin, want in ((PainCheck(tiny_model()).margin, reading), (float("inf"), Intent.OUCH)):
        engine.guard = CountingPainCheck(margin)
        engine.start_utterance()
        engine.feed(pcm)
        hyp = engine.end_utterance()
        assert hyp.transcript == written and interpret(written) is None, hyp  # a sound-alike
        assert "rescued" in hyp.detail, hyp
        assert engine.guard.asked == [reading], (margin, hyp)
        assert interpret(hyp.text) is want, (margin, hyp)
    assert "pain_check" in hyp.detail


@pytest.mark.slow
def test_real_approvals_stay_approvals() -> None:
    """The pain check's price: approvals it turns into ouch ("sorry", and the pressure eased).
    Six approvals in the 6 espeak-ng voices and Piper's x 3 rates (126 clips), through the
    recognizer. Measured: Whisper reads 76 as approval, and the check overrules none of them at
    its 4.0 margin (the nearest, a "harder", scores its pain phrase 4.1 under; over 1207 approvals
    in bench/pain_margin.py, 6 are overruled). Seen failing with the margin unbounded."""
    engine = recognizer()
    read, kept, ouch = 0, 0, []
    for text in ("that's good", "that's perfect", "perfect", "harder", "a bit harder",
                 "more pressure"):
        for voice in (*ta.VOICES, ta.PIPER_SPEAKER):
            for rate in ta.RATES:
                engine.start_utterance()
                engine.feed(ta.to_pcm(ta.command_clip(text, voice, rate)))
                hyp = engine.end_utterance()
                if interpret(hyp.transcript) not in PRESSURE_KEEPING:
                    continue  # misheard before the check: a recognition miss, not its doing
                read += 1
                if interpret(hyp.text) is interpret(hyp.transcript):
                    kept += 1
                else:
                    ouch.append(f"{text} {voice} {rate}: {hyp.text!r} {hyp.detail}")
    assert read >= 72, read  # measured 76: the check really ran on most of them
    assert len(ouch) <= 1 and kept >= read - 1, ouch  # measured 0 of 76


def test_natural_phrasings_said_by_a_person_act() -> None:
    """Whisper writes what people say; the coach acts on the natural forms (Piper voice)."""
    listener = Listener(recognizer())
    cases = {"stop it": Intent.STOP, "ouch that hurts": Intent.OUCH,
             "a bit softer please": Intent.SOFTER, "wait a second": Intent.PAUSE}
    missed = {text: fired(listener, ta.command_clip(text, ta.PIPER_SPEAKER, 160))
              for text, want in cases.items()}
    assert all(missed[text] == [want] for text, want in cases.items()), missed


def test_chatter_that_mentions_commands_fires_nothing() -> None:
    """Talk between the two people uses the command words; only short utterances act."""
    listener = Listener(recognizer())
    for text in ("I think we should stop by the shop on the way home later",
                 "don't stop, that feels really good on my back",
                 "it doesn't hurt at all, you can keep going like that"):
        assert fired(listener, ta.pad(ta.synthesize(text, "en-us", 170))) == [], text


def test_notes_are_transcribed_as_free_text() -> None:
    """Notes by voice go through the same model: a tender-spot note comes back in words."""
    from coach.voice.listen.dictation import transcriber_for

    engine = recognizer()
    transcriber = transcriber_for(engine)
    assert transcriber.name == "whisper"
    note = transcriber.transcribe(ta.to_pcm(ta.command_clip(
        "tender spot behind the left knee", "en-us", 150)))
    words = set(note.text.lower().strip(".").split())
    assert {"tender", "spot", "left", "knee"} <= words, note
