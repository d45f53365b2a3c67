"""Counting over partial dates: the least and the most a count can be, exactly.

Two counts the kinds of issue 13 need, each over every way a record's partial
dates could turn out (the possible-days rule, docs/semantics.md §4):

- :func:`exposure_day_bounds`: the distinct days of a window on which some
  exposure was ongoing (overlapping exposures count once);
- :func:`first_last_pairs`: which observations can be the earliest and the
  latest of a window, for a change over time.

Both are exact (no sampling): the tests compare them with a brute-force
enumeration of every possible world.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from .dates import PartialDate

__all__ = ["exposure_day_bounds", "first_last_pairs", "window_days"]

_DAY = timedelta(days=1)


def window_days(start: date, as_of: date) -> int:
    """Days in ``[start, as_of]``, both ends included."""
    return (as_of - start).days + 1


def _begin(event: Any) -> PartialDate:
    begin: PartialDate = event.start if hasattr(event, "start") else event.onset
    return begin


def _union_length(intervals: Iterable[tuple[date, date]]) -> int:
    total = 0
    last: date | None = None
    for lo, hi in sorted(intervals):
        if last is not None and lo <= last:
            if hi > last:
                total += (hi - last).days
                last = hi
            continue
        total += (hi - lo).days + 1
        last = hi
    return total


def _covered(intervals: list[tuple[date, date]], lo: date, hi: date) -> bool:
    """Whether some day of ``[lo, hi]`` is in one of the (sorted, merged) intervals."""
    return any(a <= hi and b >= lo for a, b in intervals)


def _merged(intervals: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1] + _DAY:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
            continue
        out.append((lo, hi))
    return out


def exposure_day_bounds(events: Sequence[Any], start: date, as_of: date) -> tuple[int, int]:
    """(least, most) distinct days of ``[start, as_of]`` on which some event was ongoing.

    An event covers its beginning to its end, both included; no end (ongoing)
    covers through as_of; an unknown end (``PartialDate()``, not known if ended)
    is any day from the beginning on. Over every way the partial dates could
    turn out:

    - **most**: each event as long as its dates allow (earliest beginning,
      latest end). Every possible span lies inside that one, so the union of
      these is the largest.
    - **least**: an event whose latest beginning is on or before its earliest
      end has a shortest span (latest beginning to earliest end) inside every
      possible one; the others ("floating": the end may come before the latest
      beginning, or is unknown) cover at least one day, which can be any day
      of a range. A floating event whose range reaches outside the window
      covers nothing of it; one whose range meets the fixed spans adds nothing;
      the rest need the fewest days hitting every range: the greedy stabbing of
      intervals by their right ends, which is optimal.
    """
    most_spans: list[tuple[date, date]] = []
    fixed: list[tuple[date, date]] = []
    floating: list[tuple[date, date]] = []
    for event in events:
        begin = _begin(event)
        end = event.end
        a = begin.earliest
        b = begin.latest
        if end is None:  # ongoing through as_of
            most_hi = as_of
            if b <= as_of:
                fixed.append((b, as_of))
        elif end.is_unknown:  # ended (or not) on any day from the beginning on
            most_hi = as_of
            floating.append((a, b))
        else:
            c, d = end.earliest, end.latest
            most_hi = d
            b = min(b, d)  # the beginning is never after the end
            if b <= c:
                fixed.append((b, c))
            else:  # the shortest spans are single days from max(a, c) to b
                floating.append((max(a, c), b))
        if a <= as_of and most_hi >= start:
            most_spans.append((max(a, start), min(most_hi, as_of)))
    fixed_in = _merged((max(lo, start), min(hi, as_of)) for lo, hi in fixed
                       if lo <= as_of and hi >= start)
    least = _union_length(fixed_in)
    # Floating events that must add a day of the window not already counted.
    needed = sorted(((lo, hi) for lo, hi in floating
                     if lo >= start and hi <= as_of and not _covered(fixed_in, lo, hi)),
                    key=lambda pair: pair[1])
    stab: date | None = None
    for lo, hi in needed:
        if stab is None or lo > stab:
            stab = hi
            least += 1
    return least, _union_length(most_spans)


def first_last_pairs(days: Sequence[PartialDate], start: date,
                     as_of: date) -> tuple[list[tuple[int, int]], bool, int]:
    """Which (first, last) pairs of dated values can be the earliest and the latest in
    ``[start, as_of]``, whether fewer than two may lie there, and how many surely do.

    A pair (i, j), i != j, is possible when some way the dates could turn out
    puts both in the window with i on or before j and every other value either
    outside the window or between them. Giving i its earliest day in the window
    and j its latest leaves the most room for the others, so that one choice
    decides. Values on the same day can be first or last in either order.
    """
    inside = [k for k, d in enumerate(days)
              if not d.is_unknown and d.earliest <= as_of and d.latest >= start]
    sure = sum(1 for k in inside if days[k].earliest >= start and days[k].latest <= as_of)
    pairs = []
    for i in inside:
        lo = max(days[i].earliest, start)
        for j in inside:
            if i == j:
                continue
            hi = min(days[j].latest, as_of)
            if lo > hi:
                continue
            if all(k in (i, j) or _fits(days[k], start, as_of, lo, hi) for k in inside):
                pairs.append((i, j))
    return pairs, sure < 2, sure


def _fits(day: PartialDate, start: date, as_of: date, lo: date, hi: date) -> bool:
    """A value's date can be outside the window, or between ``lo`` and ``hi``."""
    if day.earliest < start or day.latest > as_of:
        return True
    return day.earliest <= hi and day.latest >= lo
