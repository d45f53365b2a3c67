"""Change: the latest minus the earliest value of an observation in [as_of - span, as_of]."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import attrs

from ...engine.codec import BOOL, SPAN, Text
from ...engine.context import Context
from ...engine.explanations import Evidence
from ...engine.fields import meta
from ...engine.reads import Reads
from ...engine.registry import register
from ...engine.source import Reading, Source
from ...values.counting import first_last_pairs
from ...values.dates import Span
from ...values.domains import STANDARD_DOMAINS, Domain
from ...values.errors import InvalidCriterion, InvalidRecord
from ...values.units import exact, format_number, is_numeric
from .latest import observations_of, observed

__all__ = ["Change"]


def _code(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidCriterion(f"an observation code must be a non-empty string, not {value!r}",
                               field="code", value=value,
                               allowed="an observation code (non-empty string)")


def _span(value: Any) -> Span:
    return Span.of(value, "span")


def _window(_: Any, __: Any, value: Span) -> None:
    if value.is_zero:
        raise InvalidCriterion("Change needs a window such as Span(months=3), not a zero span",
                               field="span", value={}, allowed="a non-zero span")


def _signed(value: Fraction, percent: bool) -> str:
    text = format_number(value)
    sign = "+" if value > 0 else ""
    return f"{sign}{text}{' %' if percent else ''}"


@register
@attrs.frozen(repr=False)
class Change(Source):
    """The latest minus the earliest value of ``code`` dated in ``[as_of - span, as_of]``;
    with ``relative=True``, in percent of the earliest value.

    Values are converted to the domain's unit first and the arithmetic is exact
    (60 to 63 kg is +5 %, exactly). Fewer than two values in the window: UNKNOWN.
    When partial dates leave which value is first or last open, every possible
    pair gives a possible change.

    >>> from datetime import date
    >>> from trialrules import Observation, Range, Record
    >>> stable = Range(Change("weight", Span(months=3), relative=True), -5, 5)
    >>> record = Record("P1", observations=[Observation("weight", 60, "2027-01-05"),
    ...                                     Observation("weight", 63, "2027-03-20")])
    >>> stable.decide(record, date(2027, 3, 31))
    Outcome.MET
    """

    kind = "change"
    example = '{"kind": "change", "code": "weight", "span": {...}}'
    what = "a change-over-a-window source"

    code: str = attrs.field(validator=_code,
                            metadata=meta(Text("an observation code (non-empty string)", empty=False)))
    span: Span = attrs.field(converter=_span, validator=_window, metadata=meta(SPAN))
    relative: bool = attrs.field(default=False, kw_only=True, metadata=meta(BOOL))

    def _name(self, domains: Mapping[str, Domain] | None) -> str:
        domain = (domains or STANDARD_DOMAINS).get(self.code) or STANDARD_DOMAINS.get(self.code)
        return domain.name if domain is not None and domain.name else self.code

    def read(self, ctx: Context, explain: bool = True) -> Reading:
        start = ctx.window_start(self.span)
        as_of = ctx.as_of
        pairs = observations_of(ctx, self.code)
        domain = ctx.domains.get(self.code)
        dated = [(i, o) for i, o in pairs if not o.date.is_unknown
                 and o.date.earliest <= as_of and o.date.latest >= start]
        window = f"in the {self.span} before {as_of} ({start} to {as_of})"
        need = f"two observations of {self.code} {window}"
        values: dict[int, Any] = {}
        for i, obs in dated:
            value = obs.value
            if domain is not None:
                value = domain.value_of(value, obs.unit, f"observations[{i}]", ctx.record.id,
                                        self.code)
            if not is_numeric(value):
                raise InvalidRecord(f"observations[{i}].value", obs.value, "a number",
                                    patient=ctx.record.id)
            values[i] = exact(value)
        found, fewer, surely = first_last_pairs([o.date for _, o in dated], start, as_of)
        changes: list[tuple[Fraction, int, int]] = []
        undefined = False
        for a, b in found:
            first, last = values[dated[a][0]], values[dated[b][0]]
            if self.relative:
                if first == 0:
                    undefined = True  # a relative change from 0 does not exist
                    continue
                changes.append(((last - first) / first * 100, a, b))
            else:
                changes.append((last - first, a, b))
        missing = need if fewer else None
        if undefined:
            missing = f"a first value of {self.code} other than 0 {window} (relative change)"
        name = self._name(ctx.domains)
        if not changes:
            if not explain:
                return Reading((), missing=missing or need)
            evidence = tuple(Evidence(f"observations[{i}]", o.code, o.value, str(o.date))
                             for i, o in dated)
            if undefined:
                said = (f"the relative change in {name} {window} is not defined: its first "
                        "value is 0")
            else:
                count = ("no observation" if not dated else
                         f"only {len(dated)} observation" if len(dated) == 1 else
                         f"only {surely} observation{'s' if surely != 1 else ''} surely")
                plural = len(dated) > 1 and surely != 1
                said = (f"{count} of {name} {window} {'are' if plural else 'is'} recorded "
                        "(a change needs two)")
            return Reading((), (said,), evidence, missing or need)
        if not explain:
            return Reading(tuple(c for c, _, _ in changes), missing=missing)
        what = f"{'relative ' if self.relative else ''}change in {name}"
        texts = []
        for change, a, b in changes:
            (_, first_obs), (_, last_obs) = dated[a], dated[b]
            first_text = observed("", first_obs, _shown(first_obs, values[dated[a][0]]), domain)
            last_text = observed("", last_obs, _shown(last_obs, values[dated[b][0]]), domain)
            texts.append(f"{what} from{first_text} to{last_text} "
                         f"({_signed(change, self.relative)})")
        evidence = tuple(Evidence(f"observations[{i}]", o.code, o.value, str(o.date))
                         for i, o in dated)
        precise = (f"which observations of {self.code} are the first and the last {window}"
                   if len(set(changes)) > 1 else None)
        return Reading(tuple(c for c, _, _ in changes), tuple(texts), evidence, missing, precise)

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        what = "the relative change (%)" if self.relative else "the change"
        return f"{what} in {self._name(domains)} over the {self.span} before the reference date"

    def domain(self, domains: Mapping[str, Domain] | None = None) -> Domain | None:
        return None  # a change is not on the scale of the values

    def unit_in(self, domains: Mapping[str, Domain] | None = None) -> str | None:
        if self.relative:
            return "%"
        domain = (domains or STANDARD_DOMAINS).get(self.code)
        return None if domain is None else domain.unit

    def reads(self) -> Reads:
        return Reads(observations={self.code})


def _shown(obs: Any, value: Fraction) -> Any:
    """The recorded value itself when no conversion changed it (so it prints as recorded)."""
    return obs.value if exact(obs.value) == value else value
