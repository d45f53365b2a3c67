"""ExposureDays: cumulative days of exposure in [as_of - span, as_of], against possible worlds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import MET, NOT_MET, UNKNOWN
from trialrules import CodeSet, Criterion, Exposure, PartialDate, Record, Span, Threshold
from trialrules.kinds.sources import ExposureDays
from trialrules.values.records import NOT_KNOWN_IF_ENDED

STEROIDS = CodeSet("systemic corticosteroids", prefixes=["ATC:H02"])
AS_OF = date(2027, 3, 31)           # the 6-month window opens 2026-09-30
OVER_28 = Threshold(ExposureDays(STEROIDS, Span(months=6)), ">", 28)
DAY = timedelta(days=1)


def course(start: str, end: str | None, code: str = "ATC:H02AB06") -> Exposure:
    return Exposure(code, start, end)


def record(*events: Exposure, complete: bool = True) -> Record:
    return Record("P1", exposures=events,
                  complete={"exposures": "2027-03-31"} if complete else None)


def test_window_edges_and_overlaps() -> None:
    # 2026-09-29 is the day before the window; 2026-09-30 its first day.
    assert OVER_28.decide(record(course("2026-09-01", "2026-09-29")), AS_OF) is NOT_MET
    twenty_nine = record(course("2026-09-30", "2026-10-28"))         # 29 days inside
    assert OVER_28.decide(twenty_nine, AS_OF) is MET
    twenty_eight = record(course("2026-09-29", "2026-10-27"))        # 29 days, 28 inside
    assert OVER_28.decide(twenty_eight, AS_OF) is NOT_MET
    overlapping = record(course("2026-11-01", "2026-11-20"), course("2026-11-10", "2026-11-28"))
    assert OVER_28.decide(overlapping, AS_OF) is NOT_MET              # 28 distinct days
    ongoing = record(course("2027-03-03", None))                      # 29 days through as_of
    assert OVER_28.decide(ongoing, AS_OF) is MET
    other = record(course("2026-10-01", "2026-12-31", code="ATC:L01AA01"))
    assert OVER_28.decide(other, AS_OF) is NOT_MET


def test_incomplete_history_makes_the_count_a_lower_bound() -> None:
    thirty = (course("2026-10-01", "2026-10-30"),)
    twenty = (course("2026-10-01", "2026-10-20"),)
    assert OVER_28.decide(record(*thirty, complete=False), AS_OF) is MET
    assert OVER_28.decide(record(*twenty, complete=False), AS_OF) is UNKNOWN
    assert OVER_28.decide(record(*twenty), AS_OF) is NOT_MET
    explained = OVER_28.evaluate(record(*twenty, complete=False), AS_OF)
    assert "exposures history complete through 2027-03-31 (complete.exposures)" in explained.missing


def test_reason_counts_the_days() -> None:
    result = OVER_28.evaluate(record(course("2026-10-01", "2026-10-30")), AS_OF)
    assert result.reason == (
        "30 days of exposure to systemic corticosteroids in the 6 months before 2027-03-31 "
        "(2026-09-30 to 2027-03-31) is above 28 (> 28)")
    assert [e.path for e in result.evidence] == ["exposures[0]", "complete.exposures"]


def test_round_trip_and_words() -> None:
    assert Criterion.from_dict(OVER_28.to_dict()) == OVER_28
    assert OVER_28.to_dict()["source"] == {
        "kind": "exposure_days", "codes": {"name": "systemic corticosteroids",
                                           "prefixes": ["ATC:H02"]},
        "span": {"months": 6}}
    assert eval(repr(OVER_28), {"Threshold": Threshold, "ExposureDays": ExposureDays,
                                "CodeSet": CodeSet, "Span": Span}) == OVER_28
    assert OVER_28.describe() == ("days of exposure to systemic corticosteroids (ATC H02) in "
                                  "the 6 months before the reference date is above 28")


# -- possible worlds -------------------------------------------------------------------

SMALL_AS_OF = date(2027, 1, 25)
SMALL = Span(days=15)                # 2027-01-10 .. 2027-01-25
BASE = date(2027, 1, 1)


def _days(p: PartialDate) -> list[date]:
    return [p.earliest + DAY * k for k in range((p.latest - p.earliest).days + 1)]


def _spans(e: Exposure) -> list[tuple[date, date]]:
    if e.end is None:
        return [(s, SMALL_AS_OF) for s in _days(e.start)]
    if e.end.is_unknown:
        return [(s, s + DAY * k) for s in _days(e.start)
                for k in range(max((SMALL_AS_OF - s).days, 0) + 2)]
    return [(s, x) for s in _days(e.start) for x in _days(e.end) if x >= s]


@st.composite
def exposures(draw: st.DrawFn) -> Exposure:
    first = draw(st.integers(0, 30))
    start = PartialDate.between(BASE + DAY * first, BASE + DAY * (first + draw(st.integers(0, 3))))
    kind = draw(st.sampled_from(["ongoing", "unknown", "ended", "ended"]))
    if kind == "ongoing":
        return Exposure("ATC:H02AB06", start, None)
    if kind == "unknown":
        return Exposure("ATC:H02AB06", start, NOT_KNOWN_IF_ENDED)
    lo = first + draw(st.integers(0, 8))
    return Exposure("ATC:H02AB06", start, PartialDate.between(
        BASE + DAY * lo, BASE + DAY * (lo + draw(st.integers(0, 3)))))


@settings(max_examples=80)
@given(st.lists(exposures(), max_size=3), st.booleans(), st.integers(0, 16),
       st.sampled_from([">", ">=", "<", "<="]))
def test_outcome_agrees_with_every_possible_world(events: list[Exposure], complete: bool,
                                                  bound: int, op: str) -> None:
    start = SMALL_AS_OF - timedelta(days=15)
    # Every possible world (one course per event), folded event by event: a world's
    # exposed days are a 16-bit mask of the window, so equal partial unions merge.
    unions = {0}
    for event in events:
        masks = {sum(1 << k for k in range(16) if s <= start + DAY * k <= x)
                 for s, x in _spans(event)}
        unions = {u | m for u in unions for m in masks}
    counts = {bin(u).count("1") for u in unions}
    if not complete:   # anything from the least observed count up to every day of the window
        counts |= set(range(min(counts), 17))
    test = {">": bound.__lt__, ">=": bound.__le__, "<": bound.__gt__, "<=": bound.__ge__}[op]
    verdicts = {test(c) for c in counts}
    want = MET if verdicts == {True} else NOT_MET if verdicts == {False} else UNKNOWN
    patient = Record("P1", exposures=events,
                     complete={"exposures": SMALL_AS_OF} if complete else None)
    criterion = Threshold(ExposureDays(STEROIDS, SMALL), op, bound)
    assert criterion.decide(patient, SMALL_AS_OF) is want
    assert criterion.evaluate(patient, SMALL_AS_OF).outcome is want


@pytest.mark.parametrize("span", [Span(), None])
def test_a_window_is_required(span: Span | None) -> None:
    with pytest.raises(Exception, match="span"):
        ExposureDays(STEROIDS, span)  # type: ignore[arg-type]
