"""Kleene outcomes against CQL's truth tables, at-least counting, and determinations."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

import strategies as ts
from trialrules import (
    AllOf,
    AnyOf,
    AtLeast,
    Determination,
    Flag,
    Implies,
    Not,
    Outcome,
)

T, F, N = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
AS_OF = date(2026, 6, 15)

# CQL 1.5, Appendix: the three-valued truth tables, written out as the spec prints them
# (rows: left operand, columns: right operand, in the order true, false, null).
CQL_AND = {(T, T): T, (T, F): F, (T, N): N,
           (F, T): F, (F, F): F, (F, N): F,
           (N, T): N, (N, F): F, (N, N): N}
CQL_OR = {(T, T): T, (T, F): T, (T, N): T,
          (F, T): T, (F, F): F, (F, N): N,
          (N, T): T, (N, F): N, (N, N): N}
CQL_IMPLIES = {(T, T): T, (T, F): F, (T, N): N,
               (F, T): T, (F, F): T, (F, N): T,
               (N, T): T, (N, F): N, (N, N): N}
CQL_NOT = {T: F, F: T, N: N}
PAIRS = list(itertools.product(list(Outcome), repeat=2))


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_and_or_implies_match_cql(a: Outcome, b: Outcome) -> None:
    assert a & b is CQL_AND[a, b]
    assert a | b is CQL_OR[a, b]
    assert a.implies(b) is CQL_IMPLIES[a, b]
    assert Outcome.all_of([a, b]) is CQL_AND[a, b]
    assert Outcome.any_of([a, b]) is CQL_OR[a, b]


@pytest.mark.parametrize("a", list(Outcome))
def test_not_matches_cql(a: Outcome) -> None:
    assert ~a is CQL_NOT[a]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_combinators_match_cql(a: Outcome, b: Outcome) -> None:
    """The criterion combinators give the same tables as the outcome operators."""
    record = ts.flag_outcome_record([a, b])
    fa, fb = Flag("f0"), Flag("f1")
    for criterion, want in [(AllOf(fa, fb), CQL_AND[a, b]), (fa & fb, CQL_AND[a, b]),
                            (AnyOf(fa, fb), CQL_OR[a, b]), (fa | fb, CQL_OR[a, b]),
                            (Implies(fa, fb), CQL_IMPLIES[a, b]), (Not(fa), CQL_NOT[a]),
                            (~fb, CQL_NOT[b])]:
        assert criterion.decide(record, AS_OF) is want, criterion
        assert criterion.evaluate(record, AS_OF).outcome is want, criterion


def test_outcome_has_no_truth_value() -> None:
    with pytest.raises(TypeError, match="three-valued"):
        bool(Outcome.UNKNOWN)


def test_outcome_operators_refuse_other_types() -> None:
    with pytest.raises(TypeError):
        Outcome.MET & True  # type: ignore[operator]
    with pytest.raises(TypeError):
        Outcome.MET | None  # type: ignore[operator]


def test_empty_conjunction_and_disjunction() -> None:
    assert Outcome.all_of([]) is T
    assert Outcome.any_of([]) is F


def _by_counting(k: int, outcomes: tuple[Outcome, ...]) -> Outcome:
    """Supervaluation: try every way the unknowns could turn out, and count."""
    unknown = outcomes.count(N)
    met = outcomes.count(T)
    counts = {met + extra for extra in range(unknown + 1)}
    if all(c >= k for c in counts):
        return T
    if all(c < k for c in counts):
        return F
    return N


@pytest.mark.parametrize("n", range(5))
def test_at_least_by_counting_exhaustively(n: int) -> None:
    for outcomes in itertools.product(list(Outcome), repeat=n):
        for k in range(1, n + 1):
            want = _by_counting(k, outcomes)
            assert Outcome.at_least(k, outcomes) is want, (k, outcomes)
            record = ts.flag_outcome_record(outcomes)
            criterion = AtLeast(k, *(Flag(f"f{i}") for i in range(n)))
            assert criterion.decide(record, AS_OF) is want
            assert criterion.evaluate(record, AS_OF).outcome is want


@pytest.mark.parametrize("n", range(1, 5))
def test_all_any_are_at_least_n_and_1(n: int) -> None:
    for outcomes in itertools.product(list(Outcome), repeat=n):
        assert Outcome.all_of(outcomes) is Outcome.at_least(n, outcomes)
        assert Outcome.any_of(outcomes) is Outcome.at_least(1, outcomes)


@given(st.lists(ts.outcomes(), max_size=6))
def test_n_ary_is_the_fold_of_the_binary(outcomes: list[Outcome]) -> None:
    conj, disj = T, F
    for o in outcomes:
        conj, disj = conj & o, disj | o
    assert Outcome.all_of(outcomes) is conj
    assert Outcome.any_of(outcomes) is disj


# -- determinations (docs/design.md, section 5) ------------------------------------------------

def _determination_by_rule(inclusion: tuple[Outcome, ...],
                           exclusion: tuple[Outcome, ...]) -> Determination:
    if F in inclusion or T in exclusion:
        return Determination.INELIGIBLE
    if all(o is T for o in inclusion) and all(o is F for o in exclusion):
        return Determination.ELIGIBLE
    return Determination.NEEDS_REVIEW


@pytest.mark.parametrize("n_in", range(3))
@pytest.mark.parametrize("n_ex", range(3))
def test_determination_rules_exhaustively(n_in: int, n_ex: int) -> None:
    for inclusion in itertools.product(list(Outcome), repeat=n_in):
        for exclusion in itertools.product(list(Outcome), repeat=n_ex):
            got = Determination.from_outcomes(inclusion, exclusion)
            assert got is _determination_by_rule(inclusion, exclusion), (inclusion, exclusion)


@pytest.mark.parametrize(("inclusion", "exclusion", "want"), [
    ((T, T), (F, F), Determination.ELIGIBLE),
    ((T, N), (F,), Determination.NEEDS_REVIEW),
    ((T,), (N,), Determination.NEEDS_REVIEW),
    ((N,), (T,), Determination.INELIGIBLE),        # a met exclusion decides despite unknowns
    ((F,), (N,), Determination.INELIGIBLE),        # a failed inclusion decides despite unknowns
    ((), (), Determination.ELIGIBLE),              # nothing asked, nothing failed
])
def test_determination_examples(inclusion: tuple[Outcome, ...], exclusion: tuple[Outcome, ...],
                                want: Determination) -> None:
    assert Determination.from_outcomes(inclusion, exclusion) is want


def test_reprs_read_like_code() -> None:
    assert repr(Outcome.MET) == "Outcome.MET"
    assert repr(Determination.NEEDS_REVIEW) == "Determination.NEEDS_REVIEW"
    assert [o.value for o in Outcome] == ["met", "not_met", "unknown"]


def _documented_table(heading: str) -> dict[tuple[str, str], str]:
    """A truth table from docs/semantics.md, as {(row, column): cell}."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "semantics.md").read_text(encoding="utf-8")
    lines = text[text.index(f"| {heading} |"):].splitlines()
    def cells(line: str) -> list[str]:   # split on | but not on an escaped \|
        return [c.strip().strip("*") for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]

    columns = cells(lines[0])[1:]
    table = {}
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        row, *rest = cells(line)
        table.update({(row, col): cell for col, cell in zip(columns, rest, strict=True)})
    return table


def test_documented_truth_tables_match_the_code() -> None:
    """docs/semantics.md prints the tables; they must not drift from the code."""
    symbol = {"T": T, "F": F, "?": N}
    for heading, op in [("`a & b` (AllOf)", Outcome.__and__), ("`a \\| b` (AnyOf)", Outcome.__or__)]:
        table = _documented_table(heading)
        assert len(table) == 9
        for (row, col), cell in table.items():
            assert op(symbol[row], symbol[col]) is symbol[cell], (heading, row, col)
    implies = _documented_table("`Implies(a, b)`")
    for (row, col), cell in implies.items():
        a, b = symbol[row.removeprefix("a = ")], symbol[col.removeprefix("b = ")]
        assert a.implies(b) is symbol[cell]
    assert len(implies) == 9
