"""The patient record: validation, flags and completeness, immutability, pickling."""

from __future__ import annotations

import pickle
from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import given

import strategies as ts
from trialrules import Condition, Exposure, InvalidRecord, Observation, PartialDate, Record
from trialrules.values.records import FrozenMap


@pytest.mark.parametrize(("build", "field", "value", "allowed"), [
    (lambda: Record(""), "id", "", "a non-empty string"),
    (lambda: Record(7), "id", 7, "a non-empty string"),
    (lambda: Record("P1", sex="F"), "sex", "F", "one of female, male, other, unknown"),
    (lambda: Record("P1", sex="Female"), "sex", "Female", "one of female, male, other, unknown"),
    (lambda: Record("P1", birth_date="1980-02-30"), "birth_date", "1980-02-30",
     "a day from 01 to 29 in 1980-02"),
    (lambda: Record("P1", flags={"consent": 1}), "flags.consent", 1, "true or false"),
    (lambda: Record("P1", flags={"consent": "yes"}), "flags.consent", "yes", "true or false"),
    (lambda: Record("P1", flags={"": True}), "flags", "", "non-empty strings"),
    (lambda: Record("P1", flags=["consent"]), "flags", ["consent"], "a mapping"),
    (lambda: Record("P1", complete={"drugs": "2026-01-01"}), "complete.drugs", "2026-01-01",
     "one of conditions, exposures, observations"),
    (lambda: Record("P1", complete={"exposures": "2026-02-30"}), "complete.exposures",
     "2026-02-30", "a real calendar date"),
    (lambda: Record("P1", observations=[("edss", 3, "2026")]), "observations[0]",
     ("edss", 3, "2026"), "an Observation"),
    (lambda: Record("P1", observations=Observation("edss", 3, "2026")), "observations", None,
     "a list of Observation"),
    (lambda: Record("P1", conditions="ICD10:C50"), "conditions", "ICD10:C50",
     "a list of Condition"),
    (lambda: Record("P1", exposures=[Condition("ICD10:C50")]), "exposures[0]", None,
     "an Exposure"),
    (lambda: Observation("edss", [3], "2026"), "value", [3], "a finite number"),
    (lambda: Observation("edss", float("nan"), "2026"), "value", None, "a finite number"),
    (lambda: Observation("edss", None, "2026"), "value", None, "a finite number"),
    (lambda: Observation("", 3, "2026"), "code", "", "a non-empty string"),
    (lambda: Observation("edss", 3, "2026-13"), "date", "2026-13", "a month from 01 to 12"),
    (lambda: Condition("ICD10:C50", "2021-05", "2021-04"), "end", "2021-04",
     "a date on or after onset 2021-05"),
    (lambda: Exposure("ATC:L01", "2021-05-03", "2021-05-02"), "end", "2021-05-02",
     "a date on or after start 2021-05-03"),
    (lambda: Exposure("ATC:L01", "2021-05-03", "soon"), "end", "soon", "YYYY-MM-DD"),
])
def test_validation_names_field_value_and_allowed(build: Any, field: str, value: Any,
                                                  allowed: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        build()
    error = info.value
    assert error.field == field
    if value is not None:
        assert error.value == value
    assert allowed in error.allowed
    message = str(error)
    assert field in message
    assert allowed in message
    assert isinstance(error, ValueError)


def test_message_never_dumps_a_long_value() -> None:
    with pytest.raises(InvalidRecord) as info:
        Record("P1", sex="x" * 500)
    assert len(str(info.value)) < 200
    assert "..." in str(info.value)


def test_error_located_and_pickled() -> None:
    error = InvalidRecord("value", 6.3, "a number from 0 to 10 in steps of 0.5")
    moved = error.located(patient="P7", line=3, prefix="observations[2]")
    assert moved.field == "observations[2].value"
    assert str(moved) == ("line 3, patient 'P7': observations[2].value = 6.3; "
                          "expected a number from 0 to 10 in steps of 0.5")
    back = pickle.loads(pickle.dumps(moved))
    assert (back.field, back.value, back.patient, back.line, str(back)) == (
        moved.field, moved.value, moved.patient, moved.line, str(moved))


def test_dates_are_converted_to_partial_dates() -> None:
    record = Record("P1", birth_date=date(1980, 5, 17),
                    observations=[Observation("edss", 4.5, "2026-10")],
                    conditions=[Condition("ICD10:G35", "2015")],
                    exposures=[Exposure("ATC:L01AA01", "2020-01-02", "2020-01-02")])
    assert record.birth_date == PartialDate(1980, 5, 17)
    assert record.observations[0].date == PartialDate(2026, 10)
    assert record.conditions[0].onset == PartialDate(2015)
    assert record.conditions[0].end is None                     # ongoing
    assert record.exposures[0].end == PartialDate(2020, 1, 2)   # a single dose


def test_unknown_birth_date_is_no_birth_date() -> None:
    assert Record("P1", birth_date=PartialDate()).birth_date is None


def test_end_of_unknown_date_is_not_ongoing() -> None:
    ended = Condition("ICD10:C50.9", "2010", PartialDate())
    assert ended.end is not None
    assert ended.end.is_unknown


def test_overlapping_partial_end_is_allowed() -> None:
    """An end "2021" may well be after an onset in June 2021: only a sure inversion is an error."""
    assert Condition("ICD10:C50", "2021-06", "2021").end == PartialDate(2021)


def test_flags_and_completeness() -> None:
    record = Record("P1", flags={"consent": True, "pregnant": False},
                    complete={"exposures": "2026-11-27", "conditions": "2026-11"})
    assert record.flags["consent"] is True
    assert record.flags.get("pregnant") is False
    assert record.flags.get("active") is None         # not recorded: unknown, not false
    assert record.complete_through("exposures") == date(2026, 11, 27)
    # a partial completeness date vouches only from its earliest day
    assert record.complete_through("conditions") == date(2026, 11, 1)
    assert record.complete_through("observations") is None
    assert list(record.flags) == ["consent", "pregnant"]


def test_record_is_immutable() -> None:
    record = Record("P1", flags={"consent": True}, observations=[Observation("edss", 3, "2026")])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        record.sex = "male"  # type: ignore[misc]
    with pytest.raises(TypeError):
        record.flags["consent"] = False  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        record.observations[0].value = 4  # type: ignore[misc]
    assert isinstance(record.observations, tuple)


def test_record_does_not_alias_the_callers_dict() -> None:
    flags = {"consent": True}
    record = Record("P1", flags=flags)
    flags["consent"] = False
    assert record.flags["consent"] is True


@given(ts.records())
def test_records_pickle_hash_and_compare(record: Record) -> None:
    back = pickle.loads(pickle.dumps(record))
    assert back == record
    assert hash(back) == hash(record)
    assert attrs.evolve(record) == record


def test_notes_do_not_change_identity() -> None:
    assert Condition("ICD10:C50", "2020", note="left breast") == Condition("ICD10:C50", "2020")


def test_frozen_map() -> None:
    m = FrozenMap({"b": 1, "a": 2})
    assert list(m) == ["a", "b"]
    assert len(m) == 2
    assert m == {"a": 2, "b": 1}
    assert m != {"a": 2}
    assert hash(m) == hash(FrozenMap([("a", 2), ("b", 1)]))
    assert pickle.loads(pickle.dumps(m)) == m
    assert repr(m) == "{'a': 2, 'b': 1}"
    assert (m == 3) is False
