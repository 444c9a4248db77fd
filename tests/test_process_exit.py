"""The process leaves when asked, even if something at exit would block it forever."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKED_AT_EXIT = textwrap.dedent("""
    import atexit, threading
    from coach.cli.process_exit import exit_process
    from coach.voice.audio.devices import note_stuck_audio
    release = threading.Event()
    # Like PortAudio's teardown waiting for a stream close that never returns.
    atexit.register(release.wait)
    print("leaving", flush=True)
    {setup}
    exit_process({code})
""")


def run_script(setup: str, code: int) -> subprocess.CompletedProcess:
    script = BLOCKED_AT_EXIT.format(setup=setup, code=code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)


def test_a_known_stuck_audio_close_means_leaving_at_once_with_the_exit_code():
    stuck = ("closer = threading.Thread(target=release.wait, daemon=True); closer.start(); "
             "note_stuck_audio(closer)")
    done = run_script(stuck, 130)
    assert done.returncode == 130
    assert "leaving" in done.stdout


def test_an_exit_handler_that_never_returns_is_cut_off_after_the_grace_time():
    done = run_script("pass", 3)
    assert done.returncode == 3
    assert "leaving" in done.stdout


def test_an_ordinary_exit_is_untouched():
    done = subprocess.run([sys.executable, "-c",
                           "from coach.cli.process_exit import exit_process; exit_process(0)"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stderr == ""
