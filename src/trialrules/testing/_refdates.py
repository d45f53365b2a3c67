"""Reference dates that tell a window's span apart from its plausible neighbours.

A window "1 month" and a careless "30 days" open on the same day for most
reference dates: 15 December minus one month and minus 30 days are both
15 November. A case on the window's edge tells them apart only on a date where
the two windows open on different days. For every span a criterion holds
(a washout, a lookback, a recency window, any source with a span), the deck
generator takes the requested reference date and adds dates on which calendar
arithmetic bends, then checks that every plausible neighbour of the span
(:func:`span_neighbours`) opens on a different day on at least one of them,
adding the first date that separates any neighbour still left.

The candidates, in the order they are tried (docs/testing.md lists them too):

- the 15th of the first month that follows a 30-day month (one month back is
  30 days back, not 31: separates "1 month" from "31 days");
- the 15th of the first month that follows a 31-day month (separates it from
  "30 days");
- the last day of the first 31-day month that follows a 30-day month
  (31 December minus one month is 30 November: month-end clamping);
- the next 29 February (one year back is 28 February; 12 months back too,
  but 365 days back is 1 March of the year before) and the day after it,
  1 March (one month back is 1 February, not 29 January);
- then, for any neighbour still not separated, the first day of the next four
  years on which it is.

Spans of days and weeks are the same number of days on every date, so their
neighbours (one day or one week more or less) are told apart on any date: they
get no extra reference date.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

import attrs

from ..engine.criterion import Criterion
from ..values.checks import SPAN_UNITS
from ..values.dates import Span

__all__ = ["reference_dates", "span_neighbours", "window_spans"]

DAY = timedelta(days=1)


def span_neighbours(span: Span | None) -> list[tuple[str, Span | None]]:
    """The spans a careless author writes instead of ``span``, each with a name.

    Months become 30 or 31 days (per month) or 4 weeks; years become 365 days,
    365.25 days (leap days counted by four, unless the years are whole 4-year
    cycles, which hold one leap day each on every date before 2100) or 366
    days, 11 or 13 months per year, 52 weeks; weeks become 7 days plus or minus one; any span gains a day
    or, when it is whole days, loses one; each unit moves by one. A zero span
    ("current") becomes one day; "ever" (``None``) has no neighbours here.

    >>> [name for name, _ in span_neighbours(Span(months=1))][:4]
    ['30 days', '31 days', '4 weeks', '5 weeks']
    """
    if span is None:
        return []
    if span.is_zero:
        return [("1 day", Span(days=1))]
    out: list[tuple[str, Span | None]] = []

    def add(candidate: Span) -> None:
        if candidate != span and not candidate.is_zero and all(s != candidate for _, s in out):
            out.append((str(candidate), candidate))

    y, m, w, d = span.years, span.months, span.weeks, span.days
    if m and not (y or w or d):
        add(Span(days=30 * m))
        add(Span(days=31 * m))
        add(Span(weeks=4 * m))
        add(Span(weeks=4 * m + 1))
    if y and not (m or w or d):
        add(Span(days=365 * y))
        if y % 4:
            # Leap days counted as y/4, rounded down or up. For whole 4-year cycles that
            # is the same window as y years on every date until 2100 (not a slip to catch).
            add(Span(days=365 * y + y // 4))
            add(Span(days=365 * y + (y + 3) // 4))
        add(Span(days=366 * y))
        add(Span(weeks=52 * y))
        add(Span(years=y - 1, months=11))
        add(Span(years=y, months=1))
    if w and not (y or m or d):
        add(Span(days=7 * w - 1))
        add(Span(days=7 * w + 1))
        months = max(1, round(w * 7 / 30.4))
        add(Span(months=months))
    if d and not (y or m or w):
        if d >= 28:
            add(Span(months=max(1, round(d / 30.4))))
        if d >= 365:
            add(Span(years=max(1, round(d / 365.25))))
    for unit in SPAN_UNITS:
        n = getattr(span, unit)
        if n:
            add(attrs.evolve(span, **{unit: n + 1}))
            if n > 1 or any(getattr(span, u) for u in SPAN_UNITS
                            if u != unit):
                add(attrs.evolve(span, **{unit: n - 1}))
    add(attrs.evolve(span, days=span.days + 1))
    return out


def _month_length(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _previous(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _months_from(as_of: date, count: int) -> Iterator[tuple[int, int]]:
    year, month = as_of.year, as_of.month
    for _ in range(count):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _named_candidates(as_of: date) -> list[tuple[date, str]]:
    """The dates where calendar arithmetic bends, on or after ``as_of`` (see the module text)."""
    out: list[tuple[date, str]] = []

    def first(test: Any, make: Any, why: str) -> None:
        for year, month in _months_from(as_of, 60):
            if test(year, month):
                day = make(year, month)
                if day >= as_of:
                    out.append((day, why))
                    return

    first(lambda y, m: _month_length(*_previous(y, m)) == 30, lambda y, m: date(y, m, 15),
          "mid-month after a 30-day month")
    first(lambda y, m: _month_length(*_previous(y, m)) == 31, lambda y, m: date(y, m, 15),
          "mid-month after a 31-day month")
    first(lambda y, m: _month_length(y, m) == 31 and _month_length(*_previous(y, m)) == 30,
          lambda y, m: date(y, m, 31), "the end of a 31-day month after a 30-day month")
    leap = next(y for y in range(as_of.year, as_of.year + 9) if calendar.isleap(y)
                and date(y, 2, 29) >= as_of)
    out.append((date(leap, 2, 29), "29 February"))
    out.append((date(leap, 3, 1), "the day after 29 February"))
    return out


def _separates(day: date, span: Span, neighbour: Span | None) -> bool:
    if neighbour is None:
        return True
    return span.before(day) != neighbour.before(day)


def _calendar(span: Span) -> bool:
    return bool(span.months or span.years)


def reference_dates(spans: Iterable[Span | None], as_of: date) -> list[tuple[date, str]]:
    """``as_of`` and the dates that separate every span from its neighbours, with why each.

    >>> [(str(d), why) for d, why in reference_dates([Span(months=1)], date(2026, 11, 27))]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('2026-11-27', 'the requested reference date'),
     ('2026-12-15', 'mid-month after a 30-day month'),
     ('2026-12-31', 'the end of a 31-day month after a 30-day month'),
     ('2027-01-15', 'mid-month after a 31-day month'),
     ('2028-02-29', '29 February'), ('2028-03-01', 'the day after 29 February')]
    """
    chosen: list[tuple[date, str]] = [(as_of, "the requested reference date")]
    real: list[Span] = [s for s in dict.fromkeys(spans) if s is not None and not s.is_zero]
    if not real:
        return chosen
    if any(_calendar(s) for s in real):
        for day, why in _named_candidates(as_of):
            if all(day != d for d, _ in chosen):
                chosen.append((day, why))
    for span in real:
        for name, neighbour in span_neighbours(span):
            if any(_separates(d, span, neighbour) for d, _ in chosen):
                continue
            for offset in range(1, 4 * 366):
                day = as_of + offset * DAY
                if _separates(day, span, neighbour):
                    chosen.append((day, f"separates {span} from {name}"))
                    break
    return sorted(chosen)


def window_spans(criterion: Criterion) -> list[Span | None]:
    """Every span a leaf criterion or its value source holds (``span``, ``within``, ...).

    Read from the attrs fields, so a new kind or source with a span field is
    covered without being named here. ``None`` stands for a window a field
    could hold but does not (an "ever" lookback, a latest value without a
    recency window).
    """
    out: list[Span | None] = []

    def scan(value: Any, depth: int) -> None:
        if depth > 2 or (isinstance(value, Criterion) and depth > 0):
            return
        if not attrs.has(type(value)):
            return
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name, None)
            if isinstance(item, Span):
                out.append(item)
            elif item is None and field.name in ("span", "within"):
                out.append(None)
            elif attrs.has(type(item)) and not isinstance(item, Criterion):
                scan(item, depth + 1)

    scan(criterion, 0)
    return out
