"""Lint: each finding at its boundary, and exactly one finding for the bundled protocol."""

from __future__ import annotations

import pytest

from trialrules import (
    AllOf,
    AnyOf,
    AtLeast,
    CodeSet,
    Criterion,
    Domain,
    Flag,
    Implies,
    Latest,
    Lookback,
    Not,
    OneOf,
    Placeholder,
    Protocol,
    Range,
    Span,
    Threshold,
    Washout,
)
from trialrules.protocols import get
from trialrules.tools.lint import CODES, Finding, lint

DOMAINS = {"hb": Domain(0, 30, name="haemoglobin"), "big": Domain(0, 1e30, step=1),
           "tiny": Domain(0, 1, step=5e-324)}


def codes_of(*inclusion: Criterion, exclusion: tuple[Criterion, ...] = ()) -> list[str]:
    protocol = Protocol("P", "T", inclusion=list(inclusion), exclusion=list(exclusion),
                        domains=DOMAINS)
    return [f.code for f in lint(protocol)]


def test_bundled_protocol_reports_exactly_the_duplicate_exclusion() -> None:
    findings = lint(get("NCT06228781"))
    assert findings == [Finding(
        "duplicate-criterion", "warning", ("exclusion.2", "exclusion.4"),
        "exclusion.2 and exclusion.4 are the same rule (ids and labels aside)")]


def test_finding_forms() -> None:
    finding = lint(get("NCT06228781"))[0]
    assert not finding.is_error
    assert finding.to_dict() == {"code": "duplicate-criterion", "severity": "warning",
                                 "criteria": ["exclusion.2", "exclusion.4"],
                                 "message": finding.message}
    assert str(finding).startswith("warning duplicate-criterion [exclusion.2, exclusion.4]: ")
    with pytest.raises(ValueError, match="severity 'fatal'"):
        Finding("x", "fatal", (), "m")
    assert {severity for severity, _ in CODES.values()} == {"error", "warning"}


def test_duplicates_ignore_ids_labels_and_flag_text_but_not_structure() -> None:
    assert codes_of(Flag("a", label="one"), Flag("a", label="two", text="a")) == [
        "duplicate-criterion"]
    assert codes_of(Flag("a"), Flag("a", expected=False)) == ["contradiction"]
    assert codes_of(Flag("a"), Flag("b")) == []
    # Not(Flag(a)) is Flag(a, expected=False) in all three values.
    assert codes_of(Not(Flag("a")), Flag("a", expected=False)) == ["duplicate-criterion"]
    assert codes_of(Range("hb", 1, 2), Range("hb", 1, 2, high_inclusive=False)) == []


@pytest.mark.parametrize(("criterion", "code"), [
    # EDSS runs 0..10 in steps of 0.5.
    (Range("edss", 6, 6), None),
    (Range("edss", 6, 6, low_inclusive=False), "empty-range"),
    (Range("edss", 5.5, 6, low_inclusive=False, high_inclusive=False), "empty-range"),
    (Range("edss", 5.5, 6.5, low_inclusive=False, high_inclusive=False), None),
    (Range("edss", 3.1, 3.4), "empty-range"),
    (Range("edss", 3.1, 3.5), None),
    (Range("edss", 0, 10), "always-met-bound"),
    (Range("edss", 3, 12), "bound-outside-domain"),
    (Range("edss", 11, 12), "empty-range"),
    (Threshold("edss", ">=", 11), "empty-range"),
    (Threshold("edss", ">=", 10), None),
    (Threshold("edss", ">", 10), "empty-range"),
    (Threshold("edss", "<", 0), "empty-range"),
    (Threshold("edss", "<=", 0), None),
    (Threshold("edss", ">=", 0), "always-met-bound"),
    (Threshold("edss", ">", -1), "always-met-bound"),
    (Threshold("edss_pyramidal", ">=", 2.5), None),
    (Threshold("edss_pyramidal", ">", 5.5), None),
    (Threshold("edss_pyramidal", ">", 6), "empty-range"),
    # A continuous domain (no step): only the bounds matter.
    (Range("hb", 30, 40), "bound-outside-domain"),
    (Threshold("hb", ">", 30), "empty-range"),
    (Threshold("hb", ">=", 30), None),
    (Threshold("hb", "<", 0), "empty-range"),
    (Range("hb", 0, 30), "always-met-bound"),
    (Range("hb", 0, 30, low_inclusive=False), None),
    (Range("hb", 1, 2), None),
    (Range("age", 18, 60), None),
    (Range("big", 10.0**20, 10.0**29), None),
    (Range("big", 0.5, 0.75), "empty-range"),
    (Threshold("tiny", ">", 5e-324), None),
    (Range("age", 151, 160), "empty-range"),
    (OneOf("edss", [3, 11]), "value-outside-domain"),
    (OneOf("edss", [11]), "empty-range"),
    (OneOf("edss", [3.5]), None),
    (Washout(CodeSet("d", prefixes=["ATC:L01"]), Span()), "zero-length-window"),
    (Washout(CodeSet("d", prefixes=["ATC:L01"]), Span(days=1)), None),
    (Lookback(CodeSet("d", prefixes=["ATC:L01"]), Span()), None),
    (Lookback(CodeSet("empty")), "empty-code-set"),
    (Threshold(Latest("edss", within=Span()), ">=", 3), "zero-length-window"),
    (Threshold("creatinine", "<=", 1.5), "undeclared-domain"),
    (OneOf("genotype", ["AA"]), None),
    (Placeholder("later"), "placeholders"),
])
def test_leaf_findings(criterion: Criterion, code: str | None) -> None:
    assert codes_of(criterion) == ([] if code is None else [code])


def test_nested_leaves_are_found_with_explanation_ids() -> None:
    protocol = Protocol("P", "T", inclusion=[AnyOf(Flag("a"), Threshold("edss", ">=", 11))])
    (finding,) = lint(protocol)
    assert finding.criteria == ("inclusion.1.2",)
    assert finding.is_error
    assert 'no value can satisfy "latest EDSS is at least 11"' in finding.message


def test_empty_code_set_in_washout_is_an_error() -> None:
    protocol = Protocol("P", "T", exclusion=[Not(Washout(CodeSet("none"), Span(months=1)))])
    (finding,) = lint(protocol)
    assert (finding.code, finding.criteria, finding.is_error) == (
        "empty-code-set", ("exclusion.1.1",), True)


def test_contradiction_between_inclusion_and_exclusion() -> None:
    edss = Range("edss", 3, 6)
    assert codes_of(edss, exclusion=(edss,)) == ["contradiction"]
    # Required through AllOf, excluding through AnyOf or an implication's consequent.
    assert codes_of(AllOf(Flag("x"), edss), exclusion=(AnyOf(Flag("y"), edss),)) == [
        "contradiction"]
    assert codes_of(edss, exclusion=(Implies(Flag("y"), edss),)) == ["contradiction"]
    assert codes_of(AtLeast(2, Flag("x"), edss), exclusion=(AtLeast(1, Flag("y"), edss),)) == [
        "contradiction"]
    # Not a contradiction: only part of an alternative, or only jointly excluding.
    assert codes_of(AnyOf(Flag("x"), edss), exclusion=(edss,)) == []
    assert codes_of(edss, exclusion=(AllOf(Flag("y"), edss),)) == []
    assert codes_of(edss, exclusion=(Not(edss),)) == []


def test_contradiction_message_names_both() -> None:
    protocol = Protocol("P", "T", inclusion=[Flag("a", text="a holds")],
                        exclusion=[Flag("a")])
    (finding,) = lint(protocol)
    assert finding.criteria == ("inclusion.1", "exclusion.1")
    assert finding.message == ('inclusion.1 requires "a is true", which excludes under '
                               "exclusion.1: no one can be eligible")


def test_placeholders_are_counted() -> None:
    protocol = Protocol("P", "T", inclusion=[Placeholder("one"), Flag("x")],
                        exclusion=[AnyOf(Placeholder("two"), Flag("y")), Placeholder("three")])
    (finding,) = lint(protocol)
    assert finding.code == "placeholders"
    assert finding.criteria == ("inclusion.1", "exclusion.1.1", "exclusion.2")
    assert finding.message == "3 criteria are not yet encoded (Placeholder)"
    assert not finding.is_error


def test_name_case_warns_for_every_record_that_holds_the_name() -> None:
    # Names seen to need no warning are remembered; a name that needs one never is.
    from trialrules import Flag, Observation, Protocol, Range, Record
    from trialrules.tools.lint import NameCase

    check = NameCase(Protocol("T", "t", inclusion=[Flag("consent"), Range("edss", 3, 6)]))
    wrong = Record("P1", flags={"Consent": True, "other": True},
                   observations=[Observation("EDSS", 4, "2026-01-01")])
    right = Record("P2", flags={"consent": True, "other": True},
                   observations=[Observation("edss", 4, "2026-01-01")])
    expected = ["observation code 'EDSS' matches the protocol's 'edss' only up to case; it is "
                "not read",
                "flag 'Consent' matches the protocol's 'consent' only up to case; it is not read"]
    for _ in range(3):
        assert check.warnings(wrong) == expected
        assert check.warnings(right) == []
