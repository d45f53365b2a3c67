"""Property tests: records generated around every bound of NCT06228781, checked against
the rule of docs/nct06228781.md written out again here, independently of the library
(no relativedelta, no trialrules date helpers)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import MET, NOT_MET, UNKNOWN
from nct_records import condition, exposure, outcome, patient
from trialrules import InvalidRecord, Outcome
from trialrules.formats.records import record_from_dict

# --- the calendar, written out ----------------------------------------------------------

def _clamped(year: int, month: int, day: int) -> date:
    """The day in that month, or the month's last day when it has fewer days."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def months_before(d: date, n: int) -> date:
    index = d.year * 12 + (d.month - 1) - n
    return _clamped(index // 12, index % 12 + 1, d.day)


def years_before(d: date, n: int) -> date:
    return _clamped(d.year - n, d.month, d.day)


def completed_years(birth: date, on: date) -> int:
    """The largest n whose n-th birthday is on or before ``on``; a 29 February
    birthday falls on 28 February in common years."""
    n = on.year - birth.year  # the birthday of this year, then step back while it is later
    while n > 0 and _clamped(birth.year + n, birth.month, birth.day) > on:
        n -= 1
    return n


def iso(d: date) -> str:
    return d.isoformat()


def kleene_any(*values: Outcome) -> Outcome:
    if MET in values:
        return MET
    return UNKNOWN if UNKNOWN in values else NOT_MET


# --- reference dates, biased to month ends and leap days ---------------------------------

@st.composite
def as_of_dates(draw: Any) -> date:
    year = draw(st.integers(1990, 2060))
    month = draw(st.integers(1, 12))
    last = calendar.monthrange(year, month)[1]
    day = draw(st.one_of(st.sampled_from(sorted({28, 29, 30, 31} & set(range(1, last + 1)))),
                         st.integers(1, last)))
    return date(year, month, day)


def complete_on(as_of: date, **extra: Any) -> dict[str, Any]:
    return patient(complete={"exposures": iso(as_of), "conditions": iso(as_of)}, **extra)


# --- inclusion.1: age ---------------------------------------------------------------------

@given(as_of_dates(), st.sampled_from([17, 18, 19, 59, 60, 61, 62]), st.integers(-3, 3))
def test_age_around_birthdays(as_of: date, years: int, shift: int) -> None:
    birth = years_before(as_of, years) + timedelta(days=shift)
    expected = MET if 18 <= completed_years(birth, as_of) <= 60 else NOT_MET
    assert outcome("inclusion.1", patient(birth_date=iso(birth)), as_of) is expected


@given(st.sampled_from([y for y in range(1930, 2044) if calendar.isleap(y)]),
       st.sampled_from([18, 60, 61]), st.integers(-2, 2))
def test_age_of_29_february_births(birth_year: int, years: int, shift: int) -> None:
    birth = date(birth_year, 2, 29)
    as_of = date(birth_year + years, 3, 1) + timedelta(days=shift)
    expected = MET if 18 <= completed_years(birth, as_of) <= 60 else NOT_MET
    assert outcome("inclusion.1", patient(birth_date=iso(birth)), as_of) is expected


@given(as_of_dates(), st.sampled_from([18, 61]), st.integers(-40, 40),
       st.sampled_from(["year", "month"]))
def test_age_from_a_partial_birth_date(as_of: date, years: int, shift: int, precision: str) -> None:
    birth = years_before(as_of, years) + timedelta(days=shift)
    text = f"{birth.year:04d}" if precision == "year" else f"{birth.year:04d}-{birth.month:02d}"
    first = date(birth.year, 1 if precision == "year" else birth.month, 1)
    last = (date(birth.year, 12, 31) if precision == "year"
            else _clamped(birth.year, birth.month, 31))
    days = [first + timedelta(days=i) for i in range((min(last, as_of) - first).days + 1)]
    verdicts = {18 <= completed_years(d, as_of) <= 60 for d in days}
    expected = UNKNOWN if len(verdicts) > 1 else (MET if verdicts == {True} else NOT_MET)
    assert outcome("inclusion.1", patient(birth_date=text), as_of) is expected


# --- inclusion.3 and inclusion.4: the EDSS and FS grids -----------------------------------

EDSS_GRID = [n / 2 for n in range(21)]


@given(st.sampled_from(EDSS_GRID), st.booleans())
def test_edss_on_its_grid(value: float, as_int: bool) -> None:
    number: float | int = int(value) if as_int and value.is_integer() else value
    expected = MET if 3 <= value <= 6 else NOT_MET
    assert outcome("inclusion.3", patient(obs={"edss": number})) is expected


@given(st.one_of(st.none(), st.integers(0, 5)), st.one_of(st.none(), st.integers(0, 6)))
def test_functional_scores_on_their_grids(cerebellar: int | None, pyramidal: int | None) -> None:
    def one(value: int | None) -> Outcome:
        if value is None:
            return UNKNOWN
        return MET if value >= 3 else NOT_MET

    expected = kleene_any(one(cerebellar), one(pyramidal))
    data = patient(obs={"edss_cerebellar": cerebellar, "edss_pyramidal": pyramidal})
    assert outcome("inclusion.4", data) is expected


@given(st.one_of(st.floats(-1, 11, allow_nan=False), st.integers(-2, 12),
                 st.sampled_from(EDSS_GRID)))
def test_edss_off_its_grid_is_bad_input(value: float) -> None:
    on_grid = 0 <= value <= 10 and float(value * 2).is_integer()
    data = patient(obs={"edss": value})
    if on_grid:
        assert outcome("inclusion.3", data) is (MET if 3 <= value <= 6 else NOT_MET)
    else:
        with pytest.raises(InvalidRecord, match=r"observations\[\d\]\.value"):
            record_from_dict(data)


@given(st.sampled_from([("edss_cerebellar", 5), ("edss_pyramidal", 6)]),
       st.one_of(st.integers(-2, 8), st.floats(-1, 8, allow_nan=False), st.booleans()))
def test_functional_scores_off_their_grids_are_bad_input(code_high: tuple[str, int],
                                                         value: float) -> None:
    code, high = code_high
    on_grid = not isinstance(value, bool) and 0 <= value <= high and float(value).is_integer()
    data = patient(obs={code: value})
    if on_grid:
        outcome("inclusion.4", data)
    else:
        with pytest.raises(InvalidRecord, match="whole number from 0 to"):
            record_from_dict(data)


# --- exclusion.2 / exclusion.4: one month before as_of ------------------------------------

@given(as_of_dates(), st.integers(-2, 2), st.integers(0, 60), st.booleans(),
       st.sampled_from(["exclusion.2", "exclusion.4"]))
def test_cytotoxic_exposure_around_the_one_month_edge(as_of: date, shift: int, length: int,
                                                       ongoing: bool, cid: str) -> None:
    window_start = months_before(as_of, 1)
    end = min(window_start + timedelta(days=shift), as_of)
    start = end - timedelta(days=length)
    data = complete_on(as_of, exposures=[
        exposure("ATC:L01DB07", iso(start), None if ongoing else iso(end))])
    expected = MET if ongoing or end >= window_start else NOT_MET
    assert outcome(cid, data, as_of) is expected


@given(as_of_dates(), st.integers(-70, 40))
def test_cytotoxic_exposure_dated_to_the_month(as_of: date, shift: int) -> None:
    day = as_of + timedelta(days=shift)
    month = f"{day.year:04d}-{day.month:02d}"
    first, last = date(day.year, day.month, 1), _clamped(day.year, day.month, 31)
    window_start = months_before(as_of, 1)
    data = complete_on(as_of, exposures=[exposure("ATC:L01AA01", month, month)])
    if first > as_of or last < window_start:
        expected = NOT_MET  # every possible day is outside the window
    elif first >= window_start and last <= as_of:
        expected = MET
    else:
        # Some possible days are in the window; it is MET only if every day is.
        inside = {window_start <= first + timedelta(days=i) <= as_of
                  for i in range((last - first).days + 1)}
        expected = UNKNOWN if len(inside) > 1 else (MET if inside == {True} else NOT_MET)
    assert outcome("exclusion.2", data, as_of) is expected


# --- exclusion.5: five years before as_of --------------------------------------------------

@given(as_of_dates(), st.integers(-2, 2), st.integers(0, 2000), st.booleans())
def test_malignancy_around_the_five_year_edge(as_of: date, shift: int, length: int,
                                              ongoing: bool) -> None:
    window_start = years_before(as_of, 5)
    end = min(window_start + timedelta(days=shift), as_of)
    onset = end - timedelta(days=length)
    data = complete_on(as_of, conditions=[
        condition("ICD10:C50.9", iso(onset), None if ongoing else iso(end))])
    expected = MET if ongoing or end >= window_start else NOT_MET
    assert outcome("exclusion.5", data, as_of) is expected


# --- exclusion.3: current on as_of ---------------------------------------------------------

@given(as_of_dates(), st.integers(-3, 3), st.integers(-3, 400),
       st.sampled_from(["ICD10:B20", "ICD10:B00.1", "ICD10:A53.9", "ICD10:B26.9"]))
def test_infection_ending_around_as_of(as_of: date, end_shift: int, length: int,
                                       code: str) -> None:
    end = as_of + timedelta(days=end_shift)
    onset = end - timedelta(days=max(length, 0))  # may begin after as_of
    in_set = not code.startswith("ICD10:B26")
    data = complete_on(as_of, conditions=[condition(code, iso(onset), iso(end))])
    expected = MET if in_set and onset <= as_of <= end else NOT_MET
    assert outcome("exclusion.3", data, as_of) is expected


@given(as_of_dates(), st.integers(-5, 5))
def test_ongoing_infection_is_current_once_begun(as_of: date, shift: int) -> None:
    onset = as_of + timedelta(days=shift)
    data = complete_on(as_of, conditions=[condition("ICD10:B18.1", iso(onset), None)])
    assert outcome("exclusion.3", data, as_of) is (MET if onset <= as_of else NOT_MET)


# --- inclusion.6: any exposure before as_of ------------------------------------------------

@given(as_of_dates(), st.integers(-4000, 5), st.sampled_from([True, False, None]),
       st.sampled_from([True, False, None]))
def test_prior_cytotoxic_exposure_needs_normal_marrow(as_of: date, shift: int,
                                                      marrow: bool | None,
                                                      cytogenetics: bool | None) -> None:
    start = as_of + timedelta(days=shift)
    data = complete_on(as_of, exposures=[exposure("ATC:L01DB07", iso(start), iso(start))],
                       flags={"bone_marrow_normal": marrow, "cytogenetics_normal": cytogenetics})

    def flag(value: bool | None) -> Outcome:
        return UNKNOWN if value is None else (MET if value else NOT_MET)

    both = NOT_MET if NOT_MET in (flag(marrow), flag(cytogenetics)) else (
        UNKNOWN if UNKNOWN in (flag(marrow), flag(cytogenetics)) else MET)
    received = start <= as_of
    expected = both if received else MET
    assert outcome("inclusion.6", data, as_of) is expected
