"""A step's picture as SVG: a simple body outline with the region worked, the marker, what rests
on the body, and the places to keep away from.

The coach is hands-free, so the picture must answer "which leg, and where?" from across the
room: the region is a strong colour on the right side only, the side is written large beside
it, and keep-away places (the back of the knee, the spine, bone) are hatched so nobody reads
them as part of the region. Everything is drawn here from a few shapes, with no image taken from
anywhere, and the SVG is self-contained (no external references), so the web page can inline
it and `show --html` can print it.

Colours are CSS variables with defaults (`--mc-ink`, `--mc-body`, `--mc-work`, `--mc-keep`,
`--mc-touch`), scoped to the picture's own id: a page may set them, and `theme="auto"` follows
the system's light or dark setting. Shapes carry classes (`mc-region`, `mc-keep-away`,
`mc-marker`) so tests, and a page's stylesheet, can find them.
"""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape

from coach.core.routine import KeepAway, Marker, Picture, Region, Side, Touch, View

THEMES = ("auto", "light", "dark")
WIDTH, HEIGHT = 420, 480
SHIFT = 60  # the body is drawn around x = 150 and moved right, leaving room for the side label
MID = 150  # the body's middle line (the spine), in body coordinates

_LIGHT = {"ink": "#1d2430", "body": "#f4efe8", "work": "#e8690c", "keep": "#c62828",
          "touch": "#1f58b5"}
_DARK = {"ink": "#e9edf2", "body": "#2c323b", "work": "#ff9a3c", "keep": "#ff6b6b",
         "touch": "#8db8ff"}

# The outline, in body coordinates: head at the top, feet at the bottom, the viewer's left leg at
# x < 150. Drawn twice (a thick stroke, then the fill over it) so the parts join into one outline.
_BODY_PARTS = (
    '<ellipse cx="150" cy="42" rx="21" ry="25"/>',
    '<rect x="140" y="60" width="20" height="22"/>',
    '<path d="M100 84 Q150 70 200 84 L197 122 Q188 150 188 168 L198 204 L150 226 L102 204 '
    'L112 168 Q112 150 103 122 Z"/>',
    '<path d="M101 84 L84 96 L72 204 L68 244 L84 246 L92 204 L106 124 Z"/>',
    '<path d="M199 84 L216 96 L228 204 L232 244 L216 246 L208 204 L194 124 Z"/>',
    '<path d="M102 200 L148 214 L147 228 L142 300 L140 386 L146 408 L120 408 L122 386 L110 300 '
    'Z"/>',
    '<path d="M198 200 L152 214 L153 228 L158 300 L160 386 L154 408 L180 408 L178 386 L190 300 '
    'Z"/>',
)
_TRUNK = (2, 5, 6)  # torso and legs: regions and keep-away places are clipped to these, not arms

# Each region's span from head end to feet end, and its width on one side of the middle line.
_SPANS: dict[Region, tuple[float, float]] = {
    Region.THIGH: (222, 282), Region.CALF: (306, 372), Region.GLUTES: (176, 222),
    Region.LOW_BACK: (138, 182), Region.UPPER_BACK: (92, 138), Region.BACK: (92, 182),
    Region.SHOULDERS: (80, 104),
}
_LEG_REGIONS = (Region.THIGH, Region.CALF)
_SEEN_FROM = {
    View.FACE_DOWN: "lying face down, seen from above",
    View.SEATED: "sitting, legs out: the spot is underneath",
    View.FACE_UP: "lying on the back: the spot is underneath",
}
_REGION_WORDS = {
    Region.THIGH: "back of the thigh", Region.CALF: "calf", Region.GLUTES: "buttock",
    Region.LOW_BACK: "low back", Region.UPPER_BACK: "upper back", Region.BACK: "back",
    Region.SHOULDERS: "shoulders",
}
_KEEP_WORDS = {KeepAway.KNEE: "back of the knee", KeepAway.SPINE: "spine",
               KeepAway.TAILBONE: "tailbone", KeepAway.HIP_BONE: "hip bone"}


def picture_svg(picture: Picture, side: Side | str | None = None, theme: str = "auto") -> str:
    """The picture as one self-contained SVG string.

    `side` is the side the step is being done on (a `Side`, "left" or "right"), which fills in a
    picture whose side is "{side}"; without it such a picture shows both sides. `theme` is
    "auto" (follows the system setting), "light" or "dark".
    """
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}, not {theme!r}")
    step_side = Side(side) if isinstance(side, str) else side
    where = picture.resolved_side(step_side)
    uid = "mc" + hashlib.sha1(repr((picture, where, theme)).encode()).hexdigest()[:10]
    flip = picture.view is not View.FACE_DOWN  # seen from the front: their left is on our right
    halves = _halves(where, flip)
    title = describe(picture, step_side)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{uid}" class="mc-picture" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{uid}-t" '
        f'data-side="{where}" data-view="{picture.view.value}">',
        f'<title id="{uid}-t">{escape(title)}</title>',
        _style(uid, theme),
        "<defs>",
        f'<clipPath id="{uid}-c">{"".join(_BODY_PARTS[i] for i in _TRUNK)}</clipPath>',
        f'<pattern id="{uid}-h" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="8" height="8" class="k-bg"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" class="k-line"/></pattern>',
        "</defs>",
        f'<g transform="translate({SHIFT} 0)">',
        f'<g class="outline">{"".join(_BODY_PARTS)}</g>',
        f'<g class="fill">{"".join(_BODY_PARTS)}</g>',
        _face() if flip else "",
        f'<g clip-path="url(#{uid}-c)">',
        _region(picture, halves, flip),
        _keep_away(picture, uid),
        "</g>",
        _marker_and_touch(picture, halves),
        "</g>",
        _side_label(picture, where, halves),
        _posture(picture.view),
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 8}" class="caption">'
        f'{escape(_SEEN_FROM[picture.view])}</text>',
        "</svg>",
    ]
    return "".join(parts)


def describe(picture: Picture, side: Side | None = None) -> str:
    """The picture in words, for the SVG's title (read by screen readers, shown on hover)."""
    where = picture.resolved_side(side)
    region = _REGION_WORDS[picture.region]
    whose = "both sides" if where == "both" else f"{where} side"
    text = f"{region.capitalize()}, {whose}, {picture.marker.value}"
    if picture.touch is not Touch.NONE:
        text += f": {picture.touch.value}"
    keep = [_KEEP_WORDS[area] for area in picture.keep_away_areas()]
    if keep:
        text += ". Keep away from the " + " and the ".join(keep)
    return text + "."


def _halves(where: str, flip: bool) -> tuple[int, ...]:
    """Which halves of the drawing hold the region: -1 the viewer's left, 1 the viewer's right."""
    if where == "both":
        return (-1, 1)
    left_is_viewer_left = not flip
    return (-1,) if (where == "left") == left_is_viewer_left else (1,)


def _style(uid: str, theme: str) -> str:
    """Colours as variables scoped to this picture, so several pictures share one page."""
    def palette(colours: dict[str, str]) -> str:
        return (f"#{uid}{{color:var(--mc-ink,{colours['ink']});"
                + "".join(f"--{k}:var(--mc-{k},{v});" for k, v in colours.items() if k != "ink")
                + "}")
    rules = palette(_DARK if theme == "dark" else _LIGHT)
    if theme == "auto":
        rules += f"@media (prefers-color-scheme: dark){{{palette(_DARK)}}}"
    s = f"#{uid} "
    rules += (
        f"{s}.outline{{fill:none;stroke:currentColor;stroke-width:5;stroke-linejoin:round}}"
        f"{s}.fill{{fill:var(--body);stroke:none}}"
        f"{s}.mc-region{{fill:var(--work);fill-opacity:.85}}"
        f"{s}.mc-region.under{{fill-opacity:.55;stroke:var(--work);stroke-width:3;"
        f"stroke-dasharray:7 4}}"
        f"{s}.k-bg{{fill:var(--body)}}{s}.k-line{{stroke:var(--keep);stroke-width:3.5}}"
        f"{s}.mc-keep-away{{stroke:var(--keep);stroke-width:1.5}}"
        f"{s}.mc-marker{{fill:none;stroke:currentColor;stroke-width:4}}"
        f"{s}.touch{{fill:var(--touch);stroke:currentColor;stroke-width:1.5}}"
        f"{s}.arrow{{fill:none;stroke:currentColor;stroke-width:4;stroke-linecap:round;"
        f"stroke-linejoin:round}}"
        f"{s}text{{fill:currentColor;font-family:system-ui,sans-serif;text-anchor:middle}}"
        f"{s}.side{{font-size:30px;font-weight:700}}{s}.caption{{font-size:15px}}"
        f"{s}.posture{{fill:none;stroke:currentColor;stroke-width:3;stroke-linecap:round}}"
    )
    return f"<style>{rules}</style>"


def _region_box(region: Region, half: int) -> tuple[float, float, float, float]:
    """x, y, width, height of the region on one half; the trunk's outline clips it to shape.

    A leg or buttock takes its whole half; a part of the back stops short of the middle line,
    so the spine between the two halves is never coloured as a place to work."""
    top, bottom = _SPANS[region]
    gap = 1 if region in _LEG_REGIONS or region is Region.GLUTES else 4
    left, right = 90, 210  # wider than the trunk: the outline does the shaping
    x0, x1 = (left, MID - gap) if half < 0 else (MID + gap, right)
    return x0, top, x1 - x0, bottom - top


def _region(picture: Picture, halves: tuple[int, ...], flip: bool) -> str:
    under = " under" if flip else ""  # the back of the body, seen through from the front
    boxes = [_region_box(picture.region, half) for half in halves]
    return "".join(f'<rect class="mc-region{under}" data-region="{picture.region.value}" '
                   f'x="{x}" y="{y}" width="{w}" height="{h}"/>' for x, y, w, h in boxes)


def _keep_away(picture: Picture, uid: str) -> str:
    """Hatched places: never pressed on, whatever the step's side."""
    shapes = {
        KeepAway.KNEE: '<rect x="90" y="284" width="120" height="20"/>',
        KeepAway.SPINE: f'<rect x="{MID - 4}" y="78" width="8" height="118"/>',
        KeepAway.TAILBONE: f'<ellipse cx="{MID}" cy="198" rx="8" ry="15"/>',
        KeepAway.HIP_BONE: '<ellipse cx="114" cy="166" rx="7" ry="10"/>'
                           '<ellipse cx="186" cy="166" rx="7" ry="10"/>',
    }
    return "".join(f'<g class="mc-keep-away" data-area="{area.value}" fill="url(#{uid}-h)">'
                   f"{shapes[area]}</g>" for area in picture.keep_away_areas())


def _spot(picture: Picture, half: int) -> tuple[float, float]:
    """Where the marker goes on one half: along the region by `marker`, across at its middle."""
    top, bottom = _SPANS[picture.region]
    share = {Marker.UPPER: 0.25, Marker.CENTRE: 0.5, Marker.LOWER: 0.72, Marker.ALONG: 0.5}
    y = top + (bottom - top) * share[picture.marker]
    across = 22 if picture.region is Region.CALF else 24  # the middle of a leg or a back half
    return MID + half * across, y


def _marker_and_touch(picture: Picture, halves: tuple[int, ...]) -> str:
    """The marker (a ring on the spot, or an arrow for `along`) and what rests there."""
    out: list[str] = []
    for half in halves:
        x, y = _spot(picture, half)
        if picture.marker is Marker.ALONG:
            top, bottom = _SPANS[picture.region]
            # a two-headed arrow the region's length, on its middle line
            out.append(f'<path class="arrow mc-marker" data-x="{x:.0f}" data-y="{y:.0f}" '
                       f'd="M{x} {bottom - 4} L{x} {top + 4} M{x - 8} {top + 13} L{x} '
                       f'{top + 4} L{x + 8} {top + 13} M{x - 8} {bottom - 13} L{x} '
                       f'{bottom - 4} L{x + 8} {bottom - 13}"/>')
        out.append(_touch(picture.touch, x, y, half, len(halves) == 2))
        if picture.marker is not Marker.ALONG:
            out.append(f'<circle class="mc-marker" data-x="{x:.0f}" data-y="{y:.0f}" '
                       f'cx="{x}" cy="{y}" r="17"/>')
    return "".join(out)


def _touch(touch: Touch, x: float, y: float, half: int, pair: bool) -> str:
    """A plain shape for what rests on the body; a pair of hands splits across the spine."""
    inner = x - half * 10  # the hand nearer the middle line, for one hand each side
    shapes = {
        Touch.HANDS: (f'<ellipse cx="{x}" cy="{y}" rx="9" ry="13"/>' if pair else
                      f'<ellipse cx="{x - 9}" cy="{y}" rx="8" ry="12"/>'
                      f'<ellipse cx="{x + 9}" cy="{y}" rx="8" ry="12"/>'),
        Touch.THUMBS: (f'<circle cx="{inner}" cy="{y}" r="5"/>' if pair else
                       f'<circle cx="{x - 6}" cy="{y}" r="5"/><circle cx="{x + 6}" cy="{y}" '
                       f'r="5"/>'),
        Touch.FINGERTIPS: "".join(f'<circle cx="{x + dx}" cy="{y - 4 + abs(dx) / 3}" r="3.5"/>'
                                  for dx in (-9, -3, 3, 9)),
        Touch.FOREARMS: f'<rect x="{x - 7}" y="{y - 24}" width="14" height="48" rx="7"/>',
        Touch.SEAT: f'<circle cx="{x - 10}" cy="{y}" r="13"/><circle cx="{x + 10}" cy="{y}" '
                    f'r="13"/>',
        Touch.ROLLER: f'<rect x="{x - 34}" y="{y - 9}" width="68" height="18" rx="9"/>',
        Touch.BALL: f'<circle cx="{x}" cy="{y}" r="10"/>',
        Touch.STICK: f'<rect x="{x - 40}" y="{y - 4}" width="80" height="8" rx="4"/>'
                     f'<rect x="{x - 52}" y="{y - 6}" width="14" height="12" rx="5"/>'
                     f'<rect x="{x + 38}" y="{y - 6}" width="14" height="12" rx="5"/>',
        Touch.NONE: "",
    }
    body = shapes[touch]
    return f'<g class="touch" data-touch="{touch.value}">{body}</g>' if body else ""


def _side_label(picture: Picture, where: str, halves: tuple[int, ...]) -> str:
    """The side, written large beside the region, where the eye already is."""
    top, bottom = _SPANS[picture.region]
    y = (top + bottom) / 2 + 10
    if where == "both":
        return f'<text x="{WIDTH / 2}" y="{HEIGHT - 36}" class="side">BOTH SIDES</text>'
    x, anchor = (4, "start") if halves[0] < 0 else (WIDTH - 4, "end")
    return (f'<text x="{x}" y="{y}" class="side" style="text-anchor:{anchor}" '
            f'data-for="{where}">{where.upper()}</text>')


def _face() -> str:
    """Eyes on the head: the body is seen from the front, so left and right swap."""
    return '<g class="touch"><circle cx="142" cy="38" r="3"/><circle cx="158" cy="38" r="3"/></g>'


def _posture(view: View) -> str:
    """A small side-on figure in the corner: lying face down, sitting, or lying on the back."""
    figures = {
        View.FACE_DOWN: '<circle cx="14" cy="20" r="6"/><path d="M22 22 L62 22"/>'
                        '<path d="M10 28 L66 28"/>',
        View.SEATED: '<circle cx="18" cy="8" r="6"/><path d="M18 14 L18 30 L60 30"/>'
                     '<path d="M18 22 L8 30"/><path d="M10 34 L66 34"/>',
        View.FACE_UP: '<circle cx="14" cy="18" r="6"/><path d="M22 24 L40 24 L50 14 L60 24"/>'
                      '<path d="M10 28 L66 28"/>',
    }
    return f'<g class="posture" transform="translate(6 8) scale(1.5)">{figures[view]}</g>'
