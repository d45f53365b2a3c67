"""The criterion base: the extension interface every kind implements, and the operators.

A criterion kind is one frozen attrs class in one module:

- ``kind``: its JSON tag (a class attribute), and ``@register`` on the class;
- its fields, each declared once with :func:`trialrules.engine.field` (codec,
  JSON name, default) — serialization, the JSON Schema, ``repr``, ``diff``,
  ``children`` and ``anonymous`` are derived from them;
- ``judge(ctx, why)``: the one evaluation method. It returns the outcome and,
  when ``why`` is a :class:`~trialrules.engine.trace.Trace`, records the reason
  on it; deciding is the same code with ``why=None``;
- ``describe(domains)``: the rule in plain English;
- ``reads()``: the facts of a record it looks at;
- optionally ``lint(node_id, domains)``: findings about the rule itself.

See docs/how-to/custom-kind.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from ..values.domains import Domain
from ..values.errors import InvalidCriterion, InvalidDocument
from ..values.outcomes import Outcome
from ..values.text import name_problem
from .codec import ID, LABEL, Reader, criterion_to_dict
from .context import Context
from .explanations import Explanation
from .fields import build, field_repr, meta, specs
from .reads import Reads
from .registry import kind_class
from .trace import Trace, explain

if TYPE_CHECKING:
    from ..values.records import Record
    from .findings import Finding

__all__ = ["Criterion", "check_id", "check_label", "children_key"]


def check_id(_: Any, __: Any, value: Any) -> None:
    """Criterion ids are short, non-empty strings (``inclusion.3``)."""
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidCriterion(f"criterion id {value!r} must be a non-empty string or None",
                               field="id", value=value, allowed="a non-empty string id")
    if value is not None and name_problem(value):
        problem = name_problem(value)
        raise InvalidCriterion(f"criterion id {value!r} must not hold {problem}",
                               field="id", value=value, allowed=f"an id without {problem}")


def check_label(_: Any, attribute: Any, value: Any) -> None:
    """Labels hold the protocol's own words."""
    if value is not None and not isinstance(value, str):
        name = getattr(attribute, "name", "label")
        raise InvalidCriterion(f"criterion {name} {value!r} must be a string or None",
                               field=name, value=value, allowed="a string")


@attrs.frozen(repr=False)
class Criterion:
    """Base of every criterion: a frozen value that evaluates a record as of a date.

    Concrete criteria are registered frozen attrs subclasses (see the module
    docstring). Combine them with ``&`` (all of), ``|`` (any of) and ``~`` (not).
    """

    _role: ClassVar[str] = "criterion"
    #: Whether the kind implements :meth:`shared_key` (set for each subclass).
    keyed: ClassVar[bool] = False
    #: The JSON tag of the kind (``"range"``); set on each concrete kind.
    kind: ClassVar[str]

    id: str | None = attrs.field(default=None, kw_only=True, validator=check_id,
                                 metadata=meta(ID))
    label: str | None = attrs.field(default=None, kw_only=True, validator=check_label,
                                    metadata=meta(LABEL, display=True))

    # -- the extension interface ----------------------------------------------

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        """The outcome on ``ctx``; when ``why`` is given, also record the reason on it."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement judge(ctx, why), the one evaluation "
            "method of a criterion kind (docs/how-to/custom-kind.md)")

    def shared_key(self, ctx: Context) -> tuple[Any, ...] | None:
        """Optional: the few facts of ``ctx`` this node's explanation depends on, when it
        depends on nothing else (a flag's recorded value). One node then serves every
        record with the same facts in a batch: ``explain`` looks it up before judging.
        None (the default) when the node depends on more; ``judge`` may still share a
        node through ``why.recall(...)`` once it knows the facts."""
        return None


    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Whether the kind names shared keys, so explain asks only the kinds that do.
        cls.keyed = cls.shared_key is not Criterion.shared_key

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        """A plain-English sentence generated from the structure (not the label)."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement describe(domains), the plain-English "
            "sentence of the rule (docs/how-to/custom-kind.md)")

    def combine(self, outcomes: Sequence[Outcome]) -> Outcome:
        """A combinator's outcome from its children's outcomes, in order, for a kind whose
        outcome depends on nothing else (Kleene's three-valued logic for the built-in ones).

        ``judge`` decides; this states the same rule as a table, which the testing toolkit
        builds a combinator's boundary cases from (docs/how-to/custom-kind.md).
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not implement combine(outcomes), its outcome from its "
            "children's outcomes (needed for its boundary cases; docs/how-to/custom-kind.md)")

    def replace_child(self, index: int, child: Criterion) -> Criterion:
        """A copy with its ``index``-th child (from 0, as in :attr:`children`) replaced,
        rebuilt through its declared fields (a list of criteria or one criterion each)."""
        seen = 0
        for s in specs(type(self)):
            value = getattr(self, s.name)
            found = s.codec.children(value)
            if index < seen + len(found):
                if isinstance(value, Criterion):
                    return self.evolve(**{s.name: child})
                items = list(value)
                items[index - seen] = child
                return self.evolve(**{s.name: tuple(items)})
            seen += len(found)
        raise IndexError(f"{type(self).__name__} has {seen} children, not {index + 1}")

    def reads(self) -> Reads:
        """The facts of a record this criterion looks at (its children's included)."""
        if self.children and type(self).reads is Criterion.reads:
            out = Reads()
            for child in self.children:
                out = out | child.reads()
            return out
        if not self.children and type(self).reads is Criterion.reads:
            raise NotImplementedError(
                f"{type(self).__name__} does not implement reads(), the facts it looks at "
                "(needed to generate test records; docs/how-to/custom-kind.md)")
        return Reads()  # pragma: no cover - overridden

    def lint(self, node_id: str, domains: Mapping[str, Domain]) -> list[Finding]:
        """Findings about this node alone (a bound no value can meet, an empty code set)."""
        return []

    # -- evaluation -----------------------------------------------------------

    def evaluate(self, record: Record, as_of: date, *,
                 domains: Mapping[str, Domain] | None = None) -> Explanation:
        """Evaluate against ``record`` on ``as_of`` and explain the outcome."""
        return explain(self, Context(record, as_of, domains), self.id)

    def decide(self, record: Record, as_of: date, *,
               domains: Mapping[str, Domain] | None = None) -> Outcome:
        """The outcome alone: ``judge`` with the tracing switched off."""
        return self.judge(Context(record, as_of, domains), None)

    def explain_in(self, ctx: Context, node_id: str | None) -> Explanation:
        """The explanation node of this criterion in an evaluation context."""
        return explain(self, ctx, node_id)

    # -- structure (derived from the declared fields) -------------------------

    @property
    def children(self) -> tuple[Criterion, ...]:
        """Direct sub-criteria, from the criterion-valued fields (empty for leaves)."""
        out: tuple[Criterion, ...] = ()
        for s in specs(type(self)):
            out += s.codec.children(getattr(self, s.name))
        return out

    def _describe_not(self, domains: Mapping[str, Domain] | None = None) -> str | None:
        """The negation as a plain sentence, when one reads better than "not (...)"."""
        return None

    def evolve(self, **changes: Any) -> Criterion:
        """A copy with some fields changed, validated like a new one."""
        values = {s.name: getattr(self, s.name) for s in specs(type(self))}
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        values.update(changes)
        out: Criterion = build(type(self), values)
        return out

    def with_id(self, id: str | None) -> Criterion:
        """A copy with another id."""
        return self.evolve(id=id)

    def with_label(self, label: str | None) -> Criterion:
        """A copy with another label."""
        return self.evolve(label=label)

    def anonymous(self) -> Criterion:
        """The same rule without ids, labels or other display text anywhere: what
        structural equality compares."""
        changes: dict[str, Any] = {}
        for s in specs(type(self)):
            value = getattr(self, s.name)
            if s.name == "id" or s.display:
                changes[s.name] = None
            else:
                changes[s.name] = s.codec.anonymous(value)
        return self.evolve(**changes)

    def walk(self) -> list[Criterion]:
        """This criterion and every descendant, depth first."""
        out: list[Criterion] = [self]
        for child in self.children:
            out.extend(child.walk())
        return out

    def __repr__(self) -> str:
        return field_repr(self)

    # -- serialization --------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, as in protocol documents.

        >>> from trialrules import Range
        >>> Range("edss", 3, 6).to_dict()["kind"]
        'range'
        """
        return criterion_to_dict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Criterion:
        """The criterion ``to_dict`` wrote; errors name the JSON path.

        >>> from trialrules import Criterion, Range
        >>> Criterion.from_dict(Range("edss", 3, 6).to_dict()) == Range("edss", 3, 6)
        True
        """
        criterion = Reader().criterion(data, "$")
        if not isinstance(criterion, cls):
            raise InvalidDocument("$.kind", data.get("kind"), f"a {cls.__name__} document")
        return criterion

    # -- operators ------------------------------------------------------------

    def __and__(self, other: object) -> Criterion:
        if not isinstance(other, Criterion):
            return NotImplemented
        return _group("all_of", self, other)

    def __or__(self, other: object) -> Criterion:
        if not isinstance(other, Criterion):
            return NotImplemented
        return _group("any_of", self, other)

    def __invert__(self) -> Criterion:
        negation: Any = kind_class("not")
        out: Criterion = negation(self)
        return out

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


def children_key(ctx: Context, children: tuple[Criterion, ...]) -> tuple[Any, ...] | None:
    """A combinator's :meth:`Criterion.shared_key`: its node depends only on its children's
    nodes, so on their shared keys when every child has one (else None)."""
    facts = []
    for child in children:
        if not child.keyed:
            return None
        key = child.shared_key(ctx)
        if key is None:
            return None
        facts.append(key)
    return tuple(facts)


def _group(tag: str, left: Criterion, right: Criterion) -> Criterion:
    """``a & b & c`` is one AllOf: an anonymous group of the same kind is spliced."""
    kind: Any = kind_class(tag)
    out: Criterion = kind(*_spliced(kind, left), *_spliced(kind, right))
    return out


def _spliced(kind: type, criterion: Criterion) -> tuple[Criterion, ...]:
    if type(criterion) is kind and criterion.id is None and criterion.label is None:
        return criterion.children
    return (criterion,)

