"""Lookback: an event of a code set in a span before ``as_of``, or ongoing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from ..engine.codec import CODES, OPTIONAL_SPAN, Choice, Whole
from ..engine.context import Context
from ..engine.fields import meta
from ..engine.reads import Reads
from ..engine.registry import register
from ..engine.trace import Trace
from ..values.codes import CodeSet
from ..values.dates import Span
from ..values.domains import Domain
from ..values.errors import InvalidCriterion
from ..values.outcomes import Outcome
from ._window import (
    HISTORIES,
    WindowCriterion,
    codeset,
    event_evidence,
    exact_dates_of,
    scan,
    span,
    when,
    window_text,
)

__all__ = ["Lookback"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def _history(_: Any, __: Any, value: Any) -> None:
    if value not in HISTORIES:
        raise InvalidCriterion(f"on={value!r} must be 'conditions' or 'exposures'", field="on",
                               value=value, allowed="'conditions' or 'exposures'")


def _at_least(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidCriterion(f"at_least={value!r} must be a whole number >= 1",
                               field="at_least", value=value, allowed="a whole number >= 1")


#: Null and {} differ, so the schema says which is which.
_SPAN_SCHEMA: Final = {"description": "null (or absent): ever; {}: ongoing on the reference date",
                       "oneOf": [{"type": "null"}, {"$ref": "#/$defs/span"}]}


def _count(n: int) -> str:
    return "no" if n == 0 else str(n)


@register
@attrs.frozen(repr=False)
class Lookback(WindowCriterion):
    """MET when events of ``codes`` overlap [as_of - span, as_of] (an ongoing one counts).

    ``span=None`` looks back without limit ("ever"); ``Span()`` (zero) asks
    whether the event is current on as_of. ``at_least`` counts distinct events.
    NOT_MET needs the history declared complete through as_of.

    >>> from datetime import date
    >>> from trialrules import Condition, Record
    >>> recent = Lookback(CodeSet("malignant tumours", prefixes=["ICD10:C"]), Span(years=5))
    >>> def tumour(dated):
    ...     return Record("P1", conditions=[Condition("ICD10:C50.9", dated, dated)],
    ...                   complete={"conditions": "2026-06-15"})
    >>> [recent.decide(tumour(year), date(2026, 6, 15)) for year in ("2020", "2021", "2022")]
    [Outcome.NOT_MET, Outcome.UNKNOWN, Outcome.MET]
    """

    kind = "lookback"

    codes: CodeSet = attrs.field(validator=codeset, metadata=meta(CODES))
    # Always written: null (ever) and {} (current on the reference date) differ.
    span: Span | None = attrs.field(default=None, converter=span,
                                    metadata=meta(OPTIONAL_SPAN, always=True, schema=_SPAN_SCHEMA))
    on: str = attrs.field(default="conditions", kw_only=True, validator=_history,
                          metadata=meta(Choice(HISTORIES, "'conditions' or 'exposures'")))
    at_least: int = attrs.field(default=1, kw_only=True, validator=_at_least, metadata=meta(Whole(1)))

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        start = ctx.window_start(self.span)
        found = scan(ctx, self.on, self.codes, start)
        sure, maybe = len(found.sure), len(found.maybe)
        if sure >= self.at_least:
            outcome = MET
        elif sure + maybe < self.at_least and found.complete:
            outcome = NOT_MET
        else:
            outcome = UNKNOWN
        if why is None:
            return outcome
        # With no event in the window the node depends only on the criterion, as_of and
        # the completeness date: one node serves every patient it fits.
        if sure or maybe or not why.recall(ctx.as_of, ctx.record.complete_through(self.on)):
            self._because(ctx, why, start, found, outcome)
        return outcome

    def _because(self, ctx: Context, why: Trace, start: Any, found: Any,
                 outcome: Outcome) -> None:
        window = window_text(ctx, self.span, start)
        noun = "condition" if self.on == "conditions" else "exposure"
        what = f"{noun} of {self.codes.name}"
        need = "" if self.at_least == 1 else f" (at least {self.at_least} needed)"
        sure, maybe = len(found.sure), len(found.maybe)
        ev = event_evidence(self.on, found.sure + found.maybe)
        if outcome is MET:
            first = ev[0]
            why.because(f"{_count(sure)} {what} {window}{need}: {first.code} {when(first)}", ev)
            return
        if outcome is NOT_MET:
            why.because(f"{_count(sure)} {what} {window}{need}; the {self.on} history is "
                        f"complete through {ctx.record.complete_through(self.on)}", ev)
            return
        missing: list[str] = [exact_dates_of(e) for e in ev[sure:]]
        if not found.complete:
            missing.append(f"{self.on} history complete through {ctx.as_of} "
                           f"(complete.{self.on})")
        if maybe:
            reason = (f"{_count(sure)} {what} certainly and {maybe} possibly {window}{need}; "
                      "imprecise dates leave it undecided")
        else:
            reason = (f"{_count(sure)} {what} recorded {window}{need}, but the {self.on} "
                      f"history is not declared complete through {ctx.as_of}")
        why.because(reason, ev, tuple(missing))

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        # Windows read like OHDSI's printouts: "in the 5 years before the reference date".
        codes = self.codes.describe()
        times = "" if self.at_least == 1 else f" on at least {self.at_least} occasions"
        if self.on == "exposures":
            if self.span is None:
                return f"ever exposed to {codes}{times}"
            if self.span.is_zero:
                return f"currently exposed to {codes}{times} (exposure ongoing on the reference date)"
            return (f"exposed to {codes}{times} in the {self.span} before the reference date, "
                    "ongoing exposure included")
        what = "a condition of" if self.at_least == 1 else f"at least {self.at_least} conditions of"
        if self.span is None:
            return f"{what} {codes} at any time before the reference date"
        if self.span.is_zero:
            return f"{what} {codes} ongoing on the reference date"
        return (f"{what} {codes} in the {self.span} before the reference date, "
                "ongoing included")

    def reads(self) -> Reads:
        return Reads(events={(self.on, self.codes)})
