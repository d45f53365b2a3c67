"""Combinators and criteria as values: flattening, reprs, equality, and Kleene properties."""

from __future__ import annotations

import itertools
import pickle
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import strategies as ts
import trialrules
from trialrules import (
    AllOf,
    AnyOf,
    AtLeast,
    Criterion,
    Explanation,
    Flag,
    Implies,
    InvalidCriterion,
    Latest,
    Not,
    Outcome,
    Range,
    Record,
    Span,
    Threshold,
)

A, B, C, D = Flag("a"), Flag("b"), Flag("c"), Flag("d")
AS_OF = date(2026, 6, 15)
NAMESPACE: dict[str, Any] = {name: getattr(trialrules, name) for name in trialrules.__all__}


def roundtrip(criterion: Criterion) -> Criterion:
    return eval(repr(criterion), NAMESPACE)  # type: ignore[no-any-return]


# -- operators -------------------------------------------------------------------

def test_operators_flatten() -> None:
    assert AllOf(A, B, C) == A & B & C
    assert AnyOf(A, B, C) == A | B | C
    assert AllOf(A, B, C, D) == (A & B) & (C & D)
    assert AllOf(A, AnyOf(B, C)) == A & (B | C)
    assert Not(A) == ~A
    assert Not(Not(A)) == ~~A     # no silent double-negation removal: the tree is what was written


def test_named_groups_do_not_flatten() -> None:
    named = AllOf(A, B, id="inclusion.4")
    assert named & C == AllOf(named, C)
    labelled = AnyOf(A, B, label="either")
    assert labelled | C == AnyOf(labelled, C)


def test_groups_accept_a_list() -> None:
    assert AllOf([A, B]) == AllOf(A, B)
    assert AtLeast(1, [A, B]) == AtLeast(1, A, B)


HINT = re.escape("use &, |, ~ to combine criteria (not 'and', 'or', 'not')")


def _truthy(criterion: Criterion) -> bool:
    return True if criterion else False  # noqa: SIM210  (the point: an implicit truth test)


def test_bool_raises_with_the_hint() -> None:
    with pytest.raises(TypeError, match=HINT):
        bool(A)
    with pytest.raises(TypeError, match=HINT):
        A and B  # noqa: B018  (the point: 'and' must not silently mean B)
    with pytest.raises(TypeError, match=HINT):
        _truthy(A)


@pytest.mark.parametrize("other", [1, "edss", None, True, Outcome.MET, [A]])
def test_non_criterion_operand_is_a_type_error(other: Any) -> None:
    for combine in (lambda: A & other, lambda: other & A, lambda: A | other,
                    lambda: other | A):
        with pytest.raises(TypeError):
            combine()


def test_constructors_refuse_non_criteria() -> None:
    with pytest.raises(InvalidCriterion, match="takes criteria, but got 'edss'"):
        AllOf(A, "edss")
    with pytest.raises(InvalidCriterion, match="needs at least one criterion"):
        AnyOf()
    with pytest.raises(InvalidCriterion, match="must be a criterion"):
        Not(True)  # type: ignore[arg-type]
    with pytest.raises(InvalidCriterion, match="must be a criterion"):
        Implies(A, None)  # type: ignore[arg-type]


# -- reprs -------------------------------------------------------------------------

@pytest.mark.parametrize("criterion", [
    A & B & C,
    A | (B & C),
    ~(A | B),
    AllOf(AllOf(A, B), C),              # nested anonymous groups stay nested
    AnyOf(A, AnyOf(B, C)),
    AllOf(A),
    AllOf(A, B, id="i.1", label="both"),
    AtLeast(2, A, B, C, id="k"),
    Implies(A, B & C, label="if a"),
    Not(A, id="x"),
    Range("edss", 3, 6, high_inclusive=False, id="inclusion.3", label="EDSS 3-6"),
    Range(Latest("age"), 1, 2),        # an observation coded "age" is not Age()
    Range(Latest("sex"), 1, 2),
    Threshold(Latest("edss", within=Span(months=3)), "<", 6.5),
])
def test_repr_reads_back(criterion: Criterion) -> None:
    assert roundtrip(criterion) == criterion
    assert repr(roundtrip(criterion)) == repr(criterion)


def test_reprs_use_operator_form() -> None:
    assert repr(A & B) == "(Flag('a') & Flag('b'))"
    assert repr(~(A | B)) == "~(Flag('a') | Flag('b'))"
    assert repr(Range("edss", 3, 6)) == "Range('edss', 3, 6)"


@given(ts.criteria())
def test_repr_reads_back_for_any_tree(criterion: Criterion) -> None:
    back = roundtrip(criterion)
    assert back == criterion
    assert hash(back) == hash(criterion)


# -- values ------------------------------------------------------------------------

@given(ts.criteria())
def test_criteria_are_values(criterion: Criterion) -> None:
    rebuilt = criterion.evolve()
    assert rebuilt == criterion
    assert hash(rebuilt) == hash(criterion)
    assert pickle.loads(pickle.dumps(criterion)) == criterion
    assert criterion.anonymous() == criterion.anonymous().anonymous()
    assert all(n.id is None for n in criterion.anonymous().walk())
    assert criterion in {criterion}
    assert criterion.walk()[0] is criterion


def test_equality_is_structural_and_typed() -> None:
    assert Range("edss", 3, 6) == Range(Latest("edss"), 3, 6)
    assert AllOf(A, B) != AnyOf(A, B)
    assert AllOf(A, B) != AllOf(B, A)     # same outcome, but a different tree
    assert Range("edss", 3, 6, id="x") != Range("edss", 3, 6)
    assert Range("edss", 3, 6, id="x").anonymous() == Range("edss", 3, 6)
    assert (A == 3) is False


def test_evolve_validates() -> None:
    with pytest.raises(InvalidCriterion, match="low=7 > high=6"):
        Range("edss", 3, 6).evolve(low=7)
    with pytest.raises(TypeError, match="no field 'kids'"):
        AllOf(A, B).evolve(kids=())
    assert AtLeast(1, A, B).evolve(k=2) == AtLeast(2, A, B)
    assert (A & B).with_id("i.1").id == "i.1"
    assert (A & B).with_label("text").label == "text"


# -- Kleene properties over generated trees and records -----------------------------
#
# Generating a tree and a record is the expensive part, so each test below checks
# several named properties on the same draw; a failure names the property.

def same_outcomes(x: Criterion, y: Criterion, record: Record, as_of: date) -> None:
    assert x.decide(record, as_of) is y.decide(record, as_of), (x, y)


def _agree(criterion: Criterion, explanation: Explanation, record: Record, as_of: date) -> None:
    """evaluate() and decide() agree at this node and, for combinators, at every node below."""
    assert explanation.outcome is criterion.decide(record, as_of), criterion
    assert explanation.kind == type(criterion).__name__
    assert explanation.label == criterion.label
    if explanation.children:   # a combinator: its explanation mirrors its children
        assert len(explanation.children) == len(criterion.children)
        for child, node in zip(criterion.children, explanation.children, strict=True):
            _agree(child, node, record, as_of)


def double_negation(c: Criterion, record: Record, as_of: date) -> None:
    same_outcomes(Not(Not(c)), c, record, as_of)


def evaluate_agrees_with_decide(c: Criterion, record: Record, as_of: date) -> None:
    explanation = c.evaluate(record, as_of)
    _agree(c, explanation, record, as_of)
    assert explanation.reason
    if explanation.outcome is Outcome.UNKNOWN:
        assert explanation.all_missing(), "an UNKNOWN names what would decide it"
    assert set(explanation.to_dict()) == {"id", "kind", "label", "outcome", "reason",
                                          "evidence", "missing", "children"}
    assert str(explanation).splitlines()[0].startswith("[")


_FACT = re.compile(r"(observations|conditions|exposures)\[(\d+)\]\Z")


def evidence_points_at_the_record(c: Criterion, record: Record, as_of: date) -> None:
    """Every evidence path names a real fact of the record, with its code and date."""
    stack = [c.evaluate(record, as_of)]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        for fact in node.evidence:
            match = _FACT.match(fact.path)
            if match is None:
                assert fact.path in {"birth_date", "sex", "complete.exposures",
                                     "complete.observations",
                                     "complete.conditions"} or fact.path.startswith("flags."), fact
                continue
            entry = getattr(record, match[1])[int(match[2])]
            assert entry.code == fact.code
            begin = entry.date if match[1] == "observations" else (
                entry.start if match[1] == "exposures" else entry.onset)
            assert str(begin) == fact.date


def never_mutates_the_record(c: Criterion, record: Record, as_of: date) -> None:
    before = pickle.dumps(record)
    c.evaluate(record, as_of)
    c.decide(record, as_of)
    assert pickle.dumps(record) == before
    assert pickle.loads(before) == record


def pickled_decides_the_same(c: Criterion, record: Record, as_of: date) -> None:
    same_outcomes(pickle.loads(pickle.dumps(c)), c, record, as_of)


@given(ts.criteria(), ts.scenarios())
def test_properties_of_one_tree(criterion: Criterion, scenario: tuple[Record, date]) -> None:
    for check in (double_negation, evaluate_agrees_with_decide, evidence_points_at_the_record,
                  never_mutates_the_record, pickled_decides_the_same):
        check(criterion, *scenario)


def de_morgan(cs: list[Criterion], record: Record, as_of: date) -> None:
    same_outcomes(Not(AllOf(*cs)), AnyOf(*(Not(c) for c in cs)), record, as_of)
    same_outcomes(Not(AnyOf(*cs)), AllOf(*(Not(c) for c in cs)), record, as_of)


def order_never_matters(cs: list[Criterion], shuffled: list[Criterion], k: int,
                        record: Record, as_of: date) -> None:
    for kind in (AllOf, AnyOf):
        same_outcomes(kind(*cs), kind(*shuffled), record, as_of)
        assert kind(*cs).evaluate(record, as_of).outcome is \
            kind(*shuffled).evaluate(record, as_of).outcome
    same_outcomes(AtLeast(k, *cs), AtLeast(k, *shuffled), record, as_of)


def implies_is_not_a_or_b(a: Criterion, b: Criterion, record: Record, as_of: date) -> None:
    same_outcomes(Implies(a, b), AnyOf(Not(a), b), record, as_of)
    assert Implies(a, b).evaluate(record, as_of).outcome is AnyOf(Not(a), b).decide(record, as_of)


def at_least_bounds(cs: list[Criterion], record: Record, as_of: date) -> None:
    same_outcomes(AtLeast(len(cs), *cs), AllOf(*cs), record, as_of)
    same_outcomes(AtLeast(1, *cs), AnyOf(*cs), record, as_of)


@given(st.lists(ts.criteria(max_leaves=4), min_size=1, max_size=4), ts.scenarios(), st.data())
def test_properties_of_groups(cs: list[Criterion], scenario: tuple[Record, date],
                              data: st.DataObject) -> None:
    de_morgan(cs, *scenario)
    order_never_matters(cs, data.draw(st.permutations(cs)), data.draw(st.integers(1, len(cs))),
                        *scenario)
    implies_is_not_a_or_b(cs[0], cs[-1], *scenario)
    at_least_bounds(cs, *scenario)


def test_the_properties_are_checked_on_decided_outcomes_too() -> None:
    """Flag trees on a flag record reach MET and NOT_MET, not only UNKNOWN."""
    record = ts.flag_outcome_record([Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN])
    trees = [Flag("f0"), Flag("f1"), Flag("f2"), Flag("f0") & ~Flag("f1"), Flag("f1") | Flag("f2")]
    seen = set()
    for a, b in itertools.product(trees, repeat=2):
        double_negation(a, record, AS_OF)
        de_morgan([a, b], record, AS_OF)
        implies_is_not_a_or_b(a, b, record, AS_OF)
        order_never_matters([a, b], [b, a], 1, record, AS_OF)
        seen.add(Implies(a, b).decide(record, AS_OF))
    assert seen == set(Outcome)


@pytest.mark.parametrize("outcomes", list(itertools.product(list(Outcome), repeat=3)))
def test_explanations_keep_every_child(outcomes: tuple[Outcome, ...]) -> None:
    record = ts.flag_outcome_record(outcomes)
    flags = [Flag(f"f{i}") for i in range(3)]
    for group in (AllOf(*flags, id="g"), AnyOf(*flags, id="g"), AtLeast(2, *flags, id="g")):
        explanation = group.evaluate(record, AS_OF)
        assert [c.outcome for c in explanation.children] == list(outcomes)
        assert [c.id for c in explanation.children] == ["g.1", "g.2", "g.3"]


def test_child_ids_nest() -> None:
    tree = AllOf(A, AnyOf(B, C.with_id("own")), ~D, id="inclusion.4")
    explanation = tree.evaluate(Record("P"), AS_OF)
    ids = [n.id for n in [explanation, *explanation.children,
                          *explanation.children[1].children, *explanation.children[2].children]]
    assert ids == ["inclusion.4", "inclusion.4.1", "inclusion.4.2", "inclusion.4.3",
                   "inclusion.4.2.1", "own", "inclusion.4.3.1"]
    assert explanation.find("own") is not None
    assert explanation.find("nope") is None
