"""Mutants: the plausible slips the generator makes, and the committed deck kills them all."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import attrs
import pytest

from helpers import AS_OF
from trialrules import (
    AllOf,
    AnyOf,
    AtLeast,
    CodeSet,
    Flag,
    Implies,
    Latest,
    Lookback,
    Not,
    OneOf,
    Protocol,
    Range,
    Sex,
    Span,
    Threshold,
    Washout,
)
from trialrules.engine.source import Source
from trialrules.protocols.nct06228781 import PROTOCOL
from trialrules.testing import (
    Deck,
    DeckCase,
    boundary_cases,
    load_deck,
    make_deck,
    mutants,
    mutation_score,
)
from trialrules.testing.mutants import narrower, replace_child

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "examples" / "NCT06228781.cases.jsonl"
#: docs/testing.md states the bundled deck's score: the figures must be current.
TESTING_DOC = " ".join((ROOT / "docs" / "testing.md").read_text(encoding="utf-8").split())


def _slips(criterion: object) -> list[str]:
    trial = Protocol("T", "A trial", inclusion=[criterion])  # type: ignore[list-item]
    return [m.slip for m in mutants(trial)]


def test_the_slips_of_a_range_and_a_threshold() -> None:
    assert _slips(Range("edss", 3, 6)) == [
        "low bound 3 -> 2.5", "low bound 3 -> 3.5", "low bound inclusive -> exclusive",
        "high bound 6 -> 5.5", "high bound 6 -> 6.5", "high bound inclusive -> exclusive",
        "source within added (1 year)"]
    assert _slips(Threshold("edss_pyramidal", ">=", 3)) == [
        "bound 3 -> 2", "bound 3 -> 4", "operator >= -> >", "source within added (1 year)"]


def test_the_slips_of_windows_and_code_sets() -> None:
    washout = _slips(Washout(CodeSet("c", prefixes=["ATC:L01"], codes=["RXNORM:1"]),
                             Span(months=1)))
    assert washout == [
        "span 1 month -> 30 days", "span 1 month -> 31 days", "span 1 month -> 4 weeks",
        "span 1 month -> 5 weeks", "span 1 month -> 2 months", "span 1 month -> 1 month 1 day",
        "c without prefix ATC:L01", "c prefix ATC:L01 narrowed to ATC:L01A",
        "c without code RXNORM:1"]
    ever = _slips(Lookback(CodeSet("c", codes=["ICD10:B20"])))
    assert ever[:1] == ["span added (1 year)"]
    assert "at least 1 -> 2" in ever
    latest = _slips(Range(Latest("edss", within=Span(months=3)), 3, 6))
    assert "source within 3 months dropped (no window)" in latest
    assert "source within 3 months -> 91 days" not in latest  # 3 months -> 90/93 days
    assert "source within 3 months -> 90 days" in latest


def test_the_slips_of_combinators_and_flags() -> None:
    a, b = Flag("a"), Flag("b")
    assert _slips(AnyOf(a, b))[0] == "AnyOf -> AllOf"
    assert _slips(AllOf(a, b))[0] == "AllOf -> AnyOf"
    assert _slips(Implies(a, b))[0] == "implication inverted (the converse)"
    assert _slips(Not(a))[0] == "negation dropped"
    assert _slips(AtLeast(2, a, b, Flag("c")))[:2] == ["at least 2 -> 1 of 3", "at least 2 -> 3 of 3"]
    assert _slips(Flag("p", assume_false_if=OneOf(Sex(), ["male"])))[:2] == [
        "flag p expected true -> false", "flag p assume_false_if dropped"]


def test_narrowing_one_level() -> None:
    assert narrower("ATC:L01") == "ATC:L01A"
    assert narrower("ATC:L01A") == "ATC:L01AA"
    assert narrower("ATC:L01AA") == "ATC:L01AA01"
    assert narrower("ICD10:B20") == "ICD10:B20.0"
    assert narrower("SNOMED:123") == "SNOMED:1230"


def test_replace_child_rebuilds_every_combinator() -> None:
    a, b, c = Flag("a"), Flag("b"), Flag("c")
    assert replace_child(AllOf(a, b), 1, c) == AllOf(a, c)
    assert replace_child(AtLeast(1, a, b), 0, c) == AtLeast(1, c, b)
    assert replace_child(Implies(a, b), 0, c) == Implies(c, b)
    assert replace_child(Not(a), 0, c) == Not(c)
    cond = Flag("p", assume_false_if=a)
    assert replace_child(cond, 0, c) == Flag("p", assume_false_if=c)


def test_mutant_names_are_unique_and_every_mutant_differs() -> None:
    found = list(mutants(PROTOCOL))
    names = Counter(m.name for m in found)
    assert max(names.values()) == 1
    assert all(m.protocol != PROTOCOL for m in found)
    assert {m.target for m in found} == {c.id for c in PROTOCOL.criteria}


def test_the_committed_deck_kills_every_generated_mutant() -> None:
    # None of NCT06228781's generated mutants is equivalent: each changes some
    # outcome on some valid record, and the deck holds such a record for each.
    deck = load_deck(COMMITTED, PROTOCOL)
    score = mutation_score(PROTOCOL, deck)
    assert score.survived == (), str(score)
    assert score.total > 500
    assert f"the committed deck ({len(deck)} cases" in TESTING_DOC
    assert f"kills **{score.total} of {score.total}** generated mutants" in TESTING_DOC
    assert str(score).startswith(f"{score.total} of {score.total} mutants killed, 0 survived")


def test_boundary_cases_alone_leave_survivors() -> None:
    # What the deck adds: boundary cases alone miss code-set and span slips.
    cases = boundary_cases(PROTOCOL, AS_OF)
    deck = Deck(PROTOCOL.id, tuple(
        DeckCase(f"c{i}", c.target or "", c.as_of, c.expected, c.description, c.record)
        for i, c in enumerate(cases)))
    score = mutation_score(PROTOCOL, deck)
    survivors = {m.name for m in score.survived}
    assert f"boundary cases alone kill {len(score.killed)} of the {score.total}:" in TESTING_DOC
    assert "exclusion.3: active or chronic infections without prefix ICD10:B20" in survivors
    assert "exclusion.2.1: cytotoxic agents prefix ATC:L01 narrowed to ATC:L01A" in survivors
    assert "exclusion.2.1: span 1 month -> 31 days" in survivors
    assert "inclusion.3: source within added (1 year)" in survivors


def test_an_equivalent_mutant_survives_and_the_score_says_so() -> None:
    # The check can fail: a bound moved by less than the grid is the same rule on
    # every valid record. Given as a mutant by hand, it survives and is listed.
    trial = Protocol("T", "A trial", inclusion=[Range("edss", 3, 6)])
    deck = make_deck(trial, AS_OF)
    same = next(m for m in mutants(trial) if m.slip == "low bound 3 -> 2.5")
    off_grid = type(same)(same.target, same.node, "low bound 3 -> 2.75",
                          Protocol("T", "A trial", inclusion=[Range("edss", 2.75, 6)]))
    score = mutation_score(trial, deck, [same, off_grid])
    assert [m.slip for m in score.killed] == ["low bound 3 -> 2.5"]
    assert [m.slip for m in score.survived] == ["low bound 3 -> 2.75"]
    assert "survived: inclusion.1: low bound 3 -> 2.75" in str(score)


def test_mutants_takes_a_protocol() -> None:
    with pytest.raises(TypeError, match="takes a Protocol"):
        list(mutants(Range("edss", 3, 6)))  # type: ignore[arg-type]


@attrs.frozen
class _Days(Source):
    """A source holding a code set and a span, as cumulative exposure does (issue 13)."""

    codes: CodeSet
    span: Span

    def describe(self, domains: object = None) -> str:
        return "days"


def test_spans_and_code_sets_held_by_a_source_are_mutated_too() -> None:
    from trialrules.testing._codeset_cases import codesets_of
    from trialrules.testing._refdates import window_spans

    leaf = Threshold(_Days(CodeSet("steroids", prefixes=["ATC:H02"]), Span(months=6)), ">", 28)
    slips = _slips(leaf)
    assert "source span 6 months -> 180 days" in slips
    assert "source steroids prefix ATC:H02 narrowed to ATC:H02A" in slips
    assert "source steroids without prefix ATC:H02" in slips
    assert window_spans(leaf) == [Span(months=6)]
    assert [name for name, _ in codesets_of(leaf)] == ["codes"]


def test_dropping_a_covered_entry_is_not_a_slip() -> None:
    # ICD10:C50.9 is under the listed prefix ICD10:C50, and ICD10:C50 under ICD10:C:
    # dropping either changes nothing, so no such mutant is made (it would be equivalent).
    slips = _slips(Lookback(CodeSet("cancer", prefixes=["ICD10:C", "ICD10:C50"],
                                    codes=["ICD10:C50.9", "SNOMED:1"]), Span(years=5)))
    assert [s for s in slips if "without" in s or "narrowed" in s] == [
        "cancer without prefix ICD10:C", "cancer prefix ICD10:C narrowed to ICD10:C0",
        "cancer without code SNOMED:1"]
