"""Dates known only to lie in an interval (PartialDate.between) and ages in months/weeks/days."""

from __future__ import annotations

import datetime
import pickle
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from trialrules import (
    Age,
    Condition,
    InvalidCriterion,
    InvalidRecord,
    Lookback,
    Outcome,
    PartialDate,
    Range,
    Record,
    Span,
    Threshold,
)
from trialrules.formats.records import record_from_dict, record_to_dict
from trialrules.kinds.sources import age_in
from trialrules.values.codes import CodeSet

AGED_52 = PartialDate.between(date(2012, 3, 15), date(2013, 3, 14))


def test_between_normalises_calendar_units() -> None:
    assert PartialDate.between(date(2021, 1, 1), date(2021, 12, 31)) == PartialDate(2021)
    assert PartialDate.between(date(2024, 2, 1), date(2024, 2, 29)) == PartialDate(2024, 2)
    assert PartialDate.between(date(2024, 2, 3), date(2024, 2, 3)) == PartialDate(2024, 2, 3)
    assert PartialDate.between(date(2024, 2, 1), date(2024, 2, 28)).bounds is not None


def test_interval_text_repr_and_parse_round_trip() -> None:
    assert str(AGED_52) == "2012-03-15/2013-03-14"
    assert AGED_52.to_json() == "2012-03-15/2013-03-14"
    assert eval(repr(AGED_52), {"PartialDate": PartialDate, "datetime": datetime}) == AGED_52
    assert PartialDate.parse("2012-03-15/2013-03-14") == AGED_52
    assert pickle.loads(pickle.dumps(AGED_52)) == AGED_52
    assert (AGED_52.earliest, AGED_52.latest) == (date(2012, 3, 15), date(2013, 3, 14))
    assert not AGED_52.is_unknown
    assert not AGED_52.is_exact


@pytest.mark.parametrize("text", ["2013-03-14/2012-03-15", "2012-02-30/2013-01-01",
                                  "2012-03/2013-03", "2012-03-15/"])
def test_bad_intervals(text: str) -> None:
    with pytest.raises(InvalidRecord):
        PartialDate.parse(text)


@pytest.mark.parametrize("bounds", [(date(2013, 1, 2), date(2013, 1, 1)),
                                    (datetime.datetime(2013, 1, 1), date(2013, 1, 2)),
                                    ("2013-01-01", "2013-01-02")])
def test_bad_bounds(bounds: tuple[date, date]) -> None:
    with pytest.raises(InvalidRecord, match="bounds"):
        PartialDate(bounds=bounds)


def test_bounds_exclude_calendar_parts() -> None:
    with pytest.raises(InvalidRecord, match="bounds"):
        PartialDate(2013, bounds=(date(2013, 1, 1), date(2013, 1, 2)))


def test_patient_format_round_trips_an_interval() -> None:
    data = {"id": "p", "conditions": [{"code": "SNOMED:363346000",
                                       "onset": "2012-03-15/2013-03-14",
                                       "end": "2014-03-15/2015-03-14"}]}
    record = record_from_dict(data)
    assert record.conditions[0].onset == AGED_52
    assert record_to_dict(record) == data


def test_lookback_over_an_interval_onset_is_uncertain_only_at_the_edge() -> None:
    cancer = CodeSet("c", codes=["SNOMED:363346000"])
    ended = Condition("SNOMED:363346000", AGED_52,
                      PartialDate.between(date(2014, 3, 15), date(2015, 3, 14)))
    record = Record("p", conditions=[ended], complete={"conditions": "2026-12-31"})
    five_years = Lookback(cancer, Span(years=5))
    assert five_years.decide(record, date(2019, 3, 14)) is Outcome.MET  # window from 2014-03-14
    assert five_years.decide(record, date(2020, 1, 1)) is Outcome.UNKNOWN  # end uncertain
    assert five_years.decide(record, date(2020, 3, 15)) is Outcome.NOT_MET


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
       st.integers(min_value=0, max_value=4000))
def test_between_covers_exactly_its_days(first: date, length: int) -> None:
    last = first + datetime.timedelta(days=length)
    when = PartialDate.between(first, last)
    assert (when.earliest, when.latest) == (first, last)
    assert PartialDate.parse(str(when)) == when


# --- Age(unit=...) -------------------------------------------------------------------------


@pytest.mark.parametrize(("unit", "birth", "on", "expected"), [
    ("months", date(2024, 1, 31), date(2024, 2, 28), 0),
    ("months", date(2024, 1, 31), date(2024, 2, 29), 1),  # 31 Jan + 1 month = 29 Feb
    ("months", date(2023, 1, 31), date(2023, 2, 28), 1),
    ("months", date(2024, 3, 15), date(2024, 9, 14), 5),
    ("months", date(2024, 3, 15), date(2024, 9, 15), 6),
    ("weeks", date(2026, 1, 1), date(2026, 1, 14), 1),
    ("weeks", date(2026, 1, 1), date(2026, 1, 15), 2),
    ("days", date(2026, 1, 1), date(2026, 1, 1), 0),
    ("years", date(2000, 2, 29), date(2018, 2, 28), 18),
])
def test_age_in(unit: str, birth: date, on: date, expected: int) -> None:
    assert age_in(unit, birth, on) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2090, 1, 1)),
       st.integers(min_value=0, max_value=3000))
def test_age_in_months_counts_calendar_anniversaries(birth: date, days: int) -> None:
    on = birth + datetime.timedelta(days=days)
    n = age_in("months", birth, on)
    # n completed months: the n-month anniversary is on or before `on`, the next is after.
    assert birth + relativedelta(months=n) <= on < birth + relativedelta(months=n + 1)


def test_age_unit_criteria_and_partial_birth_dates() -> None:
    infant = Threshold(Age(unit="months"), ">=", 6)
    assert repr(infant) == "Threshold(Age(unit='months'), '>=', 6)"
    assert infant.decide(Record("a", birth_date="2026-05-27"), date(2026, 11, 27)) is Outcome.MET
    assert infant.decide(Record("b", birth_date="2026-05-28"), date(2026, 11, 27)) is (
        Outcome.NOT_MET)
    assert infant.decide(Record("c", birth_date="2026-05"), date(2026, 11, 27)) is (
        Outcome.UNKNOWN)
    reason = infant.evaluate(Record("a", birth_date="2026-05-27"), date(2026, 11, 27)).reason
    assert reason.startswith("age in months 6 (born 2026-05-27)")
    assert Range(Age(unit="days"), 0, 28).describe() == (
        "age in completed days is between 0 and 28 (both inclusive)")
    assert Age(unit="weeks").to_dict() == {"kind": "age", "unit": "weeks"}
    assert Age().to_dict() == {"kind": "age"}


def test_unknown_age_unit() -> None:
    with pytest.raises(InvalidCriterion, match="hours"):
        Age(unit="hours")
