"""Threshold: a value compared with one bound (``>=``, ``>``, ``<=``, ``<``)."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, Final

import attrs

from ..engine.codec import NUMBER, SOURCE, Choice
from ..engine.fields import meta
from ..engine.registry import register
from ..engine.source import Source
from ..values.checks import num
from ..values.domains import Domain, plain_zero
from ..values.errors import InvalidCriterion
from ..values.units import exact
from ._value import ValueCriterion, number, numeric_source
from .sources import as_source

__all__ = ["OPERATORS", "Threshold"]

#: The comparison operators a Threshold accepts, with their wording.
OPERATORS: Final[Mapping[str, tuple[Callable[[Any, Any], bool], str]]] = {
    ">=": (operator.ge, "at least"),
    ">": (operator.gt, "above"),
    "<=": (operator.le, "at most"),
    "<": (operator.lt, "below"),
}
_ALLOWED: Final = f"one of {', '.join(map(repr, OPERATORS))}"


def _operator(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or value not in OPERATORS:
        raise InvalidCriterion(f"unknown operator {value!r}; use {_ALLOWED}",
                               field="operator", value=value, allowed=_ALLOWED)


@register
@attrs.frozen(repr=False)
class Threshold(ValueCriterion):
    """A value compared with one bound: ``>=``, ``>``, ``<=`` or ``<``.

    >>> from datetime import date
    >>> from trialrules import Observation, Record
    >>> fs = Threshold("edss_pyramidal", ">=", 3)
    >>> fs.decide(Record("P1", observations=[Observation("edss_pyramidal", 3, "2026-10-02")]),
    ...           date(2026, 11, 27))
    Outcome.MET
    """

    kind = "threshold"

    source: Source = attrs.field(converter=as_source, validator=numeric_source, metadata=meta(SOURCE))
    operator: str = attrs.field(validator=_operator, metadata=meta(Choice(OPERATORS)))
    bound: int | float = attrs.field(validator=number("bound"), converter=plain_zero,
                                     metadata=meta(NUMBER))

    def test(self, value: Any) -> bool:
        if type(value) is Fraction:  # a converted value: compare with the bound as written
            return bool(OPERATORS[self.operator][0](value, exact(self.bound)))
        return bool(OPERATORS[self.operator][0](value, self.bound))

    def breakpoints(self) -> tuple[Any, ...]:
        return (self.bound,)

    def bound_text(self, unit: str | None = None) -> str:
        unit_text = "" if unit is None else f" {unit}"
        return (f"{OPERATORS[self.operator][1]} {num(self.bound)}{unit_text} "
                f"({self.operator} {num(self.bound)})")

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        unit = self.source.unit_in(domains)
        return (f"{self.source.describe(domains)} is {OPERATORS[self.operator][1]} "
                f"{num(self.bound)}{'' if unit is None else f' {unit}'}")

    def interval(self) -> tuple[float, bool, float, bool]:
        op, bound = self.operator, self.bound
        if op in (">=", ">"):
            return bound, op == ">=", math.inf, False
        return -math.inf, False, bound, op == "<="

    def bounds(self) -> tuple[float, ...]:
        """The bound as written (for lint's outside-the-domain check)."""
        return (self.bound,)
