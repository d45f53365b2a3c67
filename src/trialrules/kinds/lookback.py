"""Lookback: an event of a code set in a span before ``as_of``, or ongoing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from ..engine.codec import BOOL, CODES, OPTIONAL_SPAN, Choice, Whole
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
from ._complete import complete_evidence, needed, shown
from ._window import (
    HISTORIES,
    WindowCriterion,
    codeset,
    event_evidence,
    exact_dates_of,
    listed,
    scan,
    span,
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


#: What a lookback's ``at_least`` counts.
COUNTS: Final = ("events", "codes")


def _count_what(_: Any, __: Any, value: Any) -> None:
    if value not in COUNTS:
        raise InvalidCriterion(f"count={value!r} must be 'events' or 'codes'", field="count",
                               value=value, allowed="'events' or 'codes'")


def _boolean(_: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidCriterion(f"{attribute.name}={value!r} must be True or False",
                               field=attribute.name, value=value, allowed="true or false")


class _Starting:
    """The events of a scan that start in [start, as_of]: surely, or possibly (partial dates)."""

    __slots__ = ("by_periods", "complete", "maybe", "period", "sure")

    def __init__(self, found: Any, start: Any, as_of: Any) -> None:
        self.complete = found.complete
        self.period = found.period
        self.by_periods = found.by_periods
        self.sure: list[tuple[int, Any]] = []
        self.maybe: list[tuple[int, Any]] = []
        for pair in found.sure + found.maybe:
            event = pair[1]
            begin = event.start if hasattr(event, "start") else event.onset
            if begin.is_unknown:
                self.maybe.append(pair)
                continue
            # An event begins on or before its end: a known end caps the beginning's
            # possible days (onset "2027-03" that ended 2027-03-10 began by 2027-03-10).
            latest, end = begin.latest, event.end
            if end is not None and not end.is_unknown and end.latest < latest:
                latest = end.latest
            if begin.earliest >= start and latest <= as_of:
                self.sure.append(pair)
            elif latest >= start and begin.earliest <= as_of:
                self.maybe.append(pair)


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
    #: What ``at_least`` counts: events, or distinct codes ("two different therapies").
    count: str = attrs.field(default="events", kw_only=True, validator=_count_what,
                             metadata=meta(Choice(COUNTS, "'events' or 'codes'")))
    #: Only events that *start* in the window count, not those that merely overlap it
    #: ("a relapse in the last 12 months" is not one that began years ago, still open).
    starting: bool = attrs.field(default=False, kw_only=True, validator=_boolean,
                                 metadata=meta(BOOL))

    def _counts(self, found: Any) -> tuple[int, int]:
        """(certain, possible) counts of what ``at_least`` counts."""
        if self.count == "codes":
            sure = {e.code for _, e in found.sure}
            return len(sure), len(sure | {e.code for _, e in found.maybe})
        return len(found.sure), len(found.sure) + len(found.maybe)

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        start = ctx.window_start(self.span)
        found: Any = scan(ctx, self.on, self.codes, start)
        if self.starting:
            found = _Starting(found, start, ctx.as_of)
        sure, possible = self._counts(found)
        maybe = len(found.maybe)
        if sure >= self.at_least:
            outcome = MET
        elif possible < self.at_least and found.complete:
            outcome = NOT_MET
        else:
            outcome = UNKNOWN
        if why is None:
            return outcome
        # With no event in the window the node depends only on the criterion, as_of and
        # the completeness date: one node serves every patient it fits.
        if sure or maybe or not why.recall(ctx.as_of, shown(found.period), found.by_periods):
            self._because(ctx, why, start, found, outcome)
        return outcome

    def _because(self, ctx: Context, why: Trace, start: Any, found: Any,
                 outcome: Outcome) -> None:
        window = window_text(ctx, self.span, start)
        if self.starting:
            zero = self.span is not None and self.span.is_zero
            window = f"starting on {ctx.as_of}" if zero else f"starting {window}"
        noun = "condition" if self.on == "conditions" else "exposure"
        if self.count == "codes":
            noun = "different code"

        def what(n: int) -> str:
            """"no conditions of X", "1 condition of X", "3 conditions of X"."""
            return f"{_count(n)} {noun if n == 1 else noun + 's'} of {self.codes.name}"

        need = "" if self.at_least == 1 else f" (at least {self.at_least} needed)"
        sure, maybe = len(found.sure), len(found.maybe)
        if self.count == "codes":
            sure, possible = self._counts(found)
            maybe = possible - sure
        ev = event_evidence(self.on, found.sure + found.maybe)
        if outcome is MET:
            # Every counted event, in date order: a coordinator checks each one.
            events = listed(ev[:len(found.sure)])
            why.because(f"{what(sure)} {window}{need}: {events}", ev)
            return
        if outcome is NOT_MET:
            # The completeness that decides it is evidence too (complete.conditions).
            why.because(f"{what(sure)} {window}{need}; the {self.on} history is "
                        f"complete {found.period}",
                        (*ev, complete_evidence(self.on, found.period)))
            return
        missing: list[str] = [exact_dates_of(e) for e in ev[len(found.sure):]]
        span_needed = needed(ctx, self.on, start)
        if not found.complete:
            missing.append(f"{self.on} history complete {span_needed} "
                           f"(complete.{self.on})")
        if maybe:
            reason = (f"{what(sure)} certainly and {maybe} possibly {window}{need}; "
                      "imprecise dates leave it undecided")
        else:
            reason = (f"{what(sure)} recorded {window}{need}, but the {self.on} "
                      f"history is not declared complete {span_needed}")
        why.because(reason, ev, tuple(missing))

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        # Counting codes, "on at least 2 occasions" would say the wrong thing: the count
        # is said once, of codes.
        one = self if self.count == "events" else attrs.evolve(self, at_least=1)
        text = one._describe_events()
        if self.starting and self.span is not None and self.span.is_zero:
            text = (text.replace(" (exposure ongoing on the reference date)", "")
                    .replace("currently exposed to", "exposed to")
                    .replace("ongoing on the reference date", "starting on the reference date"))
            if self.on == "exposures":
                text += ", starting on the reference date"
        if self.starting and self.span is not None and not self.span.is_zero:
            text = (text.replace(", ongoing exposure included", "")
                    .replace(", ongoing included", "")
                    .replace(f"in the {self.span} before", f"starting in the {self.span} before"))
        if self.count == "codes":
            text += f", with at least {self.at_least} different codes"
        return text

    def _describe_events(self) -> str:
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
