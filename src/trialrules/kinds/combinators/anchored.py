"""Anchored: a criterion evaluated with one of the patient's named dates as reference date."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs

from ...engine.codec import CRITERION, Text
from ...engine.context import Context
from ...engine.criterion import Criterion
from ...engine.explanations import Evidence
from ...engine.fields import meta
from ...engine.registry import register
from ...engine.trace import Trace, explain
from ...values.domains import Domain
from ...values.errors import InvalidCriterion
from ...values.outcomes import Outcome
from .not_ import criterion_check

__all__ = ["Anchored"]

UNKNOWN = Outcome.UNKNOWN


def _name(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidCriterion(f"date={value!r} must name a date of the record, such as "
                               "'informed_consent'", field="date", value=value,
                               allowed="a date name (non-empty string)")


@register
@attrs.frozen(repr=False)
class Anchored(Criterion):
    """``criterion`` evaluated with the record's ``dates[date]`` as its reference date.

    "Aged 18 or more at the time of signing informed consent" is
    ``Anchored("informed_consent", Threshold(Age(), ">=", 18))``. A missing date
    is UNKNOWN, naming ``dates.informed_consent``; a partial date decides only
    when the criterion gives the same outcome on every possible day of it.

    >>> from datetime import date
    >>> from trialrules import Age, Record, Threshold
    >>> adult = Anchored("informed_consent", Threshold(Age(), ">=", 18))
    >>> record = Record("P1", birth_date="2009-03-20", dates={"informed_consent": "2027-03-19"})
    >>> adult.decide(record, date(2027, 4, 15))
    Outcome.NOT_MET
    """

    kind = "anchored"

    date: str = attrs.field(validator=_name,
                            metadata=meta(Text("a date name (non-empty string)", empty=False)))
    criterion: Criterion = attrs.field(validator=criterion_check, metadata=meta(CRITERION))

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        anchor = ctx.record.dates.get(self.date)
        field = f"dates.{self.date}"
        if anchor is None or anchor.is_unknown:
            if why is not None:
                why.because(f"no date {self.date} is recorded ({field})", missing=(field,))
            return UNKNOWN
        days = [anchor.earliest + timedelta(days=k)
                for k in range((anchor.latest - anchor.earliest).days + 1)]
        outcomes: dict[Outcome, Any] = {}
        for day in days:
            # A context of its own per day: every window and memo follows that day.
            sub = Context(ctx.record, day, ctx.domains, ctx.vocabulary)
            outcome = self.criterion.judge(sub, None)
            outcomes.setdefault(outcome, day)
            if len(outcomes) > 1 and why is None:
                return UNKNOWN
        result = next(iter(outcomes)) if len(outcomes) == 1 else UNKNOWN
        if why is None:
            return result
        first = days[0]
        node_id = self.criterion.id or (f"{why.node_id}.1" if why.node_id else "1")
        node = explain(self.criterion, Context(ctx.record, first, ctx.domains, ctx.vocabulary),
                       node_id)
        why.children += (node,)
        evidence = (Evidence(field, date=str(anchor)), *node.evidence)
        if len(days) == 1:
            why.because(f"on {self.date} {anchor}: {node.reason}", evidence, node.missing)
        elif result is not UNKNOWN:
            why.because(f"on every possible day of {self.date} {anchor}: {node.reason}",
                        evidence, node.missing)
        else:
            parts = "; ".join(f"{o.name} on {d}" for o, d in outcomes.items())
            why.because(f"{self.date} {anchor} is not exact, and the outcome differs across its "
                        f"days ({parts})", evidence,
                        (f"exact date {self.date} ({field})", *node.missing))
        return result

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return f"on the date {self.date}: {self.criterion.describe(domains)}"
