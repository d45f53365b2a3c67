"""The geometry of a patient's timeline: rows of bars, points and windows on one date axis.

Pure data (frozen attrs values, no markup): the templates draw it as SVG and
as the table that says the same in words. A partial date is drawn as the
range of its possible days (the ``possible`` segments), never as a guessed day;
an ongoing exposure or condition is drawn to the reference date.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, Final

import attrs

from ...engine.explanations import Explanation
from ...kinds.windows import window
from ...protocol.protocol import Protocol, ProtocolResult
from ...values.dates import PartialDate
from ...values.outcomes import Outcome
from ...values.records import Condition, Exposure, Record, UnknownIfEnded

__all__ = ["Row", "Segment", "Tick", "Timeline", "timeline"]

#: Drawing sizes in SVG user units (the picture scales with the page).
WIDTH: Final = 820
LABEL_WIDTH: Final = 235
PLOT_LEFT: Final = LABEL_WIDTH + 10
PLOT_RIGHT: Final = WIDTH - 20
ROW_HEIGHT: Final = 28
TOP: Final = 34
AXIS_HEIGHT: Final = 40


@attrs.frozen
class Segment:
    """Part of a row from day ``first`` to day ``last`` (inclusive): certain or only possible."""

    first: date
    last: date
    certain: bool
    x: float
    width: float


@attrs.frozen
class Mark:
    """A dated point (an observation) with its value shown beside it."""

    first: date
    last: date
    value: str
    x: float
    width: float
    labelled: bool = True  # False where the value would overprint its neighbour's (see the table)


@attrs.frozen
class Row:
    """One line of the timeline: a fact (exposure, condition, observations) or a window."""

    kind: str  # "exposure", "condition", "observation", "window"
    label: str
    ref: str  # where it sits: "exposures[0]", or the criterion id of a window
    y: float
    segments: tuple[Segment, ...] = ()
    marks: tuple[Mark, ...] = ()
    outcome: str | None = None  # windows: the criterion's outcome value
    first: date | None = None  # facts: first possible day; windows: first day (None: no start)
    last: date | None = None
    note: str = ""  # "ongoing", "start unknown", ...
    criterion: str | None = None  # windows: the top-level criterion it belongs to


@attrs.frozen
class Tick:
    x: float
    text: str


@attrs.frozen
class Timeline:
    """Everything the SVG and its table need, coordinates included."""

    first: date
    last: date
    as_of: date
    as_of_x: float
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]
    height: float
    plot_top: float
    plot_bottom: float

    @property
    def facts(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.kind != "window")

    @property
    def windows(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.kind == "window")


def _known(when: PartialDate | None) -> bool:
    return when is not None and not when.is_unknown


def _window_nodes(criterion: Any, node: Explanation, top: str) -> Iterator[tuple[Any, Explanation, str]]:
    """Criteria paired with their explanation nodes, depth first, as far as the trees agree."""
    yield criterion, node, top
    children = criterion.children
    if len(children) == len(node.children):
        for child, kid in zip(children, node.children, strict=True):
            yield from _window_nodes(child, kid, top)


def timeline(protocol: Protocol, record: Record, result: ProtocolResult) -> Timeline:
    """The timeline of ``record``'s dated facts and ``protocol``'s windows as of the result's date."""
    as_of = result.as_of
    windows: list[tuple[str, str, Any, Outcome, str]] = []  # (node id, top, Window, outcome, kind)
    seen: set[tuple[Any, ...]] = set()
    for criterion, node in zip(protocol.criteria, result.criteria, strict=True):
        for crit, expl, top in _window_nodes(criterion, node, node.id or ""):
            win = window(crit, as_of)
            if win is None:
                continue
            key = (expl.id, win)
            if key in seen:
                continue
            seen.add(key)
            windows.append((expl.id or top, top, win, expl.outcome, expl.kind))

    # The axis: every known day of a fact, every window start, and the reference date.
    days: list[date] = [as_of]
    events: list[tuple[str, int, Exposure | Condition]] = [
        *(("exposures", i, e) for i, e in enumerate(record.exposures)),
        *(("conditions", i, c) for i, c in enumerate(record.conditions))]
    for _, _, event in events:
        begin = event.start if isinstance(event, Exposure) else event.onset
        for when in (begin, event.end):
            if when is not None and _known(when):
                days += [when.earliest, when.latest]
    for obs in record.observations:
        if _known(obs.date):
            days += [obs.date.earliest, obs.date.latest]
    days += [w.first for _, _, w, _, _ in windows if w.first is not None and w.first > date.min]
    lo, hi = min(days), max(days)
    pad = max(7, (hi - lo).days // 30)
    lo, hi = _shift(lo, -pad), _shift(hi, pad)
    scale = (PLOT_RIGHT - PLOT_LEFT) / max(1, (hi - lo).days + 1)

    def x(day: date) -> float:
        return round(PLOT_LEFT + (day - lo).days * scale, 1)

    def seg(first: date, last: date, certain: bool) -> Segment:
        first, last = max(first, lo), min(last, hi)
        left = x(first)
        return Segment(first, last, certain, left, round(max(3.0, x(last) + scale - left), 1))

    rows: list[Row] = []
    y = float(TOP)
    for history, i, event in events:
        begin = event.start if isinstance(event, Exposure) else event.onset
        kind = "exposure" if history == "exposures" else "condition"
        segments, note, first, last = _event_segments(begin, event.end, as_of, lo, hi)
        rows.append(Row(kind, event.code, f"{history}[{i}]", y,
                        tuple(seg(a, b, c) for a, b, c in segments), first=first, last=last,
                        note=note))
        y += ROW_HEIGHT
    by_code: dict[str, list[tuple[int, Any]]] = {}
    for i, obs in enumerate(record.observations):
        by_code.setdefault(obs.code, []).append((i, obs))
    for code, items in by_code.items():
        marks = []
        for _, obs in items:
            if not _known(obs.date):
                continue
            first, last = max(obs.date.earliest, lo), min(obs.date.latest, hi)
            value = _value_text(obs.value) + (f" {obs.unit}" if obs.unit else "")
            marks.append(Mark(first, last, value, x(first),
                              round(max(3.0, x(last) + scale - x(first)), 1)))
        marks.sort(key=lambda m: (m.x, m.first))
        last_label = -1e9
        for k, m in enumerate(marks):
            if m.x - last_label < 8 * max(3, len(m.value)):
                marks[k] = attrs.evolve(m, labelled=False)
            else:
                last_label = m.x
        dated = [o for _, o in items if _known(o.date)]
        rows.append(Row("observation", code, "observations[" + ", ".join(str(i) for i, _ in items) + "]",
                        y, marks=tuple(marks),
                        first=min((o.date.earliest for o in dated), default=None),
                        last=max((o.date.latest for o in dated), default=None),
                        note="" if len(dated) == len(items) else "some without a date"))
        y += ROW_HEIGHT
    for node_id, top, win, outcome, kind in windows:
        first = win.first if win.first is not None and win.first > date.min else None
        rows.append(Row("window", kind, node_id, y,
                        (seg(lo if first is None else first, win.last, True),),
                        outcome=outcome.value, first=first, last=win.last,
                        note=f"{win.history}; " + ("no start" if first is None else
                                                   _days((win.last - first).days + 1)),
                        criterion=top))
        y += ROW_HEIGHT
    plot_bottom = y + 4
    return Timeline(lo, hi, as_of, round(x(as_of) + scale / 2, 1), tuple(rows),
                    _ticks(lo, hi, x), plot_bottom + AXIS_HEIGHT, TOP - 8, plot_bottom)


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _shift(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.min if days < 0 else date.max


def _event_segments(begin: PartialDate, end: PartialDate | None, as_of: date, lo: date,
                    hi: date) -> tuple[list[tuple[date, date, bool]], str, date | None, date | None]:
    """(first, last, certain) pieces of an event, a note, and its first and last possible day."""
    notes = []
    if _known(begin):
        s0, s1 = begin.earliest, begin.latest
    else:
        s0 = s1 = lo
        notes.append("start unknown")
    out: list[tuple[date, date, bool]] = []
    if end is None:
        e0 = e1 = max(as_of, s1)
        notes.append("ongoing")
    elif end.is_unknown:
        e0, e1 = s1, hi
        # An end nobody recorded (or not even whether it ended): any day from the start on.
        notes.append("not known whether it ended" if isinstance(end, UnknownIfEnded)
                     else "ended, date unknown")
    else:
        e0, e1 = end.earliest, end.latest
    if not _known(begin) or s1 > e0 or (end is not None and end.is_unknown):
        # No day is certain: the start is unknown, the possible starts and ends overlap, or
        # the end is unknown (it may be the day it began).
        out.append((s0, e1, False))
    else:
        if s0 < s1:
            out.append((s0, s1 - timedelta(days=1), False))
        out.append((s1, e0, True))
        if e0 < e1:
            out.append((e0 + timedelta(days=1), e1, False))
    first = begin.earliest if _known(begin) else None
    last = None if end is not None and end.is_unknown else e1
    return out, ", ".join(notes), first, last


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _ticks(lo: date, hi: date, x: Any) -> tuple[Tick, ...]:
    """Axis ticks on calendar boundaries, about 4 to 12 of them."""
    days = (hi - lo).days
    ticks: list[Tick] = []
    if days > 3 * 366:
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 500, 1000) if days / 365.25 / s <= 12)
        year = lo.year + 1
        year += (-year) % step
        while year <= hi.year:
            ticks.append(Tick(x(date(year, 1, 1)), f"{year}"))
            year += step
    elif days > 90:
        step = next(s for s in (1, 2, 3, 6) if days / 30.4 / s <= 12)
        year, month = lo.year, lo.month
        while year <= 9999 and (day := date(year, month, 1)) <= hi:
            if day >= lo and (month - 1) % step == 0:
                ticks.append(Tick(x(day), day.strftime("%Y-%m")))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        step = 7 if days > 21 else 1 if days <= 10 else 3
        day = lo
        while day <= hi:
            ticks.append(Tick(x(day), day.isoformat()))
            day += timedelta(days=step)
    return tuple(ticks)
