"""The value constructors (hand-written ``__init__`` calling each field's rule directly) against
attrs' own generated ``__init__`` (kept as ``__attrs_init__``, the full path through the same
validators and converters) and against expectations written by hand: every field of each fact
and of a record, at its edges, including which fault is reported first."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pytest

from trialrules import Condition, Exposure, InvalidRecord, Observation, PartialDate, Record
from trialrules.values.records import NOT_KNOWN_IF_ENDED, FrozenMap, ReferenceRange

DAY = PartialDate(2026, 1, 1)


def _full(cls: type, *args: Any, **kwargs: Any) -> Any:
    """attrs' generated __init__ on a fresh instance: the reference path."""
    value = object.__new__(cls)
    value.__attrs_init__(*args, **kwargs)
    return value


def _both(cls: type, *args: Any, **kwargs: Any) -> Any:
    """The constructor's result, checked equal (with the same field types) to the full path's;
    or the constructor's error, checked to be the full path's."""
    failed: InvalidRecord | None = None
    try:
        made = cls(*args, **kwargs)
    except InvalidRecord as exc:
        failed = exc
    if failed is not None:
        with pytest.raises(InvalidRecord) as expected:
            _full(cls, *args, **kwargs)
        assert (failed.field, repr(failed.value), failed.allowed) == (
            expected.value.field, repr(expected.value.value), expected.value.allowed)
        raise failed
    reference = _full(cls, *args, **kwargs)
    assert repr(made) == repr(reference)
    assert made == reference
    return made


def _error(cls: type, *args: Any, **kwargs: Any) -> tuple[str, Any, str]:
    with pytest.raises(InvalidRecord) as caught:
        _both(cls, *args, **kwargs)
    return caught.value.field, caught.value.value, caught.value.allowed


# -- Observation ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "kind"), [
    (2**53, int), (-(2**53), int), (0, int), (True, bool), (False, bool), (1.0, float),
    (4.5, float), ("", str), ("positive", str), (1e308, float),
])
def test_observation_values_kept_with_their_type(value: Any, kind: type) -> None:
    made = _both(Observation, "edss", value, DAY)
    assert made.value == value
    assert type(made.value) is kind


def test_minus_zero_is_plain_zero() -> None:
    made = _both(Observation, "edss", -0.0, DAY)
    assert type(made.value) is float
    assert math.copysign(1.0, made.value) == 1.0


@pytest.mark.parametrize(("value", "allowed"), [
    (2**53 + 1, "a whole number within ±2**53"),
    (-(2**53) - 1, "a whole number within ±2**53"),
    (float("nan"), "a finite number, a boolean or a code string"),
    (float("inf"), "a finite number, a boolean or a code string"),
    (float("-inf"), "a finite number, a boolean or a code string"),
    (None, "a finite number, a boolean or a code string"),
    ([1], "a finite number, a boolean or a code string"),
])
def test_observation_value_refused(value: Any, allowed: str) -> None:
    field, got, said = _error(Observation, "edss", value, DAY)
    assert (field, said) == ("value", allowed)
    assert got is value


@pytest.mark.parametrize(("code", "allowed"), [
    ("edss ", "a name without spaces at the start or end"),
    (" edss", "a name without spaces at the start or end"),
    ("\u00a0edss", "a name without spaces at the start or end"),  # a no-break space
    ("ed\x1bss", "a name without control characters, line breaks or bidirectional overrides"),
    ("edss\n", "a name without control characters, line breaks or bidirectional overrides"),
    ("ed\u202ess", "a name without control characters, line breaks or bidirectional overrides"),
    # A lone surrogate cannot be written as UTF-8: refused here as the patient file refuses it.
    ("x\ud800", "a name without lone surrogates (such as \\ud800)"),
    ("\udfffedss", "a name without lone surrogates (such as \\ud800)"),
    ("", "a non-empty string"),
    (5, "a non-empty string"),
    (None, "a non-empty string"),
])
def test_observation_code_refused(code: Any, allowed: str) -> None:
    assert _error(Observation, code, 1, DAY) == ("code", code, allowed)


@pytest.mark.parametrize("code", [
    "edss", "ICD10:C50.9", "e d s s",
    "ed\u00adss",  # a soft hyphen: not printable, yet no control character
])
def test_observation_code_accepted(code: str) -> None:
    assert _both(Observation, code, 1, DAY).code == code


@pytest.mark.parametrize(("when", "expected"), [
    ("2024-02-29", PartialDate(2024, 2, 29)),
    (date(2026, 1, 31), PartialDate(2026, 1, 31)),
    ("2026-04", PartialDate(2026, 4)),
    (PartialDate(), PartialDate()),
])
def test_observation_date(when: Any, expected: PartialDate) -> None:
    assert _both(Observation, "edss", 1, when).date == expected


@pytest.mark.parametrize(("when", "allowed"), [
    ("2026-02-29", "a real calendar date (a day from 01 to 28 in 2026-02)"),
    ("2026-04-31", "a real calendar date (a day from 01 to 30 in 2026-04)"),
    ("2026-13", "a real calendar date (a month from 01 to 12)"),
    ("2026-1-01", "a date string YYYY, YYYY-MM or YYYY-MM-DD"),
    (datetime(2026, 1, 1, 12), "a date without a time (datetime.date or 'YYYY-MM-DD')"),
    (20260101, "a date: datetime.date, PartialDate or 'YYYY[-MM[-DD]]'"),
])
def test_observation_date_refused(when: Any, allowed: str) -> None:
    assert _error(Observation, "edss", 1, when) == ("date", when, allowed)


def test_observation_unit_and_reference_range() -> None:
    made = _both(Observation, "glucose", 98, DAY, unit="mg/dL",
                 reference_range={"low": 70, "high": 99})
    assert (made.unit, made.reference_range) == ("mg/dL", ReferenceRange(70, 99))
    assert _both(Observation, "x", 1, DAY, reference_range=ReferenceRange(high=3)
                 ).reference_range == ReferenceRange(None, 3)
    assert _error(Observation, "x", 1, DAY, unit=" ") == (
        "unit", " ", "a UCUM unit code such as 'mg/dL', or None")
    assert _error(Observation, "x", 1, DAY, unit=5)[0] == "unit"
    assert _error(Observation, "x", 1, DAY, reference_range={"low": 3, "high": 2}) == (
        "reference_range.high", 2, "a number at or above the low limit 3")
    assert _error(Observation, "x", 1, DAY, reference_range={"lo": 3})[0] == (
        "reference_range.lo")
    assert _error(Observation, "x", 1, DAY, reference_range="7-40")[0] == "reference_range"


# Observation.on: the same reading on another date, only the date checked (what the loader
# builds repeated readings with). Expected: the constructor's result for the same fields.
@pytest.mark.parametrize("when", ["2024-02-29", date(2024, 2, 28), "2024-03-01", "2026-12",
                                  "2026", PartialDate(), PartialDate(2026, 1, 31)])
@pytest.mark.parametrize(("value", "unit", "reference_range"), [
    (4.5, None, None), (0.0, None, None), (7, "mmol/L", None), (True, None, None),
    ("positive", None, None), (98, "mg/dL", ReferenceRange(70, 99)),
])
def test_observation_on_another_date_is_the_constructors_value(
        when: Any, value: Any, unit: str | None, reference_range: ReferenceRange | None) -> None:
    first = Observation("glucose", value, "2020-06-15", unit=unit,
                        reference_range=reference_range)
    moved = first.on(when)
    expected = _both(Observation, "glucose", value, when, unit=unit,
                     reference_range=reference_range)
    assert repr(moved) == repr(expected)  # every field, value types and all
    assert moved == expected
    assert type(moved.value) is type(value)
    assert first.date == PartialDate(2020, 6, 15)  # the first is unchanged (frozen)


@pytest.mark.parametrize(("when", "allowed"), [
    ("2023-02-29", "a real calendar date (a day from 01 to 28 in 2023-02)"),
    ("2026-04-31", "a real calendar date (a day from 01 to 30 in 2026-04)"),
    ("2026-1-01", "a date string YYYY, YYYY-MM or YYYY-MM-DD"),
    (datetime(2026, 1, 1, 12), "a date without a time (datetime.date or 'YYYY-MM-DD')"),
    (None, "a date: datetime.date, PartialDate or 'YYYY[-MM[-DD]]'"),
])
def test_observation_on_checks_the_date_as_the_constructor_does(when: Any, allowed: str) -> None:
    first = Observation("edss", 1, DAY)
    with pytest.raises(InvalidRecord) as caught:
        first.on(when)
    assert (caught.value.field, caught.value.value, caught.value.allowed) == (
        "date", when, allowed)
    assert _error(Observation, "edss", 1, when) == ("date", when, allowed)


def test_observation_first_fault_reported() -> None:
    """Converters (value, date, reference range) run before validators (code, value, unit)."""
    assert _error(Observation, "", 1, "2026-13")[0] == "date"
    assert _error(Observation, "", float("nan"), DAY)[0] == "code"
    assert _error(Observation, "x", float("nan"), DAY, unit="")[0] == "value"
    assert _error(Observation, "", 1, DAY, reference_range={"low": 2, "high": 1})[0] == (
        "reference_range.high")


# -- Condition and Exposure -------------------------------------------------------------------

@pytest.mark.parametrize("kind", [Condition, Exposure])
def test_event_fields(kind: type) -> None:
    begin = "onset" if kind is Condition else "start"
    made = _both(kind, "ICD10:G35", "2020-01-15", "2020-01", note=7)
    assert (getattr(made, begin), made.end, made.note) == (
        PartialDate(2020, 1, 15), PartialDate(2020, 1), 7)
    assert getattr(_both(kind, "ICD10:G35"), begin) == PartialDate()
    assert _both(kind, "ICD10:G35", DAY, DAY).end == DAY  # the same day: one dose
    assert _both(kind, "ICD10:G35", DAY, NOT_KNOWN_IF_ENDED).end is NOT_KNOWN_IF_ENDED
    assert _both(kind, "ICD10:G35", DAY, PartialDate()).end == PartialDate()
    assert _both(kind, "ICD10:G35", DAY, None).end is None
    assert _error(kind, "ICD10:G35", "2020-01-02", "2020-01-01") == (
        "end", "2020-01-01", f"a date on or after {begin} 2020-01-02")
    assert _error(kind, "ICD10:G35", "2020-01-02", date(2019, 12, 31))[0] == "end"
    assert _error(kind, "ICD10:G35 ", DAY) == (
        "code", "ICD10:G35 ", "a name without spaces at the start or end")
    # The dates are converted before the code is checked; the end's order is checked last.
    assert _error(kind, "", "2020-13")[0] == begin
    assert _error(kind, "", "2020", "2021-02-30")[0] == "end"
    assert _error(kind, "", "2021", "2020")[0] == "code"


# -- Record -------------------------------------------------------------------------------------

FLAGS = {"b": True, "a": False}


def test_record_every_field() -> None:
    obs = Observation("edss", 2, DAY)
    cond = Condition("ICD10:G35", "2020")
    expo = Exposure("ATC:L04AA31", "2020-01-02", "2020-01-02")
    made = _both(Record, " P1", birth_date="1980", death_date=None, sex="female",
                 observations=[obs], conditions=(cond,), exposures=[expo], flags=FLAGS,
                 complete={"exposures": "2027-03-01", "conditions": DAY},
                 dates={"consent": "2026-12"})
    assert made.id == " P1"  # an id may start with a space (it is not a name)
    assert (made.birth_date, made.death_date, made.sex) == (PartialDate(1980), None, "female")
    assert (made.observations, made.conditions, made.exposures) == ((obs,), (cond,), (expo,))
    assert list(made.flags) == ["a", "b"]  # sorted
    assert type(made.flags) is FrozenMap
    assert made.complete == {"conditions": DAY, "exposures": PartialDate(2027, 3, 1)}
    assert made.complete["conditions"] is DAY
    assert made.dates == {"consent": PartialDate(2026, 12)}
    assert Record("P1", exposures=iter([expo])).exposures == (expo,)  # any iterable of facts
    soft = Record("P1", flags={"a\u00ad": True, "b": False}).flags  # a soft hyphen: no control
    assert list(soft.items()) == [("a\u00ad", True), ("b", False)]
    shared = FrozenMap({"b": True, "a": False})
    assert Record("P1", flags=shared).flags is shared  # a checked FrozenMap is kept as it is


def test_record_defaults_and_unknown_birth() -> None:
    made = Record("P1", birth_date=PartialDate())
    assert made.birth_date is None
    assert (made.flags, made.complete, made.dates) == ({}, {}, {})
    assert (made.observations, made.conditions, made.exposures) == ((), (), ())
    assert Record("P1", flags={}, complete={}, dates={}) == made


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"flags": {"a ": True}}, ("flags", "a ", "flag names without spaces at the start or end")),
    ({"flags": {"a": 1}}, ("flags.a", 1, "true or false")),
    ({"flags": {"a": True, "b": 0}}, ("flags.b", 0, "true or false")),
    ({"flags": {"a": True, "\u00a0b": True}},
     ("flags", "\u00a0b", "flag names without spaces at the start or end")),
    ({"flags": {"a": True, "b\x1b": 1}},
     ("flags", "b\x1b", "flag names without control characters, line breaks or "
                        "bidirectional overrides")),
    ({"flags": {"": True}}, ("flags", "", "flag names as non-empty strings")),
    ({"flags": {"a": True, 5: True}}, ("flags", 5, "flag names as non-empty strings")),
    ({"flags": [("a", True)]}, ("flags", [("a", True)], "a mapping of flag names to true/false")),
    ({"observations": [Observation("edss", 2, DAY), "edss"]},
     ("observations[1]", "edss", "an Observation")),
    ({"observations": "edss"}, ("observations", "edss", "a list of Observation")),
    ({"observations": {"code": "edss"}},
     ("observations", {"code": "edss"}, "a list of Observation")),
    ({"exposures": [Condition("ICD10:G35")]},
     ("exposures[0]", Condition("ICD10:G35"), "an Exposure")),
    ({"complete": {"labs": DAY}},
     ("complete.labs", DAY, "one of conditions, exposures, observations as the history name")),
    ({"complete": {"conditions": "2027-02-30"}},
     ("complete.conditions", "2027-02-30", "a real calendar date (a day from 01 to 28 in "
                                           "2027-02)")),
    ({"dates": {" ": "2026"}}, ("dates", " ", "date names as non-empty strings")),
    ({"sex": "F"}, ("sex", "F", "one of female, male, other, unknown")),
    ({"birth_date": "1990", "death_date": "1989-12-31"},
     ("death_date", "1989-12-31", "a date on or after birth_date 1990")),
    ({"death_date": NOT_KNOWN_IF_ENDED},
     ("death_date", NOT_KNOWN_IF_ENDED,
      "a date, PartialDate() for a death on an unknown day, or None")),
])
def test_record_refuses(kwargs: dict[str, Any], error: tuple[str, Any, str]) -> None:
    full = {"flags": FrozenMap(), "complete": FrozenMap(), "dates": FrozenMap(), **kwargs}
    assert _error(Record, "P7", **full) == error
    with pytest.raises(InvalidRecord) as caught:
        Record("P7", **kwargs)
    assert caught.value.patient == "P7"


def test_record_first_fault_reported() -> None:
    """Converters in field order, then the id, the death's order and the sex."""
    empty = {"flags": FrozenMap(), "complete": FrozenMap(), "dates": FrozenMap()}
    assert _error(Record, "", sex="F", **empty)[0] == "id"
    assert _error(Record, "P\x1b", birth_date="1990-13", **empty)[0] == "birth_date"
    assert _error(Record, "", observations="x", **empty)[0] == "observations"
    assert _error(Record, "P1", birth_date="1990", death_date="1980", sex="F", **empty)[0] == (
        "death_date")
    with pytest.raises(InvalidRecord) as caught:
        Record(5, sex="F")  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.patient) == ("id", None)


# -- PartialDate ----------------------------------------------------------------------------

class _Int(int):
    """An int subclass (not bool): a whole number."""


@pytest.mark.parametrize(("parts", "first", "last"), [
    ((2024, 2, 29), date(2024, 2, 29), date(2024, 2, 29)),
    ((2000, 2, 29), date(2000, 2, 29), date(2000, 2, 29)),
    ((2023, 2, 28), date(2023, 2, 28), date(2023, 2, 28)),
    ((2023, 4, 30), date(2023, 4, 30), date(2023, 4, 30)),
    ((2023, 12, 31), date(2023, 12, 31), date(2023, 12, 31)),
    ((1, 1, 1), date(1, 1, 1), date(1, 1, 1)),
    ((9999, 12, 31), date(9999, 12, 31), date(9999, 12, 31)),
    ((2024, 2), date(2024, 2, 1), date(2024, 2, 29)),
    ((2023, 2), date(2023, 2, 1), date(2023, 2, 28)),
    ((2023,), date(2023, 1, 1), date(2023, 12, 31)),
    ((), date.min, date.max),
    ((_Int(2023), _Int(3), _Int(1)), date(2023, 3, 1), date(2023, 3, 1)),
])
def test_partial_date_days(parts: tuple[int, ...], first: date, last: date) -> None:
    made = _both(PartialDate, *parts)
    assert (made.earliest, made.latest) == (first, last)


@pytest.mark.parametrize(("parts", "error"), [
    ((2023, 2, 29), ("day", 29, "a day from 01 to 28 in 2023-02")),
    ((1900, 2, 29), ("day", 29, "a day from 01 to 28 in 1900-02")),
    ((2023, 4, 31), ("day", 31, "a day from 01 to 30 in 2023-04")),
    ((2023, 1, 32), ("day", 32, "a day from 01 to 31 in 2023-01")),
    ((2023, 1, 0), ("day", 0, "a day from 01 to 31 in 2023-01")),
    ((2023, 13, 1), ("month", 13, "a month from 01 to 12")),
    ((2023, 0), ("month", 0, "a month from 01 to 12")),
    ((0, 1, 1), ("year", 0, "a year from 0001 to 9999")),
    ((10000,), ("year", 10000, "a year from 0001 to 9999")),
    ((True, 1, 1), ("year", True, "a whole number")),
    ((2023, True, 1), ("month", True, "a whole number")),
    ((2023, 1, 1.0), ("day", 1.0, "a whole number")),
    ((2023, None, 1), ("day", 1, "no day without a month")),
    ((None, 1), ("month", 1, "no month or day when the year is unknown")),
])
def test_partial_date_refused(parts: tuple[Any, ...], error: tuple[str, Any, str]) -> None:
    assert _error(PartialDate, *parts) == error


def test_partial_date_bounds() -> None:
    made = _both(PartialDate, bounds=(date(2006, 6, 13), date(2007, 6, 12)))
    assert (made.earliest, made.latest) == (date(2006, 6, 13), date(2007, 6, 12))
    assert _error(PartialDate, 2020, bounds=(date(2020, 1, 1), date(2020, 1, 2)))[0] == "bounds"
    assert _error(PartialDate, bounds=(date(2020, 1, 2), date(2020, 1, 1)))[2] == (
        "first day on or before the last day")


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-02-29", PartialDate(2024, 2, 29)),
    ("2023-02", PartialDate(2023, 2)),
    ("2023", PartialDate(2023)),
    ("2023-01-01/2023-12-31", PartialDate(2023)),
    ("2023-03-01/2023-03-31", PartialDate(2023, 3)),
    ("2023-01-02/2023-01-02", PartialDate(2023, 1, 2)),
])
def test_parse(text: str, expected: PartialDate) -> None:
    assert PartialDate.parse(text) == expected
    assert repr(PartialDate.parse(text)) == repr(expected)


@pytest.mark.parametrize(("text", "allowed"), [
    ("2023-02-29", "a real calendar date (a day from 01 to 28 in 2023-02)"),
    ("0000", "a real calendar date (a year from 0001 to 9999)"),
    ("2023-00", "a real calendar date (a month from 01 to 12)"),
    ("2023-1-01", "a date string YYYY, YYYY-MM or YYYY-MM-DD"),
    ("\u0662\u0660\u0662\u0663", "a date string YYYY, YYYY-MM or YYYY-MM-DD"),
    ("2023-01-01 ", "a date string YYYY, YYYY-MM or YYYY-MM-DD"),
    ("2023-02-30/2023-03-01", "an interval of two real calendar dates"),
    ("2023-03-02/2023-03-01", "an interval whose first day is not after its last"),
    ("2023-03/2023-04", "a date string YYYY, YYYY-MM or YYYY-MM-DD"),
])
def test_parse_refused(text: str, allowed: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        PartialDate.parse(text)
    assert (caught.value.field, caught.value.value, caught.value.allowed) == ("date", text,
                                                                              allowed)


def test_unknown_if_ended_is_built_by_partial_dates_constructor() -> None:
    assert (NOT_KNOWN_IF_ENDED.earliest, NOT_KNOWN_IF_ENDED.latest) == (date.min, date.max)
    assert NOT_KNOWN_IF_ENDED.is_unknown


def test_frozen_map_from_a_dict_pairs_or_a_map() -> None:
    assert list(FrozenMap({"b": 1, "a": 2}).items()) == [("a", 2), ("b", 1)]
    assert list(FrozenMap([("b", 1), ("a", 2), ("b", 3)]).items()) == [("a", 2), ("b", 3)]
    assert list(FrozenMap(FrozenMap({"b": 1, "a": 2})).items()) == [("a", 2), ("b", 1)]
    source = {"a": 1}
    made = FrozenMap(source)
    source["a"] = 2
    assert made["a"] == 1  # not an alias of the caller's dict


def test_frozen_map_views_read_the_map_and_cannot_change_it() -> None:
    made = FrozenMap({"b": 1, "a": 2})
    assert list(made.keys()) == ["a", "b"]
    assert list(made.values()) == [2, 1]
    assert list(made.items()) == [("a", 2), ("b", 1)]
    assert made.keys() <= {"a", "b", "c"}
    assert "a" in made
    assert "c" not in made
    for view in (made.keys(), made.values(), made.items()):
        assert not hasattr(view, "add")
        assert not hasattr(view, "pop")
    with pytest.raises(TypeError):
        made.keys().mapping["c"] = 3  # type: ignore[attr-defined,index]
    assert made == {"a": 2, "b": 1}
