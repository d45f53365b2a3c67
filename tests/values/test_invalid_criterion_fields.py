"""InvalidCriterion names the field, the value and what is allowed for every value a criterion
is built from (spans, code sets, domains) and for a protocol's own fields, as InvalidRecord
does for records, so a document reader adds only the JSON path. Expected values by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

from trialrules import CodeSet, Domain, Flag, InvalidCriterion, Latest, Lookback, Protocol, Span, Washout
from trialrules.formats.protocols import parse_protocol
from trialrules.values.errors import InvalidDocument

C = CodeSet("c", prefixes=["ATC:L01"])

CASES: list[tuple[Callable[[], Any], tuple[str | None, Any, str]]] = [
    (lambda: Span(months=-1), ("months", -1, "a whole number of months, 0 or more")),
    (lambda: Span(days=1.5), ("days", 1.5, "a whole number of days, 0 or more")),
    (lambda: Span(years=True), ("years", True, "a whole number of years, 0 or more")),
    (lambda: Washout(C, "3 months"),
     ("span", "3 months", "a span: Span(months=1) or relativedelta(months=1)")),
    (lambda: Lookback(C, relativedelta(hours=5)),
     ("span", relativedelta(hours=5), "a calendar span of whole years, months, weeks and days")),
    (lambda: Latest("edss", within=3), ("within", 3, "a span: Span(months=1) or relativedelta(months=1)")),
    (lambda: CodeSet("c", codes=["not a code"]),
     ("codes[0]", "not a code", "a code written SYSTEM:CODE, e.g. 'ATC:L01' or 'ICD10:C50'")),
    (lambda: CodeSet("c", prefixes=["ATC:L01", "L02"]),
     ("prefixes[1]", "L02", "a code written SYSTEM:CODE, e.g. 'ATC:L01' or 'ICD10:C50'")),
    (lambda: CodeSet("c", codes="ATC:L01"), ("codes", "ATC:L01", "a list of codes")),
    (lambda: CodeSet("c", codes=["ATC:L01", "ATC:" + "1" * 10_000]),
     ("codes[1]", "ATC:" + "1" * 10_000, "a code written SYSTEM:CODE, e.g. 'ATC:L01' or 'ICD10:C50'")),
    (lambda: CodeSet(" ", codes=[]), ("name", " ", "a non-empty string")),
    (lambda: CodeSet("c", source=""), ("source", "", "None or a non-empty string")),
    (lambda: Domain(5, 1), ("high", 1, "a number >= low (5)")),
    (lambda: Domain(0, 1, step=0), ("step", 0, "a number above 0, or None")),
    (lambda: Domain(0, 1, step=float("inf")), ("step", float("inf"), "a finite number")),
    (lambda: Domain(0, 1, unit=" mg"), ("unit", " mg", "a UCUM code such as 'mg/dL', or None")),
    (lambda: Domain(0, 1, unit="mg/dL", molar_mass=-1),
     ("molar_mass", -1, "a number of g/mol above 0, or None")),
    (lambda: Protocol("", "T"), ("id", "", "a non-empty string")),
    (lambda: Protocol("T", " "), ("title", " ", "a non-empty string")),
    (lambda: Protocol("T", "t", inclusion=[Flag("a"), "b"]), ("inclusion[1]", "b", "a criterion")),
    (lambda: Protocol("T", "t", exclusion=Flag("a")),
     ("exclusion", Flag("a"), "a list of criteria")),
    (lambda: Protocol("T", "t", domains={"edss": (0, 10)}), ("domains.edss", (0, 10), "a Domain")),
    (lambda: Protocol("T", "t", vocabulary={"edss": ["SNOMED:1", "273554001"]}),
     ("vocabulary.edss[1]", "273554001", "a code written SYSTEM:CODE, without control characters")),
    (lambda: Protocol("T", "t", vocabulary={"edss": "SNOMED:1"}),
     ("vocabulary.edss", "SNOMED:1", "a list of codes written SYSTEM:CODE")),
    (lambda: Protocol("T", "t", inclusion=[Flag("a", id="x")], exclusion=[Flag("b", id="x")]),
     (None, "x", "criterion ids each used once")),
]


@pytest.mark.parametrize(("build", "expected"), CASES)
def test_names_field_value_and_allowed(build: Callable[[], Any],
                                       expected: tuple[str | None, Any, str]) -> None:
    with pytest.raises(InvalidCriterion) as caught:
        build()
    assert (caught.value.field, caught.value.value, caught.value.allowed) == expected


@pytest.mark.parametrize(("change", "path", "value", "allowed"), [
    ({"vocabulary": {"edss": ["SNOMED:1", "SNOMED:1\u0007"]}}, "$.vocabulary.edss[1]",
     "SNOMED:1\u0007", "a code written SYSTEM:CODE, without control characters"),
    ({"vocabulary": {"edss": ["SNOMED:2", 7]}}, "$.vocabulary.edss[1]", 7,
     "a code written SYSTEM:CODE, without control characters"),
    ({"domains": {"edss2": {"low": 5, "high": 1}}}, "$.domains.edss2.high", 1,
     "a number >= low (5)"),
    ({"domains": {"edss2": {"low": 0, "high": 1, "step": 0}}}, "$.domains.edss2.step", 0,
     "a number above 0, or None"),
    ({"domains": {"g": {"low": 0, "high": 1, "molar_mass": 180}}}, "$.domains.g.unit", None,
     "a UCUM unit, which molar_mass converts values to"),
    ({"inclusion": [{"kind": "washout", "codes": {"name": "c", "prefixes": ["ATC:L01", "L02"]},
                     "span": {"months": 3}}]},
     "$.inclusion[0].codes.prefixes[1]", "L02",
     "a code written SYSTEM:CODE, e.g. 'ATC:L01' or 'ICD10:C50'"),
    ({"id": "T\u0007"}, "$.id", "T\u0007",
     "an id without control characters, line breaks or bidirectional overrides"),
])
def test_the_reader_adds_the_json_path(change: dict[str, Any], path: str, value: Any,
                                       allowed: str) -> None:
    document = {"trialrules": 1, "id": "T", "title": "t",
                "inclusion": [{"kind": "flag", "name": "a"}], **change}
    with pytest.raises(InvalidDocument) as caught:
        parse_protocol(json.dumps(document))
    assert (caught.value.path, caught.value.value, caught.value.expected) == (path, value, allowed)
