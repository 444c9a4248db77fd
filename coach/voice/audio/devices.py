"""Sound devices as the user names them, the one error for a device that cannot be used, and
the guard around PortAudio calls that can hang.

Both the microphone (`sources`) and the speaker (`player`) raise `AudioDeviceError` (the player a
subclass that keeps the device and PortAudio's reason), so the session and `doctor` catch one
class, whichever side failed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

_stuck_audio: list[threading.Thread] = []


def note_stuck_audio(thread: threading.Thread) -> None:
    """Record a thread still blocked opening or releasing an audio device (it is given up on)."""
    _stuck_audio.append(thread)


def audio_is_stuck() -> bool:
    """True while any given-up audio call is still blocked (leaving the process must not wait
    for PortAudio's exit handler then: see `coach.cli.process_exit`)."""
    return any(thread.is_alive() for thread in _stuck_audio)


class AudioDeviceError(RuntimeError):
    """A microphone or speaker cannot be opened or used; the message names it and says what to
    try."""


def device_spec(name: str | None) -> int | str | None:
    """A device as the user typed it (`--input-device 3`, `--output-device USB`) as sounddevice
    takes it: a number is an index, anything else a part of the device's name."""
    if name is None:
        return None
    name = name.strip()
    return int(name) if name.isdigit() else name


CLOSE_WAIT_SECONDS = 1.0
OPEN_WAIT_SECONDS = 5.0


def call_within(call: Callable[[], T], seconds: float, name: str,
                on_late: Callable[[T], object] | None = None) -> tuple[bool, T | None]:
    """Run a PortAudio call that can block forever, giving up after `seconds`.

    Opening or closing a stream while its sound server dies can hang in PortAudio (seen:
    `Pa_StartStream` after ALSA's prepare failed, `Pa_StopStream` on a dead server), and the
    session must still hear "device lost" now. Returns (True, result) when the call finished in
    time and re-raises its error; (False, None) when it is given up on: its thread is recorded as
    stuck audio (so leaving the process does not wait for it either), and should it return later
    after all, `on_late(result)` gets what it returned.
    """
    lock = threading.Lock()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            result = call()
        except Exception as error:  # handed to the caller, whatever PortAudio raised
            with lock:
                outcome["error"] = error
            return
        with lock:
            if not outcome.get("abandoned"):
                outcome["result"] = result
                return
        if on_late is not None:
            on_late(result)  # too late: nobody is waiting for it any more

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join(seconds)
    with lock:
        if "result" in outcome:
            return True, outcome["result"]
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        outcome["abandoned"] = True
    note_stuck_audio(worker)
    return False, None


def close_without_waiting(source: object) -> None:
    """Close an audio source, but never wait long for it (see `call_within`)."""
    close = getattr(source, "close", None)
    if close is None:
        return
    try:
        finished, _ = call_within(close, CLOSE_WAIT_SECONDS, "close-audio")
    except Exception as error:  # closing a vanished device can fail too
        log.warning("closing the audio input: %s", error)
        return
    if not finished:
        log.warning("closing the audio input is taking long; carrying on without waiting")


def open_within(open_source: Callable[[], T], device_name: str,
                seconds: float = OPEN_WAIT_SECONDS) -> T:
    """Open an audio source, or raise AudioDeviceError naming the device: when it fails, and
    when it has not opened after `seconds` (see `call_within`; a late success is closed). The
    caller retries as for any lost device."""
    try:
        finished, source = call_within(open_source, seconds, "open-audio",
                                       on_late=close_without_waiting)
    except AudioDeviceError:
        raise
    except Exception as error:
        raise AudioDeviceError(f"cannot open {device_name}: {error}") from error
    if not finished:
        log.warning("opening %s did not finish in %.0f s; giving up on that attempt",
                    device_name, seconds)
        raise AudioDeviceError(f"{device_name} did not open within {seconds:.0f} s (has the "
                               "sound server stopped?)")
    return source
