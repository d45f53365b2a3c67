"""Latest: the latest observation of a code on or before ``as_of``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

import attrs

from ...engine.codec import OPTIONAL_SPAN, Text
from ...engine.context import Context
from ...engine.explanations import Evidence
from ...engine.fields import meta
from ...engine.reads import Reads
from ...engine.registry import register
from ...engine.source import Reading, Source
from ...values.dates import Span
from ...values.domains import STANDARD_DOMAINS, Domain
from ...values.errors import InvalidCriterion, InvalidRecord
from ...values.text import name_problem
from ...values.units import format_number
from .._complete import complete_evidence

__all__ = ["Latest"]


def _code(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidCriterion(f"an observation code must be a non-empty string, not {value!r}",
                               field="code", value=value,
                               allowed="an observation code (non-empty string)")
    problem = name_problem(value)
    if problem:
        raise InvalidCriterion(f"observation code {value!r} must not hold {problem}",
                               field="code", value=value,
                               allowed=f"an observation code without {problem}")


def _within(value: Any) -> Span | None:
    return None if value is None else Span.of(value, "within")


@register
@attrs.frozen(repr=False)
class Latest(Source):
    """The latest observation of ``code`` on or before ``as_of`` (optionally only within a span).

    Observations dated after ``as_of`` are invisible. When partial dates leave
    more than one observation possibly the latest, every one of them is a
    possible value; the criterion is decided only if they all agree.

    >>> from datetime import date
    >>> from trialrules import Observation, Range, Record, Span
    >>> record = Record("P1", observations=[Observation("edss", 4.5, "2026-06-01")])
    >>> Range(Latest("edss", within=Span(months=3)), 3, 6).decide(record, date(2026, 11, 27))
    Outcome.UNKNOWN
    """

    kind = "latest"
    example = '{"kind": "latest", "code": "edss"}'
    what = "a latest-observation source"

    code: str = attrs.field(validator=_code,
                            metadata=meta(Text("an observation code (non-empty string)", empty=False)))
    within: Span | None = attrs.field(default=None, kw_only=True, converter=_within,
                                      metadata=meta(OPTIONAL_SPAN, schema={"$ref": "#/$defs/span"}))

    def _candidates(self, ctx: Context, plan: _Plan | None = None
                    ) -> tuple[list[tuple[int, Any]], list[Any], bool] | None:
        """The observations that may be the latest (canonical order), their values in the
        domain's unit, and whether one is sure."""
        if plan is None:
            plan = ctx.shared.plan(self, ctx, _Plan)
        as_of = ctx.as_of
        start = plan.start
        observations = ctx.record.observations
        found: list[tuple[int, Any]] = []
        certain = False
        floor = date.min  # the latest day a surely-inside observation was taken on
        top = date.min  # the latest possible day of those found so far
        for i in positions_of(ctx, self.code, plan.aliases):
            obs = observations[i]
            d = obs.date
            lo, hi = d.earliest, d.latest
            if lo > as_of or hi < start or hi < floor:
                continue  # outside the window, or surely older than one surely inside
            if hi <= as_of and lo >= start:
                certain = True
                if lo > floor:
                    floor = lo
                    if top < floor:
                        found = []  # every one found so far is surely older than this one
            found.append((i, obs))
            if hi > top:
                top = hi
        if not found:
            return None
        if len(found) > 1:
            found = [pair for pair in found if pair[1].date.latest >= floor]
            if len(found) > 1:
                # Canonical order (date, then value), so output never depends on list order.
                found.sort(key=_canonical)
        domain = plan.domain
        if domain is None:
            return found, [pair[1].value for pair in found], certain
        # Every value in the domain's unit before any test (UCUM; docs/semantics.md §11);
        # a value off the domain (after conversion) is bad input.
        pid = ctx.record.id
        code = self.code
        if domain.unit is None:
            # Exact decimal arithmetic: once per value and batch.
            known = plan.on_grid
            values = []
            for i, obs in found:
                value = obs.value
                inside = known.get((type(value), value))
                if inside is None:
                    inside = known[(type(value), value)] = domain.contains(value)
                if not inside:
                    raise InvalidRecord(f"observations[{i}].value", value,
                                        f"{domain.describe()} (for {code})", patient=pid)
                values.append(value)
            return found, values, certain
        return found, [domain.value_of(o.value, o.unit, f"observations[{i}]", pid, code)
                       for i, o in found], certain

    def _absent(self, ctx: Context) -> str:
        if self.within is None:
            return f"observation {self.code}"
        start = ctx.window_start(self.within)
        return (f"observation {self.code} in the {self.within} before {ctx.as_of} "
                f"({start} to {ctx.as_of})")

    def _uncertain(self, ctx: Context) -> str:
        """What is missing when no candidate is dated for certain inside the window."""
        where = f" and on or after {ctx.window_start(self.within)}" if self.within else ""
        return f"an observation {self.code} dated for certain on or before {ctx.as_of}{where}"

    def read(self, ctx: Context, explain: bool = True) -> Reading:
        plan: _Plan = ctx.shared.plan(self, ctx, _Plan)
        found = self._candidates(ctx, plan)
        if found is None:
            period = ctx.record.complete_over("observations", ctx.window_start(self.within),
                                              ctx.as_of)
            if period is not None:
                # Nothing recorded in a history declared complete over the window: there is
                # no such value (as with conditions and exposures), so no test of it can pass.
                return Reading((), (), (complete_evidence("observations", period),),
                               None, f"{self._absent(ctx)} is recorded and the observations "
                               f"history is complete {period}")
            return Reading((), missing=self._absent(ctx))
        candidates, values, certain = found
        missing = None if certain else self._uncertain(ctx)
        numbers = plan.domain is not None  # every value was checked against the domain
        if not explain:
            return Reading(tuple(values), missing=missing, numbers=numbers)
        name = plan.name
        domain = plan.domain
        texts = []
        evidence = []
        for (i, obs), value in zip(candidates, values, strict=True):
            day = ctx.text_of(obs.date)
            texts.append(observed(name, obs, value, domain, day))
            evidence.append(Evidence(f"observations[{i}]", obs.code, obs.value, day))
        # Named by content, not list position, so the text does not depend on the record's
        # order; only possible values that disagree need it (one value cannot).
        precise = f"which of {', '.join(texts)} is the latest" if len(texts) > 1 else None
        return Reading(tuple(values), tuple(texts), tuple(evidence), missing, precise, numbers)

    def _name_in(self, ctx: Context) -> str:
        """``_name(domains)``, worked out once per batch."""
        plan: _Plan = ctx.shared.plan(self, ctx, _Plan)
        return plan.name

    def _name(self, domains: Mapping[str, Domain] | None) -> str:
        domain = (domains or STANDARD_DOMAINS).get(self.code) or STANDARD_DOMAINS.get(self.code)
        return domain.name if domain is not None and domain.name else self.code

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        text = f"latest {self._name(domains)}"
        if self.within is not None:
            text += f" measured in the {self.within} before the reference date"
        return text

    def domain(self, domains: Mapping[str, Domain] | None = None) -> Domain | None:
        return (domains or STANDARD_DOMAINS).get(self.code)

    def unit_in(self, domains: Mapping[str, Domain] | None = None) -> str | None:
        domain = self.domain(domains)
        return None if domain is None else domain.unit

    def reads(self) -> Reads:
        return Reads(observations={self.code})

    def short_repr(self) -> str:
        # A bare code string reads back as Latest(code), except "age" and "sex" (Age(), Sex()).
        if self.within is None and self.code not in ("age", "sex"):
            return repr(self.code)
        return repr(self)


def observations_of(ctx: Context, code: str) -> list[tuple[int, Any]]:
    """(position, observation) of ``code`` and its vocabulary aliases, in record order.

    The protocol's vocabulary names other codes for the same observation
    (e.g. edss = SNOMED:273554001), so FHIR-coded records are read too.
    """
    observations = ctx.record.observations
    return [(i, observations[i]) for i in positions_of(ctx, code)]


def positions_of(ctx: Context, code: str, aliases: tuple[str, ...] | None = None) -> Any:
    """The positions of :func:`observations_of` (``aliases``: the vocabulary's other codes
    for ``code``, when the caller knows them already)."""
    index = _observations_by_code(ctx)
    positions: Any = index.get(code, ())
    if aliases is None:
        aliases = _aliases(ctx, code)
    for alias in aliases:
        more = index.get(alias)
        if more:  # in record order, as one pass over the observations would find them
            positions = sorted([*positions, *more])
    return positions


def _aliases(ctx: Context, code: str) -> tuple[str, ...]:
    """The other codes the protocol's vocabulary names for ``code`` (each once)."""
    return tuple(alias for alias in dict.fromkeys(ctx.vocabulary.get(code, ())) if alias != code)


def observed(name: str, obs: Any, value: Any, domain: Domain | None,
             day: str | None = None) -> str:
    """``fasting glucose 7.5 mmol/L (135.1 mg/dL) on 2027-03-02``: as recorded, and converted.

    ``day`` is the observation's date as text, when the caller has it already.
    """
    if day is None:
        day = str(obs.date)
    unit = f" {obs.unit}" if obs.unit else ""
    if value is obs.value:
        return f"{name} {obs.value!r}{unit} on {day}"
    target = "" if domain is None else f" {domain.unit}"
    return (f"{name} {format_number(obs.value)}{unit} ({format_number(value)}{target}) "
            f"on {day}")


def _observations_by_code(ctx: Context) -> dict[str, list[int]]:
    """The positions of the record's observations by code, indexed once per evaluation."""
    memo = ctx.memo
    index: dict[str, list[int]] | None = memo.get(_BY_CODE)
    if index is None:
        index = memo[_BY_CODE] = {}
        for i, obs in enumerate(ctx.record.observations):
            found = index.get(obs.code)
            if found is None:
                index[obs.code] = [i]
            else:
                found.append(i)
    return index


def _canonical(pair: tuple[int, Any]) -> tuple[Any, ...]:
    """Observations in date order, then by value: output never depends on the record's order."""
    obs = pair[1]
    return (obs.date.earliest, obs.date.latest, repr(obs.value), obs.unit or "", pair[0])


class _Plan:
    """What a Latest works out once per batch: its window, aliases, domain and name."""

    __slots__ = ("aliases", "domain", "name", "on_grid", "start")

    def __init__(self, source: Latest, ctx: Context) -> None:
        self.start = ctx.window_start(source.within)
        self.aliases = _aliases(ctx, source.code)
        self.domain: Domain | None = ctx.domains.get(source.code)
        self.name = source._name(ctx.domains)
        #: Values already checked against the domain's grid, by (type, value).
        self.on_grid: dict[tuple[type, Any], bool] = {}


#: Memo key of the observation index (a private object: no clash with other keys).
_BY_CODE: Final = object()
