"""Declared completeness of a history: through a day, or over periods with a start.

A record declares, per history (conditions, exposures, observations), where it
holds every fact. Two forms:

- a date D (0.1.0's form): complete **from birth through D**;
- one or more :class:`Period` values: complete **from S through E** for each
  (an OMOP observation period), and nowhere else.

A window of days [first, last] is complete when the declared periods cover
every day of it (:func:`covering`); an unbounded window ("ever") needs
coverage from birth. Partial dates are read on the safe side: a period from
``2015-03`` vouches from 2015-03-31, one through ``2027-03`` through
2027-03-01. A period that starts on or before the earliest possible birth day
covers everything before it too (nothing happened before birth).

>>> p = Period("2015-01-01", "2027-03-31")
>>> str(p), str(Period(None, "2027-03-31"))
('from 2015-01-01 through 2027-03-31', 'through 2027-03-31')
>>> from datetime import date
>>> covering((p,), None, date(2015, 1, 1), date(2027, 3, 31)) == p
True
>>> covering((p,), None, date(2014, 12, 31), date(2027, 3, 31)) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

import attrs

from .dates import PartialDate, parse_date
from .errors import InvalidRecord

__all__ = ["Period", "covering", "declaration"]

#: The keys of a period written as an object: ``{"from": S, "through": E}``.
_KEYS: Final = frozenset({"from", "through"})

#: Periods of plain dates a caller's ``made`` keeps at most (see :func:`covering`).
_MAX_MADE: Final = 10_000


def _start(value: Any) -> PartialDate | None:
    return None if value is None else parse_date(value, "from")


def _end(value: Any) -> PartialDate:
    return parse_date(value, "through")


@attrs.frozen
class Period:
    """A history is complete from ``start`` (None: from birth) through ``end``, both included.

    >>> Period("2015-03", "2027-03").first_day(), Period("2015-03", "2027-03").last_day()
    (datetime.date(2015, 3, 31), datetime.date(2027, 3, 1))
    """

    start: PartialDate | None = attrs.field(converter=_start)
    end: PartialDate = attrs.field(converter=_end)
    #: The days vouched for, derived once from start and end (see first_day, last_day).
    days: tuple[date | None, date] = attrs.field(init=False, eq=False, hash=False,
                                                 repr=False)

    def __attrs_post_init__(self) -> None:
        if self.end.is_unknown:
            raise InvalidRecord("through", str(self.end), "a date (the last day complete)")
        if self.start is not None:
            if self.start.is_unknown:
                raise InvalidRecord("from", str(self.start), "a date (the first day complete)")
            if self.start.earliest > self.end.latest:
                raise InvalidRecord("from", str(self.start),
                                    f"a date on or before through ({self.end})")
        # A partial start counts from its last day, a partial end to its first day.
        first = None if self.start is None else self.start.latest
        object.__setattr__(self, "days", (first, self.end.earliest))

    def first_day(self) -> date | None:
        """The first day vouched for (None: from birth); a partial start counts from its last day."""
        return self.days[0]

    def last_day(self) -> date:
        """The last day vouched for; a partial end counts to its first day."""
        return self.days[1]

    def __str__(self) -> str:
        through = f"through {self.last_day()}"
        return through if self.start is None else f"from {self.first_day()} {through}"

    def to_dict(self) -> dict[str, str]:
        """``{"from": S, "through": E}`` (``from`` left out for a period from birth)."""
        out = {} if self.start is None else {"from": str(self.start)}
        out["through"] = str(self.end)
        return out


#: What a record holds per history: a date (complete from birth through it) or periods.
Declared = PartialDate | tuple[Period, ...]


def declaration(value: Any, field: str) -> Declared:
    """One history's declaration, checked: a date, a :class:`Period`, an object
    ``{"from": S, "through": E}`` (``from`` optional) or a non-empty list of those.

    A plain date (and an object with only ``through``) stays the 0.1.0 form, a date.
    """
    if isinstance(value, Period):
        return (value,)
    if isinstance(value, Mapping):
        return _one(value, field)
    if isinstance(value, list | tuple):
        if not value or not all(isinstance(item, Period | Mapping) for item in value):
            # Reported at the list itself: ["2027-01-01"] is a wrong value, not a wrong item.
            raise InvalidRecord(field, value, "a date, a period {from, through}, or a non-empty "
                                "list of periods")
        periods = []
        for i, item in enumerate(value):
            if isinstance(item, Period):
                periods.append(item)
                continue
            one = _one(item, f"{field}[{i}]")
            periods.append(Period(None, one) if isinstance(one, PartialDate) else one[0])
        return tuple(sorted(periods, key=_order))
    return parse_date(value, field)


def _one(value: Mapping[str, Any], field: str) -> Declared:
    keys = set(value)
    if "through" not in keys or not keys <= _KEYS:
        raise InvalidRecord(field, dict(value), 'a date, or a period {"from": date, '
                            '"through": date} (from optional: from birth)')
    end = parse_date(value["through"], f"{field}.through")
    if value.get("from") is None:
        if "from" in value:
            raise InvalidRecord(f"{field}.from", None, "a date (leave from out: from birth)")
        return end
    start = parse_date(value["from"], f"{field}.from")
    try:
        return (Period(start, end),)
    except InvalidRecord as exc:
        raise InvalidRecord(f"{field}.{exc.field}", exc.value, exc.allowed) from None


def _order(period: Period) -> tuple[date, date]:
    first = period.first_day()
    return (date.min if first is None else first, period.last_day())


def covering(declared: Declared | None, birth: PartialDate | None, first: date,
             last: date, made: dict[int, tuple[PartialDate, Period]] | None = None
             ) -> Period | None:
    """The declared period covering every day of [first, last], or None.

    ``first`` is ``date.min`` for a window without a start ("ever"): it needs
    coverage from birth. Periods that meet or overlap are joined (the period
    returned then runs from the first one's start to the last one's end).

    ``made`` keeps the period of each plain date object once built, by the date's
    identity (the entry holds the date, so the id stays its own): a batch passes
    one, and records read together share their date objects, so a date that many
    records declare makes one period, not one per check.
    """
    if declared is None:
        return None
    if isinstance(declared, PartialDate):
        # 0.1.0: complete from birth through the date.
        if declared.earliest < last:
            return None
        if made is None:
            return Period(None, declared)
        held = made.get(id(declared))
        if held is not None and held[0] is declared:
            return held[1]
        period = Period(None, declared)
        if len(made) < _MAX_MADE:
            made[id(declared)] = (declared, period)
        return period
    born = None if birth is None else birth.earliest
    # Runs of periods that meet or overlap: [first period, first day (None: birth), last day].
    runs: list[list[Any]] = []
    for period in declared:
        begin = period.first_day()
        if begin is not None and born is not None and begin <= born:
            begin = None  # it starts by birth: nothing before it can have happened
        if runs and (begin is None or (begin - runs[-1][2]).days <= 1):
            runs[-1][2] = max(runs[-1][2], period.last_day())
        else:
            runs.append([period, begin, period.last_day()])
    for period, begin, end in runs:
        if _covers(begin, end, first, last):
            if end == period.last_day():
                return period  # type: ignore[no-any-return]
            return Period(period.start, PartialDate(end.year, end.month, end.day))
    return None


def _covers(start: date | None, end: date, first: date, last: date) -> bool:
    return end >= last and (start is None or (first != date.min and start <= first))
