"""A whole Thai hamstring session through the real CLI, typed, with the clock sped up."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest

from coach.routine_format.library import find
from coach.routine_format.loader import load_routine
from testkit.coach_process import ROOT, CoachProcess, answer_screening, start_first_spot


def test_whole_thai_session_typed_with_every_key_command():
    coach = CoachProcess("thai-hamstring-sit", "--text", "--quiet", "--speed", "60",
                         "--no-screen")
    coach.expect(r"not medical advice")
    answer_screening(coach)
    coach.expect(r"left side or right side")
    coach.type("left")
    coach.expect(r"Say next when you're ready")
    coach.type("next")
    coach.expect(r"Say next when you're done")  # find the centre: no hold
    coach.type("next")
    coach.expect(r"until the tissue softens")
    coach.type("softer")
    coach.expect(r"^coach: Lighter: level two")
    coach.type("how long")
    coach.expect(r"^coach: (About .*|.* seconds) left\.$")
    coach.type("more time")
    coach.expect(r"^coach: (Adding|That's already)")
    coach.type("next")
    coach.expect(r"an inch nearer the knee")
    coach.type("back")
    coach.expect(r"Going back a step")
    coach.type("stop")  # the giver sits on the thigh: lift off first (issue 20)
    coach.expect(r"^coach: Stopped\. Lift your seat off the thigh first, taking your weight "
                 r"onto your feet and hands\. Say resume to carry on, or end session to finish\.$")
    coach.type("resume")
    coach.expect(r"^coach: Carrying on")
    coach.type("ouch")  # eased off and paused; "yes" keeps it paused until "resume"
    coach.expect(r"^coach: Sorry\. Easing off\. Lighter: level one, very light\. Take some "
                 r"pressure off\. .* Is that better\?$")
    coach.type("yes")
    coach.expect(r"^coach: Good\. We'll stay at level one, very light\. The timer is paused\. "
                 r"Say resume when you're ready to carry on\.$")
    coach.type("resume")
    coach.expect(r"^coach: Carrying on")
    coach.type("nonsense words")
    coach.expect(r"not a command")
    # From here on, answer "next" whenever asked, and let the holds run out by themselves.
    while True:
        line, _ = coach.expect(r"Say next|Thank you\. Take it easy", timeout=60)
        if "Thank you" in line:
            break
        coach.type("next")
    assert coach.finish() == 0
    text = "\n".join(coach.seen)
    assert "drink a glass of water" in text.lower()
    assert re.search(r"You did \w+ of \w+ steps", text)


def test_holds_run_on_the_sped_up_clock():
    """A 3-minute default hold at --speed 60 asks to move on after about 3 real seconds."""
    coach = CoachProcess("thai-hamstring-sit", "--text", "--quiet", "--speed", "60",
                         "--side", "left", "--no-screen")
    start_first_spot(coach)
    _, waited = coach.expect(r"Has the tissue softened\?", timeout=30)
    default = load_routine(find("thai-hamstring-sit")).steps[1].hold
    assert default is not None
    assert waited == pytest.approx(default.default / 60, abs=1.0)
    coach.type("end session")
    coach.expect(r"Ending the session")
    coach.expect(r"^coach: Lift your seat off the thigh first, taking your weight onto your "
                 r"feet and hands\.$")  # before the closing lines, the giver gets off the leg
    assert coach.finish() == 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_ends_cleanly_without_a_traceback(signum):
    coach = CoachProcess("thai-hamstring-sit", "--text", "--quiet", "--no-screen")
    coach.expect(r"\?$")
    coach.process.send_signal(signum)
    code = coach.finish()
    text = "\n".join(coach.seen)
    assert "Traceback" not in text
    assert code == 128 + signum  # 130 for Ctrl-C, 143 for SIGTERM, as shells expect
    assert "Ending the session here." in text


def test_unknown_routine_lists_the_available_ones():
    result = subprocess.run([sys.executable, "-m", "coach", "run", "thai-hamstrng", "--text"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode != 0
    assert "thai-hamstring-sit" in result.stderr
    assert "Traceback" not in result.stderr


def test_end_of_typed_input_ends_the_session():
    result = subprocess.run([sys.executable, "-m", "coach", "run", "--text", "--quiet"],
                            input="no\n", capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0
    assert "Ending the session here." in result.stdout
