"""Protocol documents: round trips, stable output, strict reading with JSON paths, limits."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies as ts
from helpers import AS_OF
from json_strategies import strict_json
from trialrules import (
    AllOf,
    CodeSet,
    Criterion,
    Flag,
    InvalidDocument,
    Lookback,
    Not,
    Protocol,
    Range,
    Record,
    Span,
    TrialRulesError,
    Washout,
)
from trialrules.formats.protocols import (
    FORMAT_VERSION,
    MAX_BYTES,
    MAX_DEPTH,
    codeset_from_dict,
    codeset_to_dict,
    criterion_from_dict,
    criterion_to_dict,
    dump_protocol,
    load_protocol_file,
    parse_document,
    parse_protocol,
    protocol_from_dict,
    protocol_to_dict,
)
from trialrules.formats.schema import protocol_schema, schema_errors
from trialrules.protocols import get
from trialrules.values.domains import Domain

BUNDLED_JSON = Path(__file__).resolve().parents[2] / "src/trialrules/protocols/NCT06228781.json"


def _outcome(criterion: Criterion, record: Record) -> Any:
    try:
        return criterion.evaluate(record, AS_OF).to_dict()
    except TrialRulesError as exc:  # bad input must be bad input for both
        return type(exc).__name__


# -- properties ---------------------------------------------------------------


@given(ts.any_criteria())
def test_criterion_round_trips(criterion: Criterion) -> None:
    data = criterion_to_dict(criterion)
    assert criterion_from_dict(data) == criterion
    # ... and through JSON text, which is what files hold.
    assert criterion_from_dict(json.loads(json.dumps(data))) == criterion


@given(ts.any_criteria(), ts.protocol_records())
def test_round_tripped_criterion_evaluates_identically(criterion: Criterion,
                                                       record: Record) -> None:
    again = criterion_from_dict(json.loads(json.dumps(criterion_to_dict(criterion))))
    assert _outcome(again, record) == _outcome(criterion, record)


@given(ts.protocols())
def test_protocol_round_trips_and_output_is_stable(protocol: Protocol) -> None:
    text = dump_protocol(protocol)
    again = parse_protocol(text)
    assert again == protocol
    assert dump_protocol(again) == text
    assert text.endswith("}\n")
    # Sorted keys, fixed indent: re-serializing the parsed text changes nothing.
    assert json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n" == text


@settings(max_examples=50)  # jsonschema is slow; 50 documents cover every kind many times
@given(ts.protocols())
def test_every_written_document_passes_the_schema(protocol: Protocol) -> None:
    assert schema_errors(protocol_to_dict(protocol)) == []


# -- examples -----------------------------------------------------------------


def test_defaults_are_left_out_and_keys_named() -> None:
    assert criterion_to_dict(Range("edss", 3, 6, high_inclusive=False, label="L")) == {
        "kind": "range", "source": {"kind": "latest", "code": "edss"}, "low": 3, "high": 6,
        "high_inclusive": False, "label": "L"}
    assert criterion_to_dict(Lookback(CodeSet("c", prefixes=["ICD10:C"]))) == {
        "kind": "lookback", "codes": {"name": "c", "prefixes": ["ICD10:C"]}, "span": None}


def test_lookback_ever_and_current_stay_distinct() -> None:
    codes = CodeSet("c", prefixes=["ICD10:C"])
    ever, current = Lookback(codes), Lookback(codes, Span())
    assert criterion_to_dict(ever)["span"] is None
    assert criterion_to_dict(current)["span"] == {}
    assert criterion_from_dict(criterion_to_dict(current)) == current
    # An absent span means "ever", as in Python.
    assert criterion_from_dict({"kind": "lookback", "codes": {"name": "c",
                                                              "prefixes": ["ICD10:C"]}}) == ever


def test_codeset_round_trips_sorted() -> None:
    codes = CodeSet("x", prefixes=["ICD10:C50", "ATC:L01"], codes=["RXNORM:2"])
    assert codeset_to_dict(codes) == {"name": "x", "prefixes": ["ATC:L01", "ICD10:C50"],
                                      "codes": ["RXNORM:2"]}
    assert codeset_from_dict(codeset_to_dict(codes)) == codes
    assert codeset_to_dict(CodeSet("empty")) == {"name": "empty"}


def test_bundled_protocol_file_equals_the_python_encoding() -> None:
    protocol = get("NCT06228781")
    assert load_protocol_file(BUNDLED_JSON) == protocol
    assert BUNDLED_JSON.read_text(encoding="utf-8") == dump_protocol(protocol)


def test_ids_labels_domains_vocabulary_and_flag_text_round_trip() -> None:
    protocol = Protocol(
        "P", "T",
        inclusion=[Range("hb", 12, 18, id="hb.ok", label="Hb 12–18 g/dL"),
                   AllOf(Flag("a", text="a holds", id="inner"), Flag("b"), label="both")],
        exclusion=[Not(Washout(CodeSet("d", codes=["ATC:L01AA01"]), Span(weeks=2)))],
        domains={"hb": Domain(0, 30, name="haemoglobin", unit="g/dL")},
        vocabulary={"hb": ["LOINC:718-7"]})
    data = protocol_to_dict(protocol)
    assert data["domains"] == {"hb": {"low": 0, "high": 30, "name": "haemoglobin",
                                      "unit": "g/dL"}}
    assert data["vocabulary"] == {"hb": ["LOINC:718-7"]}
    assert data["inclusion"][1]["items"][0] == {"kind": "flag", "name": "a", "text": "a holds",
                                                "id": "inner"}
    assert protocol_from_dict(data) == protocol
    assert protocol_from_dict(data).inclusion[0].label == "Hb 12–18 g/dL"


def test_standard_domains_are_not_written() -> None:
    assert "domains" not in protocol_to_dict(get("NCT06228781"))


# -- malformed documents -------------------------------------------------------


def _doc() -> dict[str, Any]:
    return copy.deepcopy(protocol_to_dict(get("NCT06228781")))


def _set(path: list[Any], value: Any) -> dict[str, Any]:
    doc = _doc()
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


BAD = [
    (_set(["inclusion", 2, "low"], "3"), "$.inclusion[2].low", "'3'", "finite number"),
    (_set(["inclusion", 2, "low"], True), "$.inclusion[2].low", "True", "not true/false"),
    (_set(["inclusion", 2, "low"], 7), "$.inclusion[2].high", "6", "a number >= low (7)"),
    (_set(["inclusion", 2, "lo"], 3), "$.inclusion[2].lo", "3", "no such key"),
    (_set(["inclusion", 2, "kind"], "between"), "$.inclusion[2].kind", "'between'",
     "a criterion kind"),
    (_set(["inclusion", 3, "items"], []), "$.inclusion[3].items", "[]", "at least one"),
    (_set(["inclusion", 3, "items", 1, "operator"], "=>"), "$.inclusion[3].items[1].operator",
     "'=>'", "'>='"),
    (_set(["exclusion", 1, "child", "span", "months"], -1), "$.exclusion[1].child.span.months",
     "-1", "whole number >= 0"),
    (_set(["exclusion", 1, "child", "codes", "prefixes", 0], "L01"),
     "$.exclusion[1].child.codes.prefixes[0]", "'L01'", "SYSTEM:CODE"),
    (_set(["exclusion", 7, "assume_false_if", "values"], "male"),
     "$.exclusion[7].assume_false_if.values", "'male'", "a list"),
    (_set(["exclusion", 7, "assume_false_if", "values"], [True]),
     "$.exclusion[7].assume_false_if.values[0]", "True", "string or a finite number"),
    (_set(["exclusion", 4, "on"], "drugs"), "$.exclusion[4].on", "'drugs'", "'conditions'"),
    (_set(["exclusion", 0, "expected"], "no"), "$.exclusion[0].expected", "'no'", "true or false"),
    (_set(["inclusion", 0, "source"], {"kind": "weight"}), "$.inclusion[0].source.kind",
     "'weight'", "a value source"),
    (_set(["inclusion", 0, "id"], "exclusion.1"), "$.exclusion[0].id", "'exclusion.1'",
     "not already used (at $.inclusion[0].id)"),
    (_set(["inclusion"], {}), "$.inclusion", "{}", "a list of criteria"),
    (_set(["inclusion", 0], 5), "$.inclusion[0]", "5", "a criterion"),
    (_set(["title"], " "), "$.title", "' '", "protocol title"),
    (_set(["colour"], "red"), "$.colour", "'red'", "no such key"),
    (_set(["domains"], {"hb": {"low": 5, "high": 1}}), "$.domains.hb.high", "1", ">= low"),
    (_set(["vocabulary"], {"hb": ["718-7"]}), "$.vocabulary.hb[0]", "'718-7'", "SYSTEM:CODE"),
    (_set(["trialrules"], "1"), "$.trialrules", "'1'", "a format version"),
    (_set(["trialrules"], True), "$.trialrules", "True", "a format version"),
    ([], "$", "[]", "a protocol document"),
]


@pytest.mark.parametrize(("doc", "path", "value", "expected"), BAD)
def test_malformed_documents_name_path_value_and_expectation(doc: Any, path: str, value: str,
                                                             expected: str) -> None:
    with pytest.raises(InvalidDocument) as info:
        protocol_from_dict(doc)
    assert info.value.path == path
    assert f"{path} = {value};" in str(info.value)
    assert expected in info.value.expected


def test_missing_required_key_is_named() -> None:
    doc = _doc()
    del doc["inclusion"][2]["high"]
    with pytest.raises(InvalidDocument, match=r"\$\.inclusion\[2\]\.high = None; .*requires 'high'"):
        protocol_from_dict(doc)


def test_newer_format_version_is_refused_clearly() -> None:
    with pytest.raises(InvalidDocument, match=r"\$\.trialrules = 2; .*cannot read a newer format;"
                                              r" upgrade trialrules"):
        protocol_from_dict(_set(["trialrules"], FORMAT_VERSION + 1))


def test_missing_format_version_is_refused() -> None:
    doc = _doc()
    del doc["trialrules"]
    with pytest.raises(InvalidDocument, match="format version"):
        protocol_from_dict(doc)


def test_automatic_id_clash_is_named() -> None:
    doc = _doc()
    doc["inclusion"][0]["id"] = "inclusion.2"
    del doc["inclusion"][1]["id"]
    with pytest.raises(InvalidDocument, match=r"\$\.inclusion\[1\] = 'inclusion.2'; .*explicit id"):
        protocol_from_dict(doc)


def test_text_level_problems() -> None:
    good = dump_protocol(get("NCT06228781"))
    with pytest.raises(InvalidDocument, match="valid JSON"):
        parse_protocol(good[:-5])
    with pytest.raises(InvalidDocument, match="each key at most once"):
        parse_protocol('{"trialrules": 1, "trialrules": 1}')
    with pytest.raises(InvalidDocument, match="no NaN"):
        parse_protocol('{"trialrules": NaN}')
    with pytest.raises(InvalidDocument, match="UTF-8"):
        parse_protocol(b'{"id": "\xff"}')
    assert parse_protocol(b"\xef\xbb\xbf" + good.encode()) == get("NCT06228781")


def test_size_limit() -> None:
    with pytest.raises(InvalidDocument, match=f"at most {MAX_BYTES} bytes"):
        parse_protocol(b" " * (MAX_BYTES + 1))


def test_depth_limits_never_escape_as_recursion_error() -> None:
    deep: dict[str, Any] = {"kind": "flag", "name": "x"}
    for _ in range(MAX_DEPTH + 1):
        deep = {"kind": "not", "child": deep}
    with pytest.raises(InvalidDocument, match="nested at most"):
        criterion_from_dict(deep)
    text = '{"trialrules": 1, "id": "X", "title": "T", "inclusion": ' + "[" * 100_000
    with pytest.raises(InvalidDocument, match=r"nested|valid JSON"):
        parse_protocol(text)
    text = '{"trialrules": 1, "id": "X", "title": "T", "inclusion": [' + "[" * 5_000 + "]" * 5_000 + "]}"
    with pytest.raises(InvalidDocument, match="nested at most"):
        parse_protocol(text)


def test_cyclic_in_memory_value_is_refused() -> None:
    doc: dict[str, Any] = {"kind": "not"}
    doc["child"] = doc
    with pytest.raises(InvalidDocument):
        criterion_from_dict(doc)


def test_wrong_types_never_escape_as_builtin_errors() -> None:
    for value in (None, 1, "x", [], {}, {"kind": None}, {"kind": ["range"]}, {1: 2},
                  {"kind": "range", "source": "edss", "low": 1, "high": 2},
                  {"kind": "all_of", "items": [None]}, {"kind": "at_least", "k": 3,
                                                        "items": [{"kind": "placeholder"}]}):
        with pytest.raises(InvalidDocument):
            criterion_from_dict(value)


def test_parse_document_checks_json_only() -> None:
    assert parse_document('{"a": 1}') == {"a": 1}


def test_schema_ships_in_the_package_and_is_valid() -> None:
    import jsonschema

    schema = protocol_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["trialrules"] == {"description": "Format version.",
                                                  "const": FORMAT_VERSION}


def test_schema_errors_name_the_path() -> None:
    errors = schema_errors(_set(["inclusion", 2, "low"], "3"))
    assert errors == ["$.inclusion[2].low: '3' is not of type 'number'"]
    errors = schema_errors(_set(["exclusion", 1, "child", "span"], {"moons": 1}))
    assert errors == ["$.exclusion[1].child.span: Additional properties are not allowed "
                      "('moons' was unexpected)"]


def test_one_of_refuses_booleans_as_values() -> None:
    # True is not the number 1: a OneOf over booleans would never match and could not be
    # written to a document, so it is refused when built.
    from trialrules import InvalidCriterion, OneOf

    with pytest.raises(InvalidCriterion, match="True must be a string or a finite number"):
        OneOf("x", [True])


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _places(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _places(item, (*path, i))
    return out


@settings(max_examples=100)  # a smoke test here; the reader is fuzzed at length elsewhere
@given(ts.protocols(), st.data())
def test_any_corruption_is_a_protocol_or_invalid_document(protocol: Protocol,
                                                          data: st.DataObject) -> None:
    doc = protocol_to_dict(protocol)
    place = data.draw(st.sampled_from(_places(doc)[1:]))
    target: Any = doc
    for key in place[:-1]:
        target = target[key]
    if data.draw(st.booleans()):
        target[place[-1]] = data.draw(strict_json)
    elif isinstance(target, dict):
        target[data.draw(st.text(max_size=5))] = data.draw(strict_json)
    error: InvalidDocument | None = None
    try:
        protocol_from_dict(doc)
    except InvalidDocument as exc:  # anything else (KeyError, TypeError, ...) fails the test
        error = exc
    assert error is None or error.path.startswith("$")
