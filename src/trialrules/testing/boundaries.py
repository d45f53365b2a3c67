"""Boundary cases: the finite set of records on each side of each boundary of a criterion.

Each leaf gives records on its bounds (on the bound, one grid step inside, one
outside), its window edges and its missing-fact case, labelled from the
criterion's own numbers. A combinator lifts each child's cases into records in
which that child decides the result (MC/DC): its siblings are set to the
values that let it through (MET under AllOf, NOT_MET under AnyOf, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from itertools import product
from typing import Any, TypeVar

import attrs

from ..engine.criterion import Criterion
from ..kinds.combinators import AllOf, Anchored, AnyOf, AtLeast, Implies, Not
from ..kinds.criteria import (
    AnyObservation,
    Flag,
    Lookback,
    OneOf,
    Placeholder,
    Range,
    Threshold,
    Washout,
)
from ..kinds.sources import Age, ExposureDays, Latest, Sex
from ..protocol.protocol import Protocol
from ..values.domains import STANDARD_DOMAINS, Domain
from ..values.errors import TrialRulesError
from ..values.outcomes import Outcome
from ..values.records import Record
from . import _leaves
from ._facts import (
    BIRTH,
    SEX,
    Facts,
    build,
    complete_key,
    date_key,
    events_key,
    flag_key,
    merge,
    obs_key,
)
from ._recency import window_edge_cases

__all__ = ["BoundaryCase", "boundary_cases"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
_ALL = (MET, NOT_MET, UNKNOWN)
T = TypeVar("T")

#: Orders a list of options; the first that fits is taken (strategies draw the order).
Chooser = Callable[[Sequence[Any]], Sequence[Any]]


def _first(options: Sequence[T]) -> Sequence[T]:
    return options


@attrs.frozen
class BoundaryCase:
    """A record on one side of one boundary, and the outcome the criterion must give.

    ``criterion_id`` names the node probed, as explanation trees name it
    (``inclusion.4.1``); ``as_of`` is the reference date the label holds for
    (the requested one, or a month-end / 29 February variant for windows).
    """

    record: Record
    expected: Outcome
    description: str
    criterion_id: str | None
    as_of: date
    #: The id of the criterion whose outcome ``expected`` is (the one passed to
    #: ``boundary_cases``, or a protocol's top-level criterion).
    target: str | None = None

    def __str__(self) -> str:
        where = f"{self.criterion_id}: " if self.criterion_id else ""
        return f"{where}{self.description} -> {self.expected.name} (as of {self.as_of})"


@attrs.frozen(eq=False)
class _Case:
    facts: Facts
    outcome: Outcome
    description: str
    probe: str | None
    as_of: date


def _child_id(parent: str | None, index: int, child: Criterion) -> str | None:
    if child.id is not None:
        return child.id
    return f"{parent}.{index}" if parent else str(index)


def _combine(node: Criterion, outcomes: list[Outcome]) -> Outcome:
    """The combinator's outcome from its children's (its own ``combine``)."""
    return node.combine(outcomes)


#: Children a combinator may have for its cases to be derived from its ``combine`` table
#: (3**n rows are tried): beyond it, a clear error rather than a long wait.
_MAX_TABLE_CHILDREN = 8


def _table_rows(node: Criterion, values: tuple[Outcome, ...], n: int) -> Any:
    """Every row of ``n`` outcomes from ``values`` (``node``'s table, or its siblings' part)."""
    if len(node.children) > _MAX_TABLE_CHILDREN:
        raise TrialRulesError(
            f"the testing toolkit derives the cases of {type(node).__name__} from its "
            f"combine(outcomes) table, for at most {_MAX_TABLE_CHILDREN} children (it has "
            f"{len(node.children)})")
    return product(values, repeat=n)


def _transparent(node: Criterion, index: int, sibling: int) -> Outcome:
    """The outcome a sibling should take so that child ``index`` alone decides ``node``."""
    if isinstance(node, AllOf):
        return MET
    if isinstance(node, AnyOf):
        return NOT_MET
    if isinstance(node, AtLeast):
        # k - 1 siblings MET and the rest NOT_MET: the probed child tips the count.
        position = sibling if sibling < index else sibling - 1
        return MET if position < node.k - 1 else NOT_MET
    if isinstance(node, Implies):
        return NOT_MET if index == 0 else MET  # a -> b: b false shows a; a true shows b
    return _deciding_siblings(node, index)[sibling]


def _deciding_siblings(node: Criterion, index: int) -> tuple[Outcome, ...]:
    """Any other combinator: the first siblings' outcomes (recorded ones before UNKNOWN) under
    which child ``index`` turns the outcome of ``node.combine`` as it turns MET or NOT_MET."""
    n = len(node.children)
    for values in ((MET, NOT_MET), _ALL):
        for others in _table_rows(node, values, n - 1):
            row = (*others[:index], MET, *others[index:])
            flipped = (*others[:index], NOT_MET, *others[index:])
            if node.combine(row) is not node.combine(flipped):
                return row
    raise TrialRulesError(f"child {index + 1} of {type(node).__name__} never decides it: "
                          "its combine(outcomes) does not depend on that child")


def protocol_criterion(protocol: Protocol) -> Criterion:
    """A protocol as one criterion: MET = ELIGIBLE, NOT_MET = INELIGIBLE, UNKNOWN = NEEDS_REVIEW,
    for records without a death: the cases built from it record none, and Determination's
    rule that a dead patient is never eligible (docs/semantics.md) is the protocol's own."""
    return AllOf(*protocol.inclusion, *(Not(e) for e in protocol.exclusion), id=protocol.id)


class Builder:
    """Cases and realizations of one criterion tree, cached per (node, as_of)."""

    def __init__(self, domains: Mapping[str, Domain] | None = None, *,
                 spread: bool = False) -> None:
        self.domains = STANDARD_DOMAINS if domains is None else domains
        #: Realizations may also use any value of a leaf's domain, not only its boundaries.
        self.spread = spread
        self._leaf: dict[tuple[Criterion, date], list[_leaves.LeafCase]] = {}
        self._spread: dict[tuple[Criterion, date], list[_leaves.LeafCase]] = {}

    # -- leaves ---------------------------------------------------------------

    def leaf_cases(self, leaf: Criterion, as_of: date) -> list[_leaves.LeafCase]:
        key = (leaf, as_of)
        cached = self._leaf.get(key)
        if cached is None:
            cached = self._leaf[key] = self._compute_leaf(leaf, as_of)
        return cached

    def _compute_leaf(self, leaf: Criterion, as_of: date) -> list[_leaves.LeafCase]:
        # The per-kind hook: a kind's own leaf_cases(as_of, domains) method (a kind defined
        # outside the package), else the generator of a built-in kind.
        hook = getattr(leaf, "leaf_cases", None)
        if hook is not None:
            cases: list[_leaves.LeafCase] = hook(as_of, self.domains)
            return cases
        builtin = _BUILTIN_LEAVES.get(type(leaf))
        if builtin is not None:
            return builtin(leaf, as_of, self.domains)
        raise TrialRulesError(
            f"the testing toolkit does not know the criterion {leaf!r}: give its kind a "
            "leaf_cases(as_of, domains) method returning trialrules.testing.facts.LeafCase "
            "values (docs/how-to/custom-kind.md)")

    # -- cases ----------------------------------------------------------------

    def cases(self, node: Criterion, node_id: str | None, as_of: date) -> list[_Case]:
        """Every labelled case of ``node``, each probing one leaf."""
        if isinstance(node, Flag) and node.assume_false_if is not None:
            return self._flag_cases(node, node_id, as_of)
        if not node.children or isinstance(node, AnyObservation):  # a leaf over one value test
            return [_Case(c.facts, c.outcome, c.description, node_id, c.as_of)
                    for c in self.leaf_cases(node, as_of)]
        if isinstance(node, Anchored):  # the child's cases, with the anchor on their as_of
            key = date_key(node.date)
            out_a = [attrs.evolve(c, facts={**c.facts, key: c.as_of},
                                  description=f"{c.description} ({node.date} on {c.as_of})")
                     for c in self.cases(node.criterion, _child_id(node_id, 1, node.criterion),
                                         as_of) if key not in c.facts]
            out_a.append(_Case({key: None}, UNKNOWN, f"no date {node.date} recorded (missing "
                               "fact)", node_id, as_of))
            return out_a
        if isinstance(node, Not):
            return [attrs.evolve(c, outcome=~c.outcome)
                    for c in self.cases(node.child, _child_id(node_id, 1, node.child), as_of)]
        out: list[_Case] = []
        children = node.children
        for i, child in enumerate(children):
            for case in self.cases(child, _child_id(node_id, i + 1, child), as_of):
                lifted = self._lift(node, node_id, i, case)
                if lifted is not None:
                    out.append(lifted)
        return out

    def _lift(self, node: Criterion, node_id: str | None, index: int, case: _Case) -> _Case | None:
        """Set the siblings of child ``index`` so that it decides ``node``; None if impossible."""
        facts: Facts | None = case.facts
        outcomes: list[Outcome] = []
        notes: list[str] = []
        for j, sibling in enumerate(node.children):
            if j == index:
                outcomes.append(case.outcome)
                continue
            want = _transparent(node, index, j)
            # Kleene logic: when the transparent value cannot be built (a Placeholder
            # is never MET), UNKNOWN still lets the child decide one direction.
            for outcome in (want, UNKNOWN, *(o for o in _ALL if o not in (want, UNKNOWN))):
                got = self.realize(sibling, outcome, case.as_of, facts or {}, _first)
                if got is not None:
                    facts = got
                    outcomes.append(outcome)
                    if outcome is not want:
                        notes.append(f"{_child_id(node_id, j + 1, sibling)} {outcome.name}")
                    break
            else:
                return None
        assert facts is not None
        description = case.description
        if notes:
            description += f" (with {', '.join(notes)})"
        return _Case(facts, _combine(node, outcomes), description, case.probe, case.as_of)

    def _flag_cases(self, node: Flag, node_id: str | None, as_of: date) -> list[_Case]:
        cond = node.assume_false_if
        assert cond is not None
        key = flag_key(node.name)
        taken = MET if node.expected is False else NOT_MET
        out = [_Case(c.facts, c.outcome, c.description, node_id, c.as_of)
               for c in self.leaf_cases(Flag(node.name, node.expected), as_of)
               if c.facts[key] is not None]
        for outcome in (NOT_MET, UNKNOWN):
            facts = self.realize(cond, outcome, as_of, {key: None}, _first)
            if facts is not None:
                out.append(_Case(facts, UNKNOWN, f"flag {node.name} not recorded and its "
                                 f"assume-false condition {outcome.name}", node_id, as_of))
        for case in self.cases(cond, f"{node_id}.if" if node_id else "if", as_of):
            facts = merge(case.facts, {key: None})
            if facts is None:
                continue
            outcome = taken if case.outcome is MET else UNKNOWN
            out.append(_Case(facts, outcome, f"{case.description}, flag {node.name} not recorded",
                             case.probe, case.as_of))
        return out

    # -- realizations ---------------------------------------------------------

    def realize(self, node: Criterion, outcome: Outcome, as_of: date, acc: Facts,
                choose: Chooser) -> Facts | None:
        """``acc`` plus facts making ``node`` give ``outcome`` on ``as_of`` (None if none fit)."""
        if isinstance(node, Flag) and node.assume_false_if is not None:
            return self._realize_flag(node, outcome, as_of, acc, choose)
        if not node.children or isinstance(node, AnyObservation):
            return self._realize_leaf(node, outcome, as_of, acc, choose)
        if isinstance(node, Anchored):
            key = date_key(node.date)
            if outcome is UNKNOWN and (key not in acc or acc[key] is None):
                return merge(acc, {key: None})
            if acc.get(key, as_of) != as_of:
                return None
            got = self.realize(node.criterion, outcome, as_of, acc, choose)
            return None if got is None else merge(got, {key: as_of})
        if isinstance(node, Not):
            return self.realize(node.child, ~outcome, as_of, acc, choose)
        for shape in choose(_shapes(node, outcome)):
            facts: Facts | None = acc
            for child_index, child_outcome in shape:
                assert facts is not None
                facts = self.realize(node.children[child_index], child_outcome, as_of, facts,
                                     choose)
                if facts is None:
                    break
            if facts is not None:
                return facts
        return None

    def _realize_flag(self, node: Flag, outcome: Outcome, as_of: date, acc: Facts,
                      choose: Chooser) -> Facts | None:
        key = flag_key(node.name)
        cond = node.assume_false_if
        assert cond is not None
        if key in acc and acc[key] is not None:
            value = acc[key]
            return acc if (MET if value is node.expected else NOT_MET) is outcome else None
        taken = MET if node.expected is False else NOT_MET
        options: list[tuple[Any, Outcome | None]] = []
        if outcome is UNKNOWN:
            options = [(None, NOT_MET), (None, UNKNOWN)]
        else:
            options = [(outcome is MET if node.expected else outcome is not MET, None)]
            if outcome is taken:
                options.append((None, MET))
        for value, cond_outcome in choose(options):
            facts: Facts | None = merge(acc, {key: value})
            if facts is not None and cond_outcome is not None:
                facts = self.realize(cond, cond_outcome, as_of, facts, choose)
            if facts is not None:
                return facts
        return None

    def _realize_leaf(self, leaf: Criterion, outcome: Outcome, as_of: date, acc: Facts,
                      choose: Chooser) -> Facts | None:
        known = _oracle(leaf, acc, as_of)
        if known is not None:
            return acc if known is outcome else None
        cases = self.leaf_cases(leaf, as_of)
        if self.spread:
            key = (leaf, as_of)
            if key not in self._spread:
                self._spread[key] = _leaves.domain_cases(leaf, as_of, self.domains)
            cases = cases + self._spread[key]
        options = [c for c in cases if c.outcome is outcome and c.as_of == as_of]
        options.sort(key=lambda c: not c.plain)
        for case in choose(options):
            facts = merge(acc, case.facts)
            if facts is not None:
                return facts
        return None


def _window_cases(leaf: Any, as_of: date, domains: Mapping[str, Domain]) -> list[_leaves.LeafCase]:
    out = _leaves.window_cases(leaf, as_of)
    for variant in _leaves.as_of_variants(leaf.span, as_of):
        out += _leaves.window_cases(leaf, variant, edges_only=True)
    return out


#: The boundary generators of the built-in leaf kinds (testing/_leaves.py), by class.
def _with_edges(cases: Callable[[Any, date, Mapping[str, Domain]], list[_leaves.LeafCase]]
                ) -> Callable[[Any, date, Mapping[str, Domain]], list[_leaves.LeafCase]]:
    """A leaf's cases plus the window edges of a windowed value source (testing/_recency.py)."""
    def generate(leaf: Any, as_of: date, domains: Mapping[str, Domain]) -> list[_leaves.LeafCase]:
        return cases(leaf, as_of, domains) + window_edge_cases(leaf, as_of, domains)
    return generate


_BUILTIN_LEAVES: dict[type, Callable[[Any, date, Mapping[str, Domain]], list[_leaves.LeafCase]]] = {
    Range: _with_edges(_leaves.numeric_cases),
    Threshold: _with_edges(_leaves.numeric_cases),
    OneOf: _leaves.one_of_cases,
    Flag: lambda leaf, as_of, _: _leaves.flag_cases(leaf, as_of),
    Washout: _window_cases,
    Lookback: _window_cases,
    AnyObservation: _with_edges(_leaves.any_observation_cases),
    Placeholder: lambda leaf, as_of, _: [
        _leaves.LeafCase({}, UNKNOWN, "not yet encoded: always unknown", as_of, True)],
}


def _shapes(node: Criterion, outcome: Outcome) -> list[list[tuple[int, Outcome]]]:
    """Ways to give ``node`` an outcome: which children take which outcome (others free)."""
    n = len(node.children)
    every = range(n)
    if isinstance(node, AllOf | AnyOf):
        absorbing, neutral = (NOT_MET, MET) if isinstance(node, AllOf) else (MET, NOT_MET)
        if outcome is absorbing:
            return [[(i, absorbing)] for i in every]
        if outcome is neutral:
            return [[(i, neutral) for i in every]]
        return [[(i, UNKNOWN), *((j, neutral) for j in every if j != i)] for i in every]
    if isinstance(node, AtLeast):
        k = node.k
        if outcome is MET:
            return [[(i, MET) for i in range(start, start + k)] for start in range(n - k + 1)]
        if outcome is NOT_MET:
            need = n - k + 1
            return [[(i, NOT_MET) for i in range(start, start + need)]
                    for start in range(n - need + 1)]
        return [[*((j, MET) for j in range(k - 1)), (k - 1, UNKNOWN),
                 *((j, NOT_MET) for j in range(k, n))]]
    if isinstance(node, Implies):
        if outcome is MET:
            return [[(0, NOT_MET)], [(1, MET)]]
        if outcome is NOT_MET:
            return [[(0, MET), (1, NOT_MET)]]
        return [[(0, MET), (1, UNKNOWN)], [(0, UNKNOWN), (1, NOT_MET)],
                [(0, UNKNOWN), (1, UNKNOWN)]]
    # Any other combinator: every row of its combine(outcomes) table giving ``outcome``,
    # those with fewer UNKNOWN children first.
    rows = [row for row in _table_rows(node, _ALL, n) if node.combine(row) is outcome]
    rows.sort(key=lambda row: row.count(UNKNOWN))
    return [list(enumerate(row)) for row in rows]


def _oracle(leaf: Criterion, facts: Facts, as_of: date) -> Outcome | None:
    """A leaf's outcome on facts another part already fixed, when simple enough to read off."""
    if isinstance(leaf, Range | Threshold | OneOf):
        source = leaf.source
        if isinstance(source, Age) and BIRTH in facts:
            birth = facts[BIRTH]
            return UNKNOWN if birth is None else _leaves.age_outcome(leaf, birth, as_of)
        if isinstance(source, Sex) and SEX in facts:
            sex = facts[SEX]
            if sex is None or sex == "unknown":
                return UNKNOWN
            return MET if _leaves.passes(leaf, sex) else NOT_MET
        if isinstance(source, ExposureDays):
            ekey, ckey = events_key("exposures", source.codes), complete_key("exposures")
            through = facts.get(ckey)
            if ekey in facts and through is not None and through >= as_of \
                    and not isinstance(leaf, OneOf):
                count = _leaves.exposure_day_count(source, facts[ekey], as_of)
                if count is not None:
                    return MET if _leaves.passes(leaf, count) else NOT_MET
            return None
        if isinstance(source, Latest) and obs_key(source.code) in facts:
            seen = facts[obs_key(source.code)]
            if len(seen) == 1 and seen[0].date.is_exact and source.within is None \
                    and seen[0].date.earliest <= as_of:
                return MET if _leaves.passes(leaf, seen[0].value) else NOT_MET
        return None
    if isinstance(leaf, Flag) and leaf.assume_false_if is None and flag_key(leaf.name) in facts:
        value = facts[flag_key(leaf.name)]
        if value is None:
            return UNKNOWN
        return MET if value is leaf.expected else NOT_MET
    if isinstance(leaf, Washout | Lookback):
        history = "exposures" if isinstance(leaf, Washout) else leaf.on
        ekey, ckey = events_key(history, leaf.codes), complete_key(history)
        if ekey in facts and ckey in facts:
            return _leaves.window_outcome(leaf, facts[ekey], facts[ckey], as_of)
    return None


def _node_and_domains(target: Criterion | Protocol, domains: Mapping[str, Domain] | None
                      ) -> tuple[Criterion, Mapping[str, Domain] | None]:
    if isinstance(target, Protocol):
        return protocol_criterion(target), target.domains if domains is None else domains
    if isinstance(target, Criterion):
        return target, domains
    raise TypeError(f"expected a Criterion or a Protocol, got {type(target).__name__}")


def boundary_cases(criterion: Criterion | Protocol, as_of: date, *,
                   domains: Mapping[str, Domain] | None = None) -> list[BoundaryCase]:
    """The labelled boundary cases of a criterion tree (or of each criterion of a protocol).

    Every case's record, evaluated as of ``case.as_of``, must give ``case.expected``
    for the criterion ``case.target`` (for a protocol: ``result.outcome(case.target)``).

    >>> from datetime import date
    >>> from trialrules import Range
    >>> cases = boundary_cases(Range("edss", 3, 6, id="inclusion.3"), date(2026, 11, 27))
    >>> [str(c) for c in cases if "low bound" in c.description]  # doctest: +NORMALIZE_WHITESPACE
    ['inclusion.3: edss 3 (on the low bound, inclusive) -> MET (as of 2026-11-27)',
     'inclusion.3: edss 2.5 (one step below the low bound) -> NOT_MET (as of 2026-11-27)',
     'inclusion.3: edss 3.5 (one step above the low bound) -> MET (as of 2026-11-27)']
    """
    if isinstance(criterion, Protocol):
        protocol = criterion
        return [case for top in protocol.criteria
                for case in boundary_cases(top, as_of, domains=protocol.domains)]
    if not isinstance(criterion, Criterion):
        raise TypeError(
            f"boundary_cases() takes a criterion or a protocol, got {type(criterion).__name__}")
    builder = Builder(domains)
    seen: set[tuple[Record, date, str | None]] = set()
    out: list[BoundaryCase] = []
    for case in builder.cases(criterion, criterion.id, as_of):
        record = build(case.facts, "case", builder.domains)
        # The same record may probe two leaves (all MET under AllOf): each keeps its pair.
        key = (record, case.as_of, case.probe)
        if key in seen:
            continue
        seen.add(key)
        out.append(BoundaryCase(attrs.evolve(record, id=f"case-{len(out) + 1}"), case.outcome,
                                case.description, case.probe, case.as_of, criterion.id))
    return out
