"""The glanceable screen: what a person on the mat can read from 1.5 m away.

The laptop sits beside the mat, so the screen is read at a glance, from a distance, often upside
down in the corner of an eye. That decides the layout:

* the hold countdown is drawn in a block font (rich has no big font), as large as the terminal
  allows: 5 rows at the smallest scale, 10 rows on a plain 80x24 terminal, more on bigger ones;
* one fact per line, in a fixed order, so the eye learns where to look;
* when the terminal is too small, the least useful lines go first (the coach's words, the header)
  and the countdown and step title stay.

`render(status, width, height)` is a pure function (tested without a terminal). `LiveScreen` shows
it full-screen with rich `Live` in the alternate screen, redrawing at most 4 times a second and
only when something visible changed (the status, the displayed second, the coach's line or the
terminal size), so nothing flickers and an idle screen writes nothing.
"""

from __future__ import annotations

import logging
import math
import textwrap
import threading
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.live import Live
from rich.segment import Segment
from rich.text import Text

from coach.core.routine import PRESSURE_NAMES
from coach.core.status import Phase, Status

log = logging.getLogger(__name__)

# A 5-row block font. Strokes are two cells wide because terminal cells are twice as tall as they
# are wide: a one-cell stroke looks hair-thin from across a room.
_FONT: dict[str, tuple[str, ...]] = {
    "0": ("██████", "██  ██", "██  ██", "██  ██", "██████"),
    "1": ("  ██  ", "████  ", "  ██  ", "  ██  ", "██████"),
    "2": ("██████", "    ██", "██████", "██    ", "██████"),
    "3": ("██████", "    ██", " █████", "    ██", "██████"),
    "4": ("██  ██", "██  ██", "██████", "    ██", "    ██"),
    "5": ("██████", "██    ", "██████", "    ██", "██████"),
    "6": ("██████", "██    ", "██████", "██  ██", "██████"),
    "7": ("██████", "    ██", "   ██ ", "  ██  ", "  ██  "),
    "8": ("██████", "██  ██", "██████", "██  ██", "██████"),
    "9": ("██████", "██  ██", "██████", "    ██", "██████"),
    ":": ("  ", "██", "  ", "██", "  "),
    "/": ("    ██", "   ██ ", "  ██  ", " ██   ", "██    "),
    "-": ("      ", "      ", "██████", "      ", "      "),
    " ": ("   ",) * 5,
}
FONT_HEIGHT = 5

_PHASE_LABELS = {
    Phase.WELCOME: "WELCOME", Phase.SCREENING: "SAFETY QUESTIONS", Phase.CHOOSE_SIDE: "CHOOSE SIDE",
    Phase.SETUP: "SETTING UP", Phase.STEP: "STEP", Phase.HOLD: "HOLD",
    Phase.HOLD_DECISION: "MOVE ON OR STAY?", Phase.OPTIONAL: "OPTIONAL STEP: DO IT?",
    Phase.PAUSED: "PAUSED", Phase.CLOSING: "CLOSING",
    Phase.ENDED: "SESSION OVER",
}
_PHASE_STYLES = {
    Phase.HOLD: "bold green", Phase.HOLD_DECISION: "bold cyan", Phase.OPTIONAL: "bold cyan",
    Phase.PAUSED: "bold yellow",
    Phase.ENDED: "bold magenta",
}


def big_text(text: str, scale: int = 1) -> list[str]:
    """`text` in the block font, `FONT_HEIGHT * scale` rows; one blank column between glyphs.

    Characters outside the font are drawn as spaces rather than failing: the screen must not crash.
    """
    glyphs = [_FONT.get(char, _FONT[" "]) for char in text]
    rows = []
    for row in range(FONT_HEIGHT):
        line = " ".join(glyph[row] for glyph in glyphs)
        line = "".join(char * scale for char in line)
        rows.extend([line] * scale)
    return rows


def format_countdown(seconds: float) -> str:
    """What the countdown shows: rounded up, so "0:01" stays until the hold really ends."""
    whole = max(0, math.ceil(seconds - 1e-6))
    if whole >= 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return f"{whole // 60}:{whole % 60:02d}"


def pressure_bar(level: int, width: int = 30) -> str:
    """Five segments, `level` of them filled: readable as a shape even when the words are not."""
    level = min(max(level, 1), 5)
    segment = max(1, (width - 4) // 5)
    return " ".join(("█" if i < level else "░") * segment for i in range(5))


def _big_value(status: Status) -> tuple[str, str]:
    """What the big digits show (the countdown, else the step position) and its style."""
    if status.hold_remaining is not None:
        style = _PHASE_STYLES.get(status.phase, "bold")
        if status.phase is Phase.HOLD and status.hold_remaining <= 10:
            style = "bold bright_red"
        if status.paused:
            style = "bold yellow"
        return format_countdown(status.hold_remaining), style
    if status.step_number > 0 and status.step_count > 0:
        return f"{status.step_number}/{status.step_count}", "bold white"
    return "", ""


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    lines = textwrap.wrap(text, width=max(width, 8)) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(width - 1, 1)].rstrip() + "…"
    return lines


def render(status: Status, width: int, height: int, coach_line: str = "") -> Group:
    """The whole screen for `status`, exactly `height` lines of at most `width` cells.

    Pure: no terminal, no clock. The digits are as big as fit once the other lines have room.
    """
    width = max(width, 20)
    height = max(height, 1)
    inner = width - 2

    # Each section: (priority: lower is kept longer, lines). The big digits are sized last.
    header_left = status.routine_title
    header_right = (f"step {status.step_number} of {status.step_count}"
                    if status.step_number > 0 else "")
    gap = max(1, inner - len(header_left) - len(header_right))
    header = Text(f"{header_left}{' ' * gap}{header_right}"[:inner], style="dim")

    title = status.step_title or _PHASE_LABELS.get(status.phase, status.phase.value)
    if status.side:
        title = f"{title} — {status.side} side"
    title_lines = [Text(line, style="bold", justify="center")
                   for line in _wrap(title.upper(), inner, 2)]

    label = _PHASE_LABELS.get(status.phase, status.phase.value.upper())
    if not status.step_title and not status.side and title.upper() == label:
        label = ""  # between steps the title already is the phase ("SETTING UP"): not twice
    if status.paused and status.phase is not Phase.PAUSED:
        label = f"{label} · PAUSED" if label else "PAUSED"
    label_line = Text(label, style=_PHASE_STYLES.get(status.phase, "bold"), justify="center")

    name = PRESSURE_NAMES.get(status.pressure, str(status.pressure))
    bar_width = min(40, max(10, inner - 28))
    pressure = Text(justify="center")
    pressure.append("PRESSURE  ", style="bold")
    pressure.append(pressure_bar(status.pressure, bar_width), style="cyan")
    pressure.append(f"  {status.pressure} {name}", style="bold cyan")

    heard = Text(justify="center")
    heard.append("Heard: ", style="dim")
    if status.last_heard:
        heard.append(f"“{status.last_heard}”", style="bold")
        if status.last_understood:
            heard.append("  ✓ understood", style="bold green")
        else:
            heard.append("  ✗ not understood", style="bold red")
    else:
        heard.append("nothing yet", style="dim")

    say_text = "Say: " + " · ".join(status.can_say) if status.can_say else ""
    if status.taking_note:
        say_text = "Listening for your note… (stop still works)"
    elif status.note_read_back:
        say_text = f"Keep the note “{status.note_read_back}”? Say yes or no"
    say_lines = [Text(line, style="yellow", justify="center")
                 for line in _wrap(say_text, inner, 2)] if say_text else []
    coach_lines = [Text(line, style="italic", justify="center")
                   for line in _wrap(f"Coach: {coach_line}", inner, 2)] if coach_line else []

    digits, digit_style = _big_value(status)
    progress: list[Text] = []
    if status.hold_remaining is not None and status.hold_total:
        done = 1 - min(max(status.hold_remaining / status.hold_total, 0.0), 1.0)
        bar = min(inner, 60)
        filled = round(done * bar)
        progress = [Text("━" * filled + "─" * (bar - filled), style=digit_style or "white",
                         justify="center")]

    sections: list[tuple[int, str, list[Text]]] = [
        (5, "header", [header]),
        (1, "title", title_lines),
        (2, "label", [label_line]),
        (0, "big", []),  # placeholder, filled below
        (3, "progress", progress),
        (2, "pressure", [pressure]),
        (3, "heard", [heard]),
        (6, "coach", coach_lines),
        (4, "say", say_lines),
    ]
    sections = [s for s in sections if s[2] or s[1] == "big"]

    def fixed_height(kept: list[tuple[int, str, list[Text]]]) -> int:
        return sum(len(lines) for _, _, lines in kept)

    # Drop the least useful sections until the smallest digits fit.
    big_min = FONT_HEIGHT if digits else 0
    while fixed_height(sections) + big_min > height and len(sections) > 1:
        worst = max((s for s in sections if s[1] != "big"), key=lambda s: s[0], default=None)
        if worst is None:
            break
        sections.remove(worst)

    big_rows: list[str] = []
    if digits:
        spare = height - fixed_height(sections)
        scale = 1
        while (FONT_HEIGHT * (scale + 1) <= spare
               and len(big_text(digits, scale + 1)[0]) <= inner):
            scale += 1
        big_rows = big_text(digits, scale)
        if len(big_rows) > spare:  # tiny terminal: show what fits, top rows first
            big_rows = big_rows[:max(spare, 0)]
    big_lines = [Text(row, style=digit_style, justify="center") for row in big_rows]

    blocks = [big_lines if name == "big" else lines for _, name, lines in sections]
    blocks = [block for block in blocks if block]
    used = sum(len(block) for block in blocks)
    # Spread what is left as blank lines between blocks, the rest below.
    free = max(height - used, 0)
    between = min(free // max(len(blocks) - 1, 1), 2) if len(blocks) > 1 else 0
    out: list[Text] = []
    for index, block in enumerate(blocks):
        if index and between:
            out.extend(Text("") for _ in range(between))
        out.extend(block)
    top = max((height - len(out)) // 2, 0)
    out = [Text("") for _ in range(top)] + out
    out = out[:height]
    out.extend(Text("") for _ in range(height - len(out)))
    for line in out:
        line.no_wrap = True
        line.overflow = "crop"
    return Group(*out)


class _View:
    """The renderable `Live` shows: renders from the screen's current state, cached by what is
    visible, so a refresh with nothing new costs no layout work."""

    def __init__(self, screen: "LiveScreen") -> None:
        self._screen = screen
        self._key: Any = None
        self._lines: list[list[Segment]] = []

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        height = options.height or console.size.height
        key = self._screen.visible_key(width, height)
        if key != self._key or not self._lines:
            status, line = self._screen.snapshot()
            if status is None:
                renderable: Any = Text("")
            else:
                renderable = render(status, width, height, line)
            self._lines = console.render_lines(renderable, options.update(width=width,
                                                                        height=height), pad=True)
            self._key = key
        new_line = Segment.line()
        for index, segments in enumerate(self._lines):
            if index:
                yield new_line
            yield from segments


class LiveScreen:
    """Full-terminal live view of a session. Use as a context manager; call `update(status)` as
    often as you like (at least twice a second during holds) and `show_line(text)` for each line
    the coach says. Safe to call from any thread.
    """

    def __init__(self, console: Console | None = None, refresh_per_second: float = 4.0) -> None:
        self.console = console or Console()
        self._interval = 1.0 / refresh_per_second
        self._lock = threading.Lock()
        self._status: Status | None = None
        self._line = ""
        self._view = _View(self)
        self._live: Live | None = None
        self._shown_key: Any = None
        self._refresh_lock = threading.Lock()  # the caller's thread and the 4 Hz loop both refresh
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "LiveScreen":
        # auto_refresh is off: our own 4 Hz loop refreshes only when something visible changed,
        # so an idle screen writes nothing to the terminal.
        self._live = Live(self._view, console=self.console, screen=True, auto_refresh=False,
                          redirect_stdout=False, redirect_stderr=False)
        self._live.start(refresh=True)
        self._thread = threading.Thread(target=self._refresh_loop, name="screen", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._live is not None:
            self._live.stop()
            self._live = None

    def update(self, status: Status) -> None:
        """Show this status (redrawn now if anything visible changed)."""
        with self._lock:
            self._status = status
        self._refresh_if_changed()

    def show_line(self, text: str) -> None:
        """Show what the coach is saying, under the heard line."""
        with self._lock:
            self._line = text
        self._refresh_if_changed()

    def snapshot(self) -> tuple[Status | None, str]:
        with self._lock:
            return self._status, self._line

    def visible_key(self, width: int, height: int) -> Any:
        """Everything that changes what is on screen: the hold time only to the shown second."""
        status, line = self.snapshot()
        if status is None:
            return (None, line, width, height)
        shown = (format_countdown(status.hold_remaining)
                 if status.hold_remaining is not None else None)
        total = round(status.hold_total) if status.hold_total else None
        return (status.phase, status.routine_title, status.step_number, status.step_count,
                status.step_title, status.side, shown, total, status.pressure, status.paused,
                status.last_heard, status.last_understood, status.can_say, status.taking_note,
                status.note_read_back, line, width, height)

    def _refresh_if_changed(self) -> None:
        live = self._live
        if live is None:
            return
        with self._refresh_lock:
            size = self.console.size
            key = self.visible_key(size.width, size.height)
            if key == self._shown_key:
                return
            self._shown_key = key
            try:
                live.refresh()
            except Exception:  # noqa: BLE001 - a drawing problem must never stop a session
                log.exception("screen refresh failed")

    def _refresh_loop(self) -> None:
        """Catches terminal resizes (and any update made while a refresh was running)."""
        while not self._stop.wait(self._interval):
            self._refresh_if_changed()
