"""The patient record: who the patient is and the dated facts known about them.

Records are open world: a fact that is not recorded is unknown, not false.
Completeness is declared, never assumed: ``complete={"exposures": D}`` says the
exposure history holds every exposure up to day D.
"""

from __future__ import annotations

import math
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from datetime import date
from itertools import repeat
from typing import Any, Final

import attrs

from .checks import MAX_EXACT_INT
from .completeness import Period, covering, declaration
from .dates import PartialDate, parse_date
from .domains import is_number, plain_zero
from .errors import InvalidRecord
from .text import UNSAFE, has_surrogate, name_problem

__all__ = [
    "CATEGORIES",
    "NOT_KNOWN_IF_ENDED",
    "SEXES",
    "Condition",
    "Exposure",
    "FrozenMap",
    "Observation",
    "Record",
    "ReferenceRange",
    "UnknownIfEnded",
]

#: Administrative sex values (FHIR AdministrativeGender); "unknown" counts as not recorded.
SEXES: Final = frozenset({"female", "male", "other", "unknown"})

#: Histories whose completeness a record may declare.
CATEGORIES: Final = frozenset({"observations", "conditions", "exposures"})


class FrozenMap(Mapping[str, Any]):
    """A read-only, hashable, picklable mapping with a stable (sorted) order."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        # A plain dict is sorted as it is (its keys are already unique); anything else is
        # read as dict() reads it (a repeated pair's last value wins).
        self._data = dict(sorted((data if type(data) is dict else dict(data)).items()))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    # The views of the underlying dict (read-only, as Mapping's own are), read in C.
    def keys(self) -> KeysView[str]:
        return self._data.keys()

    def items(self) -> ItemsView[str, Any]:
        return self._data.items()

    def values(self) -> ValuesView[Any]:
        return self._data.values()

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        # Computed each time, not cached: a frozen value holds no mutable state (design.md).
        return hash(tuple(self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


#: The empty map every record without flags, completeness or named dates shares (immutable).
_EMPTY: Final = FrozenMap()


def _text(field: str, *, name: bool = True) -> Any:
    """A non-empty string; a name (code) also has no control characters nor surrounding
    spaces, an id no control characters (see trialrules.values.text)."""
    def check(_: Any, __: Any, value: Any) -> None:
        if type(value) is str and value.isprintable() and value and value == value.strip():
            return  # the common case, decided by two C calls (see name_problem)
        if not isinstance(value, str) or not value:
            raise InvalidRecord(field, value, "a non-empty string")
        problem = name_problem(value)
        # An id may start or end with a space (the patient file's rule); nothing else.
        if problem is not None and (name or UNSAFE.search(value) or has_surrogate(value)):
            raise InvalidRecord(field, value, f"a name without {problem}")

    return check


def _obs_date(value: Any) -> PartialDate:
    return value if type(value) is PartialDate else parse_date(value, "date")


def _onset(value: Any) -> PartialDate:
    return parse_date(value, "onset")


def _start(value: Any) -> PartialDate:
    return parse_date(value, "start")


def _end(value: Any) -> PartialDate | None:
    return None if value is None else parse_date(value, "end")


@attrs.frozen(repr=False, order=False, init=False)
class UnknownIfEnded(PartialDate):
    """The end of an event when nobody recorded whether it ended (nor when).

    It is unknown like ``PartialDate()`` ("it ended on a day nobody recorded"),
    and every criterion treats the two alike: the end may fall on any day from
    the beginning on, which includes "still going". It is kept apart so that a
    patient file says what the source said, and a round trip loses nothing.

    >>> Condition("ICD10:G35", "2019", NOT_KNOWN_IF_ENDED).end.is_unknown
    True
    >>> NOT_KNOWN_IF_ENDED == PartialDate()
    False
    """

    def __init__(self) -> None:
        PartialDate.__init__(self)

    def __repr__(self) -> str:
        return "UnknownIfEnded()"


#: The end of an event nobody recorded whether it ended: see :class:`UnknownIfEnded`.
NOT_KNOWN_IF_ENDED: Final = UnknownIfEnded()




def _value(_: Any, __: Any, value: Any) -> None:
    kind = type(value)
    if ((kind is int and -MAX_EXACT_INT <= value <= MAX_EXACT_INT)
            or (kind is float and math.isfinite(value)) or kind is str or kind is bool):
        return  # the common cases first: the loader builds one Observation per value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_EXACT_INT:
        raise InvalidRecord("value", value, "a whole number within ±2**53")
    if isinstance(value, bool | str) or is_number(value):
        return
    raise InvalidRecord("value", value, "a finite number, a boolean or a code string")


def _check_span(start_field: str, end_field: str) -> Any:
    def check(self: Any, _: Any, end: PartialDate | None) -> None:
        start: PartialDate = getattr(self, start_field)
        if end is not None and not end.is_unknown and end.latest < start.earliest:
            raise InvalidRecord(end_field, str(end), f"a date on or after {start_field} {start}")

    return check


def _bound(name: str) -> Any:
    def check(_: Any, __: Any, value: Any) -> None:
        if value is not None and not is_number(value):
            raise InvalidRecord(f"reference_range.{name}", value, "a finite number or null")

    return check


@attrs.frozen
class ReferenceRange:
    """The laboratory's normal range of one observation, in the observation's own unit.

    Either end may be absent (``ReferenceRange(high=40)``: an upper limit of
    normal only), not both. ``low`` is never above ``high``.
    """

    low: int | float | None = attrs.field(default=None, validator=_bound("low"))
    high: int | float | None = attrs.field(default=None, validator=_bound("high"))

    def __attrs_post_init__(self) -> None:
        if self.low is None and self.high is None:
            raise InvalidRecord("reference_range", {"low": None, "high": None},
                                "a low or a high limit (or no reference_range at all)")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise InvalidRecord("reference_range.high", self.high,
                                f"a number at or above the low limit {self.low}")

    def to_dict(self) -> dict[str, Any]:
        """The patient-format form: ``{"low": 7, "high": 40}`` (an absent end is null)."""
        return {"low": self.low, "high": self.high}


def _reference_range(value: Any) -> ReferenceRange | None:
    if value is None or isinstance(value, ReferenceRange):
        return value
    if isinstance(value, Mapping):
        unknown = set(value) - {"low", "high"}
        if unknown:
            raise InvalidRecord(f"reference_range.{sorted(unknown)[0]}", value,
                                "only the fields low and high")
        return ReferenceRange(value.get("low"), value.get("high"))
    raise InvalidRecord("reference_range", value, 'an object {"low": number|null, "high": number|null}')


def _unit(_: Any, __: Any, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidRecord("unit", value, "a UCUM unit code such as 'mg/dL', or None")


def _slot_setters(cls: type, *names: str) -> tuple[Any, ...]:
    """The slot setters a frozen class's own ``__init__`` stores its checked fields with, as the
    ``__init__`` attrs writes does (a frozen value refuses ``setattr`` from anywhere else)."""
    return tuple(cls.__dict__[name].__set__ for name in names)


#: The rules of the fields, each defined once: the hand-written constructors below call
#: these same functions, which attrs also holds as the fields' validators and converters.
_CODE: Final = _text("code")
_ID: Final = _text("id", name=False)
_ONSET_END: Final = _check_span("onset", "end")
_START_END: Final = _check_span("start", "end")
#: The default beginning of an event: a date nobody recorded.
_UNKNOWN_DAY: Final = PartialDate()


@attrs.frozen(init=False)
class Observation:
    """A dated measurement: ``Observation("edss", 4.5, "2026-10-02")``.

    ``unit`` is a UCUM code (``mmol/L``); ``reference_range`` is the
    laboratory's normal range in that same unit.
    """

    code: str = attrs.field(validator=_CODE)
    value: float | int | bool | str = attrs.field(validator=_value, converter=plain_zero)
    date: PartialDate = attrs.field(converter=_obs_date)
    unit: str | None = attrs.field(default=None, kw_only=True, validator=_unit)
    reference_range: ReferenceRange | None = attrs.field(default=None, kw_only=True,
                                                         converter=_reference_range)

    def __init__(self, code: str, value: Any, date: Any, *,
                 unit: str | None = None, reference_range: Any = None) -> None:
        # The fields' converters, then their validators, in the order attrs' own __init__
        # (kept as __attrs_init__) runs them, so the same fault is reported first; called
        # directly, and skipped only where they return their argument (a PartialDate, None,
        # anything but a float).
        if type(value) is float:
            value = plain_zero(value)
        if type(date) is not PartialDate:
            date = _obs_date(date)
        if reference_range is not None:
            reference_range = _reference_range(reference_range)
        _CODE(self, None, code)
        _value(self, None, value)
        if unit is not None:
            _unit(self, None, unit)
        set_code, set_value, set_date, set_unit, set_range = _OBSERVATION_SLOTS
        set_code(self, code)
        set_value(self, value)
        set_date(self, date)
        set_unit(self, unit)
        set_range(self, reference_range)

    def on(self, date: Any) -> Observation:
        """The same measurement (code, value, unit, range) taken on ``date``.

        Only the date is converted and checked: the other fields passed the checks when
        this observation was built, and a frozen value keeps them so. (A reader of many
        patients builds each repeated reading this way: docs/performance.md.)

        >>> Observation("edss", 4.5, "2026-10-02").on("2027-01-15")
        Observation(code='edss', value=4.5, date=PartialDate(2027, 1, 15), unit=None, reference_range=None)
        """
        if type(date) is not PartialDate:
            date = _obs_date(date)
        same: Observation = object.__new__(type(self))
        set_code, set_value, set_date, set_unit, set_range = _OBSERVATION_SLOTS
        set_code(same, self.code)
        set_value(same, self.value)
        set_date(same, date)
        set_unit(same, self.unit)
        set_range(same, self.reference_range)
        return same


_OBSERVATION_SLOTS: Final = _slot_setters(Observation, "code", "value", "date", "unit",
                                          "reference_range")


def _event_init(self: Any, slots: tuple[Any, ...], convert_begin: Any, check_span: Any,
                code: Any, begin: Any, end: Any, note: Any) -> None:
    """A Condition's or an Exposure's constructor, as attrs' own ``__attrs_init__`` runs it:
    converters, then the fields, then the validators (so the same fault is reported first)."""
    if type(begin) is not PartialDate:
        begin = convert_begin(begin)
    if end is not None and type(end) is not PartialDate:
        end = _end(end)
    set_code, set_begin, set_end, set_note = slots
    set_code(self, code)
    set_begin(self, begin)
    set_end(self, end)
    set_note(self, note)
    _CODE(self, None, code)
    check_span(self, None, end)


@attrs.frozen(init=False)
class Condition:
    """A diagnosis from ``onset`` to ``end``; no end means ongoing.

    An end of ``PartialDate()`` (unknown) means it ended on a day nobody
    recorded; ``NOT_KNOWN_IF_ENDED`` means nobody recorded whether it ended.
    """

    code: str = attrs.field(validator=_CODE)
    onset: PartialDate = attrs.field(converter=_onset, default=_UNKNOWN_DAY)
    end: PartialDate | None = attrs.field(converter=_end, default=None, validator=_ONSET_END)
    note: str | None = attrs.field(default=None, kw_only=True, eq=False)

    def __init__(self, code: str, onset: Any = _UNKNOWN_DAY, end: Any = None, *,
                 note: str | None = None) -> None:
        _event_init(self, _CONDITION_SLOTS, _onset, _ONSET_END, code, onset, end, note)


_CONDITION_SLOTS: Final = _slot_setters(Condition, "code", "onset", "end", "note")


@attrs.frozen(init=False)
class Exposure:
    """A drug or procedure from ``start`` to ``end``; no end means ongoing.

    A single dose or procedure has ``end`` equal to ``start``; ``end`` may also
    be ``PartialDate()`` (ended on a day nobody recorded) or ``NOT_KNOWN_IF_ENDED``.
    """

    code: str = attrs.field(validator=_CODE)
    start: PartialDate = attrs.field(converter=_start, default=_UNKNOWN_DAY)
    end: PartialDate | None = attrs.field(converter=_end, default=None, validator=_START_END)
    note: str | None = attrs.field(default=None, kw_only=True, eq=False)

    def __init__(self, code: str, start: Any = _UNKNOWN_DAY, end: Any = None, *,
                 note: str | None = None) -> None:
        _event_init(self, _EXPOSURE_SLOTS, _start, _START_END, code, start, end, note)


_EXPOSURE_SLOTS: Final = _slot_setters(Exposure, "code", "start", "end", "note")


def _is_mapping(value: Any) -> bool:
    """A Mapping (the ABC check is skipped for the plain dicts and FrozenMaps records hold)."""
    return type(value) is dict or type(value) is FrozenMap or isinstance(value, Mapping)


def _flags(value: Mapping[str, Any]) -> FrozenMap:
    if not _is_mapping(value):
        raise InvalidRecord("flags", value, "a mapping of flag names to true/false")
    if not value:
        return _EMPTY
    if (all(map(isinstance, value, repeat(str))) and "" not in value
            and not any(map(name_problem, value))
            and all(map(isinstance, value.values(), repeat(bool)))):
        # The rules below, each over the whole map at once (the common case: all pass).
        return value if isinstance(value, FrozenMap) else FrozenMap(value)
    for name, flag in value.items():
        if not isinstance(name, str) or not name:
            raise InvalidRecord("flags", name, "flag names as non-empty strings")
        if name_problem(name):
            raise InvalidRecord("flags", name, f"flag names without {name_problem(name)}")
        if not isinstance(flag, bool):
            raise InvalidRecord(f"flags.{name}", flag, "true or false")
    return value if isinstance(value, FrozenMap) else FrozenMap(value)


def _complete(value: Mapping[str, Any]) -> FrozenMap:
    if not _is_mapping(value):
        raise InvalidRecord("complete", value, "a mapping of history names to dates or periods")
    if not value:
        return _EMPTY
    out = {}
    for name, when in value.items():
        if name not in CATEGORIES:
            raise InvalidRecord(f"complete.{name}", when,
                                f"one of {', '.join(sorted(CATEGORIES))} as the history name")
        # A PartialDate is its own declaration (declaration() returns it unchanged).
        out[name] = when if type(when) is PartialDate else declaration(when, f"complete.{name}")
    return FrozenMap(out)


def _dates(value: Mapping[str, Any]) -> FrozenMap:
    if not _is_mapping(value):
        raise InvalidRecord("dates", value, "a mapping of date names to dates")
    if not value:
        return _EMPTY
    out = {}
    for name, when in value.items():
        if not isinstance(name, str) or not name.strip():
            raise InvalidRecord("dates", name, "date names as non-empty strings")
        out[name] = parse_date(when, f"dates.{name}")
    return FrozenMap(out)


def _facts(kind: type, value: Iterable[Any]) -> tuple[Any, ...]:
    if type(value) is list or type(value) is tuple:
        if not value:
            return ()  # no facts
    elif isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidRecord(kind.__name__.lower() + "s", value, f"a list of {kind.__name__}")
    items = tuple(value)
    if all(map(isinstance, items, repeat(kind))):
        return items  # the common case, in one loop in C; the loop below names the bad item
    for i, item in enumerate(items):
        if not isinstance(item, kind):
            article = "an" if kind.__name__[0] in "AEIOU" else "a"
            raise InvalidRecord(f"{kind.__name__.lower()}s[{i}]", item,
                                f"{article} {kind.__name__}")
    return items


def _observations(value: Iterable[Any]) -> tuple[Observation, ...]:
    return _facts(Observation, value)


def _conditions(value: Iterable[Any]) -> tuple[Condition, ...]:
    return _facts(Condition, value)


def _exposures(value: Iterable[Any]) -> tuple[Exposure, ...]:
    return _facts(Exposure, value)


def _sex(_: Any, __: Any, value: Any) -> None:
    if value is not None and value not in SEXES:
        raise InvalidRecord("sex", value, f"one of {', '.join(sorted(SEXES))}")


def _birth(value: Any) -> PartialDate | None:
    return None if value is None else parse_date(value, "birth_date")


def _death(value: Any) -> PartialDate | None:
    if isinstance(value, UnknownIfEnded):
        raise InvalidRecord("death_date", value,
                            "a date, PartialDate() for a death on an unknown day, or None")
    return None if value is None else parse_date(value, "death_date")


def _check_death(self: Any, _: Any, death: PartialDate | None) -> None:
    birth: PartialDate | None = self.birth_date
    if (death is not None and birth is not None and not death.is_unknown
            and not birth.is_unknown and death.latest < birth.earliest):
        raise InvalidRecord("death_date", str(death), f"a date on or after birth_date {birth}")


@attrs.frozen(init=False)
class Record:
    """Everything known about one patient; anything absent is unknown.

    >>> r = Record("P1", birth_date="1980-05-17", sex="female", flags={"consent": True})
    >>> r.flags["consent"], r.birth_date
    (True, PartialDate(1980, 5, 17))
    """

    id: str = attrs.field(validator=_ID)
    birth_date: PartialDate | None = attrs.field(default=None, converter=_birth, kw_only=True)
    #: The day the patient died (None: no death recorded; ``PartialDate()``: died on a day
    #: nobody recorded). A dead patient is never eligible: see docs/semantics.md.
    death_date: PartialDate | None = attrs.field(default=None, converter=_death, kw_only=True,
                                                 validator=_check_death)
    sex: str | None = attrs.field(default=None, validator=_sex, kw_only=True)
    observations: tuple[Observation, ...] = attrs.field(
        default=(), converter=_observations, kw_only=True)
    conditions: tuple[Condition, ...] = attrs.field(
        default=(), converter=_conditions, kw_only=True)
    exposures: tuple[Exposure, ...] = attrs.field(
        default=(), converter=_exposures, kw_only=True)
    flags: FrozenMap = attrs.field(factory=FrozenMap, converter=_flags, kw_only=True)
    complete: FrozenMap = attrs.field(factory=FrozenMap, converter=_complete, kw_only=True)
    #: Named dates of this patient ("informed_consent"), partial allowed: anchors for
    #: criteria evaluated on another reference date than as_of.
    dates: FrozenMap = attrs.field(factory=FrozenMap, converter=_dates, kw_only=True)

    def __init__(
        self,
        id: str,
        *,
        birth_date: Any = None,
        death_date: Any = None,
        sex: str | None = None,
        observations: Iterable[Observation] = (),
        conditions: Iterable[Condition] = (),
        exposures: Iterable[Exposure] = (),
        flags: Mapping[str, bool] | None = None,
        complete: Mapping[str, Any] | None = None,
        dates: Mapping[str, Any] | None = None,
    ) -> None:
        # The fields' converters, then their validators, in the order attrs' own __init__
        # (kept as __attrs_init__) runs them, called directly; errors name the patient
        # (docs/design.md, section 5, bad input).
        try:
            if birth_date is not None:
                birth_date = _birth(birth_date)
            if death_date is not None:
                death_date = _death(death_date)
            observations = _facts(Observation, observations)  # = _observations(...)
            conditions = _facts(Condition, conditions)
            exposures = _facts(Exposure, exposures)
            flags = _EMPTY if flags is None else _flags(flags)
            complete = _EMPTY if complete is None else _complete(complete)
            dates = _EMPTY if dates is None else _dates(dates)
            (set_id, set_birth, set_death, set_sex, set_observations, set_conditions,
             set_exposures, set_flags, set_complete, set_dates) = _RECORD_SLOTS
            set_id(self, id)
            set_birth(self, birth_date)
            set_death(self, death_date)
            set_sex(self, sex)
            set_observations(self, observations)
            set_conditions(self, conditions)
            set_exposures(self, exposures)
            set_flags(self, flags)
            set_complete(self, complete)
            set_dates(self, dates)
            _ID(self, None, id)
            _check_death(self, None, death_date)
            _sex(self, None, sex)
        except InvalidRecord as exc:
            raise exc.located(patient=id if isinstance(id, str) else None) from None
        if birth_date is not None:
            self.__attrs_post_init__()

    def __attrs_post_init__(self) -> None:
        if self.birth_date is not None and self.birth_date.is_unknown:
            object.__setattr__(self, "birth_date", None)

    def complete_through(self, category: str) -> date | None:
        """The last day through which a history is declared complete from birth (None if never).

        A partial completeness date counts from its earliest day: "complete up to
        2026-11" vouches only for what was recorded by 2026-11-01. Declared periods
        count only when they run from birth; criteria ask :meth:`complete_over`.
        """
        when = self.complete.get(category)
        if when is None or isinstance(when, PartialDate):
            return None if when is None else when.earliest
        found = covering(when, self.birth_date, date.min, date.min)
        return None if found is None else found.last_day()

    def complete_over(self, category: str, first: date, last: date) -> Period | None:
        """The declared completeness of a history that covers every day of [first, last]
        (``first`` = ``date.min``: from birth), or None: the one check every criterion
        makes before reading "nothing recorded" as "nothing happened".

        A plain date D covers any window ending by D (complete from birth); declared
        periods cover a window only if they span every day of it (docs/semantics.md).

        >>> r = Record("P1", birth_date="1980", complete={"conditions": {
        ...     "from": "2015-01-01", "through": "2027-03-31"}})
        >>> str(r.complete_over("conditions", date(2015, 1, 1), date(2027, 3, 31)))
        'from 2015-01-01 through 2027-03-31'
        >>> r.complete_over("conditions", date(2014, 12, 31), date(2027, 3, 31)) is None
        True
        """
        return covering(self.complete.get(category), self.birth_date, first, last)


_RECORD_SLOTS: Final = _slot_setters(Record, "id", "birth_date", "death_date", "sex",
                                     "observations", "conditions", "exposures", "flags",
                                     "complete", "dates")
