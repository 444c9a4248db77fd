"""Issue 23, section 4: what the coach says must be true, whatever the input or the terminal.

Each test drives the real program (`testkit.faults.coach_cli`) and failed before its fix.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from coach.cli import main
from coach.routine_format import library
from testkit.faults import ROOT, coach_cli, no_traceback

THAI = "thai-hamstring-sit"


def _screening(routine: str = THAI) -> str:
    """Typed answers that get through the safety questions: "no" to each, "yes" to the read-back."""
    return "no\n" * len(library.load(routine).contraindications) + "yes\n"


def _summary(stdout: str) -> tuple[int, int, str]:
    words = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten "
                                        "eleven twelve".split())}
    match = re.search(r"You did (\w+) of (\w+) steps(, skipping (\w+),)? (in [\w ]+),", stdout)
    assert match, stdout[-2000:]
    done, total = words[match[1]], words[match[2]]
    skipped = words[match[4]] if match[4] else 0
    assert done + skipped <= total, match[0]
    return done, total, match[5]


def test_a_flood_of_next_and_back_never_counts_past_the_total(tmp_path: Path) -> None:
    """Was: "You did seven of six steps", "500 of six" after next/back floods. Step one done 30
    times over is one step done."""
    typed = _screening() + "next\n" + "next\nback\n" * 30 + "end session\n"
    result = coach_cli("run", THAI, "--text", "--quiet", "--no-screen", "--side", "left",
                       "--speed", "50", stdin=typed, env={"MASSAGE_COACH_DATA": str(tmp_path)})
    no_traceback(result)
    done, total, _ = _summary(result.stdout)
    assert total == len(library.load(THAI).expanded_steps(None)) and done == 1, result.stdout


def test_skipping_back_and_forth_never_counts_past_the_total(tmp_path: Path) -> None:
    """Was: "skipping ten" of six. Step one skipped 15 times over is one step skipped."""
    typed = _screening() + "next\n" + "skip\nback\n" * 15 + "end session\n"
    result = coach_cli("run", THAI, "--text", "--quiet", "--no-screen", "--side", "left",
                       "--speed", "50", stdin=typed, env={"MASSAGE_COACH_DATA": str(tmp_path)})
    no_traceback(result)
    assert "You did zero of six steps, skipping one," in result.stdout, result.stdout[-1500:]


def test_a_session_of_a_second_is_not_about_a_minute(tmp_path: Path) -> None:
    result = coach_cli("run", str(ROOT / "tests" / "data" / "voice-test.yaml"), "--text",
                       "--quiet", "--no-screen", stdin="end session\n",
                       env={"MASSAGE_COACH_DATA": str(tmp_path)})
    assert _summary(result.stdout)[2] == "in under a minute", result.stdout


def test_windows_line_endings_are_line_endings(tmp_path: Path) -> None:
    """Was: `no\\r\\n` is "not a clear yes or no"."""
    typed = _screening().replace("\n", "\r\n") + "next\r\nend session\r\n"
    result = coach_cli("run", THAI, "--text", "--quiet", "--no-screen", "--side", "left",
                       stdin=typed, env={"MASSAGE_COACH_DATA": str(tmp_path)})
    no_traceback(result)
    assert "clear yes or no" not in result.stdout, result.stdout
    assert "== Step 1 of" in result.stdout, result.stdout


def test_a_closed_terminal_ends_the_session_properly() -> None:
    """SIGHUP (the terminal window closed) was not handled: the session was left unfinished.
    Now as Ctrl-C and SIGTERM: the session ends, said so, exit 128 + 1."""
    from testkit.coach_process import CoachProcess

    coach = CoachProcess(THAI, "--text", "--quiet", "--no-screen")
    coach.expect(r"\?$")
    coach.process.send_signal(signal.SIGHUP)
    code = coach.finish()
    text = "\n".join(coach.seen)
    assert "Traceback" not in text
    assert code == 128 + signal.SIGHUP
    assert "Ending the session here." in text


def test_a_flood_of_piped_input_is_bounded_and_said_in_the_log() -> None:
    """Was: `yes softer | massage-coach run --text` grew to 900 MB in 40 s (every line queued)."""
    flood = subprocess.Popen(["yes", "softer"], stdout=subprocess.PIPE)
    coach = subprocess.Popen([sys.executable, "-m", "coach", "run", "--text", "--quiet",
                              "--no-screen"], stdin=flood.stdout, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert flood.stdout is not None
    flood.stdout.close()

    def rss_kb() -> int:
        for line in Path(f"/proc/{coach.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    try:
        time.sleep(2.0)
        settled = rss_kb()
        time.sleep(2.5)
        grown = rss_kb() - settled
    finally:
        coach.terminate()
        _, err = coach.communicate(timeout=30)
        flood.kill()
        flood.wait()
    assert grown < 15_000, f"grew {grown} kB in 2.5 s"
    assert "repeats of 'softer' are dropped" in err, err[-2000:]
    assert "Traceback" not in err


def test_a_dumb_terminal_gets_plain_lines(tmp_path: Path) -> None:
    """Was: with TERM=dumb on a real terminal the live screen drew nothing, and with no speaker
    (--quiet) the coach's lines were not printed either: nothing at all was said or shown."""
    import os
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "coach", "run", "--text", "--quiet",
                                str(ROOT / "tests" / "data" / "voice-test.yaml")],
                               stdin=subprocess.PIPE, stdout=follower, stderr=follower, cwd=ROOT,
                               env={**os.environ, "TERM": "dumb",
                                    "MASSAGE_COACH_DATA": str(tmp_path)})
    os.close(follower)
    assert process.stdin is not None
    process.stdin.write(b"end session\n")
    process.stdin.close()
    seen = b""
    while True:  # until the program's end of the terminal closes (EIO), bounded by the wait below
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=30)
    os.close(leader)
    text = seen.decode(errors="replace")
    assert "coach: Welcome. This is Voice test routine." in text, text[-2000:]
    assert "You did zero of one steps" in text
    assert "\x1b[" not in text  # no cursor movement a dumb terminal would print as junk


def test_a_symlink_loop_is_named_as_such(tmp_path: Path) -> None:
    """Was: "found nothing at this path" for a link that exists but loops."""
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    for command in ("check", "show"):  # in-process: the same CLI, a second faster
        outcome = CliRunner().invoke(main, [command, str(tmp_path / "a.yaml")])
        text = outcome.stdout + outcome.stderr
        assert outcome.exit_code == 2, (text, outcome.exception)
        assert "loops back on itself" in text and "nothing at this path" not in text, text
    result = coach_cli("run", "--text", "--quiet", str(tmp_path / "a.yaml"))
    assert result.returncode == 2 and "loops back on itself" in no_traceback(result)


def test_check_escapes_a_right_to_left_override(tmp_path: Path) -> None:
    """Was: printed raw, so the terminal showed the id reversed ("t\\u202eoy" reads "tyo")."""
    routine = tmp_path / "rlo.yaml"
    routine.write_text('id: "ba\\u202ed-id"\ntitle: x\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(routine)])
    for char in ("\u202e", "\u2066", "\u200f"):
        assert char not in result.stdout + result.stderr
    assert "ba\\u202ed-id" in result.stdout, result.stdout


def test_a_look_alike_cyrillic_letter_is_named_with_the_latin_spelling(tmp_path: Path) -> None:
    """Was: hint "for example 'tw'" for "twо" (a Cyrillic o): every foreign letter dropped."""
    source = (ROOT / "routines" / f"{THAI}.yaml").read_text(encoding="utf-8")
    routine = tmp_path / "lookalike.yaml"
    routine.write_text(source.replace(f"id: {THAI}", "id: thai-h\u0430mstring-sit", 1),
                       encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(routine)])
    assert result.exit_code == 2
    assert "CYRILLIC SMALL LETTER A" in result.stdout, result.stdout
    assert "'thai-hamstring-sit'" in result.stdout
    assert "thai-h-mstring-sit" not in result.stdout


def test_a_note_over_noise_is_no_words_and_a_spoken_note_still_is(tmp_path: Path) -> None:
    """Was: `hear --note` on 30 s of white noise gave the note "Tender hamstring" (the note
    prompt's own words). One process, both files: the noise says nothing, the note is heard."""
    import pytest

    from testkit.faults import packaged_whisper
    from testkit.testaudio import PIPER_SPEAKER, command_clip, noise_floor, save_wav

    if packaged_whisper() is None:
        pytest.skip("the Whisper model is not installed")
    noise, note = tmp_path / "white-noise.wav", tmp_path / "note.wav"
    save_wav(noise, noise_floor(30 * 16000, level_dbfs=-25.0, seed=7))
    save_wav(note, command_clip("tight hamstring on the right side", PIPER_SPEAKER, 150))
    result = coach_cli("hear", "--engine", "whisper", "--note", str(noise), str(note))
    text = no_traceback(result)
    assert result.returncode == 0, text
    heard = result.stdout.split(str(note))
    assert "nothing" in heard[0] and "note" not in heard[0].replace(str(noise), ""), text
    assert "hamstring on the right side" in heard[1].lower(), text
