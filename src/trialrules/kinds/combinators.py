"""Combinators: AllOf, AnyOf, Not, Implies and AtLeast, with Kleene semantics (DESIGN §1)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ..engine._shared import all_shared, recall, remember
from ..engine.context import Context
from ..engine.criterion import Criterion, check_id, check_label
from ..engine.explanations import Explanation
from ..values.domains import Domain
from ..values.errors import InvalidCriterion
from ..values.outcomes import Outcome

__all__ = ["AllOf", "AnyOf", "AtLeast", "Implies", "Not"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def _children(kind: str, items: tuple[Any, ...]) -> tuple[Criterion, ...]:
    # AllOf(a, b) and AllOf([a, b]) both read naturally; accept either.
    if len(items) == 1 and not isinstance(items[0], Criterion) and isinstance(items[0], Iterable):
        items = tuple(items[0])
    for item in items:
        if not isinstance(item, Criterion):
            raise InvalidCriterion(f"{kind} takes criteria, but got {item!r}")
    if not items:
        raise InvalidCriterion(f"{kind} needs at least one criterion")
    return items


def _child_id(parent: str | None, index: int, child: Criterion) -> str | None:
    if child.id is not None:
        return child.id
    return f"{parent}.{index}" if parent else str(index)


def _names(children: Iterable[Explanation]) -> str:
    return ", ".join(c.id or c.kind for c in children)


def _because(children: Iterable[Explanation]) -> str:
    """The children's own reasons, so a parent's reason reads without opening the tree."""
    return "; ".join(c.reason for c in children)


def _combined(criterion: Criterion, node_id: str | None, kids: tuple[Explanation, ...],
              combine: Callable[[str | None, tuple[Explanation, ...]], Explanation]) -> Explanation:
    """``combine(node_id, kids)``; when every child is a shared node, the shared result."""
    if not all_shared(kids):
        return combine(node_id, kids)
    key = (id(criterion), node_id, *map(id, kids))
    shared = recall(criterion, key)
    if shared is None:
        shared = remember(criterion, key, combine(node_id, kids))
    return shared


def _flattens(child: Criterion, parent: type) -> bool:
    """Whether ``&``/``|`` would splice this child into its parent (an anonymous same kind)."""
    return type(child) is parent and child.id is None and child.label is None


class _Group(Criterion):
    """Shared parts of the n-ary combinators."""

    __slots__ = ()
    items: tuple[Criterion, ...]
    _symbol = ""

    @property
    def children(self) -> tuple[Criterion, ...]:
        return self.items

    def evolve(self, **changes: Any) -> Criterion:
        fields: dict[str, Any] = {"items": self.items, "id": self.id, "label": self.label}
        if isinstance(self, AtLeast):
            fields["k"] = self.k
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        fields.update(changes)
        items = fields.pop("items")
        if isinstance(self, AtLeast):
            return AtLeast(fields.pop("k"), *items, **fields)
        return type(self)(*items, **fields)

    def anonymous(self) -> Criterion:
        return self.evolve(items=tuple(c.anonymous() for c in self.items), id=None, label=None)

    def _explain(self, ctx: Context, node_id: str | None) -> Explanation:
        return _combined(self, node_id, self._explain_children(ctx, node_id), self._combine)

    def _combine(self, node_id: str | None,
                 kids: tuple[Explanation, ...]) -> Explanation:  # pragma: no cover - abstract
        raise NotImplementedError

    def _explain_children(self, ctx: Context, node_id: str | None) -> tuple[Explanation, ...]:
        return tuple([c._explain(ctx, _child_id(node_id, i, c))
                      for i, c in enumerate(self.items, 1)])

    def _named_repr(self) -> str:
        args = [repr(c) for c in self.items]
        args += [f"{k}={getattr(self, k)!r}" for k in ("id", "label") if getattr(self, k)]
        return f"{type(self).__name__}({', '.join(args)})"

    def __repr__(self) -> str:
        # Operator form only when it reads back to this same tree: ``a & b`` would
        # splice an anonymous AllOf child, so such a group keeps the named form.
        if (self.id is None and self.label is None and len(self.items) > 1
                and not any(_flattens(c, type(self)) for c in self.items)):
            return "(" + f" {self._symbol} ".join(repr(c) for c in self.items) + ")"
        return self._named_repr()


@attrs.frozen(repr=False, init=False)
class AllOf(_Group):
    """MET when every child is MET; NOT_MET if any is NOT_MET; else UNKNOWN.

    ``a & b & c`` builds one flat ``AllOf``:

    >>> from trialrules import Flag
    >>> Flag("a") & Flag("b") & Flag("c") == AllOf(Flag("a"), Flag("b"), Flag("c"))
    True
    """

    items: tuple[Criterion, ...]
    id: str | None = attrs.field(default=None, validator=check_id)
    label: str | None = attrs.field(default=None, validator=check_label)
    _symbol = "&"

    def __init__(self, *children: Any, id: str | None = None,
                 label: str | None = None) -> None:
        self.__attrs_init__(_children("AllOf", children), id, label)

    def _decide(self, ctx: Context) -> Outcome:
        result = MET
        for child in self.items:
            outcome = child._decide(ctx)
            if outcome is NOT_MET:
                return NOT_MET
            if outcome is UNKNOWN:
                result = UNKNOWN
        return result

    def _combine(self, node_id: str | None, kids: tuple[Explanation, ...]) -> Explanation:
        outcome = Outcome.all_of(k.outcome for k in kids)
        failing = [k for k in kids if k.outcome is NOT_MET]
        open_ = [k for k in kids if k.outcome is UNKNOWN]
        if outcome is MET:
            reason = f"all {len(kids)} parts are met"
        elif outcome is NOT_MET:
            reason = _because(failing)
        else:
            reason = f"undecided: {_because(open_)}"
        return Explanation(node_id, "AllOf", outcome, reason, self.label, children=kids)

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return " and ".join(_clause(c, domains) for c in self.items)


@attrs.frozen(repr=False, init=False)
class AnyOf(_Group):
    """MET when any child is MET; NOT_MET if every child is NOT_MET; else UNKNOWN.

    >>> from trialrules import Threshold
    >>> Threshold("edss_cerebellar", ">=", 3) | Threshold("edss_pyramidal", ">=", 3)
    (Threshold('edss_cerebellar', '>=', 3) | Threshold('edss_pyramidal', '>=', 3))
    """

    items: tuple[Criterion, ...]
    id: str | None = attrs.field(default=None, validator=check_id)
    label: str | None = attrs.field(default=None, validator=check_label)
    _symbol = "|"

    def __init__(self, *children: Any, id: str | None = None,
                 label: str | None = None) -> None:
        self.__attrs_init__(_children("AnyOf", children), id, label)

    def _decide(self, ctx: Context) -> Outcome:
        result = NOT_MET
        for child in self.items:
            outcome = child._decide(ctx)
            if outcome is MET:
                return MET
            if outcome is UNKNOWN:
                result = UNKNOWN
        return result

    def _combine(self, node_id: str | None, kids: tuple[Explanation, ...]) -> Explanation:
        outcome = Outcome.any_of(k.outcome for k in kids)
        if outcome is MET:
            met = [k for k in kids if k.outcome is MET]
            reason = _because(met)
        elif outcome is NOT_MET:
            reason = f"none of the alternatives is met: {_because(kids)}"
        else:
            open_ = [k for k in kids if k.outcome is UNKNOWN]
            reason = f"undecided: {_because(open_)}"
        return Explanation(node_id, "AnyOf", outcome, reason, self.label, children=kids)

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return " or ".join(_clause(c, domains) for c in self.items)


@attrs.frozen(repr=False, init=False)
class AtLeast(_Group):
    """MET when at least ``k`` children are MET; NOT_MET when fewer than ``k`` could be.

    >>> from datetime import date
    >>> from trialrules import Flag, Record
    >>> two = AtLeast(2, Flag("a"), Flag("b"), Flag("c"))
    >>> two.decide(Record("P1", flags={"a": True, "b": False}), date(2026, 1, 1))
    Outcome.UNKNOWN
    """

    k: int
    items: tuple[Criterion, ...]
    id: str | None = attrs.field(default=None, validator=check_id)
    label: str | None = attrs.field(default=None, validator=check_label)

    def __init__(self, k: int, *children: Any, id: str | None = None,
                 label: str | None = None) -> None:
        items = _children("AtLeast", children)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= len(items):
            raise InvalidCriterion(
                f"AtLeast k={k!r} must be a whole number from 1 to the number of "
                f"criteria ({len(items)})"
            )
        self.__attrs_init__(k, items, id, label)

    def _decide(self, ctx: Context) -> Outcome:
        return Outcome.at_least(self.k, (c._decide(ctx) for c in self.items))

    def _combine(self, node_id: str | None, kids: tuple[Explanation, ...]) -> Explanation:
        outcome = Outcome.at_least(self.k, (k.outcome for k in kids))
        met = sum(k.outcome is MET for k in kids)
        unknown = sum(k.outcome is UNKNOWN for k in kids)
        reason = f"{met} of {len(kids)} met and {unknown} unknown; at least {self.k} needed"
        return Explanation(node_id, "AtLeast", outcome, reason, self.label, children=kids)

    def _named_repr(self) -> str:
        args = [repr(self.k)] + [repr(c) for c in self.items]
        args += [f"{k}={getattr(self, k)!r}" for k in ("id", "label") if getattr(self, k)]
        return f"AtLeast({', '.join(args)})"

    def __repr__(self) -> str:
        return self._named_repr()

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return f"at least {self.k} of: " + "; ".join(_clause(c, domains) for c in self.items)


def _criterion(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, Criterion):
        raise InvalidCriterion(f"{attribute.name}={value!r} must be a criterion")


@attrs.frozen(repr=False)
class Not(Criterion):
    """Swaps MET and NOT_MET; UNKNOWN stays UNKNOWN (``~criterion`` is the same).

    >>> from trialrules import Flag
    >>> ~Flag("consent") == Not(Flag("consent"))
    True
    """

    child: Criterion = attrs.field(validator=_criterion)
    id: str | None = attrs.field(default=None, kw_only=True, validator=check_id)
    label: str | None = attrs.field(default=None, kw_only=True, validator=check_label)

    @property
    def children(self) -> tuple[Criterion, ...]:
        return (self.child,)

    def anonymous(self) -> Criterion:
        return Not(self.child.anonymous())

    def _decide(self, ctx: Context) -> Outcome:
        return ~self.child._decide(ctx)

    def _explain(self, ctx: Context, node_id: str | None) -> Explanation:
        kid = self.child._explain(ctx, _child_id(node_id, 1, self.child))
        return _combined(self, node_id, (kid,), self._combine)

    def _combine(self, node_id: str | None, kids: tuple[Explanation, ...]) -> Explanation:
        kid = kids[0]
        outcome = ~kid.outcome
        reason = kid.reason  # the facts are the child's; only the verdict flips
        return Explanation(node_id, "Not", outcome, reason, self.label, children=(kid,))

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        negated = self.child._describe_not(domains)
        return f"not ({self.child.describe(domains)})" if negated is None else negated

    def _describe_not(self, domains: Mapping[str, Domain] | None = None) -> str | None:
        return self.child.describe(domains)

    def __repr__(self) -> str:
        if self.id is None and self.label is None:
            return f"~{self.child!r}"
        args = [repr(self.child)] + [f"{k}={getattr(self, k)!r}" for k in ("id", "label")
                                     if getattr(self, k)]
        return f"Not({', '.join(args)})"


@attrs.frozen(repr=False)
class Implies(Criterion):
    """If ``antecedent`` then ``consequent``: exactly ``AnyOf(Not(antecedent), consequent)``.

    >>> from datetime import date
    >>> from trialrules import Flag, Record
    >>> rule = Implies(Flag("had_cytotoxic"), Flag("marrow_normal"))
    >>> rule.decide(Record("P1", flags={"had_cytotoxic": False}), date(2026, 1, 1))
    Outcome.MET
    """

    antecedent: Criterion = attrs.field(validator=_criterion)
    consequent: Criterion = attrs.field(validator=_criterion)
    id: str | None = attrs.field(default=None, kw_only=True, validator=check_id)
    label: str | None = attrs.field(default=None, kw_only=True, validator=check_label)

    @property
    def children(self) -> tuple[Criterion, ...]:
        return (self.antecedent, self.consequent)

    def anonymous(self) -> Criterion:
        return Implies(self.antecedent.anonymous(), self.consequent.anonymous())

    def _decide(self, ctx: Context) -> Outcome:
        first = self.antecedent._decide(ctx)
        if first is NOT_MET:
            return MET
        return ~first | self.consequent._decide(ctx)

    def _explain(self, ctx: Context, node_id: str | None) -> Explanation:
        a = self.antecedent._explain(ctx, _child_id(node_id, 1, self.antecedent))
        b = self.consequent._explain(ctx, _child_id(node_id, 2, self.consequent))
        return _combined(self, node_id, (a, b), self._combine)

    def _combine(self, node_id: str | None, kids: tuple[Explanation, ...]) -> Explanation:
        a, b = kids
        outcome = ~a.outcome | b.outcome
        if a.outcome is NOT_MET:
            reason = f"the condition does not apply: {a.reason}"
        elif outcome is MET:
            reason = f"{b.reason}"
        elif outcome is NOT_MET:
            reason = f"the condition applies ({a.reason}) and {b.reason}"
        elif a.outcome is UNKNOWN and b.outcome is not MET:
            reason = f"undecided: whether the condition applies is unknown ({a.reason}); {b.reason}"
        else:
            reason = f"undecided: the condition applies ({a.reason}); {b.reason}"
        return Explanation(node_id, "Implies", outcome, reason, self.label, children=(a, b))

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        # "if A, then B and C" needs no brackets: the comma and "then" delimit the parts.
        return (f"if {self.antecedent.describe(domains)}, "
                f"then {self.consequent.describe(domains)}")

    def __repr__(self) -> str:
        return "Implies(" + ", ".join(
            [repr(self.antecedent), repr(self.consequent)]
            + [f"{k}={getattr(self, k)!r}" for k in ("id", "label") if getattr(self, k)]) + ")"


def _clause(child: Criterion, domains: Mapping[str, Domain] | None) -> str:
    text = child.describe(domains)
    if (isinstance(child, AllOf | AnyOf | AtLeast) and len(child.children) > 1) or isinstance(
            child, Implies):
        return f"({text})"
    return text
