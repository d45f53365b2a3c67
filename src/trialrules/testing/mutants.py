"""Mutants: the plausible slips of a protocol author, and how many of them a deck catches.

``mutants(protocol)`` yields copies of a protocol with one slip each, made at
one node of one top-level criterion:

- a numeric bound moved by one grid step either way; an end's inclusivity
  flipped (``>=`` and ``>``, ``<=`` and ``<``);
- a span replaced by each of its neighbours (:func:`._refdates.span_neighbours`:
  1 month as 30 or 31 days or 4 weeks, 5 years as 1825 days or 4 years 11
  months, a unit more or less, a day more); a window dropped (a lookback or a
  latest value read at any age) or added where there is none;
- a code set without one of its listed prefixes or codes, each in turn; a
  prefix narrowed one level (``ATC:L01`` to ``ATC:L01A``, ``ICD10:B20`` to
  ``ICD10:B20.0``); an entry another entry covers is left alone (equivalent);
- a flag's expected value inverted, its ``assume_false_if`` dropped; a ``OneOf``
  value dropped (for sex: another sex added, or put instead);
- ``AnyOf`` and ``AllOf`` swapped, ``AtLeast``'s count moved by one, an
  implication inverted (its converse), a negation dropped; a lookback's count
  moved by one, counting events for different codes (and back, when more than
  one is needed), events that start in the window for events that overlap it
  (and back, when the window is not "ever"); a change read as absolute for
  relative (and back).

Every mutant is built from the criteria's public fields, so a new kind with a
``span``, ``codes``, ``low``/``high`` or ``bound`` field gets the same slips.

``mutation_score(protocol, deck)`` evaluates each mutant on the deck and says
which are killed (some case's outcome changes) and which survive.

>>> from datetime import date
>>> from trialrules import Protocol, Range
>>> trial = Protocol("T-1", "A trial", inclusion=[Range("edss", 3, 6)])
>>> [m.slip for m in mutants(trial)][:3]
['low bound 3 -> 2.5', 'low bound 3 -> 3.5', 'low bound inclusive -> exclusive']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from ..engine.codec import BOOL, Choice, Whole
from ..engine.criterion import Criterion
from ..engine.fields import specs
from ..kinds.combinators import AllOf, AnyOf, AtLeast, Implies, Not
from ..kinds.criteria import Flag, Lookback, OneOf, Range, Threshold
from ..kinds.sources import Change, Sex
from ..protocol.protocol import Protocol
from ..values.codes import CodeSet
from ..values.dates import Span
from ..values.domains import Domain
from ..values.errors import TrialRulesError
from ..values.records import SEXES
from ._codeset_cases import is_member
from ._leaves import grid_step
from ._refdates import span_neighbours
from .deck import Deck

__all__ = [
    "Mutant",
    "MutationScore",
    "mutants",
    "mutation_score",
    "narrower",
    "node_slips",
    "replace_child",
]

#: The window a "window added" slip puts where a protocol sets none.
ADDED_WINDOW = Span(years=1)

_FLIP = {">=": ">", ">": ">=", "<=": "<", "<": "<="}


@attrs.frozen
class Mutant:
    """A copy of ``original`` with one slip at node ``node`` of criterion ``target``."""

    target: str
    node: str
    slip: str
    protocol: Protocol = attrs.field(repr=False)

    @property
    def name(self) -> str:
        """``exclusion.5: span 5 years -> 1825 days``: unique within one protocol's mutants."""
        return f"{self.node}: {self.slip}"

    def __str__(self) -> str:
        return self.name


@attrs.frozen
class MutationScore:
    """The mutants a deck kills (some case changes outcome) and those that survive it."""

    killed: tuple[Mutant, ...]
    survived: tuple[Mutant, ...]

    @property
    def total(self) -> int:
        return len(self.killed) + len(self.survived)

    def __str__(self) -> str:
        lines = [f"{len(self.killed)} of {self.total} mutants killed, "
                 f"{len(self.survived)} survived"]
        lines += [f"  survived: {m.name}" for m in self.survived]
        return "\n".join(lines)


# -- rebuilding a tree with one node replaced -------------------------------------


def _evolve(value: Any, **changes: Any) -> Any:
    """``attrs.evolve`` on any attrs value (criteria, sources, protocols), re-validated."""
    return attrs.evolve(value, **changes)


def _fields(value: Any) -> tuple[Any, ...]:
    return tuple(attrs.fields(type(value))) if attrs.has(type(value)) else ()


def replace_child(node: Criterion, index: int, child: Criterion) -> Criterion:
    """``node`` with its ``index``-th child replaced (any combinator, via its declared
    fields: :meth:`Criterion.replace_child`)."""
    return node.replace_child(index, child)


def _child_id(parent: str, index: int, child: Criterion) -> str:
    return child.id if child.id is not None else f"{parent}.{index + 1}"


# -- slips of one node --------------------------------------------------------------


def _number(value: Decimal, like: list[Any]) -> int | float:
    if all(isinstance(v, int) for v in like) and value == value.to_integral_value():
        return int(value)
    return float(value)


def _num(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _valid(make: Any) -> Criterion | None:
    try:
        made: Criterion = make()
    except (TrialRulesError, ValueError, TypeError):
        return None
    return made


def _bound_slips(node: Criterion, domains: Mapping[str, Domain]) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Range):
        step = grid_step(node.source, domains, [node.low, node.high])
        for end in ("low", "high"):
            value = getattr(node, end)
            for sign in (-1, 1):
                moved = _number(Decimal(repr(value)) + sign * step, [node.low, node.high])
                yield (f"{end} bound {_num(value)} -> {_num(moved)}",
                       lambda end=end, moved=moved: _evolve(node, **{end: moved}))
            flag = f"{end}_inclusive"
            was = "inclusive" if getattr(node, flag) else "exclusive"
            now = "exclusive" if getattr(node, flag) else "inclusive"
            yield (f"{end} bound {was} -> {now}",
                   lambda flag=flag: _evolve(node, **{flag: not getattr(node, flag)}))
    elif isinstance(node, Threshold):
        step = grid_step(node.source, domains, [node.bound])
        for sign in (-1, 1):
            moved = _number(Decimal(repr(node.bound)) + sign * step, [node.bound])
            yield (f"bound {_num(node.bound)} -> {_num(moved)}",
                   lambda moved=moved: _evolve(node, bound=moved))
        op = _FLIP[node.operator]
        yield (f"operator {node.operator} -> {op}", lambda: _evolve(node, operator=op))


def _holders(node: Criterion) -> list[tuple[str, Any, Any]]:
    """The node and its value source, each with how to rebuild the node from a changed copy."""
    holders: list[tuple[str, Any, Any]] = []  # (prefix of the slip's name, holder, rebuild)
    if attrs.has(type(node)):
        holders.append(("", node, lambda h: h))
        source = getattr(node, "source", None)
        if source is not None and attrs.has(type(source)):
            holders.append(("source ", source, lambda h: _evolve(node, source=h)))
    return holders


def _span_slips(node: Criterion) -> Iterator[tuple[str, Any]]:
    """Spans of the node's own fields and of its source's (``within``, ``span``)."""
    for where, holder, rebuild in _holders(node):
        for field in _fields(holder):
            value = getattr(holder, field.name)
            if not (isinstance(value, Span) or (value is None and field.name in ("span", "within"))):
                continue
            what = f"{where}{field.name}"

            def make(new: Span | None, holder: Any = holder, rebuild: Any = rebuild,
                     name: str = field.name) -> Any:
                return lambda: rebuild(_evolve(holder, **{name: new}))

            if value is None:
                yield f"{what} added ({ADDED_WINDOW})", make(ADDED_WINDOW)
                continue
            for name, neighbour in span_neighbours(value):
                yield f"{what} {value} -> {name}", make(neighbour)
            yield f"{what} {value} dropped (no window)", make(None)


def _codeset_slips(node: Criterion) -> Iterator[tuple[str, Any]]:
    """Code sets of the node's own fields and of its source's."""
    for where, holder, rebuild in _holders(node):
        for field in _fields(holder):
            codes = getattr(holder, field.name, None)
            if not isinstance(codes, CodeSet):
                continue

            def make(new: dict[str, frozenset[str]], holder: Any = holder, rebuild: Any = rebuild,
                     name: str = field.name, codes: CodeSet = codes) -> Any:
                return lambda: rebuild(_evolve(holder, **{name: _evolve(codes, **new)}))

            named = f"{where}{codes.name}" if where else codes.name
            # An entry another entry covers (a code under a listed prefix) changes nothing
            # when dropped or narrowed: such equivalent slips are not made.
            for prefix in sorted(codes.prefixes):
                others = CodeSet(codes.name, prefixes=codes.prefixes - {prefix}, codes=codes.codes)
                if is_member(others, prefix):
                    continue
                yield (f"{named} without prefix {prefix}",
                       make({"prefixes": codes.prefixes - {prefix}}))
                narrow = narrower(prefix)
                yield (f"{named} prefix {prefix} narrowed to {narrow}",
                       make({"prefixes": (codes.prefixes - {prefix}) | {narrow}}))
            for code in sorted(codes.codes):
                if is_member(CodeSet(codes.name, prefixes=codes.prefixes,
                                     codes=codes.codes - {code}), code):
                    continue
                yield f"{named} without code {code}", make({"codes": codes.codes - {code}})


def narrower(prefix: str) -> str:
    """The prefix one level down: ATC adds a letter or two digits, ICD-10 a decimal place.

    >>> narrower("ATC:L01"), narrower("ICD10:B20"), narrower("ICD10:C50.1")
    ('ATC:L01A', 'ICD10:B20.0', 'ICD10:C50.10')
    """
    system, _, body = prefix.partition(":")
    if system == "ATC":
        return prefix + ({1: "0", 3: "A", 4: "A", 5: "01"}.get(len(body), "0"))
    if system.startswith("ICD") and len(body) == 3:
        return prefix + ".0"
    return prefix + "0"


def _other_slips(node: Criterion) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Flag):
        now = "false" if node.expected else "true"
        yield (f"flag {node.name} expected {str(node.expected).lower()} -> {now}",
               lambda: _evolve(node, expected=not node.expected))
        if node.assume_false_if is not None:
            yield (f"flag {node.name} assume_false_if dropped",
                   lambda: _evolve(node, assume_false_if=None))
    elif isinstance(node, OneOf):
        if isinstance(node.source, Sex):
            for other in sorted(SEXES - {"unknown"} - node.values):
                yield f"sex {other} added", lambda o=other: _evolve(node, values=node.values | {o})
                yield f"sex {other} instead", lambda o=other: _evolve(node, values={o})
        if len(node.values) > 1:
            for value in sorted(node.values, key=lambda v: (isinstance(v, str), v)):
                yield (f"value {value!r} dropped",
                       lambda v=value: _evolve(node, values=node.values - {v}))
    elif isinstance(node, Lookback):
        yield (f"at least {node.at_least} -> {node.at_least + 1}",
               lambda: _evolve(node, at_least=node.at_least + 1))
        if node.at_least > 1:
            yield (f"at least {node.at_least} -> {node.at_least - 1}",
                   lambda: _evolve(node, at_least=node.at_least - 1))
            # Counting one of events or codes for the other: the same rule when one is
            # needed (one event is one code), so only made for at_least > 1.
            other = "events" if node.count == "codes" else "codes"
            yield (f"count {node.count} -> {other}", lambda: _evolve(node, count=other))
        if node.span is not None:
            # Events that start in the window, or that overlap it: "ever" is the same rule
            # either way (every event up to as_of starts in it), so not made for span None.
            yield (f"starting {str(node.starting).lower()} -> {str(not node.starting).lower()}",
                   lambda: _evolve(node, starting=not node.starting))
    elif isinstance(node, Range | Threshold) and isinstance(node.source, Change):
        source = node.source
        yield (f"source relative {str(source.relative).lower()} -> "
               f"{str(not source.relative).lower()}",
               lambda: _evolve(node, source=_evolve(source, relative=not source.relative)))
    elif isinstance(node, AnyOf | AllOf) and len(node.children) > 1:
        other_kind = AllOf if isinstance(node, AnyOf) else AnyOf
        yield (f"{type(node).__name__} -> {other_kind.__name__}",
               lambda: other_kind(*node.children, id=node.id, label=node.label))
    elif isinstance(node, AtLeast):
        for k in (node.k - 1, node.k + 1):
            if 1 <= k <= len(node.children):
                yield (f"at least {node.k} -> {k} of {len(node.children)}",
                       lambda k=k: AtLeast(k, *node.children, id=node.id, label=node.label))
    elif isinstance(node, Implies):
        yield ("implication inverted (the converse)",
               lambda: Implies(node.consequent, node.antecedent, id=node.id, label=node.label))
    elif isinstance(node, Not):
        yield "negation dropped", lambda: node.child.evolve(id=node.id, label=node.label)
    elif not type(node).__module__.startswith("trialrules."):
        yield from _field_slips(node)


def _field_slips(node: Criterion) -> Iterator[tuple[str, Any]]:
    """A kind defined outside the package: slips of its declared fields (a whole number one
    more and one less, a flag flipped, another choice), derived as its codec is."""
    for s in specs(type(node)):
        if s.name == "id" or s.display:
            continue
        value = getattr(node, s.name)
        if isinstance(s.codec, Whole) and isinstance(value, int) and not isinstance(value, bool):
            for moved in (value + 1, value - 1):
                yield (f"{s.json} {value} -> {moved}",
                       lambda n=s.name, m=moved: node.evolve(**{n: m}))
        elif s.codec is BOOL and isinstance(value, bool):
            yield (f"{s.json} {str(value).lower()} -> {str(not value).lower()}",
                   lambda n=s.name, v=value: node.evolve(**{n: not v}))
        elif isinstance(s.codec, Choice):
            for other in s.codec.options:
                if other != value:
                    yield (f"{s.json} {value} -> {other}",
                           lambda n=s.name, o=other: node.evolve(**{n: o}))


def node_slips(node: Criterion, domains: Mapping[str, Domain]) -> Iterator[tuple[str, Criterion]]:
    """Every slip of one node, as (what changed, the changed node); invalid ones left out."""
    seen: set[Criterion] = {node}
    for slip, make in [*_bound_slips(node, domains), *_span_slips(node),
                       *_codeset_slips(node), *_other_slips(node)]:
        made = _valid(make)
        if made is not None and made not in seen:
            seen.add(made)
            yield slip, made


def _walk(node: Criterion, node_id: str, domains: Mapping[str, Domain]
          ) -> Iterator[tuple[str, str, Criterion]]:
    """(node id, slip, the whole subtree with that slip) for every node below ``node``."""
    for slip, made in node_slips(node, domains):
        yield node_id, slip, made
    for index, child in enumerate(node.children):
        for where, slip, made in _walk(child, _child_id(node_id, index, child), domains):
            # A slip valid for the child alone may be one its parent refuses (a
            # recency window on the value test of an AnyObservation): not a mutant.
            rebuilt = _valid(lambda made=made, index=index: replace_child(node, index, made))
            if rebuilt is not None:
                yield where, slip, rebuilt


def mutants(protocol: Protocol) -> Iterator[Mutant]:
    """Every one-slip copy of ``protocol``, criterion by criterion in protocol order."""
    if not isinstance(protocol, Protocol):
        raise TypeError(f"mutants() takes a Protocol, got {type(protocol).__name__}")
    for section in ("inclusion", "exclusion"):
        criteria = list(getattr(protocol, section))
        for index, criterion in enumerate(criteria):
            target = criterion.id or f"{section}.{index + 1}"
            for where, slip, made in _walk(criterion, target, protocol.domains):
                changed = [*criteria[:index], made, *criteria[index + 1:]]
                try:
                    copy = _evolve(protocol, **{section: changed})
                except TrialRulesError:  # pragma: no cover - ids stay unique
                    continue
                yield Mutant(target, where, slip, copy)


def mutation_score(protocol: Protocol, deck: Deck, candidates: Any = None) -> MutationScore:
    """Evaluate each mutant (default: ``mutants(protocol)``) on ``deck``: killed or survived.

    A mutant is killed when some case of the deck gives another outcome than
    the signed-off one. Only the cases of the mutated criterion are evaluated.
    """
    by_target: dict[str, list[Any]] = {}
    for case in deck.cases:
        by_target.setdefault(case.target, []).append(case)
    killed: list[Mutant] = []
    survived: list[Mutant] = []
    for mutant in (mutants(protocol) if candidates is None else candidates):
        (killed if _kills(mutant, by_target) else survived).append(mutant)
    return MutationScore(tuple(killed), tuple(survived))


def _kills(mutant: Mutant, by_target: Mapping[str, list[Any]]) -> bool:
    """Whether some case of the mutated criterion changes outcome (every case if it is gone)."""
    p = mutant.protocol
    criteria = {c.id: c for c in p.criteria}
    for target, cases in by_target.items():
        if target != mutant.target and target in criteria:
            continue
        criterion = criteria.get(target)
        if criterion is None:
            return True
        alone = _evolve(p, inclusion=[criterion], exclusion=[])
        for case in cases:
            if alone.outcomes(case.record, case.as_of)[target] is not case.expected:
                return True
    return False
