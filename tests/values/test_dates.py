"""Partial dates as intervals of days, date parsing, and calendar spans."""

from __future__ import annotations

import pickle
from datetime import date, datetime

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given

import strategies as ts
from trialrules import InvalidCriterion, InvalidRecord, PartialDate, Span, parse_date


@pytest.mark.parametrize(("text", "want", "earliest", "latest"), [
    ("2021", PartialDate(2021), date(2021, 1, 1), date(2021, 12, 31)),
    ("2024-02", PartialDate(2024, 2), date(2024, 2, 1), date(2024, 2, 29)),
    ("2023-02", PartialDate(2023, 2), date(2023, 2, 1), date(2023, 2, 28)),
    ("2027-12-31", PartialDate(2027, 12, 31), date(2027, 12, 31), date(2027, 12, 31)),
    ("2024-02-29", PartialDate(2024, 2, 29), date(2024, 2, 29), date(2024, 2, 29)),
    ("0001-01-01", PartialDate(1, 1, 1), date(1, 1, 1), date(1, 1, 1)),
    ("9999", PartialDate(9999), date(9999, 1, 1), date(9999, 12, 31)),
])
def test_parse_valid(text: str, want: PartialDate, earliest: date, latest: date) -> None:
    got = PartialDate.parse(text)
    assert got == want
    assert (got.earliest, got.latest) == (earliest, latest)
    assert str(got) == text
    assert parse_date(text) == want


@pytest.mark.parametrize(("text", "allowed"), [
    ("2027-02-30", r"a day from 01 to 28 in 2027-02"),
    ("2023-02-29", r"a day from 01 to 28 in 2023-02"),
    ("2027-04-31", r"a day from 01 to 30"),
    ("2027-13", r"a month from 01 to 12"),
    ("2027-00", r"a month from 01 to 12"),
    ("0000-01-01", r"a year from 0001 to 9999"),
    ("0000", r"a year from 0001 to 9999"),
    ("2027-1-5", r"YYYY, YYYY-MM or YYYY-MM-DD"),
    ("27-01-05", r"YYYY, YYYY-MM or YYYY-MM-DD"),
    ("2027/01/05", r"YYYY, YYYY-MM or YYYY-MM-DD"),
    ("2027-01-05T10:00", r"YYYY, YYYY-MM or YYYY-MM-DD"),
    (" 2027", r"YYYY, YYYY-MM or YYYY-MM-DD"),
    ("2027\n", r"YYYY, YYYY-MM or YYYY-MM-DD"),
    ("", r"YYYY, YYYY-MM or YYYY-MM-DD"),
    ("\u0662\u0660\u0662\u0661", r"YYYY, YYYY-MM or YYYY-MM-DD"),  # Arabic-Indic digits
    ("\uff12\uff10\uff12\uff11", r"YYYY, YYYY-MM or YYYY-MM-DD"),  # full-width digits
])
def test_parse_invalid_names_field_value_and_allowed(text: str, allowed: str) -> None:
    with pytest.raises(InvalidRecord, match=allowed) as info:
        parse_date(text, "onset")
    assert info.value.field == "onset"
    assert info.value.value == text
    assert "onset" in str(info.value)


def test_datetime_is_refused_not_truncated() -> None:
    with pytest.raises(InvalidRecord, match="a date without a time") as info:
        parse_date(datetime(2026, 6, 15, 9, 30), "start")
    assert info.value.field == "start"


@pytest.mark.parametrize("value", [20210101, 2021.0, None, True, b"2021", ["2021"]])
def test_non_dates_are_refused(value: object) -> None:
    with pytest.raises(InvalidRecord, match="a date"):
        parse_date(value)


def test_parse_accepts_dates_and_partial_dates_unchanged() -> None:
    assert parse_date(date(2026, 6, 15)) == PartialDate(2026, 6, 15)
    p = PartialDate(2021, 3)
    assert parse_date(p) is p
    assert PartialDate.of(date(2020, 2, 29)) == PartialDate(2020, 2, 29)


@pytest.mark.parametrize(("args", "field"), [
    ((None, 3), "month"),          # a month without a year
    ((2021, None, 3), "day"),      # a day without a month
    ((True,), "year"),             # a bool is not a year
    ((2021.0,), "year"),
    ((2021, 2, 29), "day"),
])
def test_constructor_validates_parts(args: tuple[int | None, ...], field: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        PartialDate(*args)  # type: ignore[arg-type]
    assert info.value.field == field


def test_unknown_date_spans_everything() -> None:
    unknown = PartialDate()
    assert unknown.is_unknown
    assert not unknown.is_exact
    assert (unknown.earliest, unknown.latest) == (date.min, date.max)
    assert str(unknown) == "unknown date"
    assert unknown.to_json() is None
    assert repr(unknown) == "PartialDate()"


@given(ts.partial_dates(unknown=True))
def test_partial_date_values(p: PartialDate) -> None:
    assert p.earliest <= p.latest
    assert eval(repr(p)) == p
    assert pickle.loads(pickle.dumps(p)) == p
    assert pickle.loads(pickle.dumps(p)).latest == p.latest
    assert hash(PartialDate(p.year, p.month, p.day)) == hash(p)
    if not p.is_unknown:
        assert PartialDate.parse(str(p)) == p
        assert p.to_json() == str(p)


def test_partial_date_is_immutable() -> None:
    p = PartialDate(2021)
    with pytest.raises(AttributeError):
        p.year = 2022  # type: ignore[misc]


# -- spans ----------------------------------------------------------------------

@pytest.mark.parametrize(("span", "as_of", "start"), [
    (Span(months=1), date(2027, 3, 31), date(2027, 2, 28)),   # month end clamps
    (Span(months=1), date(2028, 3, 31), date(2028, 2, 29)),   # ... to 29 Feb in leap years
    (Span(months=1), date(2027, 3, 28), date(2027, 2, 28)),
    (Span(months=1), date(2027, 5, 31), date(2027, 4, 30)),
    (Span(months=1), date(2027, 1, 15), date(2026, 12, 15)),
    (Span(years=1), date(2024, 2, 29), date(2023, 2, 28)),    # from 29 Feb
    (Span(years=4), date(2024, 2, 29), date(2020, 2, 29)),
    (Span(years=5), date(2026, 6, 15), date(2021, 6, 15)),
    (Span(weeks=2), date(2026, 3, 1), date(2026, 2, 15)),
    (Span(months=1, days=1), date(2027, 3, 31), date(2027, 2, 27)),  # months first, then days
    (Span(days=1), date(2026, 3, 1), date(2026, 2, 28)),
    (Span(), date(2026, 3, 1), date(2026, 3, 1)),              # zero span: as_of alone
    (Span(years=3000), date(2026, 3, 1), date.min),            # clamps at the first day
])
def test_span_before(span: Span, as_of: date, start: date) -> None:
    assert span.before(as_of) == start


@given(ts.spans(), ts.as_of_dates())
def test_span_before_is_relativedelta(span: Span, as_of: date) -> None:
    delta = relativedelta(years=span.years, months=span.months, weeks=span.weeks, days=span.days)
    assert span.before(as_of) == as_of - delta
    assert span.before(as_of) <= as_of
    assert eval(repr(span)) == span
    assert pickle.loads(pickle.dumps(span)) == span


@pytest.mark.parametrize("kwargs", [{"months": -1}, {"years": -5}, {"weeks": -1}, {"days": -1}])
def test_negative_span_is_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(InvalidCriterion, match=r"is negative.*number >= 0"):
        Span(**kwargs)


@pytest.mark.parametrize("value", [1.5, True, "1", None])
def test_span_units_are_whole_numbers(value: object) -> None:
    with pytest.raises(InvalidCriterion, match="must be a whole number"):
        Span(months=value)  # type: ignore[arg-type]


def test_span_text() -> None:
    assert str(Span(years=1, months=2)) == "1 year 2 months"
    assert str(Span()) == "0 days"
    assert repr(Span(months=1)) == "Span(months=1)"
    assert Span().is_zero
    assert not Span(days=1).is_zero
    assert Span(weeks=1, days=2).to_dict() == {"weeks": 1, "days": 2}
