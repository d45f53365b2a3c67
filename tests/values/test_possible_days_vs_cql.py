"""The possible-days rule against CQL's precision-based comparison (docs/semantics.md §4).

``cql_on_or_before`` is written from the CQL specification's rule for
comparing date values of different precision (compare year, then month, then
day; null as soon as one side lacks a precision the other has while the
values so far are equal). It is the independent side of the comparison.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from helpers import MET, UNKNOWN
from strategies import partial_dates
from trialrules import Observation, PartialDate, Range, Record


def cql_on_or_before(left: PartialDate, right: date) -> bool | None:
    parts = [(left.year, right.year), (left.month, right.month), (left.day, right.day)]
    for mine, theirs in parts:
        if mine is None:
            return None
        if mine != theirs:
            return mine < theirs
    return True


def ours(observed: PartialDate, as_of: date) -> object:
    record = Record("P1", observations=[Observation("edss", 3, observed)])
    return Range("edss", 0, 10).decide(record, as_of)


def test_the_documented_example() -> None:
    january = PartialDate(2000, 1)
    assert cql_on_or_before(january, date(2000, 1, 31)) is None   # CQL: null
    assert ours(january, date(2000, 1, 31)) is MET                 # every possible day agrees
    assert cql_on_or_before(january, date(2000, 1, 15)) is None
    assert ours(january, date(2000, 1, 15)) is UNKNOWN             # days disagree: both uncertain


@given(partial_dates(2000, 2002), st.dates(date(1999, 12, 1), date(2003, 1, 31)))
def test_unknown_here_is_null_in_cql_but_not_conversely(observed: PartialDate,
                                                        as_of: date) -> None:
    if observed.is_unknown or observed.earliest > as_of:
        return
    outcome = ours(observed, as_of)
    if outcome is UNKNOWN:
        assert cql_on_or_before(observed, as_of) is None
    if cql_on_or_before(observed, as_of) is not None:
        assert outcome is MET
