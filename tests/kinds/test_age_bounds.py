"""Issue 15, item 9: an age from a wide birth interval is decided from bounds, not enumerated.

0.1.0 built one integer per possible age: ``Age(unit="days")`` on a birth date
known only to lie in 0001-01-01/9999-12-31 took a second and 220 MB per
patient. The possible ages are now a ``range`` decided from its ends and the
criterion's bounds.
"""

from __future__ import annotations

import operator
import tracemalloc
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from trialrules import Age, OneOf, PartialDate, Range, Record, Threshold
from trialrules.values.outcomes import Outcome

AS_OF = date(2026, 11, 27)
WIDE = Record("P1", birth_date=PartialDate.parse("0001-01-01/9999-12-31"))


def test_wide_birth_interval_in_days_is_decided_in_little_memory() -> None:
    criteria = [Range(Age(unit="days"), 100, 200), Threshold(Age(unit="days"), ">=", 0),
                Threshold(Age(unit="days"), "<", 0), OneOf(Age(unit="days"), [5, 7])]
    tracemalloc.start()
    try:
        outcomes = [c.decide(WIDE, AS_OF) for c in criteria]
        reasons = [c.evaluate(WIDE, AS_OF).reason for c in criteria]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcomes == [Outcome.UNKNOWN, Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN]
    oldest = (AS_OF - date(1, 1, 1)).days
    assert reasons[1].startswith(f"age in days 0 to {oldest} (born 0001-01-01/9999-12-31) is at "
                                 "least 0")
    assert peak < 2_000_000, peak  # 0.1.0: 30 MB for one criterion (220 MB a patient)


_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def _expected(passes: list[bool]) -> Outcome:
    """The oracle: MET if every possible age passes, NOT_MET if none does."""
    if all(passes):
        return Outcome.MET
    return Outcome.NOT_MET if not any(passes) else Outcome.UNKNOWN


@settings(max_examples=60, deadline=None)
@given(first=st.dates(date(2018, 1, 1), date(2026, 11, 27)), length=st.integers(0, 900),
       low=st.integers(-5, 3500), width=st.integers(0, 400), incl=st.booleans(),
       op=st.sampled_from(sorted(_OPS)), members=st.frozensets(st.integers(0, 3500), min_size=1,
                                                               max_size=4))
def test_age_in_days_agrees_with_counting_every_possible_birth_day(
        first: date, length: int, low: int, width: int, incl: bool, op: str,
        members: frozenset[int]) -> None:
    last = min(first + timedelta(days=length), AS_OF)
    record = Record("P1", birth_date=PartialDate.between(first, last))
    ages = [(AS_OF - (first + timedelta(days=k))).days for k in range((last - first).days + 1)]
    high = low + width
    in_range = [(low <= a if incl else low < a) and a <= high for a in ages]
    assert Range(Age(unit="days"), low, high, low_inclusive=incl).decide(record, AS_OF) \
        is _expected(in_range)
    assert Threshold(Age(unit="days"), op, low).decide(record, AS_OF) \
        is _expected([_OPS[op](a, low) for a in ages])
    assert OneOf(Age(unit="days"), members).decide(record, AS_OF) \
        is _expected([a in members for a in ages])
    explained = Range(Age(unit="days"), low, high, low_inclusive=incl).evaluate(record, AS_OF)
    assert explained.outcome is _expected(in_range)
