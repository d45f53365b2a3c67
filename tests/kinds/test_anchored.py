"""Anchored: a criterion evaluated on a named date of the patient instead of as_of."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from helpers import MET, NOT_MET, UNKNOWN
from trialrules import Age, Criterion, PartialDate, Record, Threshold
from trialrules.kinds.combinators import Anchored

AS_OF = date(2027, 4, 15)
ADULT_AT_CONSENT = Anchored("informed_consent", Threshold(Age(), ">=", 18))


def patient(consent: str | None, born: str = "2009-03-20") -> Record:
    return Record("P1", birth_date=born,
                  dates=None if consent is None else {"informed_consent": consent})


def test_the_anchor_is_the_reference_date() -> None:
    assert ADULT_AT_CONSENT.decide(patient("2027-03-20"), AS_OF) is MET       # 18th birthday
    assert ADULT_AT_CONSENT.decide(patient("2027-03-19"), AS_OF) is NOT_MET   # the day before
    assert Threshold(Age(), ">=", 18).decide(patient("2027-03-19"), AS_OF) is MET  # as_of: 18


def test_missing_anchor_is_unknown_naming_it() -> None:
    result = ADULT_AT_CONSENT.evaluate(patient(None), AS_OF)
    assert result.outcome is UNKNOWN
    assert result.missing == ("dates.informed_consent",)
    assert result.reason == "no date informed_consent is recorded (dates.informed_consent)"


def test_partial_anchor_decides_only_when_every_day_agrees() -> None:
    assert ADULT_AT_CONSENT.decide(patient("2027-03"), AS_OF) is UNKNOWN      # straddles the 20th
    assert ADULT_AT_CONSENT.decide(patient("2027-04"), AS_OF) is MET
    assert ADULT_AT_CONSENT.decide(patient("2027-02"), AS_OF) is NOT_MET
    result = ADULT_AT_CONSENT.evaluate(patient("2027-03"), AS_OF)
    assert "exact date informed_consent (dates.informed_consent)" in result.missing
    met = ADULT_AT_CONSENT.evaluate(patient("2027-03-20"), AS_OF)
    assert met.reason == "on informed_consent 2027-03-20: age 18 (born 2009-03-20) is at least " \
                         "18 (>= 18)"
    assert [c.outcome for c in met.children] == [MET]  # the criterion on that day


def test_round_trip_and_words() -> None:
    assert Criterion.from_dict(ADULT_AT_CONSENT.to_dict()) == ADULT_AT_CONSENT
    assert ADULT_AT_CONSENT.to_dict() == {"kind": "anchored", "date": "informed_consent",
                                          "criterion": {"kind": "threshold",
                                                        "source": {"kind": "age"},
                                                        "operator": ">=", "bound": 18}}
    assert ADULT_AT_CONSENT.describe() == "on the date informed_consent: age is at least 18"


@given(st.dates(date(2026, 1, 1), date(2028, 12, 31)),
       st.sampled_from(["day", "month", "year"]))
def test_against_each_possible_day(day: date, precision: str) -> None:
    anchor = {"day": PartialDate(day.year, day.month, day.day),
              "month": PartialDate(day.year, day.month), "year": PartialDate(day.year)}[precision]
    record = Record("P1", birth_date="2009-03-20", dates={"informed_consent": anchor})
    child = Threshold(Age(), ">=", 18)
    outcomes = {child.decide(record, anchor.earliest + timedelta(days=k))
                for k in range((anchor.latest - anchor.earliest).days + 1)}
    want = outcomes.pop() if len(outcomes) == 1 else UNKNOWN
    assert ADULT_AT_CONSENT.decide(record, AS_OF) is want
    assert ADULT_AT_CONSENT.evaluate(record, AS_OF).outcome is want
