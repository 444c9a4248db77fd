"""Small programs the offline test traces besides the CLI (tests/test_no_network.py).

    python -m testkit.network_probe leak COACH-ARGS...   native lookups, then `massage-coach ...`
    python -m testkit.network_probe vosk MODEL-DIR       the vosk engine on Korean speech

`leak` is the harness's own mutation, kept so CI sees the check fail every run: before handing
over to the real program it does, from native code and from the calls the old Python-level
patching missed, what a misbehaving library would: glibc's `getaddrinfo("example.invalid")`
through ctypes (a DNS query), a `sendmsg` of a DNS-sized datagram to 127.0.0.1:53 (stays on
this machine, but a resolver there would forward it), and a UDP `connect` to 192.0.2.1:9
(TEST-NET-1; a UDP connect sends no packet). Each is caught and ignored, as a library that
"fails quietly" would, so only a trace at the system call can see them.

`vosk` runs the coach's vosk recognizer (coach.voice.asr.vosk_engine) on a Korean phrase: the
only vosk model a package registry ships is Korean, and `hear --engine vosk` refuses it (the
coach's English command words are not in its vocabulary).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import runpy
import socket
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def native_lookup(host: str = "example.invalid") -> int:
    """glibc's getaddrinfo, called from C as a native library would; returns its error code."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    result = ctypes.c_void_p()
    code = libc.getaddrinfo(host.encode(), b"443", None, ctypes.byref(result))
    if code == 0:
        libc.freeaddrinfo(result)
    return int(code)


def quiet_sends() -> None:
    """A sendmsg to port 53 and a UDP connect out, each error swallowed."""
    query = b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 + b"\x07example\x07invalid\x00\x00\x01\x00\x01"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.sendmsg([query], [], 0, ("127.0.0.1", 53))
        except OSError as error:
            log.debug("sendmsg failed quietly: %s", error)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))
        except OSError as error:
            log.debug("connect failed quietly: %s", error)


def leak(coach_args: list[str]) -> None:
    log.info("getaddrinfo(example.invalid) -> %d", native_lookup())
    quiet_sends()
    sys.argv = ["massage-coach", *coach_args]
    runpy.run_module("coach", run_name="__main__", alter_sys=True)


def vosk(model: Path) -> None:
    """Load the vosk model and recognize one Korean phrase ("stop") through the coach's engine."""
    from coach.voice.asr.vosk_engine import VoskRecognizer

    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "--stdout", "정지"],
                         capture_output=True, check=True).stdout
    pcm = subprocess.run(["sox", "-t", "wav", "-", "-t", "raw", "-r", "16000", "-c", "1", "-b",
                          "16", "-e", "signed", "-"], input=wav, capture_output=True,
                         check=True).stdout
    recognizer = VoskRecognizer(model, ["왼쪽", "오른쪽", "정지"])
    recognizer.start_utterance()
    silence = bytes(16000)  # 0.5 s
    for offset in range(0, len(silence + pcm + silence), 3200):
        recognizer.feed((silence + pcm + silence)[offset:offset + 3200])
    print(f"vosk heard: {recognizer.end_utterance().text}")


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.INFO)
    if argv[:1] == ["leak"]:
        leak(argv[1:])
    elif argv[:1] == ["vosk"] and len(argv) == 2:
        vosk(Path(argv[1]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
