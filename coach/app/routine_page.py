"""A routine as one printable HTML page, every step beside its picture.

`massage-coach show ROUTINE --html FILE` writes it: something to read before a session, or to
print and keep beside the mat. The page is self-contained (styles inline, pictures as inline SVG,
no scripts, fonts or links to anything outside it), so it opens the same anywhere, offline. It
follows the system's light or dark theme on screen and prints dark on white.

`write_page` is the one way the page reaches the disk: it refuses to replace an existing file
unless told to, and writes through a temporary file renamed into place, so a crash or a full disk
never leaves half a page under the name the user gave (nor any other file behind).
"""

from __future__ import annotations

import logging
import os
import tempfile
from html import escape
from pathlib import Path

from coach.app.pictures import describe, picture_svg
from coach.core.routine import PRESSURE_NAMES, Routine, Step

log = logging.getLogger(__name__)

_CSS = """
:root{color-scheme:light dark;--ink:#1d2430;--paper:#fff;--soft:#5b6472}
@media (prefers-color-scheme: dark){:root{--ink:#e9edf2;--paper:#16191e;--soft:#a9b1bd}}
body{font-family:system-ui,sans-serif;color:var(--ink);background:var(--paper);max-width:60rem;
margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{margin-bottom:.2rem}.summary{color:var(--soft);margin-top:0}
.step{display:flex;gap:1.5rem;align-items:flex-start;border-top:1px solid var(--soft);
padding:1rem 0;break-inside:avoid}
.step figure{flex:0 0 15rem;margin:0}.step svg{width:15rem;height:auto;display:block}
.step figcaption{font-size:.85rem;color:var(--soft)}
.facts{color:var(--soft);font-size:.9rem}.level{margin:.1rem 0}
.legend{font-size:.9rem}.legend span{display:inline-block;width:1.2em;height:.9em;
vertical-align:middle;margin:0 .3em 0 1em}
@media print{:root{--ink:#000;--paper:#fff;--soft:#444;--mc-ink:#000;--mc-body:#fff}
body{margin:0}}
"""


def routine_html(routine: Routine) -> str:
    """The whole routine as one HTML document, with one picture per step."""
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(routine.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
        f"<h1>{escape(routine.title)}</h1>", f'<p class="summary">{escape(routine.summary)}</p>',
        '<p class="legend">In each picture:<span style="background:#e8690c"></span>where to work'
        '<span style="background:repeating-linear-gradient(45deg,#c62828 0 3px,transparent 3px '
        '7px)"></span>keep away: never press here</p>',
    ]
    parts += _section("You need", routine.equipment or ("Nothing special.",))
    questions = tuple(f"{c.question} If yes: {c.reason}" for c in routine.contraindications)
    parts += _section("Do not start if", questions or ("No screening questions.",))
    parts += _section("Keep in mind", routine.cautions)
    parts += _section("Set-up", routine.setup)
    parts.append("<h2>Steps</h2>")
    for number, step in enumerate(routine.steps, 1):
        parts.append(_step(step, number))
    parts += _section("Closing", routine.closing)
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _section(heading: str, items: tuple[str, ...]) -> list[str]:
    if not items:
        return []
    return [f"<h2>{escape(heading)}</h2>", "<ul>",
            *(f"<li>{escape(_display(item))}</li>" for item in items), "</ul>"]


def _step(step: Step, number: int) -> str:
    """One step: its picture (drawn for the first side, the other being its mirror image) and
    its text."""
    figure = ""
    if step.picture is not None:
        side = step.sides[0] if step.sides else None
        note = ""
        if side is not None and step.picture.side == "{side}" and len(step.sides) > 1:
            note = f" Shown for the {side.value} side; the {side.other.value} is its mirror."
        figure = (f"<figure>{picture_svg(step.picture, side)}<figcaption>"
                  f"{escape(describe(step.picture, side) + note)}</figcaption></figure>")
    facts = []
    if step.optional:
        facts.append("optional: the coach asks first")
    if len(step.sides) > 1:
        facts.append("each side in turn")
    elif step.sides:
        facts.append(f"{step.sides[0].value} side only")
    text = [f"<h3>{number}. {escape(_display(step.title))}</h3>"]
    if facts:
        text.append(f'<p class="facts">{escape("; ".join(facts))}</p>')
    if step.warning:
        text.append(f"<p><strong>Warning:</strong> {escape(_display(step.warning))}</p>")
    text.append("<ul>" + "".join(f"<li>{escape(_display(s))}</li>" for s in step.say) + "</ul>")
    if step.after:
        text.append("<p>When the hold ends: " + escape(" ".join(map(_display, step.after)))
                    + "</p>")
    for level, words in sorted(step.pressure.items()):
        text.append(f'<p class="level"><strong>{level} {PRESSURE_NAMES[level]}:</strong> '
                    f"{escape(_display(words))}</p>")
    if step.alternative:
        text.append("<p>Other position: " + escape(" ".join(map(_display, step.alternative)))
                    + "</p>")
    return f'<section class="step" id="{escape(step.id)}">{figure}<div>{"".join(text)}</div>' \
           "</section>"


def _display(text: str) -> str:
    """Spoken text as printed: the side placeholders become readable markers."""
    return text.replace("{other_side}", "[other side]").replace("{side}", "[side]")


class PageExists(Exception):
    """The page's file already exists and replacing it was not asked for."""


def write_page(path: Path, html: str, force: bool = False) -> None:
    """Write `html` to `path` atomically: a temporary file beside it, then a rename.

    Without `force` an existing file is never replaced, even one that appears while writing:
    the temporary file is linked to the name (which fails if it exists) rather than renamed.
    The temporary file is removed whatever happens, so nothing but `path` is left behind.
    """
    path = Path(path)
    if path.exists() and not force:
        raise PageExists(str(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent or Path("."))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(html)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        if force:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise PageExists(str(path)) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    log.info("wrote %s (%d bytes)", path, len(html.encode()))
