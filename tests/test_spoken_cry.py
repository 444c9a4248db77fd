"""The cry "ow", synthesized for the tests, is the cry and not "oh".

espeak-ng reads "ow" as "owe", and so does Piper (it phonemizes with espeak-ng): before
`testaudio.said_as_meant`, "Ow!" and "Oh!" rendered to the same samples, and every spoken test
or benchmark line with "Ow" measured a recognizer on "oh".
"""

from __future__ import annotations

import numpy as np
import pytest

from coach.core.commands import Intent
from coach.core.status import Phase
from testkit import testaudio as ta
from testkit.session_driver import to_phase


@pytest.mark.parametrize("voice", ["en-gb", ta.PIPER_SPEAKER])
def test_ow_is_not_synthesized_as_oh(voice: str) -> None:
    cry, oh = ta.synthesize("Ow!", voice), ta.synthesize("Oh!", voice)
    assert cry.shape != oh.shape or not np.array_equal(cry, oh)


def test_punctuation_after_the_cry_is_kept_and_never_read_aloud() -> None:
    assert ta.said_as_meant("Ow, sharp!", piper=True) == "[[ ˈaʊ, ]] sharp!"
    assert ta.said_as_meant("Owww! Bow down.", piper=False) == "[[aU]]! Bow down."
    # Piper reads "!" after a phoneme block as "exclamation": the cry stays a short cry
    assert ta.synthesize("Ow!", ta.PIPER_SPEAKER).size < 0.8 * ta.SAMPLE_RATE


def test_whisper_hears_the_synthesized_cry_as_pain() -> None:
    from coach.voice.asr.select import create_recognizer
    from coach.voice.listen.listener import Listener
    from coach.voice.pipeline import listen_pcm

    listener = Listener(create_recognizer("whisper"))
    context = to_phase(Phase.HOLD).session.active_intents()
    heard = {}
    for voice in ("en-gb", "en-us+f3"):
        listener.set_context(context)
        listener.reset()
        clip = ta.pad(ta.synthesize("Ow, ow.", voice, 170))
        heard[voice] = {h.event.intent for h in listen_pcm(listener, ta.to_pcm(clip)) if h.fired}
    # each cry its own utterance or both in one: pain, and nothing else
    assert heard == {"en-gb": {Intent.OUCH}, "en-us+f3": {Intent.OUCH}}, heard
