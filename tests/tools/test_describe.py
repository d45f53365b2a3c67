"""Criteria as plain-English sentences, and whole protocols for review (golden output)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import CYTOTOXIC
from trialrules import (
    AllOf,
    AnyOf,
    CodeSet,
    Flag,
    Implies,
    Lookback,
    Not,
    Protocol,
    Range,
    Span,
    Threshold,
    Washout,
)
from trialrules.protocols import get
from trialrules.protocols.nct06228781 import MALIGNANCY
from trialrules.tools.describe import describe_protocol

#: The issue's examples name the class alone (the bundled set also lists RxNorm codes).

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; TRIALRULES_REGOLD=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("TRIALRULES_REGOLD") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_the_issue_examples_read_as_written() -> None:
    assert Range("edss", 3, 6).describe() == "latest EDSS is between 3 and 6 (both inclusive)"
    assert Washout(CYTOTOXIC, Span(months=1)).describe() == (
        "no exposure to cytotoxic agents (ATC L01) in the 1 month before the reference date, "
        "ongoing exposure included")
    sentence = get("NCT06228781").criterion("inclusion.6").describe()
    assert sentence.startswith("if ever exposed to cytotoxic agents (ATC L01, ")
    assert sentence.endswith("), then bone marrow morphology is normal and cytogenetics are normal")


def test_windows_read_like_ohdsi() -> None:
    assert Lookback(MALIGNANCY, Span(years=5)).describe().endswith(
        "in the 5 years before the reference date, ongoing included")
    assert Lookback(MALIGNANCY, Span()).describe().endswith("ongoing on the reference date")
    assert Lookback(MALIGNANCY).describe().endswith("at any time before the reference date")
    assert Lookback(CYTOTOXIC, Span(months=6), on="exposures", at_least=2).describe() == (
        "exposed to cytotoxic agents (ATC L01) on at least 2 occasions in the 6 months before "
        "the reference date, ongoing exposure included")
    assert Lookback(CYTOTOXIC, Span(), on="exposures").describe() == (
        "currently exposed to cytotoxic agents (ATC L01) (exposure ongoing on the reference date)")
    assert Washout(CYTOTOXIC, Span()).describe() == (
        "no exposure to cytotoxic agents (ATC L01) on the reference date, ongoing included")


def test_negations_read_naturally() -> None:
    washout = Washout(CYTOTOXIC, Span(months=1))
    assert Not(washout).describe() == (
        "exposure to cytotoxic agents (ATC L01) in the 1 month before the reference date, "
        "ongoing exposure included")
    assert Not(Not(washout)).describe() == washout.describe()
    assert Not(Range("edss", 3, 6)).describe() == (
        "not (latest EDSS is between 3 and 6 (both inclusive))")
    assert Flag("x").describe() == "x is true"
    assert Not(Flag("x")).describe() == "x is false"
    assert Flag("x", False, text="there is fibrosis").describe() == "there is no fibrosis"
    assert Flag("x", False, text="there are signs").describe() == "there are no signs"
    assert Flag("x", False, text="there is no doubt").describe() == (
        "it is not the case that there is no doubt")
    assert Not(Flag("x", text="consent is given")).describe() == (
        "it is not the case that consent is given")


def test_grouping_brackets_only_where_needed() -> None:
    a, b, c = Flag("a"), Flag("b"), Flag("c")
    assert AllOf(a, AnyOf(b, c)).describe() == "a is true and (b is true or c is true)"
    assert Implies(a, AllOf(b, c)).describe() == "if a is true, then b is true and c is true"
    assert AllOf(Implies(a, b), c).describe() == "(if a is true, then b is true) and c is true"
    assert Threshold("edss_pyramidal", ">=", 3).describe() == (
        "latest EDSS pyramidal functional score is at least 3")


def test_flag_text_is_display_only() -> None:
    plain, worded = Flag("x"), Flag("x", text="x holds")
    assert plain != worded
    assert plain.anonymous() == worded.anonymous()
    assert repr(worded) == "Flag('x', text='x holds')"


def test_show_golden_text() -> None:
    golden("NCT06228781.show.txt", describe_protocol(get("NCT06228781")))


def test_show_golden_markdown() -> None:
    golden("NCT06228781.show.md", describe_protocol(get("NCT06228781"), "markdown"))


def test_markdown_escapes_and_empty_sections() -> None:
    protocol = Protocol("P", "T", inclusion=[Flag("x", label="a | b\nc")])
    text = describe_protocol(protocol, "markdown")
    assert "| inclusion.1 | a \\| b c | x is true |" in text
    assert "## Exclusion criteria\n\n(none)\n" in text
    assert "(no registry text)" in describe_protocol(Protocol("P", "T", inclusion=[Flag("x")]))


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format 'html'"):
        describe_protocol(get("NCT06228781"), "html")


def test_codeset_description_lists_members() -> None:
    assert CodeSet("x", prefixes=["ATC:L01", "ATC:L04"]).describe() == "x (ATC L01, ATC L04)"
