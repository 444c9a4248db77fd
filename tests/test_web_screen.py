"""`run --screen web` (issue 22): a real session, a real server, a real browser.

One typed session of the Thai sit (`--text --quiet --speed 20`) serves its page; headless
Chromium (Debian's, under Selenium: testkit/browser.py) follows it. The page must follow typed
commands live, its buttons must reach the session as commands, and nothing but the page the
session served (with its token), on 127.0.0.1, may talk to it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request

import pytest

from testkit.browser import chromium, listening_addresses, missing_browser
from testkit.coach_process import CoachProcess, answer_screening

SPEED = "20"  # the 3-minute hold takes 9 s: time to see it count down, and short enough


def wait_for(condition, timeout: float = 10.0, what: str = "the page"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def status_code(url: str, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def browser_missing():
    reason = missing_browser()
    if reason and os.environ.get("CI"):  # CI installs them (setup.sh): missing is a failure
        pytest.fail(f"CI needs a real browser for the web screen: {reason}")
    if reason:
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)


def start_web_session() -> tuple[CoachProcess, str]:
    coach = CoachProcess("thai-hamstring-sit", "--text", "--quiet", "--speed", SPEED,
                         "--side", "left", "--screen", "web")
    line, _ = coach.expect(r"^Live page: http://127\.0\.0\.1:\d+/\?token=\S+$")
    return coach, line.split()[-1]


def test_only_the_sessions_page_may_talk_to_it_and_only_on_loopback(browser_missing):
    coach, url = start_web_session()
    base, token = url.split("/?token=")
    port = int(base.rsplit(":", 1)[1])
    assert listening_addresses(coach.process.pid, port) == ["127.0.0.1"]
    assert status_code(url) == 200
    for refused in (f"{base}/", f"{base}/?token=wrong", f"{base}/events",
                    f"{base}/events?token={token[:-1]}"):
        assert status_code(refused) == 403, refused
    command = json.dumps({"command": "stop"}).encode()
    assert status_code(f"{base}/command", command) == 403
    assert status_code(f"{base}/command?token=nope", command) == 403
    coach.expect(r"Does the receiver have any heart condition\?")
    phases: list[str] = []

    def follow() -> None:  # a page's live feed, read until the session is over
        with urllib.request.urlopen(url.replace("/?", "/events?"), timeout=20) as feed:
            for raw in feed:
                if raw.startswith(b"data: "):
                    phases.append(json.loads(raw[len(b"data: "):])["phase"])
                    if phases[-1] == "ended":
                        return

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    wait_for(lambda: phases, what="the first snapshot")
    coach.process.send_signal(signal.SIGINT)  # Ctrl-C: the page still hears the session end
    assert coach.finish() == 130
    reader.join(5)
    assert phases[0] == "screening" and phases[-1] == "ended", phases
    # the refused "stop" never reached the session
    assert not any("Stopped" in line for line in coach.seen), coach.seen


def test_the_page_follows_the_session_and_its_buttons_reach_it(browser_missing):
    from selenium.webdriver.common.by import By

    coach, url = start_web_session()
    with chromium(1280, 800) as driver:
        driver.get(url)

        def text(element_id: str) -> str:
            return driver.find_element(By.ID, element_id).text

        wait_for(lambda: text("phase") == "SAFETY QUESTIONS", what="the first snapshot")
        answer_screening(coach)
        coach.expect(r"Say next when you're ready")
        wait_for(lambda: text("phase") == "SETTING UP", what="the set-up")

        coach.type("next")  # typed: the step changes on the page
        wait_for(lambda: text("title") == "Find the centre of the thigh", what="step 1")
        assert text("side").lower() == "left side"
        assert text("stepno") == "Step 1 of 6"
        # the step's picture: the thigh highlighted on the left side, the knee kept away from
        picture = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#picture svg .mc-region"),
                           what="the step's picture")
        assert picture and picture[0].is_displayed()
        assert driver.find_elements(By.CSS_SELECTOR, "#picture svg .mc-keep-away")

        driver.find_element(By.ID, "next").click()  # the button: the session moves on
        coach.expect(r"until the tissue softens")
        wait_for(lambda: text("title") == "Sit on the first spot", what="step 2")

        # the countdown advances, in type at least a fifth of the window high
        first = wait_for(lambda: re.fullmatch(r"\d+:\d\d", text("countdown")) and
                         text("countdown"), what="the countdown")
        later = wait_for(lambda: text("countdown") not in (first, "--:--") and
                         text("countdown"), timeout=5, what="the countdown to move")
        seconds = [int(m) * 60 + int(s) for m, s in (v.split(":") for v in (first, later))]
        assert seconds[1] < seconds[0], (first, later)
        height = driver.execute_script(
            "return document.getElementById('countdown').getBoundingClientRect().height"
            " / window.innerHeight")
        assert height >= 0.2, f"the countdown is {height:.0%} of the window height"

        level = int(driver.find_element(By.ID, "bar").get_attribute("data-level"))
        on = len(driver.find_elements(By.CSS_SELECTOR, "#bar span.on"))
        assert on == level
        coach.type("softer")
        coach.expect(r"^coach: Lighter: level")
        wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#bar span.on")) == level - 1,
                 what="the pressure bar to drop")
        wait_for(lambda: text("heard") == "heard: softer", what="what was heard")

        driver.find_element(By.ID, "stop").click()  # stop, by button: cannot be missed
        coach.expect(r"^coach: Stopped\.")
        wait_for(lambda: "paused" in driver.find_element(By.TAG_NAME, "body")
                 .get_attribute("class"), what="the paused state")
        assert text("banner").startswith("PAUSED")
        assert text("pause").lower() == "resume"

        coach.type("end session")
        wait_for(lambda: text("banner") == "SESSION OVER", what="the end")
    assert coach.finish() == 0


def test_a_port_in_use_is_refused_with_what_to_do():
    import socket
    import subprocess
    import sys

    from testkit.coach_process import ROOT

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "coach", "run", "--text", "--quiet",
                                 "--screen", "web", "--port", str(port)], input="",
                                capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "leave out --port" in result.stderr


def test_doctor_says_where_the_page_would_be():
    from coach.app.web_screen import availability

    line = availability()
    assert line.startswith("web screen: available (starlette ")
    assert "http://127.0.0.1:<a free port>/" in line


def test_a_button_is_recorded_as_a_command_but_not_as_the_engine(tmp_path):
    """A voice session whose first command came from the page still learns its engine from the
    first thing heard."""
    from coach.app.history import History
    from coach.app.history.session_history import SessionHistory
    from coach.app.web_screen import SOURCE
    from coach.core.commands import Intent
    from coach.core.events import CommandHeard, CommandSource
    from coach.routine_format.library import find
    from coach.routine_format.loader import load_routine

    routine = load_routine(find("thai-hamstring-sit"))
    with History.open(tmp_path / "history.sqlite3") as history:
        voice = SessionHistory(history, routine, None, "auto")
        voice.heard(CommandHeard(Intent.NO, "no", 1.0, SOURCE))
        voice.heard(CommandHeard(Intent.NO, "no", 0.9, CommandSource.SPOKEN, "whisper"))
        voice.close(False, "")
        assert [s.engine for s in history.sessions()] == ["whisper"]


def test_the_countdown_rounds_up_and_a_hold_pushes_once_a_second():
    """0:01 until the hold is really over, like the terminal; a snapshot changes only when
    the shown second does, so the page is not sent ten identical updates a second."""
    from coach.app.web_screen import snapshot
    from coach.core.status import Phase, Status

    def status(remaining: float) -> Status:
        return Status(Phase.HOLD, "R", 2, 6, "Sit", "left", remaining, 180.0, 3, False, "", True,
                      ())

    assert snapshot(status(0.2), "", None)["hold_seconds"] == 1
    assert snapshot(status(59.01), "", None) == snapshot(status(59.9), "", None)
    assert snapshot(status(59.0), "", None)["hold_seconds"] == 59
