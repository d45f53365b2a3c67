"""AllOf: MET when every child is MET (Kleene's strong "and")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ...engine.codec import CRITERIA
from ...engine.context import Context
from ...engine.criterion import Criterion
from ...engine.fields import meta
from ...engine.registry import register
from ...engine.trace import Trace
from ...values.domains import Domain
from ...values.outcomes import Outcome
from ._group import Group, because, children_of, clause

__all__ = ["AllOf"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


@register
@attrs.frozen(repr=False, init=False)
class AllOf(Group):
    """MET when every child is MET; NOT_MET if any is NOT_MET; else UNKNOWN.

    ``a & b & c`` builds one flat ``AllOf``:

    >>> from trialrules import Flag
    >>> Flag("a") & Flag("b") & Flag("c") == AllOf(Flag("a"), Flag("b"), Flag("c"))
    True
    """

    kind = "all_of"
    _symbol = "&"

    items: tuple[Criterion, ...] = attrs.field(metadata=meta(CRITERIA, varargs=True))

    def __init__(self, *children: Any, id: str | None = None,
                 label: str | None = None) -> None:
        self.__attrs_init__(children_of("AllOf", children), id=id, label=label)

    def combine(self, outcomes: Sequence[Outcome]) -> Outcome:
        return Outcome.all_of(outcomes)

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        result = self._fold(ctx, why, NOT_MET)
        if why is not None and not why.recall_children():
            kids = why.children
            if result is MET:
                why.because(f"all {len(kids)} parts are met")
            elif result is NOT_MET:
                why.because(because([k for k in kids if k.outcome is NOT_MET]))
            else:
                why.because(f"undecided: {because([k for k in kids if k.outcome is UNKNOWN])}")
        return result

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return " and ".join(clause(c, domains) for c in self.items)
