"""Reference dates that tell a span from its neighbours, and the spans a leaf holds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import CYTOTOXIC
from trialrules import Age, Flag, Latest, Lookback, Range, Span, Washout
from trialrules.testing import reference_dates, span_neighbours
from trialrules.testing._refdates import window_spans


def _start(span: Span | None, as_of: date) -> date:
    """The window's first day, by relativedelta directly (not Span.before)."""
    assert span is not None
    return as_of - relativedelta(years=span.years, months=span.months, weeks=span.weeks,
                                 days=span.days)


def test_one_month_and_31_days_agree_on_the_usual_date_and_differ_after_a_30_day_month() -> None:
    # The survivor of the issue: from 27 November both windows open on 27 October.
    assert _start(Span(months=1), date(2026, 11, 27)) == _start(Span(days=31), date(2026, 11, 27))
    # Mid-December (after 30-day November) they do not: 15 November vs 14 November.
    assert _start(Span(months=1), date(2026, 12, 15)) == date(2026, 11, 15)
    assert _start(Span(days=31), date(2026, 12, 15)) == date(2026, 11, 14)
    chosen = [d for d, _ in reference_dates([Span(months=1)], date(2026, 11, 27))]
    assert date(2026, 12, 15) in chosen


def test_the_documented_dates_for_a_month() -> None:
    # Hand-written: from 27 November 2026, the next date of each documented kind.
    got = reference_dates([Span(months=1)], date(2026, 11, 27))
    assert got == [
        (date(2026, 11, 27), "the requested reference date"),
        (date(2026, 12, 15), "mid-month after a 30-day month"),
        (date(2026, 12, 31), "the end of a 31-day month after a 30-day month"),
        (date(2027, 1, 15), "mid-month after a 31-day month"),
        (date(2028, 2, 29), "29 February"),
        (date(2028, 3, 1), "the day after 29 February"),
    ]


def test_day_and_week_spans_need_no_extra_date() -> None:
    assert reference_dates([Span(days=30), Span(weeks=2)], date(2026, 11, 27)) == [
        (date(2026, 11, 27), "the requested reference date")]
    assert reference_dates([None, Span()], date(2026, 11, 27)) == [
        (date(2026, 11, 27), "the requested reference date")]


@pytest.mark.parametrize(("span", "expected"), [
    (Span(months=1), ["30 days", "31 days", "4 weeks", "5 weeks", "2 months", "1 month 1 day"]),
    (Span(years=5), ["1825 days", "1826 days", "1827 days", "1830 days", "260 weeks",
                     "4 years 11 months", "5 years 1 month", "6 years", "4 years",
                     "5 years 1 day"]),
    (Span(weeks=2), ["13 days", "15 days", "1 month", "3 weeks",
                     "1 week", "2 weeks 1 day"]),
    (Span(days=10), ["11 days", "9 days"]),
    (Span(), ["1 day"]),
])
def test_span_neighbours(span: Span, expected: list[str]) -> None:
    assert [name for name, _ in span_neighbours(span)] == expected
    assert all(str(s) == name for name, s in span_neighbours(span))
    assert span_neighbours(None) == []


SPANS = st.one_of(
    st.builds(lambda n: Span(months=n), st.integers(1, 24)),
    st.builds(lambda n: Span(years=n), st.integers(1, 10)),
    st.builds(lambda n: Span(weeks=n), st.integers(1, 52)),
    st.builds(lambda n: Span(days=n), st.integers(1, 400)),
)


@settings(max_examples=60, deadline=None)
@given(SPANS, st.dates(date(1990, 1, 1), date(2090, 12, 31)))
def test_every_neighbour_opens_on_another_day_on_some_chosen_date(span: Span, as_of: date) -> None:
    chosen = [d for d, _ in reference_dates([span], as_of)]
    assert chosen[0] <= as_of <= chosen[-1] or as_of in chosen
    for name, neighbour in span_neighbours(span):
        assert any(_start(span, d) != _start(neighbour, d) for d in chosen), (span, name, as_of)
    # Every chosen date is the requested one or later, within four years and a bit.
    assert all(as_of <= d <= as_of + timedelta(days=4 * 366 + 60) for d in chosen)


def test_window_spans_are_read_from_fields() -> None:
    assert window_spans(Washout(CYTOTOXIC, Span(months=1))) == [Span(months=1)]
    assert window_spans(Lookback(CYTOTOXIC)) == [None]
    assert window_spans(Range(Latest("edss", within=Span(months=3)), 3, 6)) == [Span(months=3)]
    assert window_spans(Range("edss", 3, 6)) == [None]
    assert window_spans(Range(Age(), 18, 60)) == []
    assert window_spans(Flag("consent")) == []
