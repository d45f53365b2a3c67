"""AnyOf: MET when any child is MET (Kleene's strong "or")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ...engine.codec import CRITERIA
from ...engine.context import Context
from ...engine.criterion import Criterion
from ...engine.fields import meta
from ...engine.findings import Finding
from ...engine.registry import register
from ...engine.trace import Trace
from ...values.domains import Domain
from ...values.outcomes import Outcome
from .._value import range_gaps
from ._group import Group, because, children_of, clause

__all__ = ["AnyOf"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


@register
@attrs.frozen(repr=False, init=False)
class AnyOf(Group):
    """MET when any child is MET; NOT_MET if every child is NOT_MET; else UNKNOWN.

    >>> from trialrules import Threshold
    >>> Threshold("edss_cerebellar", ">=", 3) | Threshold("edss_pyramidal", ">=", 3)
    (Threshold('edss_cerebellar', '>=', 3) | Threshold('edss_pyramidal', '>=', 3))
    """

    kind = "any_of"
    _symbol = "|"

    items: tuple[Criterion, ...] = attrs.field(metadata=meta(CRITERIA, varargs=True))

    def __init__(self, *children: Any, id: str | None = None,
                 label: str | None = None) -> None:
        self.__attrs_init__(children_of("AnyOf", children), id=id, label=label)

    def combine(self, outcomes: Sequence[Outcome]) -> Outcome:
        return Outcome.any_of(outcomes)

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        result = self._fold(ctx, why, MET)
        if why is not None and not why.recall_children():
            kids = why.children
            if result is MET:
                why.because(because([k for k in kids if k.outcome is MET]))
            elif result is NOT_MET:
                why.because(f"none of the alternatives is met: {because(kids)}")
            else:
                why.because(f"undecided: {because([k for k in kids if k.outcome is UNKNOWN])}")
        return result

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return " or ".join(clause(c, domains) for c in self.items)

    def lint(self, node_id: str, domains: Mapping[str, Domain]) -> list[Finding]:
        # "140-199 or > 200" leaves (199, 200]: values that meet none of the alternatives.
        return range_gaps(node_id, self.items, domains)
