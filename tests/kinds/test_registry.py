"""Every registered kind has a codec, a schema entry, a description, boundary cases and an
independent oracle (tests/kinds/oracles.py) that agrees with it on those cases."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from oracles import ORACLES

from trialrules import (
    Age,
    AllOf,
    AnyOf,
    AtLeast,
    CodeSet,
    Criterion,
    Flag,
    Implies,
    Latest,
    Lookback,
    Not,
    OneOf,
    Placeholder,
    Protocol,
    Range,
    Sex,
    Span,
    Threshold,
    Washout,
)
from trialrules.engine.registry import kinds, sources
from trialrules.formats.schemas import protocol_schema, shipped_protocol_schema
from trialrules.kinds.combinators import Anchored
from trialrules.kinds.criteria import AnyObservation
from trialrules.kinds.sources import Change, ExposureDays, ReferenceMultiple
from trialrules.testing import boundary_cases

AS_OF = date(2027, 3, 31)  # a month end: windows reach back to 28 February
CYTO = CodeSet("cytotoxic agents", prefixes=["ATC:L01"])
TUMOURS = CodeSet("malignant tumours", prefixes=["ICD10:C"])

#: Sample criteria of each kind: what the checks below run on.
EXAMPLES: dict[str, list[Criterion]] = {
    "range": [Range("edss", 3, 6), Range(Age(), 18, 60, high_inclusive=False),
              Range(Latest("edss", within=Span(months=6)), 2, 4),
              Range(Change("weight", Span(months=3), relative=True), -5, 5)],
    "threshold": [Threshold("edss_pyramidal", ">=", 3), Threshold(Age(unit="months"), "<", 6),
                  Threshold(ExposureDays(CodeSet("steroids", prefixes=["ATC:H02"]),
                                         Span(months=6)), ">", 28),
                  Threshold(ReferenceMultiple("alt"), ">", 3)],
    "one_of": [OneOf(Sex(), ["female"]), OneOf("edss", [1, 2])],
    "flag": [Flag("consent"), Flag("pregnancy", False, assume_false_if=OneOf(Sex(), ["male"]))],
    "washout": [Washout(CYTO, Span(months=1))],
    "lookback": [Lookback(TUMOURS, Span(years=5)),
                 Lookback(CYTO, Span(), on="exposures", at_least=2),
                 Lookback(CYTO, on="exposures", at_least=2, count="codes"),
                 Lookback(TUMOURS, Span(months=12), starting=True)],
    "placeholder": [Placeholder("Life expectancy severely limited")],
    "all_of": [AllOf(Flag("a"), Range("edss", 3, 6))],
    "any_of": [AnyOf(Flag("a"), Threshold(Age(), ">=", 18))],
    "at_least": [AtLeast(2, Flag("a"), Flag("b"), Flag("c"))],
    "not": [Not(Washout(CYTO, Span(months=1)))],
    "implies": [Implies(Flag("had_cytotoxic"), Flag("marrow_normal"))],
    "any_observation": [AnyObservation(Threshold("gd_lesions", ">=", 1), Span(months=3))],
    "anchored": [Anchored("informed_consent", Threshold(Age(), ">=", 18))],
}
#: Which examples use each registered value source.
SOURCE_USERS = {"age": "range", "sex": "one_of", "latest": "range", "change": "range",
                "exposure_days": "threshold", "reference_multiple": "threshold"}


def _registered() -> list[str]:
    return sorted(kinds())


@pytest.mark.parametrize("tag", _registered())
def test_every_kind_has_examples_and_an_oracle(tag: str) -> None:
    assert tag in EXAMPLES, f"kind {tag!r} has no example in tests/kinds/test_registry.py"
    assert tag in ORACLES, f"kind {tag!r} has no independent oracle in tests/kinds/oracles.py"
    assert all(type(c) is kinds()[tag] for c in EXAMPLES[tag])


@pytest.mark.parametrize("tag", _registered())
def test_codec_round_trips(tag: str) -> None:
    for c in EXAMPLES[tag]:
        data = c.to_dict()
        assert data["kind"] == tag
        assert Criterion.from_dict(data) == c
        assert eval(repr(c)) == c
        assert c.anonymous() == c.with_id("x").anonymous()


@pytest.mark.parametrize("tag", _registered())
def test_schema_entry_accepts_what_the_codec_writes(tag: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = protocol_schema()
    assert schema["$defs"][tag]["properties"]["kind"] == {"const": tag}
    protocol = Protocol("T", "T", inclusion=EXAMPLES[tag])
    jsonschema.validate(protocol.to_dict(), schema)


def test_the_shipped_schema_file_is_what_the_fields_derive() -> None:
    def normal(schema: dict[str, Any]) -> dict[str, Any]:
        defs = schema["$defs"]
        defs["criterion"]["properties"]["kind"]["enum"].sort()
        defs["criterion"]["allOf"].sort(key=repr)
        defs["source"]["oneOf"].sort(key=repr)
        return schema

    assert normal(protocol_schema()) == normal(shipped_protocol_schema())


@pytest.mark.parametrize("tag", _registered())
def test_has_a_description(tag: str) -> None:
    for c in EXAMPLES[tag]:
        text = c.describe()
        assert isinstance(text, str)
        assert text
        assert text != c.describe.__doc__


@pytest.mark.parametrize("tag", _registered())
def test_boundary_cases_agree_with_the_oracle(tag: str) -> None:
    checked = 0
    for c in EXAMPLES[tag]:
        cases = boundary_cases(c.with_id("c"), AS_OF)
        assert cases, f"{c!r} has no boundary cases"
        assert {case.expected for case in cases} >= ({c.decide(cases[0].record, AS_OF)})
        for case in cases:
            want = ORACLES[tag](c, case.record, case.as_of)
            if want is None:
                continue
            checked += 1
            assert want is case.expected, (c, case)
            assert c.decide(case.record, case.as_of) is want, (c, case)
            assert c.evaluate(case.record, case.as_of).outcome is want, (c, case)
    assert checked >= len(EXAMPLES[tag])


@pytest.mark.parametrize("tag", sorted(sources()))
def test_every_source_is_used_by_an_example(tag: str) -> None:
    assert tag in SOURCE_USERS, f"value source {tag!r} has no example"
    users = [c for c in EXAMPLES[SOURCE_USERS[tag]] if type(c.source).kind == tag]  # type: ignore[attr-defined]
    assert users
    for c in users:
        assert Criterion.from_dict(c.to_dict()) == c
