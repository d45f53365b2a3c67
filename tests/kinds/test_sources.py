"""Value sources: age in completed years, sex, and the latest observation on or before as_of."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import assume, given
from hypothesis import strategies as st

import strategies as ts
from helpers import AS_OF
from trialrules import (
    Age,
    InvalidCriterion,
    InvalidRecord,
    Latest,
    Observation,
    Outcome,
    PartialDate,
    Range,
    Record,
    Sex,
    Span,
)
from trialrules.engine.context import Context, age_on
from trialrules.kinds.sources import as_source


def ages(birth: Any, as_of: date) -> tuple[Any, ...]:
    return Age().read(Context(Record("P", birth_date=birth), as_of)).values


# -- age ----------------------------------------------------------------------

@pytest.mark.parametrize(("birth", "as_of", "age"), [
    ("2008-06-15", date(2026, 6, 15), 18),     # the 18th birthday
    ("2008-06-15", date(2026, 6, 14), 17),     # the day before
    ("1965-06-15", date(2026, 6, 14), 60),     # the day before the 61st birthday
    ("1965-06-15", date(2026, 6, 15), 61),
    ("1966-06-15", date(2026, 6, 15), 60),     # the 60th birthday
    ("1980-12-31", date(2026, 1, 1), 45),
    ("1980-01-01", date(2025, 12, 31), 45),
    ("2026-06-15", date(2026, 6, 15), 0),      # born today
    # born 29 February: the birthday counts on 28 February in common years (relativedelta)
    ("2000-02-29", date(2018, 2, 27), 17),
    ("2000-02-29", date(2018, 2, 28), 18),
    ("2000-02-29", date(2018, 3, 1), 18),
    ("2004-02-29", date(2022, 2, 28), 18),
    # ... and on 29 February itself in leap years
    ("2008-02-29", date(2026, 2, 28), 18),     # 2026 is a common year
    ("2000-02-29", date(2024, 2, 28), 23),
    ("2000-02-29", date(2024, 2, 29), 24),
    ("1896-02-29", date(1900, 2, 28), 4),      # 1900 is not a leap year
])
def test_age_in_completed_years(birth: str, as_of: date, age: int) -> None:
    assert ages(birth, as_of) == (age,)


@given(ts.dates(1904, 2030), ts.dates(1904, 2030))
def test_age_is_relativedelta_years(birth: date, as_of: date) -> None:
    assume(birth <= as_of)
    assert age_on(birth, as_of) == relativedelta(as_of, birth).years


@given(st.integers(1904, 2024).filter(lambda y: y % 4 == 0 and (y % 100 or y % 400 == 0)),
       st.integers(0, 80))
def test_born_29_february_turns_older_on_28_february_or_29(year: int, years: int) -> None:
    birth = date(year, 2, 29)
    birthday = birth + relativedelta(years=years)   # 28 Feb in common years
    assert age_on(birth, birthday) == years
    assert age_on(birth, birthday - timedelta(days=1)) == years - 1


def test_age_18_to_60_on_the_boundaries() -> None:
    adult = Range(Age(), 18, 60)
    for birth, as_of, want in [
        ("2008-06-15", date(2026, 6, 15), Outcome.MET),
        ("2008-06-15", date(2026, 6, 14), Outcome.NOT_MET),
        ("1965-06-15", date(2026, 6, 14), Outcome.MET),
        ("1965-06-15", date(2026, 6, 15), Outcome.NOT_MET),
    ]:
        assert adult.decide(Record("P", birth_date=birth), as_of) is want, (birth, as_of)


def test_partial_birth_date_gives_every_possible_age() -> None:
    assert ages("1990", date(2026, 6, 15)) == (35, 36)
    assert Range(Age(), 18, 60).decide(Record("P", birth_date="1990"), date(2026, 6, 15)) \
        is Outcome.MET
    # born in 2008: 17 or 18 on 2026-06-15, so "at least 18" is undecided
    explanation = Range(Age(), 18, 60).evaluate(Record("P", birth_date="2008"), date(2026, 6, 15))
    assert explanation.outcome is Outcome.UNKNOWN
    assert "age 17 to 18 (born 2008)" in explanation.reason
    assert ages("2008-06", date(2026, 6, 15)) == (17, 18)
    assert ages("2008-05", date(2026, 6, 15)) == (18,)


@given(ts.partial_dates(1930, 2025, intervals=True), ts.as_of_dates())
def test_partial_birth_ages_are_the_ages_of_its_days(birth: PartialDate, as_of: date) -> None:
    assume(birth.earliest <= as_of)
    days = [birth.earliest + timedelta(days=n)
            for n in range((min(birth.latest, as_of) - birth.earliest).days + 1)]
    assert set(ages(birth, as_of)) == {relativedelta(as_of, d).years for d in days}


def test_birth_date_in_the_same_year_as_as_of() -> None:
    assert ages("2026", date(2026, 6, 15)) == (0,)


def test_birth_after_as_of_is_bad_input() -> None:
    with pytest.raises(InvalidRecord, match="on or before as_of 2026-06-15") as info:
        ages("2026-07-01", date(2026, 6, 15))
    assert info.value.field == "birth_date"
    assert info.value.patient == "P"


def test_no_birth_date_is_missing() -> None:
    reading = Age().read(Context(Record("P"), date(2026, 6, 15)))
    assert reading.values == ()
    assert reading.missing == "birth date"


# -- sex ------------------------------------------------------------------------

@pytest.mark.parametrize(("sex", "values"), [
    ("female", ("female",)), ("male", ("male",)), ("other", ("other",)),
    ("unknown", ()), (None, ()),
])
def test_sex(sex: str | None, values: tuple[str, ...]) -> None:
    reading = Sex().read(Context(Record("P", sex=sex), date(2026, 1, 1)))
    assert reading.values == values
    assert (reading.missing == "sex") is (not values)


def test_string_sources() -> None:
    assert as_source("age") == Age()
    assert as_source("sex") == Sex()
    assert as_source("edss") == Latest("edss")
    with pytest.raises(InvalidCriterion, match="not a value source"):
        as_source(3)
    with pytest.raises(InvalidCriterion, match="30 is not a span"):
        Latest("edss", within=30)  # type: ignore[arg-type]


# -- latest observation ---------------------------------------------------------



def latest(observations: list[Observation], as_of: date = AS_OF, within: Span | None = None,
           code: str = "edss") -> tuple[Any, ...]:
    record = Record("P", observations=observations)
    return Latest(code, within=within).read(Context(record, as_of)).values


def test_latest_is_the_latest_on_or_before_as_of() -> None:
    obs = [Observation("edss", 3, "2026-01-10"), Observation("edss", 4.5, "2026-10-02"),
           Observation("edss", 6.5, "2026-11-28"), Observation("edss_pyramidal", 2, "2026-11-01")]
    assert latest(obs) == (4.5,)
    assert latest(obs, as_of=date(2026, 11, 28)) == (6.5,)       # on as_of: visible
    assert latest(obs, as_of=date(2026, 10, 1)) == (3,)         # later facts are invisible
    assert latest(obs, as_of=date(2025, 12, 31)) == ()


def test_list_order_does_not_matter() -> None:
    obs = [Observation("edss", 4.5, "2026-10-02"), Observation("edss", 3, "2026-01-10")]
    assert latest(obs) == latest(obs[::-1]) == (4.5,)


def test_recency_window_edges() -> None:
    three_months = Span(months=3)            # 2026-08-27 to 2026-11-27
    assert latest([Observation("edss", 3, "2026-08-27")], within=three_months) == (3,)
    assert latest([Observation("edss", 3, "2026-08-26")], within=three_months) == ()
    assert latest([Observation("edss", 3, "2026-11-27")], within=three_months) == (3,)
    assert latest([Observation("edss", 3, "2026-11-28")], within=three_months) == ()
    # a month-precision observation straddling the window's start might be inside: unknown
    reading = Latest("edss", within=three_months).read(
        Context(Record("P", observations=[Observation("edss", 3, "2026-08")]), AS_OF))
    assert reading.values == (3,)
    assert reading.missing is not None


def test_same_day_ties_keep_every_value() -> None:
    obs = [Observation("edss", 3, "2026-10-02"), Observation("edss", 3.5, "2026-10-02")]
    assert latest(obs) == (3, 3.5)
    record = Record("P", observations=obs)
    assert Range("edss", 3, 6).decide(record, AS_OF) is Outcome.MET       # both inside
    assert Range("edss", 3.5, 6).decide(record, AS_OF) is Outcome.UNKNOWN  # they disagree


def test_partial_dates_leave_several_candidates() -> None:
    # "2026-10" could be before or after 2026-10-15
    obs = [Observation("edss", 3, "2026-10-15"), Observation("edss", 7, "2026-10")]
    assert sorted(latest(obs)) == [3, 7]
    # a month-precision observation surely before the exact one drops out
    obs = [Observation("edss", 3, "2026-10-15"), Observation("edss", 7, "2026-09")]
    assert latest(obs) == (3,)


def test_observation_straddling_as_of_may_be_invisible() -> None:
    """Dated "2026-11" on as_of 2026-11-15: it may be after as_of, so it is not certain."""
    record = Record("P", observations=[Observation("edss", 4, "2026-11")])
    reading = Latest("edss").read(Context(record, date(2026, 11, 15)))
    assert reading.values == (4,)
    assert reading.missing is not None
    assert Range("edss", 3, 6).decide(record, date(2026, 11, 15)) is Outcome.UNKNOWN
    assert Range("edss", 3, 6).decide(record, date(2026, 11, 30)) is Outcome.MET


@given(st.lists(st.tuples(ts.dates(2024, 2027), ts.edss_grid()), min_size=1, max_size=6),
       ts.as_of_dates())
def test_latest_with_exact_dates_is_the_last_visible(rows: list[tuple[date, float]],
                                                     as_of: date) -> None:
    obs = [Observation("edss", v, d) for d, v in rows]
    visible = [(d, v) for d, v in rows if d <= as_of]
    got = latest(obs, as_of)
    if not visible:
        assert got == ()
    else:
        last = max(d for d, _ in visible)
        assert sorted(got) == sorted(v for d, v in visible if d == last)


# -- latest observation against possible worlds ---------------------------------

def _days(p: PartialDate) -> list[date]:
    return [p.earliest + timedelta(days=n) for n in range((p.latest - p.earliest).days + 1)]


def _possible_latest(obs: list[Observation], start: date, as_of: date) -> tuple[set[Any], bool]:
    """By enumerating days: every value that is the latest visible one in some world, and
    whether some world has no visible observation at all."""
    days = [_days(o.date) for o in obs]

    def inside(d: date) -> bool:
        return start <= d <= as_of

    possible = set()
    for i, o in enumerate(obs):
        for d in filter(inside, days[i]):
            # every other observation can be placed outside the window or on/before d
            if all(any(not inside(e) or e <= d for e in days[j])
                   for j in range(len(obs)) if j != i):
                possible.add(o.value)
                break
    empty_world = all(any(not inside(d) for d in ds) for ds in days)
    return possible, empty_world


_NEAR = ts.partial_dates(2026, 2026, intervals=True, max_days=45).filter(
    lambda p: p.latest <= p.earliest + timedelta(days=45))


@given(st.lists(st.tuples(_NEAR, ts.edss_grid()), min_size=1, max_size=4),
       st.dates(date(2026, 3, 1), date(2026, 12, 31)), st.none() | st.integers(0, 4),
       ts.edss_grid(), ts.edss_grid())
def test_latest_matches_possible_worlds(rows: list[tuple[PartialDate, float]], as_of: date,
                                        months: int | None, a: float, b: float) -> None:
    obs = [Observation("edss", v, d) for d, v in rows]
    within = None if months is None else Span(months=months)
    start = date.min if within is None else within.before(as_of)
    possible, empty_world = _possible_latest(obs, start, as_of)
    reading = Latest("edss", within=within).read(Context(Record("P", observations=obs), as_of))
    assert set(reading.values) == possible
    assert (reading.missing is not None) is empty_world
    low, high = min(a, b), max(a, b)
    passes = {low <= v <= high for v in possible}
    if empty_world or passes == {True, False}:
        want = Outcome.UNKNOWN
    else:
        want = Outcome.MET if passes == {True} else Outcome.NOT_MET
    assert Range(Latest("edss", within=within), low, high).decide(
        Record("P", observations=obs), as_of) is want
