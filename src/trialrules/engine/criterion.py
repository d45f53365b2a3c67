"""The criterion base: evaluation entry points and the ``&``, ``|``, ``~`` operators."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from ..values.domains import Domain
from ..values.errors import InvalidCriterion
from ..values.outcomes import Outcome
from ..values.text import name_problem
from .context import Context
from .explanations import Explanation

if TYPE_CHECKING:
    from ..values.records import Record

__all__ = ["Criterion"]


def check_id(_: Any, __: Any, value: Any) -> None:
    """Criterion ids are short, non-empty strings (``inclusion.3``)."""
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidCriterion(f"criterion id {value!r} must be a non-empty string or None")
    if value is not None and name_problem(value):
        raise InvalidCriterion(f"criterion id {value!r} must not hold {name_problem(value)}")


def check_label(_: Any, __: Any, value: Any) -> None:
    """Labels hold the protocol's own words."""
    if value is not None and not isinstance(value, str):
        raise InvalidCriterion(f"criterion label {value!r} must be a string or None")


class Criterion:
    """Base of every criterion: a frozen value that evaluates a record as of a date.

    Concrete criteria are frozen attrs classes with optional ``id`` and ``label``
    fields. Combine them with ``&`` (all of), ``|`` (any of) and ``~`` (not).
    """

    __slots__ = ()

    id: str | None
    label: str | None

    # -- evaluation ---------------------------------------------------------

    def evaluate(self, record: Record, as_of: date, *,
                 domains: Mapping[str, Domain] | None = None) -> Explanation:
        """Evaluate against ``record`` on ``as_of`` and explain the outcome."""
        ctx = Context(record, as_of, domains)
        return self._explain(ctx, self.id)

    def decide(self, record: Record, as_of: date, *,
               domains: Mapping[str, Domain] | None = None) -> Outcome:
        """The outcome alone, without building an explanation (the fast path)."""
        return self._decide(Context(record, as_of, domains))

    def _decide(self, ctx: Context) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError

    def _explain(self, ctx: Context, node_id: str | None) -> Explanation:  # pragma: no cover
        raise NotImplementedError

    # -- structure ----------------------------------------------------------

    @property
    def children(self) -> tuple[Criterion, ...]:
        """Direct sub-criteria (empty for leaves)."""
        return ()

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:  # pragma: no cover
        """A plain-English sentence generated from the structure (not the label)."""
        raise NotImplementedError

    def _describe_not(self, domains: Mapping[str, Domain] | None = None) -> str | None:
        """The negation as a plain sentence, when one reads better than "not (...)"."""
        return None

    def evolve(self, **changes: Any) -> Criterion:
        """A copy with some fields changed, validated like a new one."""
        return attrs.evolve(self, **changes)  # type: ignore[misc]

    def with_id(self, id: str | None) -> Criterion:
        """A copy with another id."""
        return self.evolve(id=id)

    def with_label(self, label: str | None) -> Criterion:
        """A copy with another label."""
        return self.evolve(label=label)

    def anonymous(self) -> Criterion:
        """The same rule without ids or labels anywhere: what structural equality compares."""
        return self.evolve(id=None, label=None)

    def walk(self) -> list[Criterion]:
        """This criterion and every descendant, depth first."""
        out: list[Criterion] = [self]
        for child in self.children:
            out.extend(child.walk())
        return out

    # -- serialization ------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, as in protocol documents (``criterion_to_dict``).

        >>> from trialrules import Range
        >>> Range("edss", 3, 6).to_dict()["kind"]
        'range'
        """
        from ..formats.protocols import criterion_to_dict

        return criterion_to_dict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Criterion:
        """The criterion ``to_dict`` wrote; errors name the JSON path (``criterion_from_dict``).

        >>> from trialrules import Criterion, Range
        >>> Criterion.from_dict(Range("edss", 3, 6).to_dict()) == Range("edss", 3, 6)
        True
        """
        from ..formats.protocols import criterion_from_dict
        from ..values.errors import InvalidDocument

        criterion = criterion_from_dict(data)
        if not isinstance(criterion, cls):
            raise InvalidDocument("$.kind", data.get("kind"), f"a {cls.__name__} document")
        return criterion

    # -- operators ----------------------------------------------------------

    def __and__(self, other: object) -> Criterion:
        from ..kinds.combinators import AllOf

        if not isinstance(other, Criterion):
            return NotImplemented
        return AllOf(*_spliced(AllOf, self), *_spliced(AllOf, other))

    def __or__(self, other: object) -> Criterion:
        from ..kinds.combinators import AnyOf

        if not isinstance(other, Criterion):
            return NotImplemented
        return AnyOf(*_spliced(AnyOf, self), *_spliced(AnyOf, other))

    def __invert__(self) -> Criterion:
        from ..kinds.combinators import Not

        return Not(self)

    def __rand__(self, other: object) -> Criterion:
        raise TypeError(
            f"cannot combine {other!r} with a criterion; both sides of & must be criteria")

    def __ror__(self, other: object) -> Criterion:
        raise TypeError(
            f"cannot combine {other!r} with a criterion; both sides of | must be criteria")

    def __bool__(self) -> bool:
        raise TypeError(
            "a criterion has no truth value: use &, |, ~ to combine criteria "
            "(not 'and', 'or', 'not'), and evaluate() or decide() to test one"
        )


def _spliced(kind: type, criterion: Criterion) -> tuple[Criterion, ...]:
    """Flatten an anonymous combinator of the same kind: ``a & b & c`` is one AllOf."""
    if type(criterion) is kind and criterion.id is None and criterion.label is None:
        return criterion.children
    return (criterion,)
