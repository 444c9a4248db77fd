"""Sound devices as the user names them, and the one error for a device that cannot be used.

Both the microphone (`audio_in`) and the speaker (`player`) raise `AudioDeviceError` (the player a
subclass that keeps the device and PortAudio's reason), so the session and `doctor` catch one
class, whichever side failed.
"""

from __future__ import annotations


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
