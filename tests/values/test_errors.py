"""Invalid arguments, table-driven: every constructor says what was wrong and how to fix it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from helpers import CYTOTOXIC
from trialrules import (
    AllOf,
    AnyOf,
    AtLeast,
    CodeSet,
    Domain,
    Exposure,
    Flag,
    Implies,
    InvalidCriterion,
    InvalidDocument,
    InvalidRecord,
    Latest,
    Lookback,
    Not,
    Observation,
    OneOf,
    PartialDate,
    Placeholder,
    Protocol,
    Range,
    Record,
    Sex,
    Span,
    Threshold,
    TrialRulesError,
    Washout,
    icd10_range,
)

A = Flag("a")

CASES: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    # Range
    ("range low above high", lambda: Range("edss", 6, 3), InvalidCriterion,
     r"Range cannot have low=6 > high=3; swap them, or use Threshold"),
    ("range bool bound", lambda: Range("edss", True, 3), InvalidCriterion,
     r"low=True must be a finite number \(not a bool\)"),
    ("range nan bound", lambda: Range("edss", 0, float("nan")), InvalidCriterion,
     r"high=nan must be a finite number"),
    ("range string bound", lambda: Range("edss", "3", 6), InvalidCriterion,
     r"low='3' must be a finite number"),
    ("range inclusive flag", lambda: Range("edss", 3, 6, low_inclusive=1), InvalidCriterion,
     r"low_inclusive=1 must be True or False"),
    ("range bad source", lambda: Range(3, 1, 2), InvalidCriterion,
     r"source 3 is not a value source; use Age\(\), Sex\(\), Latest\('code'\)"),
    ("range on sex", lambda: Range(Sex(), 1, 2), InvalidCriterion,
     r"Range compares numbers, but sex is categorical; use OneOf\(Sex\(\), \['female'\]\)"),
    # Threshold
    ("threshold on sex", lambda: Threshold("sex", ">=", 1), InvalidCriterion,
     r"Threshold compares numbers, but sex is categorical"),
    ("bad operator", lambda: Threshold("edss", "=>", 3), InvalidCriterion,
     r"unknown operator '=>'; use one of '>=', '>', '<=', '<'"),
    ("equality operator", lambda: Threshold("edss", "==", 3), InvalidCriterion,
     r"unknown operator '=='; use one of"),
    ("unhashable operator", lambda: Threshold("edss", [">="], 3), InvalidCriterion,
     r"unknown operator \['>='\]; use one of"),
    ("threshold bool bound", lambda: Threshold("edss", ">=", False), InvalidCriterion,
     r"bound=False must be a finite number"),
    # OneOf
    ("one-of a string", lambda: OneOf(Sex(), "male"), InvalidCriterion,
     r"OneOf values 'male' must be a collection, e.g. \['male'\]"),
    ("one-of empty", lambda: OneOf(Sex(), []), InvalidCriterion, r"OneOf needs at least one value"),
    ("one-of a bool hidden by 1", lambda: OneOf("hla", [1, True]), InvalidCriterion,
     r"OneOf value True must be a string or a finite number"),
    ("one-of a None", lambda: OneOf("blood_group", [None]), InvalidCriterion,
     r"OneOf value None must be a string or a finite number"),
    ("one-of a bool", lambda: OneOf("hla", [True]), InvalidCriterion,
     r"OneOf value True must be a string or a finite number \(a bool would match 1\)"),
    # Flag
    ("flag empty name", lambda: Flag(""), InvalidCriterion, r"flag name '' must be a non-empty"),
    ("flag expected not bool", lambda: Flag("consent", "yes"), InvalidCriterion,
     r"expected='yes' must be True or False"),
    ("flag guard not criterion", lambda: Flag("pregnant", assume_false_if="male"),
     InvalidCriterion, r"assume_false_if='male' must be a criterion or None"),
    # Washout and Lookback
    ("washout without span", lambda: Washout(CYTOTOXIC, None), InvalidCriterion,
     r"a Washout needs a Span such as Span\(months=1\)"),
    ("washout int span", lambda: Washout(CYTOTOXIC, 30), InvalidCriterion,
     r"30 is not a span; use Span\(months=1\) or relativedelta\(months=1\)"),
    ("washout codes not a set", lambda: Washout(["ATC:L01"], Span(months=1)), InvalidCriterion,
     r"codes=\['ATC:L01'\] must be a CodeSet"),
    ("lookback history", lambda: Lookback(CYTOTOXIC, on="drugs"), InvalidCriterion,
     r"on='drugs' must be 'conditions' or 'exposures'"),
    ("lookback at_least zero", lambda: Lookback(CYTOTOXIC, at_least=0), InvalidCriterion,
     r"at_least=0 must be a whole number >= 1"),
    ("lookback at_least bool", lambda: Lookback(CYTOTOXIC, at_least=True), InvalidCriterion,
     r"at_least=True must be a whole number >= 1"),
    # Span
    ("negative span", lambda: Span(months=-1), InvalidCriterion,
     r"Span months=-1 is negative; a window reaches back from as_of"),
    ("fractional span", lambda: Span(years=0.5), InvalidCriterion,
     r"Span years=0.5 must be a whole number"),
    ("positional span", lambda: Span(1), TypeError, r"positional argument"),
    # Latest
    ("latest empty code", lambda: Latest(""), InvalidCriterion,
     r"an observation code must be a non-empty string"),
    ("latest within days", lambda: Latest("edss", within=90), InvalidCriterion,
     r"90 is not a span; use Span\(months=1\) or relativedelta"),
    # combinators
    ("all-of empty", lambda: AllOf(), InvalidCriterion, r"AllOf needs at least one criterion"),
    ("any-of non-criterion", lambda: AnyOf(A, True), InvalidCriterion,
     r"AnyOf takes criteria, but got True"),
    ("at-least k too big", lambda: AtLeast(3, A, A), InvalidCriterion,
     r"AtLeast k=3 must be a whole number from 1 to the number of criteria \(2\)"),
    ("at-least k zero", lambda: AtLeast(0, A), InvalidCriterion, r"AtLeast k=0"),
    ("not a string", lambda: Not("a"), InvalidCriterion, r"child='a' must be a criterion"),
    ("implies non-criterion", lambda: Implies(A, 1), InvalidCriterion,
     r"consequent=1 must be a criterion"),
    ("blank id", lambda: Flag("a", id=" "), InvalidCriterion,
     r"criterion id ' ' must be a non-empty string or None"),
    ("label not text", lambda: AllOf(A, label=3), InvalidCriterion,
     r"criterion label 3 must be a string or None"),
    ("placeholder label", lambda: Placeholder(3), InvalidCriterion, r"criterion label 3"),
    # code sets
    ("code without system", lambda: CodeSet("x", prefixes=["L01"]), InvalidCriterion,
     r"CodeSet prefixes entry 'L01' is not a code; write codes as SYSTEM:CODE"),
    ("codes as a string", lambda: CodeSet("x", codes="ATC:L01"), InvalidCriterion,
     r"expected a collection of codes, got the string 'ATC:L01'"),
    ("code set without name", lambda: CodeSet(""), InvalidCriterion,
     r"CodeSet name '' must be a non-empty string"),
    ("icd10 range letters", lambda: icd10_range("ICD10", "B20", "C24"), InvalidCriterion,
     r"ICD-10 range 'B20'-'C24' must be two categories like 'C00'-'C97'"),
    # domains
    ("domain low above high", lambda: Domain(10, 0), InvalidCriterion,
     r"Domain cannot have low=10 > high=0"),
    ("domain step", lambda: Domain(0, 10, step=0), InvalidCriterion,
     r"Domain step=0 must be above 0"),
    # protocol
    ("protocol without title", lambda: Protocol("T", ""), InvalidCriterion,
     r"protocol title '' must be a non-empty string"),
    # records and dates
    ("unknown sex", lambda: Record("P1", sex="f"), InvalidRecord,
     r"patient 'P1': sex = 'f'; expected one of female, male, other, unknown"),
    ("bad date string", lambda: Observation("edss", 3, "2027-02-30"), InvalidRecord,
     r"date = '2027-02-30'; expected a real calendar date \(a day from 01 to 28 in 2027-02\)"),
    ("datetime", lambda: Record("P1", birth_date=datetime(1980, 1, 1, 12)), InvalidRecord,
     r"birth_date = datetime.datetime\(1980, 1, 1, 12, 0\); expected a date without a time"),
    ("partial date month", lambda: PartialDate(2021, 13), InvalidRecord,
     r"month = 13; expected a month from 01 to 12"),
    ("end before start", lambda: Exposure("ATC:L01", "2021-02", "2021-01"), InvalidRecord,
     r"end = '2021-01'; expected a date on or after start 2021-02"),
    ("edss off domain", lambda: Range("edss", 3, 6).decide(
        Record("P1", observations=[Observation("edss", 6.3, "2026-10-01")]), date(2026, 11, 1)),
     InvalidRecord,
     r"patient 'P1': observations\[0\]\.value = 6\.3; expected a number from 0 to 10 in steps "
     r"of 0\.5"),
    ("as_of a datetime", lambda: A.decide(Record("P1"), datetime(2026, 11, 1)), InvalidRecord,
     r"as_of = datetime.datetime\(2026, 11, 1, 0, 0\); expected a datetime.date"),
    ("as_of a string", lambda: A.decide(Record("P1"), "2026-11-01"), InvalidRecord,
     r"as_of = '2026-11-01'; expected a datetime.date"),
    ("evaluate a dict", lambda: A.evaluate({"id": "P1"}, date(2026, 11, 1)), TypeError,
     r"expected a trialrules Record to evaluate, got dict"),
]


@pytest.mark.parametrize(("build", "error", "match"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_invalid_arguments(build: Callable[[], Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        build()
    if error is not TypeError:
        assert isinstance(info.value, TrialRulesError)
        assert isinstance(info.value, ValueError)   # mixed with the builtin it refines


def test_exception_hierarchy() -> None:
    for cls in (InvalidCriterion, InvalidRecord, InvalidDocument):
        assert issubclass(cls, TrialRulesError)
        assert issubclass(cls, ValueError)
    error = InvalidDocument("$.inclusion[2].low", 7, "a number at most high (6)")
    assert str(error) == "$.inclusion[2].low = 7; expected a number at most high (6)"
    assert (error.path, error.value, error.expected) == ("$.inclusion[2].low", 7,
                                                          "a number at most high (6)")


def test_structured_attributes() -> None:
    with pytest.raises(InvalidRecord) as info:
        Record("P1", sex="F")
    assert (info.value.field, info.value.value, info.value.allowed) == (
        "sex", "F", "one of female, male, other, unknown")
    assert re.search(r"sex = 'F'", str(info.value))


def test_decide_stops_early_but_evaluate_checks_every_value() -> None:
    """Documented in docs/semantics.md §10: decide() short-circuits, evaluate() does not."""
    rule = AllOf(Flag("a"), Range("edss", 3, 6))
    record = Record("P1", flags={"a": False},
                    observations=[Observation("edss", 6.3, "2026-10-01")])
    as_of = date(2026, 11, 1)
    assert rule.decide(record, as_of).value == "not_met"
    with pytest.raises(InvalidRecord, match=r"observations\[0\]\.value = 6\.3"):
        rule.evaluate(record, as_of)
