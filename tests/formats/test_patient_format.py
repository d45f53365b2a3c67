"""The patient file format: the shipped JSON Schema, the loader, and their agreement."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from trialrules import STANDARD_DOMAINS, InvalidRecord
from trialrules.formats.records import LoadError, read_jsonl, record_from_dict, record_to_dict
from trialrules.formats.schemas import patient_schema

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients.jsonl"
VALIDATOR = jsonschema.Draft202012Validator(patient_schema())

GOOD: dict[str, Any] = {
    "id": "P1", "birth_date": "1980-05-17", "sex": "female",
    "observations": [{"code": "edss", "value": 4.5, "date": "2026-10-02"},
                     {"code": "edss_pyramidal", "value": 3, "date": "2026-10-02"},
                     {"code": "edss_cerebellar", "value": 2, "date": "2026-10-02"}],
    "conditions": [{"code": "ICD10:C50.9", "onset": "2019-03", "end": "2020-01-10"}],
    "exposures": [{"code": "ATC:L01DB07", "start": "2026-09-01", "end": None}],
    "flags": {"ms_diagnosis_confirmed": True},
    "complete": {"exposures": "2026-11-20", "conditions": "2026-11-20"},
}


def _with(path: str, value: Any) -> dict[str, Any]:
    """GOOD with one value set (or, for the marker DELETE, removed) at a dotted path."""
    data = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return data


DELETE = object()


def test_shipped_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(patient_schema())


def test_schema_is_a_fresh_copy_each_time() -> None:
    first = patient_schema()
    first["required"].append("x")
    assert patient_schema()["required"] == ["id"]


def test_schema_domains_are_the_standard_domains() -> None:
    rules = patient_schema()["$defs"]["observation"]["allOf"]
    found = {r["if"]["properties"]["code"]["const"]: r["then"]["properties"]["value"]
             for r in rules}
    assert set(found) == set(STANDARD_DOMAINS)
    for code, domain in STANDARD_DOMAINS.items():
        assert found[code] == {"type": "number", "minimum": domain.low, "maximum": domain.high,
                               "multipleOf": domain.step}, code


def test_every_example_validates_and_loads() -> None:
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 25
    for number, line in enumerate(lines, 1):
        data = json.loads(line)
        VALIDATOR.validate(data)
        record = record_from_dict(data, line=number)
        assert record_to_dict(record)["id"] == data["id"]


def test_the_issue_example_validates_and_loads() -> None:
    VALIDATOR.validate(GOOD)
    record_from_dict(GOOD)


# Inputs both the loader and the schema accept.
ACCEPTED = [
    pytest.param({"id": "X"}, id="id only"),
    pytest.param(_with("birth_date", None), id="null birth date"),
    pytest.param(_with("sex", None), id="null sex"),
    pytest.param(_with("sex", "unknown"), id="sex unknown"),
    pytest.param(_with("sex", "other"), id="sex other"),
    pytest.param(_with("birth_date", "1980"), id="year only"),
    pytest.param(_with("birth_date", "1980-05"), id="year-month"),
    pytest.param(_with("birth_date", "2024-02-29"), id="29 Feb of a leap year"),
    pytest.param(_with("birth_date", "2000-02-29"), id="29 Feb 2000"),
    pytest.param(_with("birth_date", "2025-04-30"), id="30 April"),
    pytest.param(_with("birth_date", "2025-12-31"), id="31 December"),
    pytest.param(_with("observations.0.value", 0), id="edss 0"),
    pytest.param(_with("observations.0.value", 10), id="edss 10"),
    pytest.param(_with("observations.0.value", 6.0), id="edss 6.0"),
    pytest.param(_with("observations.1.value", 6), id="pyramidal 6"),
    pytest.param(_with("observations.1.value", 3.0), id="pyramidal 3.0"),
    pytest.param(_with("observations.2.value", 5), id="cerebellar 5"),
    pytest.param(_with("observations.0.unit", None), id="null unit"),
    pytest.param(_with("observations.0.unit", "points"), id="unit"),
    pytest.param(_with("observations.0", {"code": "jcv_index", "value": 0.35, "date": "2026"}),
                 id="observation without a domain"),
    pytest.param(_with("observations.0", {"code": "oligoclonal_bands", "value": True,
                                          "date": "2026-01"}), id="boolean observation"),
    pytest.param(_with("observations.0", {"code": "mri", "value": "new T2 lesion",
                                          "date": "2026-01-02"}), id="text observation"),
    pytest.param(_with("conditions.0.end", None), id="ongoing condition"),
    pytest.param(_with("conditions.0.end", DELETE), id="condition without end"),
    pytest.param(_with("conditions.0.note", "in remission"), id="note"),
    pytest.param(_with("exposures.0.note", None), id="null note"),
    pytest.param(_with("flags", {}), id="no flags"),
    pytest.param(_with("complete", {"observations": "2026-11"}), id="partial completeness"),
    pytest.param(_with("complete", {"conditions": {"from": "2015-01-01", "through": "2026-11-20"}}),
                 id="completeness period"),
    pytest.param(_with("complete", {"exposures": [{"from": "2015-01", "through": "2018-03-31"},
                                                  {"from": "2018-04-02", "through": "2026"}]}),
                 id="completeness periods with a gap"),
    pytest.param(_with("complete", {"observations": {"through": "2026-11-20"}}),
                 id="completeness period from birth"),
    pytest.param(_with("observations", []), id="empty list"),
    pytest.param(_with("observations.0", {"code": "alt", "value": 52, "unit": "U/L",
                                          "date": "2026-01-02",
                                          "reference_range": {"low": 7, "high": 40}}),
                 id="reference range"),
    pytest.param(_with("observations.0", {"code": "alt", "value": 52, "date": "2026-01-02",
                                          "reference_range": {"low": None, "high": 40}}),
                 id="upper limit only"),
    pytest.param(_with("observations.0", {"code": "alt", "value": 52, "date": "2026-01-02",
                                          "reference_range": {"low": 3}}),
                 id="lower limit only"),
    pytest.param(_with("dates", {"informed_consent": "2027-03-20"}), id="named date"),
    pytest.param(_with("dates", {"informed_consent": "2027-03"}), id="partial named date"),
    pytest.param(_with("dates", {}), id="no named dates"),
]


@pytest.mark.parametrize("data", ACCEPTED)
def test_loader_and_schema_accept(data: dict[str, Any]) -> None:
    VALIDATOR.validate(data)
    record_from_dict(data)


# Inputs both reject: (data, the field path the loader names, words of what was allowed).
REJECTED = [
    pytest.param(_with("nmae", "x"), "nmae", "one of the fields", id="unknown top-level key"),
    pytest.param(_with("observations.0.vlaue", 1), "observations[0].vlaue", "one of the fields",
                 id="unknown observation key"),
    pytest.param(_with("conditions.0.stop", "2020"), "conditions[0].stop", "one of the fields",
                 id="unknown condition key"),
    pytest.param(_with("exposures.0.dose", 12), "exposures[0].dose", "one of the fields",
                 id="unknown exposure key"),
    pytest.param(_with("complete.medications", "2026"), "complete.medications",
                 "conditions, exposures, observations", id="unknown history"),
    pytest.param(_with("id", DELETE), "id", "non-empty string", id="no id"),
    pytest.param(_with("id", 17), "id", "non-empty string", id="numeric id"),
    pytest.param(_with("id", "  "), "id", "non-empty string", id="blank id"),
    pytest.param(_with("id", "x" * 201), "id", "at most 200", id="long id"),
    pytest.param(_with("birth_date", "1980-13-01"), "birth_date", "date", id="month 13"),
    pytest.param(_with("birth_date", "17/05/1980"), "birth_date", "YYYY-MM-DD", id="slashes"),
    pytest.param(_with("birth_date", "2025-02-29"), "birth_date", "date",
                 id="29 Feb of a common year"),
    pytest.param(_with("birth_date", "1900-02-29"), "birth_date", "date", id="29 Feb 1900"),
    pytest.param(_with("birth_date", "2025-04-31"), "birth_date", "date", id="31 April"),
    pytest.param(_with("birth_date", "0000"), "birth_date", "year", id="year 0"),
    pytest.param(_with("birth_date", 1980), "birth_date", "YYYY", id="number as date"),
    pytest.param(_with("birth_date", "1980-5-17"), "birth_date", "YYYY-MM-DD", id="short month"),
    pytest.param(_with("birth_date", "1980-05-17T00:00"), "birth_date", "YYYY-MM-DD",
                 id="datetime"),
    pytest.param(_with("birth_date", "١٩٨٠"), "birth_date", "YYYY", id="non-ASCII digits"),
    pytest.param(_with("sex", "F"), "sex", "female, male, other, unknown", id="sex F"),
    pytest.param(_with("sex", "Female"), "sex", "female, male, other, unknown", id="sex case"),
    pytest.param(_with("sex", True), "sex", "female, male, other, unknown", id="sex bool"),
    pytest.param(_with("observations", {"code": "edss"}), "observations", "a list",
                 id="observations not a list"),
    pytest.param(_with("observations.0", "edss 4"), "observations[0]", "an object",
                 id="observation not an object"),
    pytest.param(_with("observations.0.value", DELETE), "observations[0].value", "required",
                 id="observation without value"),
    pytest.param(_with("observations.0.date", DELETE), "observations[0].date", "required",
                 id="observation without date"),
    pytest.param(_with("observations.0.value", 6.3), "observations[0].value", "steps of 0.5",
                 id="edss off grid"),
    pytest.param(_with("observations.0.value", 10.5), "observations[0].value", "0 to 10",
                 id="edss above 10"),
    pytest.param(_with("observations.0.value", -0.5), "observations[0].value", "0 to 10",
                 id="edss below 0"),
    pytest.param(_with("observations.0.value", True), "observations[0].value", "number",
                 id="edss boolean"),
    pytest.param(_with("observations.0.value", "4.5"), "observations[0].value", "number",
                 id="edss string"),
    pytest.param(_with("observations.0.value", None), "observations[0].value", "number",
                 id="edss null"),
    pytest.param(_with("observations.1.value", 7), "observations[1].value",
                 "whole number from 0 to 6", id="pyramidal 7"),
    pytest.param(_with("observations.1.value", 2.5), "observations[1].value",
                 "whole number from 0 to 6", id="pyramidal 2.5"),
    pytest.param(_with("observations.2.value", 6), "observations[2].value",
                 "whole number from 0 to 5", id="cerebellar 6"),
    pytest.param(_with("observations.2.value", False), "observations[2].value",
                 "whole number from 0 to 5", id="cerebellar boolean"),
    pytest.param(_with("observations.0", {"code": "x", "value": [1], "date": "2026"}),
                 "observations[0].value", "number", id="list value"),
    pytest.param(_with("observations.0.date", "2026-10-32"), "observations[0].date", "date",
                 id="day 32"),
    pytest.param(_with("observations.0.unit", ""), "observations[0].unit", "non-empty",
                 id="empty unit"),
    pytest.param(_with("observations.0.code", ""), "observations[0].code", "non-empty",
                 id="empty observation code"),
    pytest.param(_with("conditions.0.code", "C50.9"), "conditions[0].code", "SYSTEM:CODE",
                 id="code without system"),
    pytest.param(_with("conditions.0.onset", DELETE), "conditions[0].onset", "required",
                 id="condition without onset"),
    pytest.param(_with("conditions.0.note", 5), "conditions[0].note", "non-empty string",
                 id="numeric note"),
    pytest.param(_with("exposures.0.start", "2026-9-1"), "exposures[0].start", "YYYY-MM-DD",
                 id="bad start"),
    pytest.param(_with("exposures.0.end", "yesterday"), "exposures[0].end", "YYYY-MM-DD",
                 id="bad end"),
    pytest.param(_with("exposures.0.code", DELETE), "exposures[0].code", "non-empty string",
                 id="exposure without code"),
    pytest.param(_with("flags", {"consent": "yes"}), "flags.consent", "true or false",
                 id="flag string"),
    pytest.param(_with("flags", {"consent": 1}), "flags.consent", "true or false",
                 id="flag number"),
    pytest.param(_with("flags", {"consent": None}), "flags.consent", "true or false",
                 id="flag null"),
    pytest.param(_with("flags", {"": True}), "flags", "non-empty string", id="empty flag name"),
    pytest.param(_with("flags", [True]), "flags", "object", id="flags list"),
    pytest.param(_with("complete", {"exposures": "2026-02-30"}), "complete.exposures", "date",
                 id="bad completeness date"),
    pytest.param(_with("complete", None), "complete", "object", id="null complete"),
    pytest.param(["P1"], "$", "JSON object", id="array"),
    pytest.param(_with("observations.0.reference_range", {"low": None, "high": None}),
                 "observations[0].reference_range", "a low or a high limit", id="empty range"),
    pytest.param(_with("observations.0.reference_range", {"high": "40"}),
                 "observations[0].reference_range.high", "finite number", id="text limit"),
    pytest.param(_with("observations.0.reference_range", {"high": 40, "uln": 40}),
                 "observations[0].reference_range.uln", "high, low", id="unknown range key"),
    pytest.param(_with("observations.0.reference_range", [7, 40]),
                 "observations[0].reference_range", "an object", id="range list"),
    pytest.param(_with("dates", {"informed_consent": "2027-02-30"}), "dates.informed_consent",
                 "date", id="bad named date"),
    pytest.param(_with("dates", {"informed_consent": None}), "dates.informed_consent",
                 "date", id="null named date"),
    pytest.param(_with("dates", ["2027-03-20"]), "dates", "object", id="dates list"),
    pytest.param(_with("complete", {"conditions": {"from": "2015-01-01"}}), "complete.conditions",
                 "a period", id="period without through"),
    pytest.param(_with("complete", {"conditions": {"from": "2015-01-01", "through": "2026",
                                                   "until": "2027"}}),
                 "complete.conditions", "a period", id="period with an unknown key"),
    pytest.param(_with("complete", {"conditions": []}), "complete.conditions",
                 "non-empty list", id="no periods"),
    pytest.param(_with("complete", {"conditions": [{"from": "2015-01-01", "through": "2015-02-30"}]}),
                 "complete.conditions[0].through", "date", id="period through 30 February"),
]


@pytest.mark.parametrize(("data", "field", "allowed"), REJECTED)
def test_loader_and_schema_reject(data: Any, field: str, allowed: str) -> None:
    assert not VALIDATOR.is_valid(data), "the schema accepted it"
    with pytest.raises(InvalidRecord) as caught:
        record_from_dict(data, line=7)
    error = caught.value
    assert error.field == field
    assert error.line == 7
    assert allowed in error.allowed
    assert "line 7" in str(error)
    if isinstance(data, dict) and isinstance(data.get("id"), str) and data["id"].strip() \
            and len(data["id"]) <= 200:
        assert error.patient == data["id"]
        assert f"patient {data['id']!r}" in str(error)


def test_loader_only_rule_period_from_after_through() -> None:
    """A period that ends before it starts: like an event's end, a rule the schema cannot state."""
    data = _with("complete", {"conditions": {"from": "2026-11-21", "through": "2026-11-20"}})
    assert VALIDATOR.is_valid(data)
    with pytest.raises(InvalidRecord, match=r"complete\.conditions\.from.*on or before through"):
        record_from_dict(data)


def test_loader_only_rule_end_before_start() -> None:
    """The one rule the schema cannot state: an end on or after its start."""
    data = _with("conditions.0.end", "2019-02-28")
    assert VALIDATOR.is_valid(data)
    with pytest.raises(InvalidRecord, match=r"conditions\[0\]\.end.*on or after onset 2019-03"):
        record_from_dict(data)


def test_jsonl_errors_name_line_patient_path_and_what_was_allowed() -> None:
    good = json.dumps(GOOD)
    bad = dict(GOOD, observations=[*GOOD["observations"][:2],
                                   {"code": "edss", "value": 6.3, "date": "2026-10-02"}])
    bad["id"] = "P2"
    lines = [good.encode(), b"\n", json.dumps(bad).encode(), b'{"id": "P3", "sex": "F"}',
             b"{not json", b'{"id": "P5", "x": NaN}']
    items = list(read_jsonl(lines))
    assert [n for n, _ in items] == [1, 3, 4, 5, 6]
    errors = [item for _, item in items if isinstance(item, LoadError)]
    assert [(e.line, e.id, e.field) for e in errors] == [
        (3, "P2", "observations[2].value"), (4, "P3", "sex"), (5, None, None), (6, "P5", None)]
    assert str(errors[0]) == ("line 3, patient 'P2': observations[2].value: got 6.3; expected a "
                              "number from 0 to 10 in steps of 0.5 (for edss)")
    assert "one of female, male, other, unknown" in errors[1].reason
    assert "NaN" in errors[3].reason


def test_an_error_never_dumps_the_record() -> None:
    secret = "a note that must not leak " * 20
    data = _with("conditions.0.note", secret)
    data["sex"] = "F"
    with pytest.raises(InvalidRecord) as caught:
        record_from_dict(data)
    assert "must not leak" not in str(caught.value)
