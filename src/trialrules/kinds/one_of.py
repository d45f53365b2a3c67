"""OneOf: a categorical value (sex, a coded observation value) is one of a set."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..engine.codec import SOURCE, VALUES
from ..engine.fields import meta
from ..engine.findings import Finding, finding
from ..engine.registry import register
from ..engine.source import Source
from ..values.domains import Domain, is_number
from ..values.errors import InvalidCriterion
from ._value import ValueCriterion
from .sources import as_source

__all__ = ["OneOf"]


def _values(value: Iterable[Any]) -> frozenset[Any]:
    allowed = "a non-empty list of strings and finite numbers"
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidCriterion(f"OneOf values {value!r} must be a collection, e.g. ['male']",
                               field="values", value=value, allowed=allowed)
    items = tuple(value)  # checked before the set: frozenset({1, True}) drops the True
    if not items:
        raise InvalidCriterion("OneOf needs at least one value", field="values", value=[],
                               allowed="at least one value")
    for item in items:
        if isinstance(item, bool):  # True == 1 in a set: a bool would silently match 1
            raise InvalidCriterion(f"OneOf value {item!r} must be a string or a finite number "
                                   "(a bool would match 1); test a yes/no fact with Flag",
                                   field="values", value=item, allowed=allowed)
        if not isinstance(item, str | int | float) or (
                isinstance(item, float) and not is_number(item)):
            raise InvalidCriterion(f"OneOf value {item!r} must be a string or a finite number",
                                   field="values", value=item, allowed=allowed)
    return frozenset(items)


@register
@attrs.frozen(repr=False)
class OneOf(ValueCriterion):
    """A categorical value (sex, a coded observation value) is one of a set.

    >>> from datetime import date
    >>> from trialrules import Record, Sex
    >>> OneOf(Sex(), ["male"]).decide(Record("P1", sex="female"), date(2026, 11, 27))
    Outcome.NOT_MET
    """

    kind = "one_of"
    numeric = False

    source: Source = attrs.field(converter=as_source, metadata=meta(SOURCE))
    values: frozenset[Any] = attrs.field(converter=_values, metadata=meta(VALUES))

    def test(self, value: Any) -> bool:
        return not isinstance(value, bool) and value in self.values

    def breakpoints(self) -> tuple[Any, ...]:
        return tuple(self.values)

    def _sorted(self) -> list[Any]:
        return sorted(self.values, key=lambda v: (isinstance(v, str), v))

    def bound_text(self, unit: str | None = None) -> str:
        items = self._sorted()
        if len(items) == 1:
            return f"{items[0]}"
        return "one of " + ", ".join(str(v) for v in items)

    def lint(self, node_id: str, domains: Mapping[str, Domain]) -> list[Finding]:
        out = super().lint(node_id, domains)
        domain = self.source.domain(domains)
        if domain is not None:
            off = sorted((v for v in self.values if not domain.contains(v)), key=repr)
            if off:
                every = len(off) == len(self.values)
                code = "empty-range" if every else "value-outside-domain"
                shown = ", ".join(repr(v) for v in sorted(off, key=repr))
                out.append(finding(code, [node_id],
                                   f"{'no value can match: ' if every else ''}the value(s) "
                                   f"{shown} can never match: the domain is "
                                   f"{domain.describe()}"))
        return out
