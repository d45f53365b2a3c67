"""ExposureDays: cumulative days of exposure to a code set in [as_of - span, as_of]."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ...engine.codec import CODES, SPAN
from ...engine.context import Context
from ...engine.fields import meta
from ...engine.reads import Reads
from ...engine.registry import register
from ...engine.source import Reading, Source
from ...values.codes import CodeSet
from ...values.completeness import Period
from ...values.counting import exposure_day_bounds, window_days
from ...values.dates import Span
from ...values.domains import Domain
from ...values.errors import InvalidCriterion
from .._complete import by_periods, complete_evidence, needed
from .._window import codeset, event_evidence, exact_dates_of, scan, window_text

__all__ = ["ExposureDays"]


def _span(value: Any) -> Span:
    return Span.of(value, "span")


def _window(_: Any, __: Any, value: Span) -> None:
    if value.is_zero:
        raise InvalidCriterion("ExposureDays needs a window such as Span(months=6), not a zero "
                               "span", field="span", value={}, allowed="a non-zero span")


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


@register
@attrs.frozen(repr=False)
class ExposureDays(Source):
    """Days in ``[as_of - span, as_of]`` (both ends included) on which some exposure to
    ``codes`` was ongoing; overlapping exposures count once.

    An exposure covers its start to its end, both included; no end means ongoing
    through as_of. Partial dates give every count from the least to the most
    possible; a history not declared complete through as_of makes the observed
    count a lower bound (any count up to every day of the window is possible).

    >>> from datetime import date
    >>> from trialrules import Exposure, Record, Threshold
    >>> steroids = CodeSet("systemic corticosteroids", prefixes=["ATC:H02"])
    >>> over_28 = Threshold(ExposureDays(steroids, Span(months=6)), ">", 28)
    >>> course = Exposure("ATC:H02AB06", "2027-01-01", "2027-01-30")      # 30 days
    >>> over_28.decide(Record("P1", exposures=[course]), date(2027, 3, 31))  # open world
    Outcome.MET
    """

    kind = "exposure_days"
    example = '{"kind": "exposure_days", "codes": {...}, "span": {...}}'
    what = "a cumulative exposure-days source"

    codes: CodeSet = attrs.field(validator=codeset, metadata=meta(CODES))
    span: Span = attrs.field(converter=_span, validator=_window, metadata=meta(SPAN))

    def read(self, ctx: Context, explain: bool = True) -> Reading:
        start = ctx.window_start(self.span)
        as_of = ctx.as_of
        found = scan(ctx, "exposures", self.codes, start)
        events = [e for _, e in found.sure + found.maybe]
        least, most = exposure_day_bounds(events, start, as_of)
        if not found.complete:
            most = window_days(start, as_of)  # unrecorded exposures may fill every day
        values = range(least, most + 1)
        if not explain:
            return Reading(values)
        window = window_text(ctx, self.span, start)
        what = f"exposure to {self.codes.name} {window}"
        if not found.complete:
            text = f"at least {_days(least)} of {what} (the exposure history is not complete)"
        elif least == most:
            text = f"{_days(least)} of {what}"
        else:
            text = f"{least} to {most} days of {what} (imprecise dates)"
        evidence = event_evidence(ctx, "exposures", found.sure + found.maybe)
        period = found.period
        if period is None and not by_periods(ctx, "exposures"):
            # 0.1.0's form: the declared date is cited even when it ends before as_of.
            through = ctx.record.complete_through("exposures")
            period = None if through is None else Period(None, through)
        if period is not None:
            evidence = (*evidence, complete_evidence("exposures", period))
        needs = [exact_dates_of(e) for e in evidence if e.path.startswith("exposures")
                 and least != most and found.complete]
        if not found.complete:
            needs.append(f"exposures history complete {needed(ctx, 'exposures', start)} "
                         "(complete.exposures)")
        precise = "; ".join(needs) if needs else None
        return Reading(values, (text,) * len(values), evidence, None, precise)

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return (f"days of exposure to {self.codes.describe()} in the {self.span} before the "
                "reference date")

    def domain(self, domains: Mapping[str, Domain] | None = None) -> Domain | None:
        return None

    def reads(self) -> Reads:
        return Reads(events={("exposures", self.codes)})
