"""The live page (`run --screen web`): one more display and one more input beside the session.

Why a page: from the mat, a terminal's type is too small to read; a browser window can show the
countdown a fifth of the screen high. The session engine does not know the page exists:

* as a display, `WebScreen` gets what the terminal screen gets from the runner (`update(status)`
  every turn, `show_line(text)` for each spoken line) and turns it into a small JSON snapshot,
  pushed to the page with server-sent events whenever something visible changed;
* as an input, its buttons become the `CommandHeard` events a spoken or typed command would be,
  put on the runner's one event queue (source `CommandSource.BUTTON`).

The HTTP side is starlette served by uvicorn in its own thread, on 127.0.0.1 only, on a free port.
Every request must carry the session's random token (`?token=`), so only the page this session
served can send commands; anything else gets 403.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import math
import secrets
import socket
import threading
import time
from importlib import resources
from typing import Any, Callable

from coach.app.pictures import picture_svg
from coach.core.commands import Intent
from coach.core.events import CommandHeard, CommandSource, Event
from coach.core.routine import PRESSURE_NAMES, StepRun
from coach.core.status import Phase, Status

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # loopback only: the page is for this machine's browser
PUSH_SECONDS = 0.1  # how often each open page checks for a new snapshot
SHUTDOWN_SECONDS = 3.0
SOURCE = CommandSource.BUTTON  # the `source` of the events the buttons send

# The buttons, and the command each sends: the same intents the voice and the keyboard fire.
BUTTONS: dict[str, Intent] = {
    "next": Intent.NEXT, "pause": Intent.PAUSE, "resume": Intent.RESUME,
    "softer": Intent.SOFTER, "stop": Intent.STOP,
}

PHASE_LABELS = {
    Phase.WELCOME: "Welcome", Phase.SCREENING: "Safety questions", Phase.CHOOSE_SIDE: "Choose side",
    Phase.SETUP: "Setting up", Phase.STEP: "Step", Phase.HOLD: "Hold",
    Phase.HOLD_DECISION: "Move on or stay?", Phase.OPTIONAL: "Optional step: do it?",
    Phase.PAUSED: "Paused", Phase.CLOSING: "Closing", Phase.ENDED: "Session over",
}


class WebScreenError(RuntimeError):
    """The page cannot be served (the port is taken, or the server libraries are missing)."""


def _picture_for(step: StepRun | None) -> str | None:
    """An SVG string drawing where the hands (or the seat) go for this step and side, or None
    outside the steps or for a step without a picture. The page shows it in its picture area
    (its colours follow the page's theme) and hides the area on None."""
    if step is None or step.step.picture is None:
        return None
    return picture_svg(step.step.picture, step.side, theme="auto")


def snapshot(status: Status, coach_line: str, picture_svg: str | None) -> dict[str, Any]:
    """What the page shows, as plain JSON values. The countdown is whole seconds, rounded up,
    so a snapshot changes (and is pushed) once a second during a hold, not on every turn."""
    remaining = status.hold_remaining
    return {
        "phase": status.phase.value,
        "phase_label": PHASE_LABELS.get(status.phase, status.phase.value),
        "routine_title": status.routine_title,
        "step_number": status.step_number,
        "step_count": status.step_count,
        "step_title": status.step_title,
        "side": status.side,
        "hold_seconds": None if remaining is None else max(0, math.ceil(remaining)),
        "hold_total": status.hold_total,
        "pressure": status.pressure,
        "pressure_name": PRESSURE_NAMES.get(status.pressure, ""),
        "paused": status.paused,
        "ended": status.phase is Phase.ENDED,
        "last_heard": status.last_heard,
        "last_understood": status.last_understood,
        "listening": bool(status.listening_for) and status.phase is not Phase.ENDED,
        "taking_note": status.taking_note,
        "can_say": list(status.can_say[:6]),
        "coach_line": coach_line,
        "picture_svg": picture_svg,
    }


def page_html() -> str:
    """The page, shipped inside the package (no external assets, fonts or CDNs)."""
    return resources.files("coach.app").joinpath("web_page.html").read_text(encoding="utf-8")


def bind_loopback(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (port 0: any free one), or a WebScreenError saying what
    to do when that port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(16)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise WebScreenError(f"port {port} on {HOST} is already in use: choose another "
                                 f"port, or leave out --port to take a free one") from None
        raise WebScreenError(f"cannot listen on {HOST}:{port} ({error})") from None
    return sock


def availability() -> str:
    """For `doctor`: where `--screen web` would serve its page, or a WebScreenError saying what
    is missing. A port is really bound (and released), so a machine that cannot listen on
    loopback is found now, not mid-session."""
    try:
        from importlib.metadata import version

        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise WebScreenError(f"the web screen needs starlette and uvicorn ({error})") from None
    probe = bind_loopback(0)
    port = probe.getsockname()[1]
    probe.close()
    return (f"web screen: available (starlette {version('starlette')}, uvicorn "
            f"{version('uvicorn')}); `run --screen web` serves it on http://{HOST}:<a free "
            f"port>/ (port {port} was free just now), with a token in the printed address")


class WebScreen:
    """The page as a display (`update`, `show_line`) and an input (`send`): see the module.

    `events` is the runner's queue; `step_of(status)` finds the step being done (for its
    picture), and is called on the runner's thread, like `update`."""

    def __init__(self, events: "Any", step_of: Callable[[Status], StepRun | None] | None = None,
                 port: int = 0) -> None:
        self.events = events
        self.step_of = step_of or (lambda status: None)
        self.token = secrets.token_urlsafe(16)
        self._port_wanted = port
        self._lock = threading.Lock()
        self._status: Status | None = None
        self._line = ""
        self._payload = json.dumps({"phase": "welcome", "connecting": True})
        self._version = 0
        self._picture_key: Any = object()
        self._picture: str | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.page = ""
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    # -- the display side (runner thread) --------------------------------------------------

    def update(self, status: Status) -> None:
        with self._lock:
            self._status = status
        self._publish()

    def show_line(self, text: str) -> None:
        with self._lock:
            self._line = text
        self._publish()

    def _publish(self) -> None:
        with self._lock:
            status, line = self._status, self._line
        if status is None:
            return
        payload = json.dumps(snapshot(status, line, self._picture_of(status)), sort_keys=True)
        with self._lock:
            if payload != self._payload:
                self._payload = payload
                self._version += 1

    def _picture_of(self, status: Status) -> str | None:
        """The step's picture, made once per step and side (drawing it may not be free)."""
        key = (status.step_number, status.step_title, status.side)
        if key != self._picture_key:
            self._picture_key = key
            try:
                self._picture = _picture_for(self.step_of(status))
            except Exception:  # a picture must never stop a massage
                log.exception("no picture for step %s", status.step_title)
                self._picture = None
        return self._picture

    def latest(self) -> tuple[int, str]:
        with self._lock:
            return self._version, self._payload

    # -- the input side (server thread) ----------------------------------------------------

    def send(self, button: str) -> bool:
        """A button pressed on the page: the same event the spoken word would be."""
        intent = BUTTONS.get(button)
        if intent is None:
            return False
        event: Event = CommandHeard(intent, button, 1.0, SOURCE)
        self.events.put(event)
        return True

    # -- the server -------------------------------------------------------------------------

    def __enter__(self) -> "WebScreen":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on 127.0.0.1 and serve in a background thread (once; a second call does
        nothing, so the URL can be printed before the display is entered)."""
        if self._server is not None:
            return
        try:
            import uvicorn

            from coach.app.web_routes import make_app
        except ImportError as error:
            raise WebScreenError(f"the web screen needs starlette and uvicorn ({error}); "
                                 f"install them: pip install starlette uvicorn") from None
        self.page = page_html()
        self._socket = bind_loopback(self._port_wanted)
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(make_app(self), log_level="warning", access_log=False,
                                lifespan="off", loop="asyncio", http="h11", ws="none",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="web-screen", daemon=True)
        self._thread.start()
        log.info("web screen at %s", self.url)

    def _serve(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except Exception:  # the session goes on without its page
            log.exception("the web screen stopped")

    @property
    def closing(self) -> bool:
        return self._server is None or bool(self._server.should_exit)

    def stop(self) -> None:
        """Let open pages receive the last snapshot, then stop serving and close the port."""
        if self._server is None:
            return
        time.sleep(3 * PUSH_SECONDS)  # open pages pick up "session over" before the port closes
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(SHUTDOWN_SECONDS)
        if self._socket is not None:
            self._socket.close()


class BothDisplays:
    """Two displays fed alike: the printed lines in the terminal and the page."""

    def __init__(self, first: Any, second: Any) -> None:
        self.displays = (first, second)

    def update(self, status: Status) -> None:
        for display in self.displays:
            display.update(status)

    def show_line(self, text: str) -> None:
        for display in self.displays:
            display.show_line(text)

    def step_started(self, number: int, count: int, title: str, side: str | None) -> None:
        for display in self.displays:
            announce = getattr(display, "step_started", None)
            if announce is not None:
                announce(number, count, title, side)

    def __enter__(self) -> "BothDisplays":
        for display in self.displays:
            display.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for display in reversed(self.displays):
            display.__exit__(*exc)
