"""AnyObservation: some value of an observation in a window passes a value test."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..engine.codec import CRITERION, SPAN
from ..engine.context import Context
from ..engine.criterion import Criterion
from ..engine.explanations import Evidence
from ..engine.fields import meta
from ..engine.reads import Reads
from ..engine.registry import register
from ..engine.trace import Trace
from ..values.dates import Span
from ..values.domains import Domain
from ..values.errors import InvalidCriterion
from ..values.outcomes import Outcome
from ._complete import complete_evidence, needed
from ._value import ValueCriterion
from ._window import window_text
from .sources import Latest
from .sources.latest import observations_of, observed

__all__ = ["AnyObservation"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def _value_test(_: Any, __: Any, value: Any) -> None:
    if not (isinstance(value, ValueCriterion) and type(value.source) is Latest
            and value.source.within is None):
        raise InvalidCriterion(
            f"AnyObservation tests each value of one observation: criterion={value!r} must be a "
            "Range, Threshold or OneOf on an observation code (no 'within'; the span says the "
            "window)", field="criterion", value=value,
            allowed="a range, threshold or one_of on a latest-observation source")


def _span(value: Any) -> Span:
    return Span.of(value, "span")


@register
@attrs.frozen(repr=False)
class AnyObservation(Criterion):
    """MET when some value of the criterion's observation dated in ``[as_of - span, as_of]``
    passes its test; NOT_MET when none does and the observations history is declared
    complete through as_of (``complete.observations``); otherwise UNKNOWN.

    "An MRI within 3 months showing at least one gadolinium-enhancing lesion":

    >>> from datetime import date
    >>> from trialrules import Observation, Record, Span, Threshold
    >>> active = AnyObservation(Threshold("gd_lesions", ">=", 1), Span(months=3))
    >>> mris = [Observation("gd_lesions", 0, "2027-03-01"), Observation("gd_lesions", 2, "2027-01-10")]
    >>> active.decide(Record("P1", observations=mris), date(2027, 3, 31))
    Outcome.MET
    """

    kind = "any_observation"

    criterion: ValueCriterion = attrs.field(validator=_value_test, metadata=meta(CRITERION))
    span: Span = attrs.field(converter=_span, metadata=meta(SPAN))

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        test = self.criterion
        code = test.source.code  # type: ignore[attr-defined]
        as_of = ctx.as_of
        start = ctx.window_start(self.span)
        domain = ctx.domains.get(code)
        sure: list[tuple[int, Any, Any]] = []
        maybe: list[tuple[int, Any, Any]] = []
        seen = 0
        for i, obs in observations_of(ctx, code):
            day = obs.date
            if day.is_unknown or day.earliest > as_of or day.latest < start:
                if day.is_unknown:
                    seen += 1
                    value = obs.value if domain is None else domain.value_of(
                        obs.value, obs.unit, f"observations[{i}]", ctx.record.id, code)
                    if test.test(value):
                        maybe.append((i, obs, value))
                continue
            seen += 1
            value = obs.value if domain is None else domain.value_of(
                obs.value, obs.unit, f"observations[{i}]", ctx.record.id, code)
            if not test.test(value):
                continue
            inside = day.earliest >= start and day.latest <= as_of
            (sure if inside else maybe).append((i, obs, value))
        period = ctx.record.complete_over("observations", start, as_of)
        complete = period is not None
        if sure:
            outcome = MET
        elif maybe or not complete:
            outcome = UNKNOWN
        else:
            outcome = NOT_MET
        if why is None:
            return outcome
        window = window_text(ctx, self.span, start)
        bound = test._bound(ctx)
        name = test.source._name_in(ctx)  # type: ignore[attr-defined]
        if outcome is MET:
            # The most recent passing value (ties by value), whatever the record's order.
            i, obs, value = max(sure, key=lambda t: (t[1].date.earliest, repr(t[1].value),
                                                     t[1].unit or "", -t[0]))
            why.because(f"{observed(name, obs, value, domain)} is {bound}, {window}",
                        (Evidence(f"observations[{i}]", obs.code, obs.value, str(obs.date)),))
        elif outcome is NOT_MET and period is not None:  # NOT_MET: the window is complete
            why.because(f"no {name} {window} is {bound}: {seen} recorded; the observations "
                        f"history is complete {period}",
                        (complete_evidence("observations", period),))
        else:
            maybe.sort(key=lambda t: (t[1].date.earliest, t[1].date.latest, repr(t[1].value),
                                      t[1].unit or "", t[0]))
            missing = [f"exact date of {observed(name, o, v, domain)}" for _, o, v in maybe]
            span_needed = needed(ctx, "observations", start)
            if not complete:
                missing.append(f"observations history complete {span_needed} "
                               "(complete.observations)")
            if maybe:
                values = ("1 value" if len(maybe) == 1 else f"{len(maybe)} values")
                reason = (f"{values} of {name} {bound} may fall {window} "
                          f"({', '.join(observed(name, o, v, domain) for _, o, v in maybe)}); "
                          "imprecise dates leave it undecided")
            else:
                reason = (f"no {name} recorded {window} is {bound} ({seen} recorded), but the "
                          f"observations history is not declared complete {span_needed}")
            why.because(reason, tuple(Evidence(f"observations[{i}]", o.code, o.value, str(o.date))
                                      for i, o, _ in maybe), tuple(missing))
        return outcome

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        test = self.criterion
        words = test.describe(domains)[len(test.source.describe(domains)) + len(" is "):]
        name = test.source._name(domains)  # type: ignore[attr-defined]
        return f"some {name} measured in the {self.span} before the reference date is {words}"

    def reads(self) -> Reads:
        return self.criterion.reads()
