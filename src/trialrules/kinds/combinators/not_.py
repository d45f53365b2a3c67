"""Not: swaps MET and NOT_MET; UNKNOWN stays UNKNOWN."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ...engine.codec import CRITERION
from ...engine.context import Context
from ...engine.criterion import Criterion, children_key
from ...engine.fields import meta
from ...engine.registry import register
from ...engine.trace import Trace, judge_child
from ...values.domains import Domain
from ...values.errors import InvalidCriterion
from ...values.outcomes import Outcome

__all__ = ["Not", "criterion_check"]


def criterion_check(_: Any, attribute: Any, value: Any) -> None:
    """A validator: a criterion."""
    if not isinstance(value, Criterion):
        raise InvalidCriterion(f"{attribute.name}={value!r} must be a criterion",
                               field=attribute.name, value=value, allowed="a criterion")


@register
@attrs.frozen(repr=False)
class Not(Criterion):
    """Swaps MET and NOT_MET; UNKNOWN stays UNKNOWN (``~criterion`` is the same).

    >>> from trialrules import Flag
    >>> ~Flag("consent") == Not(Flag("consent"))
    True
    """

    kind = "not"

    child: Criterion = attrs.field(validator=criterion_check, metadata=meta(CRITERION))

    def shared_key(self, ctx: Context) -> tuple[Any, ...] | None:
        return children_key(ctx, (self.child,))

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        outcome = ~judge_child(ctx, why, self.child, 1)
        if why is not None and not why.recall_children():
            why.because(why.children[0].reason)  # the facts are the child's; only the verdict flips
        return outcome

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        negated = self.child._describe_not(domains)
        return f"not ({self.child.describe(domains)})" if negated is None else negated

    def _describe_not(self, domains: Mapping[str, Domain] | None = None) -> str | None:
        return self.child.describe(domains)

    def __repr__(self) -> str:
        if self.id is None and self.label is None:
            return f"~{self.child!r}"
        return super().__repr__()
