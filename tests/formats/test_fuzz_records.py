"""Fuzzing the patient loader: every failure is an InvalidRecord naming its path, nothing else.

Arbitrary JSON, patient-shaped junk and targeted mutations of valid patients
go to ``record_from_dict`` (as Python objects, NaN and ±Infinity included) and
to ``read_jsonl`` (as JSON text, ``NaN`` / ``Infinity`` tokens included).
"""

from __future__ import annotations

import copy
import io
import json
import math
import re
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from helpers import AS_OF
from json_strategies import (
    FUZZ,
    WRONG,
    arbitrary_json,
    deep_dict,
    deep_list,
    paths,
    patients,
    set_at,
    shaped_junk,
)
from trialrules import Record
from trialrules.formats.records import LoadError, read_jsonl, record_from_dict, record_to_dict
from trialrules.protocols import get
from trialrules.values.errors import InvalidRecord, TrialRulesError

PROTOCOL = get("NCT06228781")
#: No error message, however hostile the value, is longer than this (a bound on how much of a
#: hostile value is echoed; the longest honest message names a nested path and every allowed field).
MAX_MESSAGE = 500


def _id(value: Any) -> str | None:
    """Test ids for values pytest cannot print (integers of more than 4300 digits)."""
    if isinstance(value, int) and value.bit_length() > 1000:
        return f"int_{value.bit_length()}_bits"
    return None


def _load(data: Any) -> Record | InvalidRecord:
    """record_from_dict's result or its InvalidRecord; any other exception fails the test."""
    try:
        return record_from_dict(data)
    except InvalidRecord as exc:
        error = exc
    assert isinstance(error, TrialRulesError)
    assert isinstance(error.field, str)
    assert error.field
    assert error.field in str(error), "the message names the path"
    assert len(str(error)) <= MAX_MESSAGE
    return error


def _screens(record: Record) -> None:
    """A record that loads evaluates without any exception but an InvalidRecord."""
    try:
        result = PROTOCOL.evaluate(record, AS_OF)
    except InvalidRecord as exc:  # e.g. born after as_of: bad input found at evaluation
        patient = exc.patient
    else:
        assert result.patient == record.id
        json.dumps(result.to_dict(), allow_nan=False)
        str(result)
        return
    assert patient == record.id


def _load_and_screen(data: Any) -> None:
    """Any object loads as a record that screens, or is refused with a good InvalidRecord."""
    result = _load(data)
    if isinstance(result, Record):
        _screens(result)


# ---------------------------------------------------------------- record_from_dict


@FUZZ
@given(arbitrary_json)
def test_arbitrary_json_value_is_a_record_or_invalid_record(data: Any) -> None:
    _load_and_screen(data)


@FUZZ
@given(shaped_junk())
def test_patient_shaped_junk_is_a_record_or_invalid_record(data: dict[str, Any]) -> None:
    _load_and_screen(data)


@FUZZ
@given(patients())
def test_valid_patients_load_screen_and_round_trip(data: dict[str, Any]) -> None:
    record = record_from_dict(data)
    _screens(record)
    assert record_from_dict(record_to_dict(record)) == record
    # And the same patient as a JSON line.
    ((number, item),) = read_jsonl([json.dumps(data, ensure_ascii=False).encode()])
    assert number == 1
    assert item == record


@FUZZ
@given(patients(), st.data())
def test_a_wrong_value_at_any_path_is_reported_at_that_path(
        data: dict[str, Any], draw: st.DataObject) -> None:
    field, keys, kind = draw.draw(st.sampled_from(paths(data)), label="path")
    wrong = draw.draw(WRONG[kind], label="wrong value")
    mutated = copy.deepcopy(data)
    set_at(mutated, keys, wrong)
    result = _load(mutated)
    assert isinstance(result, InvalidRecord), f"{field} = {wrong!r} was accepted"
    assert result.field == field
    assert result.patient == (None if field == "id" else data["id"])


@FUZZ
@given(patients(), st.data())
def test_an_extra_key_anywhere_is_reported_by_name(data: dict[str, Any],
                                                   draw: st.DataObject) -> None:
    places = [(("",), "")] + [((key, i), f"{key}[{i}]")
                              for key in ("observations", "conditions", "exposures")
                              for i in range(len(data.get(key, [])))]
    keys, where = draw.draw(st.sampled_from(places))
    name = draw.draw(st.sampled_from(["Id", "value2", "edss", "patient", "dob", "é", "ID "]))
    mutated = copy.deepcopy(data)
    target = mutated if where == "" else mutated[keys[0]][keys[1]]
    assume(name not in target)
    target[name] = draw.draw(arbitrary_json)
    result = _load(mutated)
    assert isinstance(result, InvalidRecord)
    assert result.field == (name if where == "" else f"{where}.{name}")
    assert "expected one of the fields" in str(result)


@FUZZ
@given(patients(), st.data())
def test_a_missing_required_key_is_reported_by_name(data: dict[str, Any],
                                                    draw: st.DataObject) -> None:
    required = {"observations": ("code", "value", "date"), "conditions": ("code", "onset"),
                "exposures": ("code", "start")}
    places = [("id", None, None)] + [(key, i, k) for key, ks in required.items()
                                     for i in range(len(data.get(key, []))) for k in ks]
    key, i, name = draw.draw(st.sampled_from(places))
    mutated = copy.deepcopy(data)
    if i is None:
        del mutated["id"]
        field = "id"
    else:
        del mutated[key][i][name]
        field = f"{key}[{i}].{name}"
    result = _load(mutated)
    assert isinstance(result, InvalidRecord)
    assert result.field == field


# ---------------------------------------------------------------- read_jsonl


def _read_all(lines: list[bytes] | list[str] | io.BufferedReader,
              **kwargs: Any) -> list[tuple[int, Record | LoadError]]:
    out = list(read_jsonl(lines, **kwargs))
    for number, item in out:
        assert isinstance(item, Record | LoadError)
        if isinstance(item, LoadError):
            assert item.line == number
            assert len(str(item)) <= MAX_MESSAGE
            assert str(item).isprintable(), "one line on a terminal"
    return out


def _has_non_finite(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


@FUZZ
@given(st.lists(arbitrary_json | shaped_junk() | patients(), min_size=1, max_size=3))
def test_json_text_lines_each_give_a_record_or_a_load_error(values: list[Any]) -> None:
    # allow_nan writes NaN / Infinity / -Infinity tokens, which the reader must refuse.
    # Odd lines as ASCII bytes (lone surrogates escaped as \\ud800), even ones as str.
    lines: list[Any] = [json.dumps(v, allow_nan=True, ensure_ascii=True).encode() if i % 2
                        else json.dumps(v, allow_nan=True, ensure_ascii=False)
                        for i, v in enumerate(values)]
    got = _read_all(lines)
    assert [n for n, _ in got] == list(range(1, len(lines) + 1))
    for (_, item), value in zip(got, values, strict=True):
        if _has_non_finite(value):
            assert isinstance(item, LoadError)
            assert item.field is None
            assert "is not a JSON number" in item.reason
        elif isinstance(item, Record):
            assert item == record_from_dict(value)
        else:
            assert item.field is not None  # valid JSON: the loader names the field


def _blank(raw: bytes, number: int) -> bool:
    if number == 1:
        raw = raw.removeprefix(b"\xef\xbb\xbf")
    return not raw.strip(b" \t\r\n")


@FUZZ
@given(st.lists(st.binary(max_size=60) | st.sampled_from(
    [b"\xef\xbb\xbf", b"\xa0", b"\xc2\xa0", b"\r", b" \t ", b"\x1c", b"\xe2\x80\xa8"]),
    min_size=1, max_size=8))
def test_arbitrary_bytes_never_raise_and_only_blank_lines_are_skipped(lines: list[bytes]) -> None:
    got = _read_all(lines)
    assert [n for n, _ in got] == [n for n, raw in enumerate(lines, 1) if not _blank(raw, n)]
    joined = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    streamed = _read_all(io.BufferedReader(io.BytesIO(joined)), max_line_length=40)
    assert [n for n, _ in streamed] == [
        n for n, raw in enumerate(joined.split(b"\n"), 1) if not _blank(raw, n)]


@FUZZ
@given(st.lists(st.text(max_size=40), min_size=1, max_size=8))
def test_arbitrary_text_lines_never_raise(lines: list[str]) -> None:
    got = _read_all(lines)
    assert [n for n, _ in got] == [n for n, line in enumerate(lines, 1)
                                   if (line.removeprefix("\ufeff") if n == 1 else line)
                                   .strip(" \t\r\n")]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("where", ["value", "top", "flag"])
def test_nan_and_infinity_tokens_are_refused(token: str, where: str) -> None:
    line = {
        "value": '{"id": "P1", "observations": [{"code": "edss", "value": %s, "date": "2026"}]}',
        "top": "%s",
        "flag": '{"id": "P1", "flags": {"consent": %s}}',
    }[where] % token
    ((_, item),) = _read_all([line])
    assert isinstance(item, LoadError)
    assert f"{token.lstrip('-')} is not a JSON number" in item.reason


def test_overflowing_json_number_is_refused_as_infinite() -> None:
    line = '{"id": "P1", "observations": [{"code": "weight", "value": 1e999, "date": "2026"}]}'
    ((_, item),) = _read_all([line])
    assert isinstance(item, LoadError)
    assert item.field == "observations[0].value"
    assert "inf" in item.reason


def test_integer_of_ten_thousand_digits_is_a_load_error() -> None:
    line = '{"id": "P1", "observations": [{"code": "x", "value": %s, "date": "2026"}]}' % (
        "9" * 10_000)
    ((_, item),) = _read_all([line])
    assert isinstance(item, LoadError)
    assert item.reason.startswith("not valid JSON")
    assert item.id == "P1"


# ---------------------------------------------------------------- the named cases


@pytest.mark.parametrize("value", [
    True, False, math.nan, math.inf, -math.inf, -0.5, -1, 10.5, 6.3, 1e308, 10**30, 10**5000,
    "4.5", None,
], ids=lambda v: _id(v))
def test_edss_values_that_are_not_edss_scores(value: Any) -> None:
    data = {"id": "P1", "observations": [{"code": "edss", "value": value, "date": "2026"}]}
    with pytest.raises(InvalidRecord) as info:
        record_from_dict(data)
    assert info.value.field == "observations[0].value"
    assert "in steps of 0.5" in str(info.value)
    assert len(str(info.value)) <= MAX_MESSAGE


def test_true_is_not_an_edss_of_one_even_in_a_json_line() -> None:
    line = b'{"id": "P1", "observations": [{"code": "edss", "value": true, "date": "2026"}]}'
    ((_, item),) = _read_all([line])
    assert isinstance(item, LoadError)
    assert item.field == "observations[0].value"
    assert "got True" in item.reason


@pytest.mark.parametrize("value", [1, 1.0, 0, True])
def test_numbers_are_not_flags(value: Any) -> None:
    with pytest.raises(InvalidRecord, match=r"flags\.consent"):
        record_from_dict({"id": "P1", "flags": {"consent": value if value is not True else 1}})


@pytest.mark.parametrize("value", [2**53 + 1, -(2**53) - 1, 10**400, 10**5000], ids=lambda v: _id(v))
def test_huge_whole_numbers_are_refused(value: int) -> None:
    data = {"id": "P1", "observations": [{"code": "cells", "value": value, "date": "2026"}]}
    with pytest.raises(InvalidRecord, match=r"observations\[0\]\.value") as info:
        record_from_dict(data)
    assert len(str(info.value)) <= MAX_MESSAGE


def test_large_and_negative_numbers_in_range_are_kept_exactly() -> None:
    data = {"id": "P1", "observations": [
        {"code": "cells", "value": 2**53, "date": "2026"},
        {"code": "balance", "value": -(2**53), "date": "2026"},
        {"code": "tiny", "value": -1e-300, "date": "2026"},
        {"code": "big", "value": 1.7e308, "date": "2026"}]}
    values = [o.value for o in record_from_dict(data).observations]
    assert values == [2**53, -(2**53), -1e-300, 1.7e308]


@pytest.mark.parametrize(("text", "why"), [
    ("0000-01-01", "year from 0001"), ("2027-02-30", "day from 01 to 28"),
    ("2027-13", "month from 01 to 12"), ("2027-00", "month from 01 to 12"),
    ("2027-02-29", "day from 01 to 28"), ("2027-1-1", "YYYY, YYYY-MM"),
    ("٢٠٢٧-٠١-٠١", "YYYY, YYYY-MM"), ("2027-01-01T00:00", "YYYY, YYYY-MM"),
    ("", "YYYY, YYYY-MM"), ("10000-01-01", "YYYY, YYYY-MM"),
])
@pytest.mark.parametrize("field", ["birth_date", "observations[0].date", "conditions[0].onset",
                                   "exposures[0].end", "complete.exposures"])
def test_impossible_dates_are_refused_at_their_path(text: str, why: str, field: str) -> None:
    data: dict[str, Any] = {
        "id": "P1", "birth_date": "1980-01-01",
        "observations": [{"code": "edss", "value": 4, "date": "2026"}],
        "conditions": [{"code": "ICD10:G35", "onset": "2010"}],
        "exposures": [{"code": "ATC:L01DB07", "start": "2020", "end": "2021"}],
        "complete": {"exposures": "2026-11-27"}}
    keys = {"birth_date": ("birth_date",), "observations[0].date": ("observations", 0, "date"),
            "conditions[0].onset": ("conditions", 0, "onset"),
            "exposures[0].end": ("exposures", 0, "end"),
            "complete.exposures": ("complete", "exposures")}[field]
    set_at(data, keys, text)
    with pytest.raises(InvalidRecord) as info:
        record_from_dict(data)
    assert info.value.field == field
    assert why in str(info.value)


def test_leap_day_in_a_leap_year_is_a_date() -> None:
    assert str(record_from_dict({"id": "P1", "birth_date": "2000-02-29"}).birth_date) == \
        "2000-02-29"


def _refused_at(field: str, value: Any) -> InvalidRecord:
    """A small valid patient with ``value`` put at ``field`` (a path as errors name it) is refused there."""
    data: dict[str, Any] = {"id": "P1",
                            "observations": [{"code": "hla", "value": "B27", "date": "2026",
                                              "unit": "allele"}],
                            "conditions": [{"code": "ICD10:G35", "onset": "2010", "note": "n"}]}
    keys = tuple(int(k) if k.isdigit() else k for k in re.split(r"[.\[\]]+", field) if k)
    set_at(data, keys, value)
    with pytest.raises(InvalidRecord) as info:
        record_from_dict(data)
    assert info.value.field == field
    return info.value


@pytest.mark.parametrize("text", ["", " ", "\t\n"])
@pytest.mark.parametrize("field", ["id", "observations[0].code", "observations[0].value",
                                   "observations[0].unit", "conditions[0].note"])
def test_empty_strings_are_refused(text: str, field: str) -> None:
    _refused_at(field, text)


@pytest.mark.parametrize("field", ["id", "observations[0].value", "conditions[0].note",
                                   "flags", "observations[0].unit"])
def test_very_long_strings_are_refused_in_a_short_message(field: str) -> None:
    long = "A" * 1_000_000
    error = _refused_at(field, {long: True} if field == "flags" else long)
    assert len(str(error)) <= MAX_MESSAGE


def test_a_very_long_unknown_key_is_named_briefly() -> None:
    with pytest.raises(InvalidRecord) as info:
        record_from_dict({"id": "P1", "k" * 100_000: 1})
    assert info.value.field.startswith("kkk")
    assert info.value.field.endswith("...")
    assert len(str(info.value)) <= MAX_MESSAGE


def test_unicode_is_welcome_in_ids_values_and_notes() -> None:
    record = record_from_dict({
        "id": "患者-é-\u05d0-😀", "observations": [{"code": "note_code", "value": "Ω≥3 😀",
                                                    "date": "2026"}],
        "conditions": [{"code": "ICD10:G35", "onset": "2010", "note": "línea 1\nlínea 2"}],
        "flags": {"größe_ok": True}})
    assert record.id == "患者-é-\u05d0-😀"
    assert record.flags["größe_ok"] is True


@pytest.mark.parametrize(("field", "text"), [
    ("id", "P\ud800"), ("observations[0].value", "\udfff"), ("conditions[0].note", "a\ud83d"),
    ("id", "P\n1"), ("id", "P\t1"), ("id", "P\x00"), ("id", "P\u2028"),
    ("observations[0].code", "ed\nss"), ("observations[0].unit", "k\rg"),
])
def test_unencodable_or_line_breaking_text_is_refused(field: str, text: str) -> None:
    _refused_at(field, text)


def test_lone_surrogate_from_json_text_is_a_load_error_naming_the_field() -> None:
    line = r'{"id": "P1", "conditions": [{"code": "ICD10:G35", "onset": "2010", "note": "\ud800"}]}'
    ((_, item),) = _read_all([line])
    assert isinstance(item, LoadError)
    assert item.field == "conditions[0].note"
    assert item.id == "P1"


# ---------------------------------------------------------------- 10,000 levels deep

DEPTH = 10_000
DEEP_PLACES = {
    "$": lambda deep: deep,
    "id": lambda deep: {"id": deep},
    "sex": lambda deep: {"id": "P1", "sex": deep},
    "birth_date": lambda deep: {"id": "P1", "birth_date": deep},
    "extra": lambda deep: {"id": "P1", "extra": deep},
    "observations": lambda deep: {"id": "P1", "observations": deep},
    "observations[0]": lambda deep: {"id": "P1", "observations": [deep]},
    "observations[0].value": lambda deep: {"id": "P1", "observations": [
        {"code": "x", "value": deep, "date": "2026"}]},
    "observations[0].value(edss)": lambda deep: {"id": "P1", "observations": [
        {"code": "edss", "value": deep, "date": "2026"}]},
    "conditions[0].end": lambda deep: {"id": "P1", "conditions": [
        {"code": "ICD10:G35", "onset": "2010", "end": deep}]},
    "flags.consent": lambda deep: {"id": "P1", "flags": {"consent": deep}},
    "complete": lambda deep: {"id": "P1", "complete": deep},
}


@pytest.mark.parametrize("place", sorted(DEEP_PLACES))
@pytest.mark.parametrize("shape", ["list", "dict"])
def test_ten_thousand_levels_deep_python_object(place: str, shape: str) -> None:
    deep = (deep_list if shape == "list" else deep_dict)(DEPTH)
    result = _load(DEEP_PLACES[place](deep))
    assert isinstance(result, InvalidRecord)
    expected = {("$", "dict"): "id", ("observations", "list"): "observations[0]",
                ("observations[0]", "dict"): "observations[0].a",
                ("complete", "dict"): "complete.a",
                ("observations[0].value(edss)", "list"): "observations[0].value",
                ("observations[0].value(edss)", "dict"): "observations[0].value"}
    assert result.field == expected.get((place, shape), place)


@pytest.mark.parametrize("place", sorted(DEEP_PLACES))
@pytest.mark.parametrize("shape", ["list", "dict"])
def test_ten_thousand_levels_deep_json_text(place: str, shape: str) -> None:
    opening, closing = ("[", "]") if shape == "list" else ('{"a": ', "}")
    marker = {"__deep__": 0}
    text = json.dumps(DEEP_PLACES[place](marker)).replace(
        '{"__deep__": 0}', opening * DEPTH + "1" + closing * DEPTH)
    ((number, item),) = _read_all([text.encode()])
    assert number == 1
    assert isinstance(item, LoadError)
    assert "nested too deeply" in item.reason
    assert item.id == ("P1" if place not in ("$", "id") else None)


def test_deep_but_parseable_json_is_refused_at_its_path() -> None:
    text = '{{"id": "P1", "observations": [{{"code": "x", "value": {}1{}, "date": "2026"}}]}}'.format(
        "[" * 500, "]" * 500)
    ((_, item),) = _read_all([text])
    assert isinstance(item, LoadError)
    assert item.field == "observations[0].value"
    assert len(item.reason) < 200
