"""ReferenceMultiple: the latest value as a multiple of its reference range's limit (× ULN)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from ...engine.codec import Choice, Text
from ...engine.context import Context
from ...engine.explanations import Evidence
from ...engine.fields import meta
from ...engine.reads import Reads
from ...engine.registry import register
from ...engine.source import Reading, Source
from ...values.domains import STANDARD_DOMAINS, Domain
from ...values.errors import InvalidCriterion, InvalidRecord
from ...values.units import exact, format_number, is_numeric
from .latest import Latest, observed

__all__ = ["ReferenceMultiple"]

#: The reference-range limits a value can be a multiple of, with their words.
LIMITS: Final = {"high": "upper", "low": "lower"}


def _code(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidCriterion(f"an observation code must be a non-empty string, not {value!r}",
                               field="code", value=value,
                               allowed="an observation code (non-empty string)")


def _limit(_: Any, __: Any, value: Any) -> None:
    if value not in LIMITS:
        raise InvalidCriterion(f"limit={value!r} must be 'high' (upper limit of normal) or "
                               "'low' (lower limit of normal)", field="limit", value=value,
                               allowed="'high' or 'low'")


@register
@attrs.frozen(repr=False)
class ReferenceMultiple(Source):
    """The latest ``code`` value divided by the ``limit`` of its own reference range.

    "ALT > 3 × ULN" is ``Threshold(ReferenceMultiple("alt"), ">", 3)``. The value
    and its reference range are in the same unit (the observation's), so no
    conversion is needed; the division is exact. An observation without that
    limit leaves the criterion UNKNOWN, naming the missing range.

    >>> from datetime import date
    >>> from trialrules import Observation, Record, Threshold
    >>> alt = Observation("alt", 130, "2027-03-02", unit="U/L",
    ...                   reference_range={"low": 7, "high": 40})
    >>> Threshold(ReferenceMultiple("alt"), ">", 3).decide(Record("P1", observations=[alt]),
    ...                                                    date(2027, 3, 31))
    Outcome.MET
    """

    kind = "reference_multiple"
    example = '{"kind": "reference_multiple", "code": "alt"}'
    what = "a multiple-of-the-reference-limit source"

    code: str = attrs.field(validator=_code,
                            metadata=meta(Text("an observation code (non-empty string)", empty=False)))
    limit: str = attrs.field(default="high", kw_only=True, validator=_limit,
                             metadata=meta(Choice(LIMITS, "'high' or 'low'")))

    def _name(self, domains: Mapping[str, Domain] | None) -> str:
        domain = (domains or STANDARD_DOMAINS).get(self.code) or STANDARD_DOMAINS.get(self.code)
        return domain.name if domain is not None and domain.name else self.code

    def read(self, ctx: Context, explain: bool = True) -> Reading:
        latest: Latest = ctx.shared.derive(self, _latest)  # one per batch (its plan with it)
        found = latest._candidates(ctx)
        if found is None:
            # Nothing recorded: as Latest says (none at all in a complete history).
            return latest.read(ctx, explain)
        candidates, converted, certain = found
        uncertain = None if certain else latest._uncertain(ctx)
        words = LIMITS[self.limit]
        name = self._name(ctx.domains)
        domain = ctx.domains.get(self.code)
        values = []
        texts = []
        evidence = []
        for (i, obs), value in zip(candidates, converted, strict=True):
            reference = obs.reference_range
            bound = None if reference is None else getattr(reference, self.limit)
            shown = observed(name, obs, value, domain)
            if bound is None:
                return Reading((), missing=(
                    f"{words} limit of the reference range of {shown} "
                    f"(observations[{i}].reference_range.{self.limit})"))
            if not is_numeric(obs.value):
                raise InvalidRecord(f"observations[{i}].value", obs.value, "a number",
                                    patient=ctx.record.id)
            if bound == 0:
                return Reading((), missing=(
                    f"non-zero {words} limit of the reference range of {shown} "
                    f"(observations[{i}].reference_range.{self.limit})"))
            ratio = exact(obs.value) / exact(bound)
            values.append(ratio)
            unit = f" {obs.unit}" if obs.unit else ""
            texts.append(f"{shown} is {format_number(ratio)} × the {words} limit of normal "
                         f"({format_number(bound)}{unit}), which")
            evidence.append(Evidence(f"observations[{i}]", obs.code, obs.value, str(obs.date)))
        if not explain:
            return Reading(tuple(values), missing=uncertain)
        precise = f"which of {', '.join(t[:-len(', which')] for t in texts)} is the latest"
        return Reading(tuple(values), tuple(texts), tuple(evidence), uncertain, precise)

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return (f"latest {self._name(domains)} as a multiple of its {LIMITS[self.limit]} "
                "reference limit")

    def reads(self) -> Reads:
        return Reads(observations={self.code})


def _latest(source: ReferenceMultiple) -> Latest:
    """The latest observation of the source's code (made once per batch)."""
    return Latest(source.code)
