"""The APIs as the issues spell them: names, keywords and call shapes an outside tester would use."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings

from trialrules import (
    Age,
    CodeSet,
    Criterion,
    Flag,
    InvalidDocument,
    Lookback,
    Outcome,
    Protocol,
    Range,
    Span,
    Threshold,
    Washout,
)
from trialrules.protocols import get

AS_OF = date(2027, 3, 31)
DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"


# -- issue 4: to_dict() / from_dict() on criteria, code sets and protocols ----------------


@pytest.mark.parametrize("criterion", [
    Range(Age(), 18, 60, id="inclusion.1", label="Age 18-60 years;"),
    Threshold(source="edss_pyramidal", operator=">=", bound=3),
    Flag(name="consent", expected=False),
    Washout(CodeSet("cytotoxic agents", prefixes=["ATC:L01"]), Span(months=1)),
    Lookback(CodeSet("malignancy", prefixes=["ICD10:C"]), Span(years=5), at_least=2),
    Range("edss", 3, 6) & ~Flag("pregnant"),
    *get("NCT06228781").criteria,
])
def test_criterion_to_dict_from_dict_round_trip(criterion: Criterion) -> None:
    data = criterion.to_dict()
    assert data == criterion.to_dict()
    assert Criterion.from_dict(data) == criterion
    assert type(criterion).from_dict(data) == criterion


def test_criterion_from_dict_of_another_kind_names_the_kind() -> None:
    with pytest.raises(InvalidDocument, match=r"\$\.kind = 'flag'; expected a Range document"):
        Range.from_dict(Flag("consent").to_dict())


def test_criterion_from_dict_names_the_json_path() -> None:
    data = Range("edss", 3, 6).to_dict()
    data["low"] = "three"
    with pytest.raises(InvalidDocument, match=r"\$\.low = 'three'"):
        Criterion.from_dict(data)


def test_codeset_and_protocol_round_trip_through_methods() -> None:
    protocol = get("NCT06228781")
    codes = CodeSet("cytotoxic agents", prefixes=["ATC:L01"], codes=["RXNORM:3002"])
    assert CodeSet.from_dict(codes.to_dict()) == codes
    document = protocol.to_dict()
    assert document["trialrules"] == 1
    assert Protocol.from_dict(document) == protocol


# -- issue 4: lint(protocol) and diff(old, new) callable as the issue writes them ---------


def test_lint_and_diff_import_from_the_package() -> None:
    import trialrules
    from trialrules import diff, lint

    protocol = get("NCT06228781")
    findings = lint(protocol)  # type: ignore[operator]
    assert [(f.code, f.criteria) for f in findings] == [
        ("duplicate-criterion", ("exclusion.2", "exclusion.4"))]
    assert trialrules.tools.lint.lint(protocol) == findings

    amended = attrs.evolve(protocol, inclusion=[
        c.evolve(high=6.5) if c.id == "inclusion.3" else c for c in protocol.inclusion])
    changed = diff(protocol, amended).changed  # type: ignore[operator]
    assert [(c.criterion, c.field, c.old, c.new) for c in changed] == [("inclusion.3", "high", 6, 6.5)]
    assert trialrules.tools.diff.diff(protocol, amended).changed == changed


# -- issue 5: records_for(criterion, outcome, as_of) by keyword -----------------------------

EDSS = Range("edss", 3, 6)


@settings(max_examples=10)
@given(__import__("trialrules.testing", fromlist=["records_for"]).records_for(
    criterion=EDSS, outcome=Outcome.NOT_MET, as_of=AS_OF))
def test_records_for_takes_the_issue_keywords(record: object) -> None:
    assert EDSS.decide(record, AS_OF) is Outcome.NOT_MET  # type: ignore[arg-type]


# -- issue 9: record_from_bundle(bundle) by keyword ------------------------------------------


def test_record_from_bundle_takes_bundle_keyword() -> None:
    from trialrules.formats.fhir import record_from_bundle

    path = DATA / "synthea_Carroll471_OHara248.json"
    assert record_from_bundle(bundle=path) == record_from_bundle(path)


# -- issues 3 and 8: a key given twice is bad input, not silently last-wins ------------------


def test_duplicate_keys_in_a_patient_line_are_a_load_error() -> None:
    from trialrules.formats.records import LoadError, read_jsonl

    lines = ['{"id": "P1", "observations": [{"code": "edss", "value": 4, "value": 9, '
             '"date": "2026-01-01"}]}',
             '{"id": "P2", "sex": "male", "sex": "female"}',
             '{"id": "P3"}']
    items = dict(read_jsonl(lines))
    assert isinstance(items[1], LoadError)
    assert "'value' appears twice" in items[1].reason
    assert isinstance(items[2], LoadError)
    assert "'sex' appears twice" in items[2].reason
    assert items[2].id == "P2"
    assert not isinstance(items[3], LoadError)


# -- issue 2: a value off its domain names what it is (the observation code) -------------


def test_off_domain_value_names_the_observation_code() -> None:
    from trialrules import InvalidRecord, Observation, Record
    from trialrules.formats.records import record_from_dict

    with pytest.raises(InvalidRecord, match=r"observations\[0\]\.value = 4\.3; .*0\.5 \(for edss\)"):
        record_from_dict({"id": "P9", "observations": [
            {"code": "edss", "value": 4.3, "date": "2026-10-02"}]})
    record = Record("P9", observations=[Observation("edss_pyramidal", 7, "2026-10-02")])
    with pytest.raises(InvalidRecord, match=r"P9.*= 7; .*0 to 6 \(for edss_pyramidal\)"):
        Threshold("edss_pyramidal", ">=", 3).evaluate(record, AS_OF)
