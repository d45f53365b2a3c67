"""Dates as records hold them (possibly partial) and calendar spans.

A partial date ("2021", "2021-03") is an interval of possible days, never a
guessed day: every test against it is decided only when all those days agree
(CQL's uncertainty rule). Spans use ``dateutil.relativedelta`` so that one
month before 31 March is 28 (or 29) February.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from typing import Any, Final

import attrs
from dateutil.relativedelta import relativedelta

from .checks import SPAN_UNITS, read_object, read_whole
from .errors import InvalidCriterion, InvalidRecord

__all__ = ["PartialDate", "Span", "parse_date"]

# ASCII digits only: "\d" would also read "٢٠٢٧" (Arabic-Indic digits) as 2027.
_DATE_RE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")
_INTERVAL_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})/([0-9]{4}-[0-9]{2}-[0-9]{2})\Z")


def _check_bounds(bounds: Any, year: int | None) -> tuple[date, date]:
    if year is not None:
        raise InvalidRecord("bounds", bounds, "bounds only on a date without year, month or day")
    if (not isinstance(bounds, tuple) or len(bounds) != 2
            or any(isinstance(b, datetime) or not isinstance(b, date) for b in bounds)):
        raise InvalidRecord("bounds", bounds, "a pair (first, last) of datetime.date")
    if bounds[0] > bounds[1]:
        raise InvalidRecord("bounds", bounds, "first day on or before the last day")
    return bounds[0], bounds[1]


def _check_parts(year: int | None, month: int | None, day: int | None) -> None:
    if type(year) is not int or type(month) is not int or type(day) is not int:
        # (Three plain ints, the common case, are whole numbers: no loop needed.)
        for name, value in (("year", year), ("month", month), ("day", day)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise InvalidRecord(name, value, "a whole number")
    if year is None:
        if month is not None or day is not None:
            raise InvalidRecord("month", month, "no month or day when the year is unknown")
        return
    if not 1 <= year <= 9999:
        raise InvalidRecord("year", year, "a year from 0001 to 9999")
    if month is None:
        if day is not None:
            raise InvalidRecord("day", day, "no day without a month")
        return
    if not 1 <= month <= 12:
        raise InvalidRecord("month", month, "a month from 01 to 12")
    if day is not None and not 1 <= day <= 28:  # every month has 28 days: look up the rest
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise InvalidRecord("day", day,
                                f"a day from 01 to {last:02d} in {year:04d}-{month:02d}")


@attrs.frozen(repr=False, order=False, init=False)
class PartialDate:
    """A calendar date known to the year, the month or the day (or not at all).

    >>> PartialDate(2021).earliest, PartialDate(2021).latest
    (datetime.date(2021, 1, 1), datetime.date(2021, 12, 31))
    >>> PartialDate.parse("2024-02")
    PartialDate(2024, 2)
    """

    year: int | None = None
    month: int | None = None
    day: int | None = None
    #: An interval of possible days that is not a calendar year, month or day
    #: (e.g. "aged 52": one year of possible days from a birthday); see ``between``.
    bounds: tuple[date, date] | None = attrs.field(default=None, kw_only=True)
    earliest: date = attrs.field(init=False, eq=False, hash=False)
    latest: date = attrs.field(init=False, eq=False, hash=False)

    def __init__(self, year: int | None = None, month: int | None = None,
                 day: int | None = None, *, bounds: tuple[date, date] | None = None) -> None:
        # What attrs' own __init__ (kept as __attrs_init__) does, without its indirections.
        _fill(self, year, month, day, bounds)

    def __attrs_post_init__(self) -> None:
        _fill(self, self.year, self.month, self.day, self.bounds)

    @classmethod
    def between(cls, first: date, last: date) -> PartialDate:
        """The date known only to lie in [first, last] (a calendar unit when it is one).

        >>> PartialDate.between(date(2021, 3, 1), date(2021, 3, 31))
        PartialDate(2021, 3)
        >>> str(PartialDate.between(date(2006, 6, 13), date(2007, 6, 12)))
        '2006-06-13/2007-06-12'
        """
        for candidate in (cls(first.year, first.month, first.day), cls(first.year, first.month),
                          cls(first.year)):
            if candidate.earliest == first and candidate.latest == last:
                return candidate
        return cls(bounds=(first, last))

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or an interval ``YYYY-MM-DD/YYYY-MM-DD``."""
        if not isinstance(text, str):
            raise InvalidRecord("date", text, "a date string YYYY, YYYY-MM or YYYY-MM-DD")
        match = _DATE_RE.match(text)  # the common form first (the two forms never overlap)
        if match is not None:
            year, month, day = match.groups()
            try:
                return cls(int(year), None if month is None else int(month),
                           None if day is None else int(day))
            except InvalidRecord as exc:
                raise InvalidRecord("date", text, f"a real calendar date ({exc.allowed})") from None
        interval = _INTERVAL_RE.match(text)
        if interval is not None:
            try:
                first, last = (date.fromisoformat(g) for g in interval.groups())
            except ValueError:
                raise InvalidRecord("date", text, "an interval of two real calendar dates") from None
            if first > last:
                raise InvalidRecord("date", text, "an interval whose first day is not after its last")
            return cls.between(first, last)
        raise InvalidRecord("date", text, "a date string YYYY, YYYY-MM or YYYY-MM-DD")

    @classmethod
    def of(cls, value: date) -> PartialDate:
        """The exact day ``value``."""
        return cls(value.year, value.month, value.day)

    @property
    def is_exact(self) -> bool:
        """True when the day is known."""
        return self.day is not None

    @property
    def is_unknown(self) -> bool:
        """True when nothing about the date is known."""
        return self.year is None and self.bounds is None

    def __repr__(self) -> str:
        if self.bounds is not None:
            return f"PartialDate(bounds=({self.bounds[0]!r}, {self.bounds[1]!r}))"
        parts = [str(p) for p in (self.year, self.month, self.day) if p is not None]
        return f"PartialDate({', '.join(parts)})"

    def __str__(self) -> str:
        if self.bounds is not None:
            return f"{self.bounds[0].isoformat()}/{self.bounds[1].isoformat()}"
        if self.year is None:
            return "unknown date"
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def to_json(self) -> str | None:
        """The ISO text of the date (None when unknown)."""
        return None if self.is_unknown else str(self)


_PARTIAL_DATE_SLOTS: Final = tuple(PartialDate.__dict__[name].__set__ for name in (
    "year", "month", "day", "bounds", "earliest", "latest"))


def _fill(value: PartialDate, year: int | None, month: int | None, day: int | None,
          bounds: tuple[date, date] | None) -> None:
    """Check a PartialDate's parts and store them with its first and last possible days."""
    _check_parts(year, month, day)
    if bounds is not None:
        lo, hi = _check_bounds(bounds, year)
    elif year is None:
        lo, hi = date.min, date.max
    elif month is None:
        lo, hi = date(year, 1, 1), date(year, 12, 31)
    elif day is None:
        last = calendar.monthrange(year, month)[1]
        lo, hi = date(year, month, 1), date(year, month, last)
    else:
        lo = hi = date(year, month, day)
    set_year, set_month, set_day, set_bounds, set_earliest, set_latest = _PARTIAL_DATE_SLOTS
    set_year(value, year)
    set_month(value, month)
    set_day(value, day)
    set_bounds(value, bounds)
    set_earliest(value, lo)
    set_latest(value, hi)


def parse_date(value: Any, field: str = "date") -> PartialDate:
    """Turn a ``date``, a ``PartialDate`` or an ISO string into a ``PartialDate``.

    A ``datetime`` is refused rather than truncated: the time of day would be
    silently dropped.
    """
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, datetime):
        raise InvalidRecord(field, value, "a date without a time (datetime.date or 'YYYY-MM-DD')")
    if isinstance(value, date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return PartialDate.parse(value)
        except InvalidRecord as exc:
            raise InvalidRecord(field, value, exc.allowed) from None
    raise InvalidRecord(field, value, "a date: datetime.date, PartialDate or 'YYYY[-MM[-DD]]'")


def _nonnegative_int(name: str) -> Any:
    def check(_: Any, __: Any, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidCriterion(f"Span {name}={value!r} must be a whole number", field=name,
                                   value=value, allowed=f"a whole number of {name}, 0 or more")
        if value < 0:
            raise InvalidCriterion(
                f"Span {name}={value!r} is negative; a window reaches back from as_of, "
                "so give its length as a number >= 0", field=name, value=value,
                allowed=f"a whole number of {name}, 0 or more")

    return check


_UNITS = SPAN_UNITS


@attrs.frozen(repr=False)
class Span:
    """A calendar length such as 1 month or 5 years, reaching back from a reference date.

    >>> Span(months=1).before(date(2027, 3, 31))
    datetime.date(2027, 2, 28)
    """

    years: int = attrs.field(default=0, validator=_nonnegative_int("years"), kw_only=True)
    months: int = attrs.field(default=0, validator=_nonnegative_int("months"), kw_only=True)
    weeks: int = attrs.field(default=0, validator=_nonnegative_int("weeks"), kw_only=True)
    days: int = attrs.field(default=0, validator=_nonnegative_int("days"), kw_only=True)

    def before(self, as_of: date) -> date:
        """The first day of the window [as_of - span, as_of]."""
        try:
            return as_of - relativedelta(
                years=self.years, months=self.months, weeks=self.weeks, days=self.days
            )
        except (OverflowError, ValueError):  # reaches before 0001-01-01
            return date.min

    @property
    def is_zero(self) -> bool:
        """A span of no length: the window is the reference date alone."""
        return not (self.years or self.months or self.weeks or self.days)

    def __repr__(self) -> str:
        parts = [f"{u}={getattr(self, u)}" for u in _UNITS if getattr(self, u)]
        return f"Span({', '.join(parts)})"

    def __str__(self) -> str:
        parts = []
        for unit in _UNITS:
            n = getattr(self, unit)
            if n:
                parts.append(f"{n} {unit[:-1] if n == 1 else unit}")
        return " ".join(parts) if parts else "0 days"

    @classmethod
    def of(cls, value: Any, field: str | None = None) -> Span:
        """A Span from a Span or a ``relativedelta`` of whole years, months and days
        (``field``: the name of the criterion's field it is for, which an error names).

        >>> Span.of(relativedelta(months=1))
        Span(months=1)
        """
        if isinstance(value, Span):
            return value
        if isinstance(value, relativedelta):
            absolute = ("year", "month", "day", "weekday", "hour", "minute", "second",
                        "microsecond", "hours", "minutes", "seconds", "microseconds")
            if any(getattr(value, name) for name in absolute):
                raise InvalidCriterion(
                    f"{value!r} is not a calendar span; use only years, months, weeks and days",
                    field=field, value=value,
                    allowed="a calendar span of whole years, months, weeks and days")
            return cls(years=value.years, months=value.months, days=value.days)
        raise InvalidCriterion(
            f"{value!r} is not a span; use Span(months=1) or relativedelta(months=1)",
            field=field, value=value, allowed="a span: Span(months=1) or relativedelta(months=1)")

    def to_dict(self) -> dict[str, int]:
        """The non-zero units, e.g. ``{"months": 1}`` (``{}`` is the zero span)."""
        return {u: getattr(self, u) for u in _UNITS if getattr(self, u)}

    @classmethod
    def from_dict(cls, data: Any, path: str = "$") -> Span:
        """The span ``to_dict`` wrote; errors name the JSON path under ``path``.

        >>> Span.from_dict({"months": 1})
        Span(months=1)
        """
        data = read_object(data, path, frozenset(), frozenset(_UNITS),
                           'a span such as {"months": 1}')
        return cls(**{u: read_whole(data[u], f"{path}.{u}", 0) for u in _UNITS if u in data})
