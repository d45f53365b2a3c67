"""ReferenceMultiple: a value as a multiple of its reference range's limit ("ALT > 3 x ULN")."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import MET, NOT_MET, UNKNOWN
from trialrules import Criterion, Observation, Record, Threshold
from trialrules.kinds.sources import ReferenceMultiple

AS_OF = date(2027, 3, 31)
ALT_OVER_3_ULN = Threshold(ReferenceMultiple("alt"), ">", 3)


def alt(value: float, low: float | None = 7, high: float | None = 40) -> Record:
    rng = None if low is None and high is None else {"low": low, "high": high}
    return Record("P1", observations=[Observation("alt", value, "2027-03-02", unit="U/L",
                                                  reference_range=rng)])


@pytest.mark.parametrize(("value", "want"), [(120, NOT_MET), (120.1, MET), (119.9, NOT_MET),
                                             (130, MET)])
def test_three_times_the_upper_limit_is_exact(value: float, want: object) -> None:
    assert ALT_OVER_3_ULN.decide(alt(value), AS_OF) is want


def test_no_range_is_unknown_naming_it() -> None:
    result = ALT_OVER_3_ULN.evaluate(alt(130, None, None), AS_OF)
    assert result.outcome is UNKNOWN
    assert result.missing == ("upper limit of the reference range of alt 130 U/L on "
                              "2027-03-02 (observations[0].reference_range.high)",)
    assert ALT_OVER_3_ULN.decide(alt(130, 7, None), AS_OF) is UNKNOWN
    assert ALT_OVER_3_ULN.decide(Record("P1"), AS_OF) is UNKNOWN


def test_lower_limit_and_reason() -> None:
    low = Threshold(ReferenceMultiple("neutrophils", limit="low"), "<", 0.5)
    record = Record("P1", observations=[Observation("neutrophils", 0.9, "2027-03-02",
                                                    reference_range={"low": 2, "high": 7.5})])
    assert low.decide(record, AS_OF) is MET
    result = ALT_OVER_3_ULN.evaluate(alt(130), AS_OF)
    assert result.reason == ("alt 130 U/L on 2027-03-02 is 3.25 × the upper limit of normal "
                             "(40 U/L), which is above 3 (> 3)")


def test_round_trip_and_words() -> None:
    assert Criterion.from_dict(ALT_OVER_3_ULN.to_dict()) == ALT_OVER_3_ULN
    assert ALT_OVER_3_ULN.to_dict()["source"] == {"kind": "reference_multiple", "code": "alt"}
    assert ALT_OVER_3_ULN.describe() == ("latest alt as a multiple of its upper reference "
                                         "limit is above 3")
    with pytest.raises(Exception, match="limit"):
        ReferenceMultiple("alt", limit="middle")


@given(st.integers(1, 10_000), st.integers(1, 500), st.integers(0, 20))
def test_ratio_against_fractions(value_tenths: int, high_tenths: int, k: int) -> None:
    value, high = value_tenths / 10, high_tenths / 10
    ratio = Fraction(value_tenths, high_tenths)
    record = alt(value, None, high)
    for op, holds in ((">", ratio > k), (">=", ratio >= k), ("<", ratio < k), ("<=", ratio <= k)):
        assert Threshold(ReferenceMultiple("alt"), op, k).decide(record, AS_OF) is (
            MET if holds else NOT_MET)
