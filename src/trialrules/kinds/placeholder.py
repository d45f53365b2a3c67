"""Placeholder: a criterion not yet encoded (always UNKNOWN)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..engine.codec import LABEL
from ..engine.context import Context
from ..engine.criterion import Criterion, check_label
from ..engine.fields import meta
from ..engine.reads import Reads
from ..engine.registry import register
from ..engine.trace import Trace
from ..values.domains import Domain
from ..values.outcomes import Outcome

__all__ = ["Placeholder"]


@register
@attrs.frozen(repr=False)
class Placeholder(Criterion):
    """A criterion not yet encoded: always UNKNOWN, carrying the registry text as its label.

    >>> from datetime import date
    >>> from trialrules import Record
    >>> Placeholder("Life expectancy severely limited").decide(Record("P1"), date(2026, 1, 1))
    Outcome.UNKNOWN
    """

    kind = "placeholder"

    label: str | None = attrs.field(default=None, validator=check_label,
                                    metadata=meta(LABEL, display=True))

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        if why is not None:
            why.because("not yet encoded", missing=("an encoding of this criterion",))
        return Outcome.UNKNOWN

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return "not yet encoded"

    def reads(self) -> Reads:
        return Reads()

    def anonymous(self) -> Criterion:
        # A placeholder's text is all it has: two placeholders differ by their text.
        return self.evolve(id=None)
