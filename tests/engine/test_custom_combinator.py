"""A combinator defined outside the package (docs/examples/custom_combinator.py): once
registered it round-trips through JSON, and the testing toolkit builds its boundary cases,
deck, records and mutants from its ``combine`` table. Each case's outcome is checked against
an independent oracle: the supervaluation of "exactly one" over every way the undecided
children could turn out."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from datetime import date
from itertools import product
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import load_script
from trialrules import Flag, Outcome, Protocol, Range, TrialRulesError
from trialrules.engine import unregister
from trialrules.formats.protocols import dump_protocol, parse_protocol
from trialrules.testing import boundary_cases, make_deck, mutants, mutation_score, records_for

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "custom_combinator.py"
AS_OF = date(2026, 6, 15)
MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


@pytest.fixture(scope="module")
def example() -> Iterator[ModuleType]:
    module = load_script(EXAMPLE, "custom_combinator", register=True)
    yield module
    unregister(module.ExactlyOne)
    del sys.modules["custom_combinator"]


def exactly_one(outcomes: Sequence[Outcome]) -> Outcome:
    """The oracle: MET if every completion of the UNKNOWN children has exactly one true,
    NOT_MET if none has, else UNKNOWN (Kleene's strong logic as supervaluation)."""
    open_ = [i for i, o in enumerate(outcomes) if o is UNKNOWN]
    verdicts = set()
    for guess in product((True, False), repeat=len(open_)):
        truth = [o is MET for o in outcomes]
        for i, value in zip(open_, guess, strict=True):
            truth[i] = value
        verdicts.add(sum(truth) == 1)
    return MET if verdicts == {True} else NOT_MET if verdicts == {False} else UNKNOWN


def test_combine_is_the_oracles_table(example: ModuleType) -> None:
    rule = example.ExactlyOne(Flag("a"), Flag("b"), Flag("c"))
    for row in product((MET, NOT_MET, UNKNOWN), repeat=3):
        assert rule.combine(row) is exactly_one(row), row


@pytest.mark.parametrize("shape", ["flat", "nested"])
def test_boundary_cases_agree_with_the_oracle(example: ModuleType, shape: str) -> None:
    children = (Flag("a"), Range("edss", 3, 6))
    rule = example.ExactlyOne(*children)
    target = rule if shape == "flat" else Flag("consent") & rule
    cases = boundary_cases(target, AS_OF)
    assert {c.expected for c in cases} == {MET, NOT_MET, UNKNOWN}
    assert len(cases) >= 8  # each child's own edges, lifted
    for case in cases:
        record = case.record
        assert target.decide(record, case.as_of) is case.expected, case.description
        kids = [child.decide(record, case.as_of) for child in children]
        inner = exactly_one(kids)
        expected = inner if shape == "flat" else (
            Outcome.all_of([Flag("consent").decide(record, case.as_of), inner]))
        assert case.expected is expected, case.description


def test_round_trips_deck_and_mutants(example: ModuleType) -> None:
    rule = example.ExactlyOne(Flag("a"), Range("edss", 3, 6), label="one sign")
    trial = Protocol("T-1", "A trial", inclusion=[rule, Flag("consent")])
    assert parse_protocol(dump_protocol(trial)) == trial
    deck = make_deck(trial, AS_OF)
    assert deck.cases
    slips = list(mutants(trial))
    assert any(m.node.startswith("inclusion.1.") for m in slips)  # slips inside its children
    score = mutation_score(trial, deck)
    assert score.killed
    assert {m.name for m in score.killed} >= {"inclusion.1.2: low bound 3 -> 3.5"}


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_records_for_each_outcome(example: ModuleType, data: st.DataObject) -> None:
    rule = example.ExactlyOne(Flag("a"), Flag("b"))
    wanted = data.draw(st.sampled_from([MET, NOT_MET, UNKNOWN]))
    record = data.draw(records_for(rule, wanted, AS_OF))
    assert exactly_one([Flag("a").decide(record, AS_OF), Flag("b").decide(record, AS_OF)]) \
        is wanted


def test_without_combine_a_clear_error(example: ModuleType) -> None:
    import attrs

    from trialrules.engine import Criterion, judge_child, meta, register
    from trialrules.engine.codec import CRITERIA

    @register
    @attrs.frozen(repr=False, init=False)
    class Both(Criterion):
        kind = "both_test_only"
        items: tuple[Criterion, ...] = attrs.field(metadata=meta(CRITERIA, varargs=True))

        def __init__(self, *items: Criterion, id: str | None = None,
                     label: str | None = None) -> None:
            self.__attrs_init__(tuple(items), id=id, label=label)

        def judge(self, ctx: object, why: object) -> Outcome:
            return Outcome.all_of([judge_child(ctx, why, c, i)  # type: ignore[arg-type]
                                   for i, c in enumerate(self.items, 1)])

    try:
        with pytest.raises(NotImplementedError, match=r"Both does not implement combine"):
            boundary_cases(Both(Flag("a"), Flag("b")), AS_OF)
        assert len(list(mutants(Protocol("T", "t", inclusion=[Both(Flag("a"), Range("edss", 3, 6))])))) > 0
    finally:
        unregister(Both)
    with pytest.raises(TrialRulesError, match="at most 8 children"):
        boundary_cases(example.ExactlyOne(*(Flag(f"f{i}") for i in range(9))), AS_OF)


def test_mutants_vary_a_custom_kinds_own_fields() -> None:
    """A custom kind's whole-number, boolean and choice fields get slips derived from their
    codecs (one more, one less, flipped, another option); invalid ones are left out."""
    import attrs

    from trialrules.engine import Criterion, judge_child, meta, register
    from trialrules.engine.codec import BOOL, CRITERIA, Choice, Whole

    @register
    @attrs.frozen(repr=False, init=False)
    class AtMost(Criterion):
        kind = "at_most_test_only"
        k: int = attrs.field(metadata=meta(Whole(1)))
        items: tuple[Criterion, ...] = attrs.field(metadata=meta(CRITERIA, varargs=True))
        strict: bool = attrs.field(default=False, kw_only=True, metadata=meta(BOOL))
        mode: str = attrs.field(default="met", kw_only=True,
                                metadata=meta(Choice(["met", "recorded"])))

        def __init__(self, k: int, *items: Criterion, strict: bool = False, mode: str = "met",
                     id: str | None = None, label: str | None = None) -> None:
            if k < 1:
                raise TrialRulesError("k must be at least 1")
            self.__attrs_init__(k, tuple(items), strict=strict, mode=mode, id=id, label=label)

        def combine(self, outcomes: Sequence[Outcome]) -> Outcome:
            return Outcome.at_least(len(outcomes) - self.k, [~o for o in outcomes])

        def judge(self, ctx: object, why: object) -> Outcome:
            return self.combine([judge_child(ctx, why, c, i)  # type: ignore[arg-type]
                                 for i, c in enumerate(self.items, 1)])

    try:
        trial = Protocol("T", "t", inclusion=[AtMost(1, Flag("a"), Flag("b"), id="one")])
        slips = sorted(m.slip for m in mutants(trial) if m.node == "one")
        assert slips == ["k 1 -> 2", "mode met -> recorded", "strict false -> true"]
    finally:
        unregister(AtMost)
