"""Age: completed years (or months, weeks, days) from the birth date to ``as_of``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

import attrs
from dateutil.relativedelta import relativedelta

from ...engine.codec import Choice
from ...engine.context import Context, age_on
from ...engine.explanations import Evidence
from ...engine.fields import meta
from ...engine.reads import Reads
from ...engine.registry import register
from ...engine.source import Reading, Source
from ...values.domains import Domain
from ...values.errors import InvalidCriterion, InvalidRecord

__all__ = ["AGE_UNITS", "Age", "age_in"]

_AGE_DOMAIN: Final = Domain(0, 150, step=1, name="age", unit="years")

#: Units an age may be counted in (completed units from the birth date to as_of).
AGE_UNITS: Final = ("years", "months", "weeks", "days")


def _age_unit(_: Any, __: Any, value: Any) -> None:
    if value not in AGE_UNITS:
        allowed = f"one of {', '.join(map(repr, AGE_UNITS))}"
        raise InvalidCriterion(f"Age unit {value!r} is not known; use {allowed}",
                               field="unit", value=value, allowed=allowed)


def age_in(unit: str, birth: date, on: date) -> int:
    """Completed ``unit``s from ``birth`` to ``on``.

    Months are calendar months: the largest n with ``birth + n months <= on``
    (relativedelta, so 31 January + 1 month is the last day of February).
    Weeks are whole 7-day weeks; days are days.
    """
    if unit == "years":
        return age_on(birth, on)
    if unit == "months":
        n = (on.year - birth.year) * 12 + on.month - birth.month
        if n > 0 and birth + relativedelta(months=n) > on:
            n -= 1
        return n
    days = (on - birth).days
    return days // 7 if unit == "weeks" else days


@register
@attrs.frozen(repr=False)
class Age(Source):
    """Age in completed years on ``as_of`` (a partial birth date gives every possible age).

    ``Age(unit="months")`` (or weeks, days) counts completed months instead, for
    registry bounds such as "6 Months" that whole years cannot state exactly.

    Born 29 February, the birthday counts on 28 February in common years.

    >>> from datetime import date
    >>> from trialrules import Range, Record
    >>> Range(Age(), 18, 60).decide(Record("P1", birth_date="2008-02-29"), date(2026, 2, 28))
    Outcome.MET
    """

    kind = "age"
    example = '{"kind": "age"} (optionally with "unit")'
    what = "an age source"

    unit: str = attrs.field(default="years", kw_only=True, validator=_age_unit,
                            metadata=meta(Choice(AGE_UNITS),
                                          schema={"enum": list(AGE_UNITS), "description": "absent: years"}))

    def read(self, ctx: Context, explain: bool = True) -> Reading:
        birth = ctx.record.birth_date
        if birth is None:
            return Reading((), missing="birth date")
        as_of = ctx.as_of
        if birth.earliest > as_of:
            raise InvalidRecord("birth_date", str(birth), f"a date on or before as_of {as_of}",
                                patient=ctx.record.id)
        unit = self.unit
        youngest = age_in(unit, min(birth.latest, as_of), as_of)
        oldest = age_in(unit, birth.earliest, as_of)
        values = (youngest,) if youngest == oldest else tuple(range(youngest, oldest + 1))
        if not explain:
            return Reading(values)
        what = "age" if unit == "years" else f"age in {unit}"
        day = str(birth)
        if youngest == oldest:
            text = f"{what} {oldest} (born {day})"
        else:
            text = f"{what} {youngest} to {oldest} (born {day})"
        return Reading(values, (text,) * len(values),
                       (Evidence("birth_date", value=None, date=day),),
                       precise="exact birth date (birth_date)")

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return "age" if self.unit == "years" else f"age in completed {self.unit}"

    def domain(self, domains: Mapping[str, Domain] | None = None) -> Domain | None:
        if self.unit == "years":
            return _AGE_DOMAIN
        return Domain(0, 150 * {"months": 12, "weeks": 53, "days": 366}[self.unit], step=1,
                      name=f"age in {self.unit}", unit=self.unit)

    def reads(self) -> Reads:
        return Reads(birth_date=True)
