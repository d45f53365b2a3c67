"""Implies: if the antecedent then the consequent (``AnyOf(Not(a), b)``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ...engine.codec import CRITERION
from ...engine.context import Context
from ...engine.criterion import Criterion, children_key
from ...engine.fields import meta
from ...engine.registry import register
from ...engine.trace import Trace, judge_child
from ...values.domains import Domain
from ...values.outcomes import Outcome
from .not_ import criterion_check

__all__ = ["Implies"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


@register
@attrs.frozen(repr=False)
class Implies(Criterion):
    """If ``antecedent`` then ``consequent``: exactly ``AnyOf(Not(antecedent), consequent)``.

    >>> from datetime import date
    >>> from trialrules import Flag, Record
    >>> rule = Implies(Flag("had_cytotoxic"), Flag("marrow_normal"))
    >>> rule.decide(Record("P1", flags={"had_cytotoxic": False}), date(2026, 1, 1))
    Outcome.MET
    """

    kind = "implies"

    antecedent: Criterion = attrs.field(validator=criterion_check, metadata=meta(CRITERION))
    consequent: Criterion = attrs.field(validator=criterion_check, metadata=meta(CRITERION))

    def shared_key(self, ctx: Context) -> tuple[Any, ...] | None:
        return children_key(ctx, (self.antecedent, self.consequent))

    def combine(self, outcomes: Sequence[Outcome]) -> Outcome:
        first, second = outcomes
        return first.implies(second)

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        first = judge_child(ctx, why, self.antecedent, 1)
        if first is NOT_MET and why is None:
            return MET  # nobody watches: the consequent cannot change it
        outcome = ~first | judge_child(ctx, why, self.consequent, 2)
        if why is not None and not why.recall_children():
            a, b = why.children
            if a.outcome is NOT_MET:
                reason = f"the condition does not apply: {a.reason}"
            elif outcome is MET:
                reason = f"{b.reason}"
            elif outcome is NOT_MET:
                reason = f"the condition applies ({a.reason}) and {b.reason}"
            elif a.outcome is UNKNOWN and b.outcome is not MET:
                reason = (f"undecided: whether the condition applies is unknown ({a.reason}); "
                          f"{b.reason}")
            else:
                reason = f"undecided: the condition applies ({a.reason}); {b.reason}"
            why.because(reason)
        return outcome

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        # "if A, then B and C" needs no brackets: the comma and "then" delimit the parts.
        return (f"if {self.antecedent.describe(domains)}, "
                f"then {self.consequent.describe(domains)}")
