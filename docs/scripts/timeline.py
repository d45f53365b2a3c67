"""Draw the timeline picture of docs/concepts.md as SVG text (no plotting libraries).

It shows the reference date (as_of), a one-month washout window with both
edges inclusive, an exposure that ended before the window, an ongoing
exposure, and an event with a partial date ("2026-10") drawn as the interval
of its possible days. The windows are computed with the library itself, so
the picture follows the code.

    python docs/scripts/timeline.py          # rewrite docs/img/timeline.svg
    python docs/scripts/timeline.py --check  # exit 1 if the file is stale

tests/acceptance/test_docs_examples.py checks that the committed file equals render().
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from trialrules import PartialDate, Span

OUTPUT = Path(__file__).resolve().parents[1] / "img" / "timeline.svg"

AS_OF = date(2026, 11, 27)
WASHOUT = Span(months=1)
FIRST_DAY = date(2026, 9, 20)
LAST_DAY = date(2026, 12, 18)

WIDTH = 880
LEFT = 300  # room for the row labels
RIGHT = 30
ROW = 46
TOP = 40

INK = "#1f2933"
MUTED = "#616e7c"
WINDOW = "#c7e0f4"
WINDOW_EDGE = "#1c6ea4"
EXPOSURE = "#d9822b"
PARTIAL = "#8e44ad"


def _x(day: date) -> float:
    span = (LAST_DAY - FIRST_DAY).days
    return round(LEFT + (day - FIRST_DAY).days * (WIDTH - LEFT - RIGHT) / span, 1)


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start",
          fill: str = INK, weight: str = "normal") -> str:
    return (f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}">{escape(text)}</text>')


def render() -> str:
    """The SVG document as text (deterministic: same input, same bytes)."""
    window_start = WASHOUT.before(AS_OF)
    rows = 4
    axis_y = TOP + rows * ROW + 10
    height = axis_y + 60
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" '
        'role="img" aria-labelledby="title desc">',
        '<title id="title">A one-month washout window before the reference date</title>',
        '<desc id="desc">The window runs from '
        f"{window_start.isoformat()} to {AS_OF.isoformat()}, both days included. An exposure "
        "that ended before the window does not overlap it; an ongoing exposure does; an event "
        "dated only 2026-10 may or may not fall in it.</desc>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="16" '
        'markerHeight="16" markerUnits="userSpaceOnUse" orient="auto">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{EXPOSURE}"/>'
        "</marker>"
        '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#efe3f5"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{PARTIAL}" stroke-width="2"/></pattern>'
        "</defs>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>',
    ]
    # The window band behind every row, with its inclusive edges.
    x0, x1 = _x(window_start), _x(AS_OF + timedelta(days=1))
    out.append(f'<rect x="{x0}" y="{TOP - 14}" width="{round(x1 - x0, 1)}" '
               f'height="{rows * ROW + 24}" fill="{WINDOW}" opacity="0.55"/>')
    for edge in (x0, x1):
        out.append(f'<line x1="{edge}" y1="{TOP - 14}" x2="{edge}" y2="{axis_y}" '
                   f'stroke="{WINDOW_EDGE}" stroke-width="1.5"/>')
    out.append(_text(round((LEFT + WIDTH - RIGHT) / 2, 1), TOP - 20,
                     f"washout window: {window_start.isoformat()} to {AS_OF.isoformat()}, "
                     "both days included", anchor="middle", fill=WINDOW_EDGE, weight="bold"))

    def row(i: int, label: str, note: str) -> float:
        y = TOP + i * ROW + ROW / 2
        out.append(_text(10, y + 4, label, weight="bold"))
        out.append(_text(10, y + 18, note, size=11, fill=MUTED))
        return y

    # Row 0: the window itself, as day cells at its edges (first and last day are in).
    y = row(0, "Span(months=1) before as_of", "first and last day are in")
    for day in (window_start, AS_OF):
        cell = round(_x(day + timedelta(days=1)) - _x(day), 1)
        out.append(f'<rect x="{_x(day)}" y="{y - 7}" width="{cell}" height="14" '
                   f'fill="{WINDOW_EDGE}"/>')
    out.append(f'<line x1="{_x(window_start)}" y1="{y}" x2="{_x(AS_OF)}" y2="{y}" '
               f'stroke="{WINDOW_EDGE}" stroke-width="2"/>')

    # Row 1: an exposure that ended the day before the window opened.
    ended = (date(2026, 10, 5), window_start - timedelta(days=1))
    y = row(1, "exposure 10-05 to 10-26", "ended before the window: NOT in it")
    out.append(f'<rect x="{_x(ended[0])}" y="{y - 7}" '
               f'width="{round(_x(ended[1] + timedelta(days=1)) - _x(ended[0]), 1)}" height="14" '
               f'fill="{EXPOSURE}" opacity="0.5"/>')

    # Row 2: an ongoing exposure (no end date) overlaps every window reaching as_of.
    y = row(2, "exposure from 11-10, no end", "ongoing: overlaps the window")
    start = date(2026, 11, 10)
    out.append(f'<line x1="{_x(start)}" y1="{y}" x2="{_x(LAST_DAY) - 12}" y2="{y}" '
               f'stroke="{EXPOSURE}" stroke-width="10" marker-end="url(#arrow)"/>')

    # Row 3: an event dated "2026-10": every day of October is possible.
    partial = PartialDate.parse("2026-10")
    y = row(3, 'event dated "2026-10"', "possible days straddle the edge: UNKNOWN")
    out.append(f'<rect x="{_x(partial.earliest)}" y="{y - 7}" '
               f'width="{round(_x(partial.latest + timedelta(days=1)) - _x(partial.earliest), 1)}" '
               f'height="14" fill="url(#hatch)" stroke="{PARTIAL}"/>')

    # The reference date and the axis.
    xa = round((_x(AS_OF) + _x(AS_OF + timedelta(days=1))) / 2, 1)
    out.append(f'<line x1="{xa}" y1="{TOP - 30}" x2="{xa}" y2="{axis_y + 8}" stroke="{INK}" '
               'stroke-width="2" stroke-dasharray="5,3"/>')
    out.append(_text(xa, axis_y + 48, f"as_of {AS_OF.isoformat()}", anchor="middle",
                     weight="bold"))
    out.append(f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" '
               f'stroke="{INK}"/>')
    day = FIRST_DAY
    while day <= LAST_DAY:
        if day.day == 1:
            out.append(f'<line x1="{_x(day)}" y1="{axis_y}" x2="{_x(day)}" y2="{axis_y + 6}" '
                       f'stroke="{INK}"/>')
            out.append(_text(_x(day), axis_y + 20, day.strftime("%d %b %Y").lstrip("0"),
                             size=11, anchor="middle"))
        day += timedelta(days=1)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    svg = render()
    if argv == ["--check"]:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != svg:
            print(f"{OUTPUT} is stale; run python docs/scripts/timeline.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(svg, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
