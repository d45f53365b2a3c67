"""AtLeast: MET when at least k children are MET."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ...engine.codec import CRITERIA, Whole
from ...engine.context import Context
from ...engine.criterion import Criterion
from ...engine.fields import meta
from ...engine.registry import register
from ...engine.trace import Trace, judge_child
from ...values.domains import Domain
from ...values.errors import InvalidCriterion
from ...values.outcomes import Outcome
from ._group import Group, children_of, clause

__all__ = ["AtLeast"]

MET, UNKNOWN = Outcome.MET, Outcome.UNKNOWN


@register
@attrs.frozen(repr=False, init=False)
class AtLeast(Group):
    """MET when at least ``k`` children are MET; NOT_MET when fewer than ``k`` could be.

    >>> from datetime import date
    >>> from trialrules import Flag, Record
    >>> two = AtLeast(2, Flag("a"), Flag("b"), Flag("c"))
    >>> two.decide(Record("P1", flags={"a": True, "b": False}), date(2026, 1, 1))
    Outcome.UNKNOWN
    """

    kind = "at_least"

    k: int = attrs.field(metadata=meta(Whole(1)))
    items: tuple[Criterion, ...] = attrs.field(metadata=meta(CRITERIA, varargs=True))

    def __init__(self, k: int, *children: Any, id: str | None = None,
                 label: str | None = None) -> None:
        items = children_of("AtLeast", children)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= len(items):
            raise InvalidCriterion(
                f"AtLeast k={k!r} must be a whole number from 1 to the number of "
                f"criteria ({len(items)})", field="k", value=k,
                allowed=f"a whole number from 1 to {len(items)} (the number of items)")
        self.__attrs_init__(k, items, id=id, label=label)

    def combine(self, outcomes: Sequence[Outcome]) -> Outcome:
        return Outcome.at_least(self.k, outcomes)

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        outcomes = (judge_child(ctx, why, c, i) for i, c in enumerate(self.items, 1))
        # Explaining judges every child (a list); deciding may stop early (the generator).
        outcome = Outcome.at_least(self.k, outcomes if why is None else list(outcomes))
        if why is not None and not why.recall_children():
            kids = why.children
            met = sum(k.outcome is MET for k in kids)
            unknown = sum(k.outcome is UNKNOWN for k in kids)
            why.because(f"{met} of {len(kids)} met and {unknown} unknown; at least {self.k} "
                        "needed")
        return outcome

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return f"at least {self.k} of: " + "; ".join(clause(c, domains) for c in self.items)
