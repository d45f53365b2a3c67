"""Exposure days and first/last pairs against brute-force enumeration of possible worlds."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from trialrules import Exposure, PartialDate
from trialrules.values.counting import exposure_day_bounds, first_last_pairs
from trialrules.values.records import NOT_KNOWN_IF_ENDED

DAY = timedelta(days=1)
BASE = date(2027, 1, 1)
AS_OF = date(2027, 1, 25)
START = date(2027, 1, 10)


def days_of(p: PartialDate) -> list[date]:
    return [p.earliest + DAY * k for k in range((p.latest - p.earliest).days + 1)]


def spans(event: Exposure) -> list[tuple[date, date]]:
    """Every (start, end) the event's dates allow; an unknown end goes through as_of + 1."""
    out = []
    for s in days_of(event.start):
        if event.end is None:
            out.append((s, AS_OF))
        elif event.end.is_unknown:
            out.extend((s, s + DAY * k) for k in range(max((AS_OF - s).days, 0) + 2))
        else:
            out.extend((s, e) for e in days_of(event.end) if e >= s)
    return out


def brute(events: list[Exposure]) -> tuple[int, int]:
    counts = []
    for world in itertools.product(*(spans(e) for e in events)):
        covered = {START + DAY * k for k in range((AS_OF - START).days + 1)
                   if any(s <= START + DAY * k <= e for s, e in world)}
        counts.append(len(covered))
    return min(counts), max(counts)


def _day(offset: int) -> date:
    return BASE + DAY * offset


@st.composite
def exposures(draw: st.DrawFn) -> Exposure:
    first = draw(st.integers(0, 32))
    start = PartialDate.between(_day(first), _day(first + draw(st.integers(0, 3))))
    kind = draw(st.sampled_from(["ongoing", "unknown", "ended", "ended"]))
    if kind == "ongoing":
        return Exposure("ATC:H02AB06", start, None)
    if kind == "unknown":
        return Exposure("ATC:H02AB06", start, NOT_KNOWN_IF_ENDED)
    lo = first + draw(st.integers(0, 8))
    return Exposure("ATC:H02AB06", start, PartialDate.between(_day(lo), _day(lo + draw(
        st.integers(0, 3)))))


@settings(max_examples=150)
@given(st.lists(exposures(), min_size=0, max_size=3))
def test_exposure_days_match_every_possible_world(events: list[Exposure]) -> None:
    assert exposure_day_bounds(events, START, AS_OF) == (brute(events) if events else (0, 0))


def test_overlapping_exposures_count_once_and_ends_are_included() -> None:
    events = [Exposure("ATC:H02AB06", "2027-01-10", "2027-01-12"),
              Exposure("ATC:H02AB06", "2027-01-11", "2027-01-14"),
              Exposure("ATC:H02AB06", "2027-01-09", "2027-01-09"),   # the day before the window
              Exposure("ATC:H02AB06", "2027-01-25", None)]            # ongoing from as_of
    assert exposure_day_bounds(events, START, AS_OF) == (6, 6)


@st.composite
def dated(draw: st.DrawFn) -> PartialDate:
    first = draw(st.integers(5, 30))
    return PartialDate.between(_day(first), _day(first + draw(st.integers(0, 2))))


def brute_pairs(days: list[PartialDate]) -> tuple[set[tuple[int, int]], bool]:
    pairs: set[tuple[int, int]] = set()
    fewer = False
    for world in itertools.product(*(days_of(d) for d in days)):
        inside = [k for k, d in enumerate(world) if START <= d <= AS_OF]
        if len(inside) < 2:
            fewer = True
            continue
        first = min(world[k] for k in inside)
        last = max(world[k] for k in inside)
        pairs.update((i, j) for i in inside for j in inside
                     if i != j and world[i] == first and world[j] == last)
    return pairs, fewer


@settings(max_examples=150)
@given(st.lists(dated(), min_size=0, max_size=4))
def test_first_last_pairs_match_every_possible_world(days: list[PartialDate]) -> None:
    pairs, fewer, _ = first_last_pairs(days, START, AS_OF)
    want_pairs, want_fewer = brute_pairs(days)
    assert set(pairs) == want_pairs
    assert fewer == want_fewer
