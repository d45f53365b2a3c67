"""Range: a value within [low, high], each end inclusive unless said otherwise."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import attrs

from ..engine.codec import BOOL, NUMBER, SOURCE
from ..engine.fields import meta
from ..engine.registry import register
from ..engine.source import Source
from ..values.checks import num
from ..values.domains import plain_zero
from ..values.errors import InvalidCriterion
from ..values.units import exact
from ._value import ValueCriterion, boolean, number, numeric_source
from .sources import as_source

__all__ = ["Range"]


@register
@attrs.frozen(repr=False)
class Range(ValueCriterion):
    """A value within [low, high]; each end inclusive unless said otherwise.

    >>> Range("edss", 3, 6)
    Range('edss', 3, 6)
    """

    kind = "range"

    source: Source = attrs.field(converter=as_source, validator=numeric_source, metadata=meta(SOURCE))
    low: int | float = attrs.field(validator=number("low"), converter=plain_zero,
                                   metadata=meta(NUMBER))
    high: int | float = attrs.field(validator=number("high"), converter=plain_zero,
                                    metadata=meta(NUMBER))
    low_inclusive: bool = attrs.field(default=True, kw_only=True, validator=boolean("low_inclusive"),
                                      metadata=meta(BOOL))
    high_inclusive: bool = attrs.field(default=True, kw_only=True, validator=boolean("high_inclusive"),
                                       metadata=meta(BOOL))

    def __attrs_post_init__(self) -> None:
        if self.low > self.high:
            raise InvalidCriterion(
                f"Range cannot have low={self.low!r} > high={self.high!r}; "
                "swap them, or use Threshold for a one-sided bound",
                field="high", value=self.high, allowed=f"a number >= low ({self.low})")

    def test(self, value: Any) -> bool:
        low: Any = self.low
        high: Any = self.high
        if type(value) is Fraction:  # a converted value: compare with the bounds as written
            low, high = exact(low), exact(high)
        lo_ok = value >= low if self.low_inclusive else value > low
        return bool(lo_ok and (value <= high if self.high_inclusive else value < high))

    def breakpoints(self) -> tuple[Any, ...]:
        return (self.low, self.high)

    def _ends(self) -> str:
        if self.low_inclusive and self.high_inclusive:
            return "both inclusive"
        if not self.low_inclusive and not self.high_inclusive:
            return "both exclusive"
        return f"{num(self.low)} {'inclusive' if self.low_inclusive else 'exclusive'}, " \
               f"{num(self.high)} {'inclusive' if self.high_inclusive else 'exclusive'}"

    def bound_text(self, unit: str | None = None) -> str:
        unit_text = "" if unit is None else f" {unit}"
        return f"between {num(self.low)} and {num(self.high)}{unit_text} ({self._ends()})"

    def interval(self) -> tuple[float, bool, float, bool]:
        return self.low, self.low_inclusive, self.high, self.high_inclusive

    def bounds(self) -> tuple[float, ...]:
        """The bounds as written (for lint's outside-the-domain check)."""
        return (self.low, self.high)
