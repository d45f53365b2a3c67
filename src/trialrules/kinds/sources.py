"""Value sources: where a criterion's value comes from (age, sex, a latest observation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final

import attrs
from dateutil.relativedelta import relativedelta

from ..engine.context import Context, age_on
from ..engine.explanations import Evidence
from ..values.dates import PartialDate, Span
from ..values.domains import STANDARD_DOMAINS, Domain
from ..values.errors import InvalidCriterion, InvalidRecord
from ..values.records import FrozenMap

__all__ = ["AGE_UNITS", "Age", "Latest", "Reading", "Sex", "Source", "age_in", "as_source"]


@attrs.frozen
class Reading:
    """What a source found: the values it could be, whether it might be absent, and why.

    ``values`` holds every value the fact could take given partial dates; an
    empty tuple with ``missing`` set means nothing was recorded. ``precise``
    names the fact that would pick one value when the possible values disagree.
    """

    values: Sequence[Any]
    #: One text per value; when ``values`` is a ``range`` (a run of whole numbers such as the
    #: possible ages), one text stands for the whole run.
    texts: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    missing: str | None = None
    precise: str | None = None


class Source:
    """Base of value sources; concrete ones are frozen attrs classes."""

    __slots__ = ()

    def read(self, ctx: Context) -> Reading:  # pragma: no cover - abstract
        raise NotImplementedError

    def peek(self, ctx: Context) -> tuple[Sequence[Any], str | None]:
        """The possible values and what is missing, as :meth:`read` gives, without texts.

        The fast path of decisions: no strings, no evidence objects.
        """
        reading = self.read(ctx)
        return reading.values, reading.missing

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:  # pragma: no cover
        raise NotImplementedError

    def _one(self, ctx: Context) -> tuple[Any, str, tuple[Evidence, ...]] | None:
        """The one certain value with its text and evidence, as :meth:`read` would give them,
        when that is the case and cheap to tell; else None (then use read())."""
        return None

    def domain(self, domains: Mapping[str, Domain] | None = None) -> Domain | None:
        """The declared domain of this source's values, if any."""
        return None

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


_AGE_DOMAIN = Domain(0, 150, step=1, name="age", unit="years")

#: Units an age may be counted in (completed units from the birth date to as_of).
AGE_UNITS: Final = ("years", "months", "weeks", "days")


def _age_unit(_: Any, __: Any, value: Any) -> None:
    if value not in AGE_UNITS:
        raise InvalidCriterion(f"Age unit {value!r} is not known; use one of "
                               f"{', '.join(map(repr, AGE_UNITS))}")


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


#: Up to this many possible ages are listed one by one; more are a ``range``.
_FEW_AGES: Final = 64


def _died(death: PartialDate | None, as_of: date) -> str:
    """", died D" when the patient may have died on or before as_of (their age stops there)."""
    if death is None or death.earliest > as_of:
        return ""
    return f", died {death}"


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

    unit: str = attrs.field(default="years", validator=_age_unit, kw_only=True)

    def read(self, ctx: Context) -> Reading:
        birth = ctx.record.birth_date
        if birth is None:
            return Reading((), (), missing="birth date")
        as_of = ctx.as_of
        if birth.earliest > as_of:
            raise InvalidRecord("birth_date", str(birth), f"a date on or before as_of {as_of}",
                                patient=ctx.record.id)
        values = self._ages(birth, as_of, ctx.record.death_date)
        youngest, oldest = values[0], values[-1]
        what = "age" if self.unit == "years" else f"age in {self.unit}"
        if youngest == oldest:
            text = f"{what} {oldest} (born {birth}{_died(ctx.record.death_date, as_of)})"
        else:
            text = (f"{what} {youngest} to {oldest} "
                    f"(born {birth}{_died(ctx.record.death_date, as_of)})")
        evidence: tuple[Evidence, ...] = (Evidence("birth_date", value=None, date=str(birth)),)
        if _died(ctx.record.death_date, as_of):
            evidence += (Evidence("death_date", value=None, date=str(ctx.record.death_date)),)
        texts = (text,) if type(values) is range else (text,) * len(values)
        return Reading(values, texts, evidence,
                       precise="exact birth date (birth_date)")

    def _one(self, ctx: Context) -> tuple[Any, str, tuple[Evidence, ...]] | None:
        birth = ctx.record.birth_date
        as_of = ctx.as_of
        if (birth is None or birth.earliest > as_of or self.unit != "years"
                or _died(ctx.record.death_date, as_of)):
            return None
        youngest = age_in("years", min(birth.latest, as_of), as_of)
        if youngest != age_in("years", birth.earliest, as_of):
            return None
        day = str(birth)
        return youngest, f"age {youngest} (born {day})", (Evidence("birth_date", value=None, date=day),)

    def _ages(self, birth: Any, as_of: date,
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
        ages = range(youngest, oldest + 1)
        return tuple(ages) if len(ages) <= _FEW_AGES else ages

    def peek(self, ctx: Context) -> tuple[Sequence[Any], str | None]:
        birth = ctx.record.birth_date
        if birth is None or birth.earliest > ctx.as_of:
            reading = self.read(ctx)  # the missing fact, or the error, exactly as read() says
            return reading.values, reading.missing
        return self._ages(birth, ctx.as_of, ctx.record.death_date), None

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return "age" if self.unit == "years" else f"age in completed {self.unit}"

    def domain(self, domains: Mapping[str, Domain] | None = None) -> Domain | None:
        if self.unit == "years":
            return _AGE_DOMAIN
        return Domain(0, 150 * {"months": 12, "weeks": 53, "days": 366}[self.unit], step=1,
                      name=f"age in {self.unit}", unit=self.unit)

    def __repr__(self) -> str:
        return "Age()" if self.unit == "years" else f"Age(unit={self.unit!r})"

    def to_dict(self) -> dict[str, Any]:
        if self.unit == "years":
            return {"kind": "age"}
        return {"kind": "age", "unit": self.unit}


@attrs.frozen(repr=False)
class Sex(Source):
    """Administrative sex as recorded; "unknown" counts as not recorded."""

    def read(self, ctx: Context) -> Reading:
        sex = ctx.record.sex
        if sex is None or sex == "unknown":
            return Reading((), (), missing="sex")
        return Reading((sex,), (f"sex {sex}",), (Evidence("sex", value=sex),))

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return "sex"

    def __repr__(self) -> str:
        return "Sex()"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "sex"}


def _code(_: Any, __: Any, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidCriterion(f"an observation code must be a non-empty string, not {value!r}")


def _within(value: Any) -> Span | None:
    return None if value is None else Span.of(value)


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

    code: str = attrs.field(validator=_code)
    within: Span | None = attrs.field(default=None, converter=_within, kw_only=True)

    def _candidates(self, ctx: Context) -> tuple[list[tuple[int, Any]], bool] | None:
        """The observations that may be the latest (canonical order), and whether one is sure."""
        as_of = ctx.as_of
        start = ctx.window_start(self.within)
        code = self.code
        # The protocol's vocabulary names other codes for the same observation
        # (e.g. edss = SNOMED:273554001), so FHIR-coded records are read too.
        aliases = ctx.vocabulary.get(code, ())
        sure: list[tuple[int, Any]] = []
        maybe: list[tuple[int, Any]] = []
        floor = date.min  # the latest day a surely-inside observation was taken on
        index = _observations_by_code(ctx)
        pairs: Any = index.get(code, ())
        if aliases:
            others = [pair for alias in dict.fromkeys(aliases) if alias != code
                      for pair in index.get(alias, ())]
            if others:  # in record order, as one pass over the observations would find them
                pairs = sorted([*pairs, *others], key=lambda pair: pair[0])
        for pair in pairs:
            d = pair[1].date
            lo, hi = d.earliest, d.latest
            if lo > as_of or hi < start:
                continue
            if hi <= as_of and lo >= start:
                sure.append(pair)
                if lo > floor:
                    floor = lo
            else:
                maybe.append(pair)
        if not sure and not maybe:
            return None
        candidates = [(i, o) for i, o in sure + maybe if o.date.latest >= floor]
        if len(candidates) > 1:
            # Canonical order (date, then value), so output never depends on list order.
            candidates.sort(key=lambda pair: (pair[1].date.earliest, pair[1].date.latest,
                                              repr(pair[1].value), pair[1].unit or "", pair[0]))
        domain = ctx.domains.get(code)
        if domain is not None:
            for i, obs in candidates:
                if not domain.contains(obs.value):
                    raise InvalidRecord(f"observations[{i}].value", obs.value,
                                        f"{domain.describe()} (for {code})",
                                        patient=ctx.record.id)
        return candidates, bool(sure)

    def _absent(self) -> str:
        where = f" in the {self.within} before as_of" if self.within else ""
        return f"observation {self.code}{where}"

    def peek(self, ctx: Context) -> tuple[Sequence[Any], str | None]:
        found = self._candidates(ctx)
        if found is None:
            return (), self._absent()
        candidates, certain = found
        missing = None if certain else self._uncertain(ctx)
        return tuple(o.value for _, o in candidates), missing

    def _uncertain(self, ctx: Context) -> str:
        """What is missing when no candidate is dated for certain inside the window."""
        where = f" and on or after {ctx.window_start(self.within)}" if self.within else ""
        return f"an observation {self.code} dated for certain on or before {ctx.as_of}{where}"

    def read(self, ctx: Context) -> Reading:
        found = self._candidates(ctx)
        if found is None:
            return Reading((), (), missing=self._absent())
        candidates, certain = found
        name = self._name_in(ctx.domains)
        if len(candidates) == 1 and certain:
            # The common case (one observation, surely the latest): the loop below says the same.
            i, obs = candidates[0]
            day = str(obs.date)
            text = f"{name} {obs.value!r}{f' {obs.unit}' if obs.unit else ''} on {day}"
            return Reading((obs.value,), (text,),
                           (Evidence(f"observations[{i}]", obs.code, obs.value, day),),
                           None, f"which of {text} is the latest")
        values = []
        texts = []
        evidence = []
        for i, obs in candidates:
            values.append(obs.value)
            unit = f" {obs.unit}" if obs.unit else ""
            day = str(obs.date)
            texts.append(f"{name} {obs.value!r}{unit} on {day}")
            evidence.append(Evidence(f"observations[{i}]", obs.code, obs.value, day))
        missing = None
        if not certain:
            missing = self._uncertain(ctx)
        # Named by content, not list position, so the text does not depend on the record's order.
        precise = f"which of {', '.join(texts)} is the latest"
        return Reading(tuple(values), tuple(texts), tuple(evidence), missing, precise)

    def _one(self, ctx: Context) -> tuple[Any, str, tuple[Evidence, ...]] | None:
        found = self._candidates(ctx)
        if found is None or not found[1] or len(found[0]) != 1:
            return None
        i, obs = found[0][0]
        day = str(obs.date)
        text = f"{self._name_in(ctx.domains)} {obs.value!r}{f' {obs.unit}' if obs.unit else ''} on {day}"
        return obs.value, text, (Evidence(f"observations[{i}]", obs.code, obs.value, day),)

    def _name_in(self, domains: Mapping[str, Domain]) -> str:
        """``_name(domains)``, remembered for immutable domains (a protocol's)."""
        if type(domains) is not FrozenMap:
            return self._name(domains)
        key = (id(self), id(domains))
        known = _NAMES.get(key)
        if known is not None and known[0] is self and known[1] is domains:
            return known[2]
        name = self._name(domains)
        if len(_NAMES) < 10_000:
            _NAMES[key] = (self, domains, name)  # holding both, so their ids are not reused
        return name

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

    def __repr__(self) -> str:
        if self.within is None:
            return f"Latest({self.code!r})"
        return f"Latest({self.code!r}, within={self.within!r})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "latest", "code": self.code}
        if self.within is not None:
            out["within"] = self.within.to_dict()
        return out


def _observations_by_code(ctx: Context) -> dict[str, list[tuple[int, Any]]]:
    """The record's observations (with their positions) by code, indexed once per evaluation."""
    index: dict[str, list[tuple[int, Any]]] | None = ctx.memo.get(_BY_CODE)
    if index is None:
        index = {}
        for pair in enumerate(ctx.record.observations):
            found = index.get(pair[1].code)
            if found is None:
                index[pair[1].code] = [pair]
            else:
                found.append(pair)
        ctx.memo[_BY_CODE] = index
    return index


#: The memo key of the observation index (a private object: no clash with other keys).
_BY_CODE: Final = object()


#: Display names of observation codes by (id of the source, id of the domains).
_NAMES: dict[tuple[int, int], tuple[Latest, Mapping[str, Domain], str]] = {}


def as_source(value: Any) -> Source:
    """A source, or a string naming one: ``"age"``, ``"sex"``, else an observation code."""
    if isinstance(value, Source):
        return value
    if isinstance(value, str):
        if value == "age":
            return Age()
        if value == "sex":
            return Sex()
        return Latest(value)
    raise InvalidCriterion(
        f"source {value!r} is not a value source; use Age(), Sex(), Latest('code') "
        "or an observation code string"
    )
