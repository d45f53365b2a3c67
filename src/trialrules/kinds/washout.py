"""Washout: no exposure to a code set overlaps the span before ``as_of``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..engine.codec import CODES, SPAN
from ..engine.context import Context
from ..engine.fields import meta
from ..engine.findings import Finding, finding
from ..engine.reads import Reads
from ..engine.registry import register
from ..engine.trace import Trace
from ..values.codes import CodeSet
from ..values.dates import Span
from ..values.domains import Domain
from ..values.errors import InvalidCriterion
from ..values.outcomes import Outcome
from ._complete import complete_evidence, needed
from ._window import WindowCriterion, codeset, event_evidence, exact_dates_of, scan, span, when, window_text

__all__ = ["Washout"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def _required_span(_: Any, __: Any, value: Any) -> None:
    if value is None:
        raise InvalidCriterion("a Washout needs a Span such as Span(months=1)", field="span",
                               value=None, allowed='a span such as {"months": 1}')


@register
@attrs.frozen(repr=False)
class Washout(WindowCriterion):
    """MET when the washout is complete: no exposure to ``codes`` overlaps [as_of - span, as_of].

    An exposure in the window, or an ongoing one, makes it NOT_MET. With no
    exposure recorded it is UNKNOWN unless the exposure history is declared
    complete through as_of. "Received X within one month" is ``~Washout(X, Span(months=1))``.

    >>> from datetime import date
    >>> from trialrules import Exposure, Record
    >>> washout = Washout(CodeSet("cytotoxic agents", prefixes=["ATC:L01"]), Span(months=1))
    >>> as_of = date(2027, 3, 31)                     # the window opens 2027-02-28
    >>> washout.decide(Record("P1", exposures=[Exposure("ATC:L01DB07", "2027-02-28")]), as_of)
    Outcome.NOT_MET
    >>> washout.decide(Record("P2"), as_of)           # nothing recorded: open world
    Outcome.UNKNOWN
    >>> washout.decide(Record("P3", complete={"exposures": "2027-03-31"}), as_of)
    Outcome.MET
    """

    kind = "washout"

    codes: CodeSet = attrs.field(validator=codeset, metadata=meta(CODES))
    span: Span = attrs.field(converter=span, validator=_required_span, metadata=meta(SPAN))

    def shared_key(self, ctx: Context) -> tuple[Any, ...] | None:
        # With no event in the window the node depends only on the criterion, as_of and
        # the completeness declared: one node serves every patient it fits.
        found = scan(ctx, "exposures", self.codes, ctx.window_start(self.span))
        if found.sure or found.maybe:
            return None
        return (ctx.as_of, found.days, found.by_periods)

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        start = ctx.window_start(self.span)
        found = scan(ctx, "exposures", self.codes, start)
        if found.sure:
            outcome = NOT_MET
        elif found.maybe or not found.complete:
            outcome = UNKNOWN
        else:
            outcome = MET
        if why is not None:  # (shared when shared_key says so)
            window = window_text(ctx, self.span, start)
            what = self.codes.name
            if found.sure:
                ev = event_evidence(ctx, "exposures", found.sure)
                why.because(f"exposure to {what} ({ev[0].code} {when(ev[0])}) "
                            f"falls {window}: washout not complete", ev)
            elif found.maybe:
                ev = event_evidence(ctx, "exposures", found.maybe)
                why.because(f"exposure to {what} ({ev[0].code} dated {ev[0].date}) may fall "
                            f"{window}; its dates are too imprecise to decide", ev,
                            (exact_dates_of(ev[0]),))
            elif found.period is not None:
                why.because(f"no exposure to {what} {window}; the exposure history is "
                            f"complete {found.period}",
                            (complete_evidence("exposures", found.period),))
            else:
                need = needed(ctx, "exposures", start)
                why.because(f"no exposure to {what} is recorded {window}, but the exposure "
                            f"history is not declared complete {need}",
                            missing=(f"exposures history complete {need} "
                                     f"(complete.exposures)",))
        return outcome

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return f"no {self._exposure_text()}"

    def _describe_not(self, domains: Mapping[str, Domain] | None = None) -> str | None:
        return self._exposure_text()

    def _exposure_text(self) -> str:
        if self.span.is_zero:
            return f"exposure to {self.codes.describe()} on the reference date, ongoing included"
        return (f"exposure to {self.codes.describe()} in the {self.span} before the "
                "reference date, ongoing exposure included")

    def reads(self) -> Reads:
        return Reads(events={("exposures", self.codes)})

    def lint(self, node_id: str, domains: Mapping[str, Domain]) -> list[Finding]:
        out = []
        if self.span.is_zero:
            out.append(finding("zero-length-window", [node_id],
                               f"the washout from {self.codes.name} has zero length: only an "
                               "exposure on the reference date itself would count"))
        return out + super().lint(node_id, domains)
