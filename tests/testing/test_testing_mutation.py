"""Mutation check: the boundary cases of NCT06228781 tell every one-step mutant of a leaf apart.

For each leaf of each top-level criterion we build mutants (a bound moved by one
grid step, one end's inclusivity flipped, a window one unit longer or shorter, a
Flag's expected value flipped, a category set changed) and require that some
boundary case of the original gives a different outcome on the mutant: the
boundary cases' own power, measured on their reference date. The signed-off
deck (code sets, recency, dates that tell spans apart) goes further:
tests/testing/test_mutants.py and test_deck_slips.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest

from helpers import AS_OF
from trialrules import (
    Criterion,
    Flag,
    Implies,
    Lookback,
    Not,
    OneOf,
    Range,
    Sex,
    Span,
    Threshold,
    Washout,
)
from trialrules.kinds.combinators import AllOf, AnyOf, AtLeast
from trialrules.protocols.nct06228781 import PROTOCOL
from trialrules.testing import boundary_cases
from trialrules.testing._leaves import grid_step
from trialrules.values.records import SEXES

Path = tuple[int, ...]


def _leaves(node: Criterion, path: Path = ()) -> Iterator[tuple[Path, Criterion]]:
    """Every mutable leaf with its path of child indexes (a Flag with a condition is one too)."""
    if not node.children or isinstance(node, Flag):
        yield path, node
    for i, child in enumerate(node.children):
        yield from _leaves(child, (*path, i))


def _replace(node: Criterion, path: Path, new: Criterion) -> Criterion:
    if not path:
        return new
    i, rest = path[0], path[1:]
    child = _replace(node.children[i], rest, new)
    if isinstance(node, AllOf | AnyOf | AtLeast):
        items = list(node.children)
        items[i] = child
        return node.evolve(items=tuple(items))
    if isinstance(node, Not):
        return attrs.evolve(node, child=child)
    if isinstance(node, Implies):
        return attrs.evolve(node, **{("antecedent", "consequent")[i]: child})
    if isinstance(node, Flag):
        return attrs.evolve(node, assume_false_if=child)
    raise TypeError(node)  # pragma: no cover


def _shift(value: int | float, step: object, sign: int) -> int | float:
    moved = float(value) + sign * float(step)  # type: ignore[arg-type]
    return int(moved) if isinstance(value, int) and moved.is_integer() else moved


_FLIP = {">=": ">", ">": ">=", "<=": "<", "<": "<="}


def _mutants(leaf: Criterion) -> Iterator[tuple[str, Criterion]]:
    if isinstance(leaf, Range):
        step = grid_step(leaf.source, PROTOCOL.domains, [leaf.low, leaf.high])
        for end in ("low", "high"):
            for sign in (-1, 1):
                moved = _shift(getattr(leaf, end), step, sign)
                if (moved <= leaf.high) if end == "low" else (moved >= leaf.low):
                    yield f"{end} {sign:+d} step", attrs.evolve(leaf, **{end: moved})
            flag = f"{end}_inclusive"
            yield f"{flag} flipped", attrs.evolve(leaf, **{flag: not getattr(leaf, flag)})
    elif isinstance(leaf, Threshold):
        step = grid_step(leaf.source, PROTOCOL.domains, [leaf.bound])
        for sign in (-1, 1):
            yield f"bound {sign:+d} step", attrs.evolve(leaf, bound=_shift(leaf.bound, step, sign))
        yield "inclusivity flipped", attrs.evolve(leaf, operator=_FLIP[leaf.operator])
    elif isinstance(leaf, Flag):
        yield "expected flipped", attrs.evolve(leaf, expected=not leaf.expected)
    elif isinstance(leaf, OneOf) and isinstance(leaf.source, Sex):
        others = sorted(SEXES - {"unknown"} - leaf.values)
        for other in others:
            yield f"{other} added", attrs.evolve(leaf, values=leaf.values | {other})
            yield f"replaced by {other}", attrs.evolve(leaf, values={other})
    elif isinstance(leaf, Washout | Lookback):
        span = leaf.span
        if span is None:
            # "Ever" has no length to move: bound it instead (ten years back).
            yield "bounded to 5 years", attrs.evolve(leaf, span=Span(years=5))
        elif span.is_zero:
            yield "one day longer", attrs.evolve(leaf, span=Span(days=1))
        else:
            for unit in ("years", "months", "weeks", "days"):
                n = getattr(span, unit)
                if n:
                    for sign in (-1, 1):
                        yield (f"{unit} {sign:+d}",
                               attrs.evolve(leaf, span=attrs.evolve(span, **{unit: n + sign})))
        if isinstance(leaf, Lookback):
            yield "at_least + 1", attrs.evolve(leaf, at_least=leaf.at_least + 1)
    else:  # pragma: no cover - every NCT06228781 leaf kind is handled above
        raise AssertionError(f"no mutants for {leaf!r}")


MUTANTS = [
    pytest.param(criterion, path, name, mutant,
                 id=f"{criterion.id}:{'.'.join(map(str, path)) or 'self'}:{name}")
    for criterion in PROTOCOL.criteria
    for path, leaf in _leaves(criterion)
    for name, mutant in _mutants(leaf)
]


def test_every_leaf_has_mutants() -> None:
    assert len(MUTANTS) > 40
    leaves = {(c.id, p) for c in PROTOCOL.criteria for p, _ in _leaves(c)}
    assert {(m.values[0].id, m.values[1]) for m in MUTANTS} == leaves


_CASES: dict[str | None, list[object]] = {}


@pytest.mark.parametrize(("criterion", "path", "name", "mutant"), MUTANTS)
def test_boundary_cases_kill_the_mutant(criterion: Criterion, path: Path, name: str,
                                        mutant: Criterion) -> None:
    if criterion.id not in _CASES:
        _CASES[criterion.id] = boundary_cases(criterion, AS_OF,  # type: ignore[assignment]
                                              domains=PROTOCOL.domains)
    cases = _CASES[criterion.id]
    mutated = _replace(criterion, path, mutant)
    assert mutated != criterion
    killers = [case for case in cases
               if mutated.decide(case.record, case.as_of,  # type: ignore[attr-defined]
                                 domains=PROTOCOL.domains) is not case.expected]  # type: ignore[attr-defined]
    assert killers, f"mutant {name} of {criterion.id} ({mutant!r}) survived every boundary case"


def test_a_mutant_outside_the_grid_would_survive() -> None:
    # The check can fail: a change the grid cannot see (a bound moved by less than
    # a step, EDSS >= 3 vs > 2.75) is equivalent on valid records, and no case kills it.
    criterion = PROTOCOL.criterion("inclusion.3")
    assert isinstance(criterion, Range)
    mutant = attrs.evolve(criterion, low=2.75)
    cases = boundary_cases(criterion, AS_OF, domains=PROTOCOL.domains)
    assert all(mutant.decide(c.record, c.as_of) is c.expected for c in cases)
