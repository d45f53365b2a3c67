"""Completeness declared over periods (issue 14: OMOP observation periods).

A window [first day, last day] is complete only when the declared periods cover
every day of it; a window without a start ("ever") needs coverage from birth.
Every expected outcome below is worked out by hand from the dates written next
to it (windows: ``as_of - span`` to ``as_of``, both days included).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from trialrules import (
    AnyObservation,
    CodeSet,
    Condition,
    Evidence,
    Exposure,
    ExposureDays,
    Latest,
    Lookback,
    Observation,
    Outcome,
    PartialDate,
    Range,
    Record,
    Span,
    Threshold,
    Washout,
)
from trialrules.formats.records import record_from_dict, record_to_dict
from trialrules.values.completeness import Period, covering
from trialrules.values.errors import InvalidRecord

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
AGENTS = CodeSet("cytotoxic agents", prefixes=["ATC:L01"])
TUMOURS = CodeSet("malignant tumours", prefixes=["ICD10:C"])
WASHOUT = Washout(AGENTS, Span(months=1))
EVER = Lookback(TUMOURS)
PERIOD = {"from": "2015-01-01", "through": "2027-03-31"}


def _record(complete: Any, birth: str | None = "1980-05-17", **facts: Any) -> Record:
    return Record("P1", birth_date=birth, complete={"exposures": complete,
                                                    "conditions": complete,
                                                    "observations": complete}, **facts)


# -- the window's first day against the period's start ------------------------------


@pytest.mark.parametrize(("as_of", "expected"), [
    (date(2015, 1, 31), UNKNOWN),  # window 2014-12-31..2015-01-31: starts the day before
    (date(2015, 2, 1), MET),       # window 2015-01-01..2015-02-01: starts on the period start
    (date(2015, 2, 2), MET),       # window 2015-01-02..2015-02-02: starts the day after
    (date(2027, 3, 31), MET),      # window ends on the period's last day
    (date(2027, 4, 1), UNKNOWN),   # as_of one day past the period's end
])
def test_washout_window_against_one_period(as_of: date, expected: Outcome) -> None:
    assert WASHOUT.decide(_record(PERIOD), as_of) is expected


def test_the_same_edges_for_a_lookback_over_conditions() -> None:
    five_years = Lookback(TUMOURS, Span(years=5))
    record = _record(PERIOD)
    assert five_years.decide(record, date(2019, 12, 31)) is UNKNOWN  # from 2014-12-31
    assert five_years.decide(record, date(2020, 1, 1)) is NOT_MET    # from 2015-01-01
    assert five_years.decide(record, date(2027, 3, 31)) is NOT_MET
    assert five_years.decide(record, date(2027, 4, 1)) is UNKNOWN
    # an event still decides without completeness
    tumour = _record(PERIOD, conditions=[Condition("ICD10:C18.4", "2013-02-01", "2013-03-01")])
    assert Lookback(TUMOURS, Span(years=15)).decide(tumour, date(2020, 1, 1)) is MET


# -- "ever" needs coverage from birth ---------------------------------------------------


@pytest.mark.parametrize(("birth", "start", "expected"), [
    ("1980-05-17", "2015-01-01", UNKNOWN),  # 35 years unobserved
    ("1980-05-17", "1980-05-17", NOT_MET),  # from the day of birth
    ("1980-05-17", "1980-05-18", UNKNOWN),  # the day of birth itself unobserved
    ("1980-05-17", "1975-01-01", NOT_MET),  # from before birth
    ("1980", "1980-01-01", NOT_MET),        # born in 1980: no day of 1980 precedes the period
    ("1980", "1980-01-02", UNKNOWN),        # a 1 January 1980 birth would be unobserved
    (None, "1900-01-01", UNKNOWN),          # birth unknown: coverage from birth unknowable
])
def test_ever_needs_coverage_from_birth(birth: str | None, start: str,
                                        expected: Outcome) -> None:
    record = _record({"from": start, "through": "2027-03-31"}, birth=birth)
    assert EVER.decide(record, date(2027, 3, 31)) is expected


def test_a_period_from_birth_also_covers_a_window_reaching_before_birth() -> None:
    # born 2020-03-01, observed from that day: a 10-year window (2017-03-31..2027-03-31)
    # reaches before birth, where nothing can have happened
    record = _record({"from": "2020-03-01", "through": "2027-03-31"}, birth="2020-03-01")
    assert Lookback(TUMOURS, Span(years=10)).decide(record, date(2027, 3, 31)) is NOT_MET
    later = _record({"from": "2020-03-02", "through": "2027-03-31"}, birth="2020-03-01")
    assert Lookback(TUMOURS, Span(years=10)).decide(later, date(2027, 3, 31)) is UNKNOWN
    # ... but a window inside the period needs no birth date
    assert Lookback(TUMOURS, Span(years=5)).decide(later, date(2027, 3, 31)) is NOT_MET


# -- several periods ---------------------------------------------------------------------


GAP = [{"from": "2015-01-01", "through": "2018-03-31"},
       {"from": "2018-04-02", "through": "2027-03-31"}]  # 2018-04-01 unobserved


@pytest.mark.parametrize(("as_of", "expected"), [
    (date(2018, 3, 31), MET),    # 2018-02-28..2018-03-31: inside the first period
    (date(2018, 4, 1), UNKNOWN),  # 2018-03-01..2018-04-01: ends in the gap
    (date(2018, 5, 1), UNKNOWN),  # 2018-04-01..2018-05-01: starts in the gap
    (date(2018, 5, 2), MET),     # 2018-04-02..2018-05-02: inside the second period
])
def test_two_periods_with_a_gap(as_of: date, expected: Outcome) -> None:
    assert WASHOUT.decide(_record(GAP), as_of) is expected


def test_periods_that_meet_are_joined_and_cited_as_one() -> None:
    meeting = [{"from": "2018-04-01", "through": "2027-03-31"},  # given out of order
               {"from": "2015-01-01", "through": "2018-03-31"}]
    record = _record(meeting)
    assert WASHOUT.decide(record, date(2018, 4, 15)) is MET  # 2018-03-15..2018-04-15
    node = WASHOUT.evaluate(record, date(2018, 4, 15))
    assert node.reason.endswith("the exposure history is complete from 2015-01-01 through "
                                "2027-03-31")
    assert node.evidence == (Evidence("complete.exposures", date="2015-01-01",
                                      end="2027-03-31"),)


# -- partial dates: the safe side --------------------------------------------------------


def test_partial_period_edges() -> None:
    record = _record({"from": "2015-01", "through": "2027-03"})
    # from 2015-01 vouches from 2015-01-31 on
    assert WASHOUT.decide(record, date(2015, 2, 28)) is UNKNOWN  # window from 2015-01-28
    assert WASHOUT.decide(record, date(2015, 3, 1)) is MET       # window from 2015-02-01
    ten_days = Washout(AGENTS, Span(days=10))
    assert ten_days.decide(record, date(2015, 2, 9)) is UNKNOWN  # window from 2015-01-30
    assert ten_days.decide(record, date(2015, 2, 10)) is MET     # window from 2015-01-31
    # through 2027-03 vouches through 2027-03-01 only
    assert ten_days.decide(record, date(2027, 3, 1)) is MET
    assert ten_days.decide(record, date(2027, 3, 2)) is UNKNOWN
    node = ten_days.evaluate(record, date(2027, 3, 1))
    assert node.reason.endswith("complete from 2015-01-31 through 2027-03-01")


# -- explanations cite the period, or name the one needed -------------------------------


def test_explanations_cite_the_declared_period() -> None:
    record = _record(PERIOD)
    met = WASHOUT.evaluate(record, date(2015, 2, 1))
    assert met.reason == ("no exposure to cytotoxic agents in the 1 month before 2015-02-01 "
                          "(2015-01-01 to 2015-02-01); the exposure history is complete from "
                          "2015-01-01 through 2027-03-31")
    assert met.evidence == (Evidence("complete.exposures", date="2015-01-01",
                                     end="2027-03-31"),)
    unknown = WASHOUT.evaluate(record, date(2015, 1, 31))
    assert unknown.missing == ("exposures history complete from 2014-12-31 through 2015-01-31 "
                               "(complete.exposures)",)
    ever = EVER.evaluate(record, date(2027, 3, 31))
    assert ever.outcome is UNKNOWN
    assert ever.missing == ("conditions history complete from birth through 2027-03-31 "
                            "(complete.conditions)",)
    assert ever.reason.endswith("not declared complete from birth through 2027-03-31")


def test_a_plain_date_reads_as_in_0_1_0() -> None:
    # complete through a date = from birth through it: "ever" is decided, words unchanged
    record = _record("2027-03-31")
    node = EVER.evaluate(record, date(2027, 3, 31))
    assert node.outcome is NOT_MET
    assert node.reason.endswith("the conditions history is complete through 2027-03-31")
    assert node.evidence == (Evidence("complete.conditions", date="2027-03-31"),)
    late = WASHOUT.evaluate(record, date(2027, 4, 1))
    assert late.missing == ("exposures history complete through 2027-04-01 "
                            "(complete.exposures)",)
    assert late.reason.endswith("is not declared complete through 2027-04-01")
    assert record.complete_through("exposures") == date(2027, 3, 31)


def test_a_plain_date_makes_one_period_per_batch() -> None:
    # A batch passes ``made``: the period a date object vouches for is built once and
    # handed out again, equal to the one built afresh; a date that does not cover makes
    # none, and another (equal) date object gets an equal period of its own.
    made: dict[int, tuple[PartialDate, Period]] = {}
    through = PartialDate(2027, 3, 31)
    first = covering(through, None, date.min, date(2027, 3, 31), made)
    assert first == covering(through, None, date.min, date(2027, 3, 31)) == Period(None, through)
    assert covering(through, None, date(2020, 1, 1), date(2027, 3, 30), made) is first
    assert covering(through, None, date.min, date(2027, 4, 1), made) is None
    assert covering(PartialDate(2027, 3, 31), None, date.min, date(2027, 3, 31),
                    made) == first
    month = PartialDate(2027, 3)  # through "2027-03" = through its first day, 2027-03-01
    assert covering(month, None, date.min, date(2027, 3, 1), made) == Period(None, month)
    assert covering(month, None, date.min, date(2027, 3, 2), made) is None
    assert len(made) == 3


# -- the other criteria that read completeness ------------------------------------------


def test_any_observation_latest_and_exposure_days_use_the_period() -> None:
    record = _record(PERIOD, observations=[Observation("edss", 3.0, "2014-06-01")])
    recent = AnyObservation(Threshold("edss", ">=", 6), Span(months=3))
    assert recent.decide(record, date(2015, 3, 31)) is UNKNOWN  # from 2014-12-31
    assert recent.decide(record, date(2015, 4, 1)) is NOT_MET   # from 2015-01-01
    # Latest within 3 months: nothing recorded in a window the period covers: no value
    latest = Range(Latest("hb", within=Span(months=3)), 10, 20)
    assert latest.decide(record, date(2015, 3, 31)) is UNKNOWN
    assert latest.decide(record, date(2015, 4, 1)) is NOT_MET
    # Latest ever: needs coverage from birth (1980), the period starts in 2015
    assert Range(Latest("hb"), 10, 20).decide(record, date(2020, 1, 1)) is UNKNOWN
    days = Threshold(ExposureDays(AGENTS, Span(days=30)), ">", 5)
    course = _record(PERIOD, exposures=[Exposure("ATC:L01AA01", "2015-01-10", "2015-01-12")])
    # 3 days recorded; complete over 2015-01-01..2015-01-31 only from as_of 2015-01-31
    assert days.decide(course, date(2015, 1, 30)) is UNKNOWN  # window from 2014-12-31
    assert days.decide(course, date(2015, 1, 31)) is NOT_MET  # window from 2015-01-01
    node = days.evaluate(course, date(2015, 1, 31))
    assert Evidence("complete.exposures", date="2015-01-01", end="2027-03-31") in \
        node.evidence


# -- the patient file ----------------------------------------------------------------------


def test_patient_file_forms_read_and_write_back() -> None:
    one = record_from_dict({"id": "p", "complete": {"conditions": PERIOD}})
    assert one.complete["conditions"] == (Period("2015-01-01", "2027-03-31"),)
    assert record_to_dict(one)["complete"] == {"conditions": PERIOD}
    two = record_from_dict({"id": "p", "complete": {"exposures": GAP}})
    assert record_to_dict(two)["complete"] == {"exposures": GAP}
    plain = record_from_dict({"id": "p", "complete": {"exposures": "2027-03-31"}})
    assert record_to_dict(plain)["complete"] == {"exposures": "2027-03-31"}
    # a period without "from" is the 0.1.0 form
    assert record_from_dict({"id": "p", "complete": {"exposures": {"through": "2027-03-31"}}}) \
        == plain


@pytest.mark.parametrize(("complete", "field", "allowed"), [
    ({"from": "2015-01-01"}, "complete.conditions", "a period"),
    ({"from": "2015-01-01", "through": "2027-03-31", "to": "x"}, "complete.conditions",
     "a period"),
    ({"from": "2027-04-01", "through": "2027-03-31"}, "complete.conditions.from",
     "on or before through"),
    ([], "complete.conditions", "non-empty list"),
    (["2027-01-01"], "complete.conditions", "list of periods"),
    ([{"from": "2015-01-01", "through": "2015-02-30"}], "complete.conditions[0].through",
     "date"),
])
def test_bad_periods_name_the_field(complete: Any, field: str, allowed: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        record_from_dict({"id": "p", "complete": {"conditions": complete}})
    assert caught.value.field == field
    assert allowed in caught.value.allowed
    assert caught.value.patient == "p"
