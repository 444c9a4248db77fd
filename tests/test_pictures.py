"""Pictures: the `picture` field checked like every other field, every shipped step drawn as valid
SVG with its region and its keep-away places, the side on the right side, and `show --html`.

Real YAML through the real loader, the real shipped files, and the CLI as a real process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from coach.app.pictures import MID, SHIFT, picture_svg
from coach.app.routine_page import routine_html
from coach.core.routine import Marker, Picture, Region, Side, Touch, View
from coach.routine_format import library
from coach.routine_format.loader import load_routine, parse_routine

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
SHIPPED = {rid: load_routine(library.routines_dir() / f"{rid}.yaml")
           for rid in library.shipped_ids()}

ROUTINE = """\
id: pic
title: Pictures
audience: self
summary: A routine to test pictures.
contraindications: []
steps:
  - id: once
    title: Once
    say: Rest.
    picture: {once}
  - id: each
    title: Each side
    sides: [left, right]
    say: Roll the {{side}} thigh.
    picture: {each}
"""
GOOD_ONCE = "{view: face-down, region: back, side: both, marker: along, touch: hands}"
GOOD_EACH = '{view: seated, region: thigh, side: "{side}", marker: centre, touch: roller}'


def check(once: str = GOOD_ONCE, each: str = GOOD_EACH):
    return parse_routine(ROUTINE.format(once=once, each=each), "pic.yaml")


# ----- the field ------------------------------------------------------------------------------


def test_a_good_picture_loads():
    routine, problems = check()
    assert problems == []
    assert routine.steps[1].picture == Picture(View.SEATED, Region.THIGH, "{side}",
                                               Marker.CENTRE, Touch.ROLLER)
    assert routine.steps[0].picture.keep_away_areas()[0].value == "spine"


@pytest.mark.parametrize("each, token, field, hint", [
    # an unknown view, at its own column, with the word an author most likely meant
    ('{view: back, region: thigh, side: "{side}"}', "back", "steps[1].picture.view",
     "`face-down`"),
    ('{view: seated, region: hamstring, side: "{side}"}', "hamstring", "steps[1].picture.region",
     "`thigh`"),
    ('{view: seated, region: thigh, side: "{side}", marker: middel}', "middel",
     "steps[1].picture.marker", "`centre`"),
    ('{view: seated, region: thigh, side: "{side}", touch: rollers}', "rollers",
     "steps[1].picture.touch", "`roller`"),
    ('{view: seated, region: thigh, side: {side}}', "{side}", "steps[1].picture.side",
     'quotes: side: "{side}"'),
    ('{view: seated, region: thigh, side: middle}', "middle", "steps[1].picture.side", "{side}"),
    ('{view: seated, region: thigh, side: both, keep_away: [knee, elbow]}', "elbow",
     "steps[1].picture.keep_away[1]", "not to be pressed"),
    ('{view: seated, region: thigh, sid: both}', "sid", "steps[1].picture.sid", "`side`"),
    ('thigh', "thigh", "steps[1].picture", "view, a region and a side"),
])
def test_a_bad_picture_is_reported_at_its_line_and_column(each, token, field, hint):
    routine, problems = check(each=each)
    assert routine is None
    mine = [p for p in problems if p.field == field]
    assert mine, [str(p) for p in problems]
    line = "    picture: " + each
    column = line.index(token) + 1
    assert (mine[0].line, mine[0].column) == (15, column), str(mine[0])
    assert hint in mine[0].hint, str(mine[0])


def test_a_missing_region_is_reported():
    _, problems = check(each='{view: seated, side: "{side}"}')
    assert [(p.line, p.field, p.kind) for p in problems] == \
        [(15, "steps[1].picture.region", "missing")]


def test_the_step_side_only_in_a_step_with_sides():
    _, problems = check(once='{view: face-down, region: back, side: "{side}"}')
    assert [(p.line, p.column, p.kind) for p in problems] == [(10, 52, "side-placeholder")]


# ----- drawing --------------------------------------------------------------------------------


def shipped_runs():
    for rid, routine in sorted(SHIPPED.items()):
        for run in routine.expanded_steps(Side.LEFT):
            yield pytest.param(run.step.picture, run.side, id=f"{rid}:{run.step.id}:{run.side}")


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in e.get("class", "").split()]


@pytest.mark.parametrize("picture, side", list(shipped_runs()))
@pytest.mark.parametrize("theme", ["auto", "dark"])
def test_every_shipped_step_draws_its_region_and_its_keep_away_places(picture, side, theme):
    svg = picture_svg(picture, side, theme)
    root = parse(svg)
    regions = with_class(root, "mc-region")
    assert regions and {r.get("data-region") for r in regions} == {picture.region.value}
    shaded = {e.get("data-area") for e in with_class(root, "mc-keep-away")}
    required = {"thigh": {"knee"}, "calf": {"knee"}, "back": {"spine"}, "low-back": {"spine"},
                "glutes": {"tailbone", "hip-bone"}}[picture.region.value]
    assert required <= shaded
    assert with_class(root, "mc-marker")
    # self-contained: nothing outside the SVG is referred to
    hrefs = [v for e in root.iter() for k, v in e.attrib.items() if "href" in k]
    assert hrefs == [] and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "url(" not in svg.replace("url(#", "")


def marker_x(picture: Picture, side: Side) -> list[float]:
    return [float(m.get("data-x")) for m in with_class(parse(picture_svg(picture, side)),
                                                        "mc-marker")]


@pytest.mark.parametrize("view", list(View))
def test_left_and_right_put_the_marker_on_different_sides(view):
    """Face down from above, their left is on our left; seen from the front, on our right."""
    picture = Picture(view, Region.THIGH, "{side}", Marker.CENTRE, Touch.SEAT)
    left, right = marker_x(picture, Side.LEFT), marker_x(picture, Side.RIGHT)
    assert len(left) == len(right) == 1
    assert (left[0] < MID) == (view is View.FACE_DOWN)
    assert (right[0] < MID) == (view is not View.FACE_DOWN)
    svg = picture_svg(picture, Side.RIGHT)
    assert ">RIGHT</text>" in svg and ">LEFT</text>" not in svg


def test_both_sides_marks_both_halves():
    picture = Picture(View.FACE_DOWN, Region.LOW_BACK, "both", Marker.CENTRE, Touch.HANDS)
    xs = marker_x(picture, Side.LEFT)
    assert len(xs) == 2 and min(xs) < MID < max(xs)


def test_markers_run_from_the_head_end_to_the_feet_end():
    def marker_y(marker: Marker) -> float:
        svg = picture_svg(Picture(View.FACE_DOWN, Region.THIGH, "left", marker))
        return float(with_class(parse(svg), "mc-marker")[0].get("data-y"))

    ys = [marker_y(marker) for marker in (Marker.UPPER, Marker.CENTRE, Marker.LOWER)]
    assert ys == sorted(ys) and len(set(ys)) == 3


def test_themes():
    picture = SHIPPED["thai-hamstring-sit"].steps[1].picture
    assert "prefers-color-scheme: dark" in picture_svg(picture, Side.LEFT, "auto")
    assert "prefers-color-scheme" not in picture_svg(picture, Side.LEFT, "light")
    with pytest.raises(ValueError):
        picture_svg(picture, Side.LEFT, "purple")
    assert SHIFT > 0


# ----- show --html ----------------------------------------------------------------------------


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "coach", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_show_html_writes_one_page_with_a_picture_per_step(tmp_path):
    page = tmp_path / "thai.html"
    result = run("show", "thai-hamstring-sit", "--html", str(page), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = page.read_text()
    steps = SHIPPED["thai-hamstring-sit"].steps
    assert text.count("<svg") == len(steps) == 3
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert [p.name for p in tmp_path.iterdir()] == ["thai.html"]  # nothing else written


def test_show_html_refuses_to_overwrite_without_force(tmp_path):
    page = tmp_path / "mine.html"
    page.write_text("my own notes")
    result = run("show", "back-effleurage", "--html", str(page), cwd=tmp_path)
    assert result.returncode == 1
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert page.read_text() == "my own notes"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.html"]
    result = run("show", "back-effleurage", "--html", str(page), "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert page.read_text().count("<svg") == len(SHIPPED["back-effleurage"].steps)
    assert [p.name for p in tmp_path.iterdir()] == ["mine.html"]


def test_every_shipped_page_is_well_formed():
    """Each page has one picture per step, and each picture inside it parses on its own."""
    for routine in SHIPPED.values():
        html = routine_html(routine)
        pieces = html.split("<svg")[1:]
        assert len(pieces) == len(routine.steps)
        for piece in pieces:
            parse("<svg" + piece.split("</svg>")[0] + "</svg>")


def test_the_documented_example_loads_with_its_picture():
    doc = (REPO / "docs" / "routine-format.md").read_text()
    example = doc.split("## A complete example\n\n```yaml\n", 1)[1].split("```", 1)[0]
    routine, problems = parse_routine(example, "calf-press.yaml", "calf-press")
    assert problems == [], [str(p) for p in problems]
    assert routine.steps[1].picture.region is Region.CALF


def test_mangled_pictures_never_crash_the_checker():
    """Random damage inside the picture lines: only ordinary problems, never an internal one."""
    import random

    rng = random.Random(22)
    source = ROUTINE.format(once=GOOD_ONCE, each=GOOD_EACH)
    start = source.index("    picture:")
    for _ in range(300):
        text = list(source)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(start, len(text))
            if rng.random() < 0.5:
                del text[pos:pos + rng.randint(1, 6)]
            else:
                text.insert(pos, rng.choice(':-[]{}#&*!|>\'"\n ?,%@0'))
        routine, problems = parse_routine("".join(text), "pic.yaml")
        assert (routine is None) == bool(problems)
        assert all(p.kind != "internal" and p.line >= 1 for p in problems), \
            [str(p) for p in problems]
