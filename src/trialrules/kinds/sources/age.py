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
from ...values.checks import SPAN_UNITS
from ...values.dates import PartialDate
from ...values.domains import Domain
from ...values.errors import InvalidCriterion, InvalidRecord

__all__ = ["AGE_UNITS", "Age", "age_in"]

_AGE_DOMAIN: Final = Domain(0, 150, step=1, name="age", unit="years")

#: Units an age may be counted in (completed units from the birth date to as_of).
AGE_UNITS: Final = SPAN_UNITS  # an age counts the calendar units a span does


#: Up to this many possible ages are listed one by one; more are a ``range``.
_FEW_AGES: Final = 64


def _died(death: PartialDate | None, as_of: date) -> str:
    """", died D" when the patient may have died on or before as_of (their age stops there)."""
    if death is None or death.earliest > as_of:
        return ""
    return f", died {death}"


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
        death = ctx.record.death_date
        values = self._ages(birth, as_of, death)  # whole numbers
        if not explain:
            return Reading(values, numbers=True)
        youngest, oldest = values[0], values[-1]
        what = "age" if self.unit == "years" else f"age in {self.unit}"
        died = _died(death, as_of)
        born = ctx.text_of(birth)
        if youngest == oldest:
            text = f"{what} {oldest} (born {born}{died})"
        else:
            text = f"{what} {youngest} to {oldest} (born {born}{died})"
        evidence: tuple[Evidence, ...] = (Evidence("birth_date", value=None, date=born),)
        if died:
            evidence += (Evidence("death_date", value=None, date=str(death)),)
        texts = (text,) if type(values) is range else (text,) * len(values)
        return Reading(values, texts, evidence, precise="exact birth date (birth_date)",
                       numbers=True)

    def _ages(self, birth: PartialDate, as_of: date,
              death: PartialDate | None = None) -> tuple[int, ...] | range:
        """The possible ages, youngest to oldest: a tuple, or a ``range`` when there are many
        (never one integer per age: a birth interval may span thousands of years of days).

        Age is counted on as_of, or on the day of death when that came first: a dead
        patient does not grow older.
        """
        first_end = last_end = as_of
        if death is not None:
            first_end, last_end = min(as_of, death.earliest), min(as_of, death.latest)
        first_end = max(first_end, birth.earliest)  # a death is never before the birth
        youngest = age_in(self.unit, min(birth.latest, first_end), first_end)
        oldest = age_in(self.unit, birth.earliest, last_end)
        if youngest == oldest:
            return (youngest,)
        ages = range(youngest, oldest + 1)
        return tuple(ages) if len(ages) <= _FEW_AGES else ages

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return "age" if self.unit == "years" else f"age in completed {self.unit}"

    def domain(self, domains: Mapping[str, Domain] | None = None) -> Domain | None:
        if self.unit == "years":
            return _AGE_DOMAIN
        return Domain(0, 150 * {"months": 12, "weeks": 53, "days": 366}[self.unit], step=1,
                      name=f"age in {self.unit}", unit=self.unit)

    def reads(self) -> Reads:
        return Reads(birth_date=True)
