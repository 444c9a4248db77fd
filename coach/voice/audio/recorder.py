"""`--record DIR`: each utterance the listener decided on, saved as a WAV named after the decision.

Why: the quickest way to learn why the coach missed or misheard someone is to hear what it was
given. The audio kept is what the listener judged (after the echo canceller), for a bounded time.
"""

from __future__ import annotations

import logging
import time
import wave
from collections import deque
from pathlib import Path

from coach.voice.audio.pcm import SAMPLE_RATE, SAMPLE_WIDTH

log = logging.getLogger(__name__)

KEEP_SECONDS = 12.0
"""Audio kept before the newest chunk: longer than any command or note."""

MARGIN_SECONDS = 0.3
"""Audio saved either side of the utterance, so its first and last sounds are whole."""


class UtteranceRecorder:
    """Keeps the last `KEEP_SECONDS` of stream audio; `save` writes one utterance to the folder.

    Recording is for debugging only, so it never raises: a folder that cannot be created or
    written logs one warning and the session carries on unrecorded (`working` turns False). An
    exception here would reach the listener and leave the coach deaf to "stop"."""

    def __init__(self, folder: Path, sample_rate: int = SAMPLE_RATE) -> None:
        self.folder = folder
        self.sample_rate = sample_rate
        self.working = True
        self._chunks: deque[tuple[bytes, float]] = deque()
        self._count = 0
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self._give_up(error)

    def _give_up(self, error: OSError) -> None:
        self.working = False
        self._chunks.clear()
        log.warning("--record: cannot save recordings in %s (%s); the session carries on "
                    "unrecorded", self.folder, error.strerror or error)

    def keep(self, pcm: bytes, at: float) -> None:
        if not self.working:
            return
        self._chunks.append((pcm, at))
        while self._chunks and at - self._chunks[0][1] > KEEP_SECONDS:
            self._chunks.popleft()

    def save(self, start: float, end: float, label: str, confidence: float) -> Path | None:
        """Write the audio between start and end (with a margin) to the folder; the name holds
        the time, a counter, the label (the intent, "note" or "rejected") and the confidence.
        None when it could not be written (see the class docstring)."""
        if not self.working:
            return None
        audio = b"".join(pcm for pcm, at in self._chunks
                         if start - MARGIN_SECONDS <= at <= end + MARGIN_SECONDS)
        self._count += 1
        safe = "".join(c if c.isalnum() else "-" for c in label)[:40] or "rejected"
        path = self.folder / (f"{time.strftime('%Y%m%d-%H%M%S')}-{self._count:03d}-{safe}-"
                              f"{confidence:.2f}.wav")
        try:
            with open(path, "wb") as handle, wave.open(handle, "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(SAMPLE_WIDTH)
                out.setframerate(self.sample_rate)
                out.writeframes(audio)
        except OSError as error:
            self._give_up(error)
            try:
                path.unlink(missing_ok=True)  # no half-written file left behind
            except OSError:
                pass
            return None
        return path
