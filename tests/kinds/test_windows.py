"""The window accessor: a criterion's dated window, hand-computed, and the same days the evaluation uses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from trialrules import (
    AllOf,
    CodeSet,
    Condition,
    Exposure,
    Flag,
    Latest,
    Lookback,
    Not,
    OneOf,
    Outcome,
    Range,
    Record,
    Span,
    Threshold,
    Washout,
)
from trialrules.kinds.windows import Window, window

CYTO = CodeSet("cytotoxic agents", prefixes=["ATC:L01"])
TUMOURS = CodeSet("malignant tumours", prefixes=["ICD10:C"])


@pytest.mark.parametrize(("criterion", "as_of", "expected"), [
    # One month before a month end: 28 February in a common year, 29 in a leap year.
    (Washout(CYTO, Span(months=1)), date(2027, 3, 31),
     Window(date(2027, 2, 28), date(2027, 3, 31), "exposures")),
    (Washout(CYTO, Span(months=1)), date(2028, 3, 31),
     Window(date(2028, 2, 29), date(2028, 3, 31), "exposures")),
    (Lookback(TUMOURS, Span(years=5)), date(2028, 2, 29),
     Window(date(2023, 2, 28), date(2028, 2, 29), "conditions")),
    (Lookback(TUMOURS), date(2027, 3, 31), Window(None, date(2027, 3, 31), "conditions")),
    (Lookback(TUMOURS, Span()), date(2027, 3, 31),
     Window(date(2027, 3, 31), date(2027, 3, 31), "conditions")),
    (Lookback(CYTO, Span(weeks=2), on="exposures"), date(2027, 3, 31),
     Window(date(2027, 3, 17), date(2027, 3, 31), "exposures")),
    (Range(Latest("edss", within=Span(months=3)), 3, 6), date(2027, 5, 31),
     Window(date(2027, 2, 28), date(2027, 5, 31), "observations")),
    (Threshold(Latest("fs", within=Span(days=10)), ">=", 3), date(2027, 3, 1),
     Window(date(2027, 2, 19), date(2027, 3, 1), "observations")),
    (OneOf(Latest("x", within=Span(days=1)), ["a"]), date(2027, 1, 1),
     Window(date(2026, 12, 31), date(2027, 1, 1), "observations")),
])
def test_window_dates(criterion, as_of: date, expected: Window) -> None:  # type: ignore[no-untyped-def]
    assert window(criterion, as_of) == expected


@pytest.mark.parametrize("criterion", [
    Range("edss", 3, 6), Flag("consent"), Not(Washout(CYTO, Span(months=1))),
    AllOf(Washout(CYTO, Span(months=1)), Flag("consent"))])
def test_no_window_of_its_own(criterion) -> None:  # type: ignore[no-untyped-def]
    assert window(criterion, date(2027, 3, 31)) is None


@pytest.mark.parametrize("as_of", [date(2027, 3, 31), date(2028, 3, 31), date(2027, 3, 15)])
def test_the_window_is_where_an_exposure_counts(as_of: date) -> None:
    """An exposure on the window's first day counts; one the day before does not."""
    washout = Washout(CYTO, Span(months=1))
    win = window(washout, as_of)
    assert win is not None
    assert win.first is not None

    def on(day: date) -> Outcome:
        record = Record("P1", exposures=[Exposure("ATC:L01AA01", day, day)],
                        complete={"exposures": as_of})
        return washout.decide(record, as_of)

    assert on(win.first) is Outcome.NOT_MET
    assert on(win.first - timedelta(days=1)) is Outcome.MET
    assert on(win.last) is Outcome.NOT_MET


def test_the_lookback_window_is_where_a_condition_counts() -> None:
    as_of = date(2027, 3, 31)
    recent = Lookback(TUMOURS, Span(years=5))
    win = window(recent, as_of)
    assert win is not None
    assert win.first == date(2022, 3, 31)

    def ended(day: date) -> Outcome:
        record = Record("P1", conditions=[Condition("ICD10:C50.9", "2010-01-01", day)],
                        complete={"conditions": as_of})
        return recent.decide(record, as_of)

    assert ended(win.first) is Outcome.MET
    assert ended(win.first - timedelta(days=1)) is Outcome.NOT_MET
