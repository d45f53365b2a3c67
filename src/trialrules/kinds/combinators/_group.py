"""What the n-ary combinators (AllOf, AnyOf, AtLeast) share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import attrgetter
from typing import Any

from ...engine.context import Context
from ...engine.criterion import Criterion, children_key
from ...engine.explanations import Explanation
from ...engine.trace import Trace
from ...values.domains import Domain
from ...values.errors import InvalidCriterion
from ...values.outcomes import Outcome

__all__: list[str] = []

UNKNOWN = Outcome.UNKNOWN


def children_of(kind: str, items: tuple[Any, ...]) -> tuple[Criterion, ...]:
    """The criteria of ``Kind(a, b)`` or ``Kind([a, b])`` (both read naturally)."""
    if len(items) == 1 and not isinstance(items[0], Criterion) and isinstance(items[0], Iterable):
        items = tuple(items[0])
    for item in items:
        if not isinstance(item, Criterion):
            raise InvalidCriterion(f"{kind} takes criteria, but got {item!r}", field="items",
                                   value=item, allowed="criteria")
    if not items:
        raise InvalidCriterion(f"{kind} needs at least one criterion", field="items", value=[],
                               allowed="at least one criterion")
    return items


def because(children: Iterable[Explanation]) -> str:
    """The children's own reasons, so a parent's reason reads without opening the tree."""
    return "; ".join(map(_reason, children))


_reason = attrgetter("reason")


def flattens(child: Criterion, parent: type) -> bool:
    """Whether ``&``/``|`` would splice this child into its parent (an anonymous same kind)."""
    return type(child) is parent and child.id is None and child.label is None


def clause(child: Criterion, domains: Mapping[str, Domain] | None) -> str:
    """A child's description, bracketed when it is itself a group."""
    from .implies import Implies

    text = child.describe(domains)
    if (isinstance(child, Group) and len(child.children) > 1) or isinstance(child, Implies):
        return f"({text})"
    return text


class Group(Criterion):
    """Shared parts of the n-ary combinators: children, operator-form repr."""

    __slots__ = ()
    items: tuple[Criterion, ...]
    _symbol = ""

    def shared_key(self, ctx: Context) -> tuple[Any, ...] | None:
        return children_key(ctx, self.items)

    def _fold(self, ctx: Context, why: Trace | None, absorbing: Outcome) -> Outcome:
        """Kleene's fold shared by AllOf (absorbing NOT_MET) and AnyOf (absorbing MET): the
        absorbing outcome wins, else UNKNOWN if any child is UNKNOWN, else the neutral one."""
        neutral = ~absorbing
        result = neutral
        for i, child in enumerate(self.items, 1):
            outcome = child.judge(ctx, None) if why is None else why.child(child, i)
            if outcome is absorbing:
                if why is None:
                    return absorbing  # nobody watches: the rest cannot change it
                result = absorbing
            elif outcome is UNKNOWN and result is neutral:
                result = UNKNOWN
        return result

    def __repr__(self) -> str:
        # Operator form only when it reads back to this same tree: ``a & b`` would
        # splice an anonymous AllOf child, so such a group keeps the named form.
        if (self._symbol and self.id is None and self.label is None and len(self.items) > 1
                and not any(flattens(c, type(self)) for c in self.items)):
            return "(" + f" {self._symbol} ".join(repr(c) for c in self.items) + ")"
        return super().__repr__()
