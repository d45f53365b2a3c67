"""A combinator defined outside trialrules: "exactly one of these criteria is met".

A kind with sub-criteria is one module too (docs/how-to/custom-kind.md): its
children are a field (``CRITERIA``, the class's ``*items`` parameter), it judges
them with ``judge_child``, and ``combine`` states its outcome from theirs as a
table, from which the testing toolkit builds its boundary cases and records.
tests/engine/test_custom_combinator.py runs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from trialrules import Domain, Outcome
from trialrules.engine import Context, Criterion, Trace, judge_child, meta, register
from trialrules.engine.codec import CRITERIA

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


@register
@attrs.frozen(repr=False, init=False)
class ExactlyOne(Criterion):
    """MET when exactly one child is MET and the others NOT_MET; NOT_MET when none can be
    or two are; otherwise UNKNOWN.

    >>> from datetime import date
    >>> from trialrules import Flag, Record
    >>> rule = ExactlyOne(Flag("relapse_12m"), Flag("new_t2_lesion"))
    >>> rule.decide(Record("P1", flags={"relapse_12m": True, "new_t2_lesion": False}),
    ...             date(2026, 1, 1))
    Outcome.MET
    >>> rule
    ExactlyOne(Flag('relapse_12m'), Flag('new_t2_lesion'))
    """

    kind = "exactly_one"

    # varargs=True: the field is the constructor's *items, which __init__ below takes.
    items: tuple[Criterion, ...] = attrs.field(metadata=meta(CRITERIA, varargs=True))

    def __init__(self, *items: Criterion, id: str | None = None,
                 label: str | None = None) -> None:
        self.__attrs_init__(tuple(items), id=id, label=label)

    def combine(self, outcomes: Sequence[Outcome]) -> Outcome:
        """The outcome from the children's: the one rule, which ``judge`` applies too."""
        met, unknown = outcomes.count(MET), outcomes.count(UNKNOWN)
        if met > 1 or met + unknown == 0:
            return NOT_MET  # two already, or none can be
        return MET if met == 1 and unknown == 0 else UNKNOWN

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        outcomes = [judge_child(ctx, why, child, i) for i, child in enumerate(self.items, 1)]
        outcome = self.combine(outcomes)
        if why is not None:
            met = outcomes.count(MET)
            why.because(f"{met} of {len(outcomes)} parts met, "
                        f"{outcomes.count(UNKNOWN)} undecided")
        return outcome

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return "exactly one of: " + "; ".join(c.describe(domains) for c in self.items)
