"""The patient file format: one JSON object per patient (one per line in .jsonl).

Every field is checked; nothing is coerced. Errors name the line, the patient,
the field path (``observations[2].value``), the value and what was allowed,
and never dump the record (it holds health data).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import IO, Any, Final, TypeVar

import attrs

from ..values.checks import (
    CODE_RE,
    MAX_EXACT_INT,
    MAX_TEXT,
    BadConstant,
    DuplicateKey,
    has_surrogate,
    no_duplicates,
    reject_constant,
)
from ..values.completeness import declaration
from ..values.dates import PartialDate
from ..values.domains import STANDARD_DOMAINS, Domain, is_number
from ..values.errors import InvalidRecord, _short
from ..values.records import (
    CATEGORIES,
    NOT_KNOWN_IF_ENDED,
    SEXES,
    Condition,
    Exposure,
    FrozenMap,
    Observation,
    Record,
    ReferenceRange,
    UnknownIfEnded,
)
from ..values.text import UNSAFE, escape, name_problem

__all__ = ["LoadError", "iter_jsonl", "read_jsonl", "record_from_dict", "record_to_dict"]

_TOP: Final = frozenset({"id", "birth_date", "death_date", "sex", "observations", "conditions",
                         "exposures", "flags", "complete", "dates"})
_OBS: Final = frozenset({"code", "value", "date", "unit", "reference_range"})
#: The fields of an observation the loader's fast path takes (no reference range).
_OBS_PLAIN: Final = _OBS - {"reference_range"}
_RANGE: Final = frozenset({"low", "high"})
_COND: Final = frozenset({"code", "onset", "end", "note"})
_EXPO: Final = frozenset({"code", "start", "end", "note"})
#: The fields of an event without a note.
_COND_PLAIN: Final = _COND - {"note"}
_EXPO_PLAIN: Final = _EXPO - {"note"}
# ASCII digits only: "\d" would also take "٢٠٢٧" (Arabic-Indic digits) as 2027.
_DATE_RE: Final = re.compile(
    r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?\Z|[0-9]{4}-[0-9]{2}-[0-9]{2}/[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DATE_FORMS: Final = "a date YYYY, YYYY-MM or YYYY-MM-DD (or an interval YYYY-MM-DD/YYYY-MM-DD)"
#: Characters a name (id, code, unit, flag name) may not hold: they would break line-based output.
_CONTROL: Final = UNSAFE
#: Default longest patient line read (bytes, or characters for text lines).
MAX_LINE_LENGTH: Final = 4 * 1024 * 1024
_MAX_SEGMENT: Final = 40


def _segment(key: Any) -> str:
    """A key as a path segment: printable, and short even when the key is not."""
    if not isinstance(key, str):
        return _short(key)
    text = key if key.isprintable() else ascii(key)[1:-1]
    return text if len(text) <= _MAX_SEGMENT else text[: _MAX_SEGMENT - 3] + "..."


class LoadMemo:
    """What the loader has already checked while reading one stream or batch of patients:
    date texts with their dates, codes and flag names, and, under one protocol's domains,
    observation values (code, value, unit) accepted. It goes away with the read; nothing is
    kept between reads. ``read_jsonl`` makes one per call; pass
    one to :func:`record_from_dict` to share it across calls.
    """

    __slots__ = ("codes", "dates", "flags", "names", "observations")

    def __init__(self) -> None:
        self.dates: dict[str, PartialDate] = {}
        #: Codes checked, each to the first string of its text this read met: the records
        #: of one read share it (its hash worked out once, equal codes found by identity).
        self.codes: dict[str, str] = {}
        self.names: set[str] = set()
        #: The flags of a patient (names checked, values true or false, in the order
        #: written) -> the map a record holds for them.
        self.flags: dict[tuple[tuple[str, bool], ...], FrozenMap] = {}
        #: id of domains -> (the domains, held so that its id is not reused while it is a
        #: key; {(code, value type, value, unit) accepted: the first observation built with
        #: them}). Later readings of the same value are built from it with only their date
        #: checked (Observation.on). One per distinct value, and at most _READINGS_MAX: a
        #: memo of every observation built would keep each one alive for the whole read,
        #: for the garbage collector to walk (docs/performance.md).
        self.observations: dict[int, tuple[Mapping[str, Domain],
                                           dict[tuple[Any, ...], Observation]]] = {}


_CACHE_MAX: Final = 100_000
#: Distinct observation values a read keeps a first observation of (see LoadMemo).
_READINGS_MAX: Final = 10_000
_Built = TypeVar("_Built", Observation, Condition, Exposure, Record)
_Event = TypeVar("_Event", Condition, Exposure)
_SCALARS: Final = frozenset({int, float, str, bool})
#: Marks a key the patient object does not have.
_ABSENT: Final = object()


class _Loader:
    """Validates one patient object; ``fail`` raises with the patient and line filled in."""

    def __init__(self, domains: Mapping[str, Domain], line: int | None,
                 seen: LoadMemo | None = None) -> None:
        self.domains = domains
        self.seen = LoadMemo() if seen is None else seen
        # Accepted observations are remembered only under immutable domains (a protocol's).
        self.memo = type(domains) is FrozenMap
        self.line = line
        self.patient: str | None = None
        self.good_values: dict[tuple[Any, ...], Observation] | None = None
        if self.memo:
            held = self.seen.observations.get(id(domains))
            if held is None:
                held = self.seen.observations[id(domains)] = (domains, {})
            self.good_values = held[1]

    def fail(self, field: str, value: Any, allowed: str) -> InvalidRecord:
        return InvalidRecord(field, value, allowed, patient=self.patient, line=self.line)

    def keys(self, obj: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
        if obj.keys() <= allowed:
            return  # the common case, one set comparison in C
        for key in obj:
            if key not in allowed:
                field = f"{where}.{_segment(key)}" if where else _segment(key)
                raise self.fail(field, obj[key],
                                f"one of the fields {', '.join(sorted(allowed))}")

    def text(self, value: Any, field: str, *, name: bool = False) -> str:
        """A non-empty string; a ``name`` (id, code, unit, flag) has no control characters."""
        if (type(value) is str and value.isprintable() and 0 < len(value) <= MAX_TEXT
                and value[0] != " " and value[-1] != " "):
            # Passes every check below: printable text holds no lone surrogate and no
            # UNSAFE character, and its only printable white space is " " (tested).
            return value
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, value, "a non-empty string")
        if len(value) > MAX_TEXT:
            raise self.fail(field, value, f"a string of at most {MAX_TEXT} characters")
        if has_surrogate(value):
            raise self.fail(field, value, "valid Unicode text (no lone surrogates such as \\ud800)")
        if name and _CONTROL.search(value):
            raise self.fail(field, value, "a name without control characters or line breaks")
        if name and field != "id" and name_problem(value):
            raise self.fail(field, value, f"a name without {name_problem(value)}")
        return value

    def code(self, value: Any, field: str) -> str:
        if type(value) is str:
            known = self.seen.codes.get(value)
            if known is not None:
                return known  # passed the checks below before
        self.text(value, field, name=True)
        if not CODE_RE.match(value):
            raise self.fail(field, value, "a code written SYSTEM:CODE, e.g. 'ICD10:C50.9'")
        if type(value) is str and len(self.seen.codes) < _CACHE_MAX:
            self.seen.codes[value] = value
        return str(value)

    def date(self, value: Any, field: str) -> PartialDate:
        if type(value) is str:
            hit = self.seen.dates.get(value)
            if hit is not None:
                return hit  # this text passed every check below before
        if not isinstance(value, str):
            raise self.fail(field, value, _DATE_FORMS)
        try:
            parsed = PartialDate.parse(value)  # reads the same forms as _DATE_RE
        except InvalidRecord as exc:
            if not _DATE_RE.match(value):
                raise self.fail(field, value, _DATE_FORMS) from None
            raise self.fail(field, value, exc.allowed) from None
        if type(value) is str and len(self.seen.dates) < _CACHE_MAX:
            self.seen.dates[value] = parsed
        return parsed

    def unknown(self, value: Any, field: str, *, ended: bool = False) -> PartialDate | None:
        """The object forms of an unknown date: ``{"date": "unknown"}`` (and, for an end,
        ``{"ended": "unknown"}``); None when ``value`` is not an object."""
        if not isinstance(value, dict):
            return None
        if value == {"date": "unknown"}:
            return PartialDate()
        if ended and value == {"ended": "unknown"}:
            return NOT_KNOWN_IF_ENDED
        forms = '{"date": "unknown"}' + (' or {"ended": "unknown"}' if ended else "")
        raise self.fail(field, value, f"a date, or {forms}")

    def completeness(self, value: Any, field: str) -> Any:
        """A history's declared completeness: a date (from birth through it; 0.1.0's form),
        ``{"date": "unknown"}``, a period ``{"from": S, "through": E}`` or a list of periods."""
        if isinstance(value, list) or (isinstance(value, dict) and value != {"date": "unknown"}):
            try:
                return declaration(value, field)
            except InvalidRecord as exc:
                raise self.fail(exc.field or field, exc.value, exc.allowed) from None
        return self.unknown(value, field) or self.date(value, field)

    def some_date(self, value: Any, field: str) -> PartialDate:
        """A date that may be unknown: a date text, ``null`` or ``{"date": "unknown"}``."""
        if value is None:
            return PartialDate()
        return self.unknown(value, field) or self.date(value, field)

    def listing(self, data: Mapping[str, Any], key: str) -> Sequence[Any]:
        value = data.get(key, _ABSENT)
        if value is _ABSENT:
            return ()
        if not isinstance(value, list):
            raise self.fail(key, value, "a list")
        if all(map(isinstance, value, repeat(dict))):
            return value  # the common case, in one loop in C
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.fail(f"{key}[{i}]", item, "an object")
        return value

    def observations(self, data: Mapping[str, Any]) -> list[Observation]:
        items = self.listing(data, "observations")
        good = self.good_values
        if good is None:
            return [self.observation(o, i) for i, o in enumerate(items)]
        dates = self.seen.dates
        out = []
        for i, obj in enumerate(items):
            # Fast path for the common well-formed case: a value (code, value, unit) this
            # read has built an observation of before, and a date text it has checked; the
            # same reading on that date (Observation.on). Anything else (including every
            # bad input) takes observation(), so error messages are unchanged.
            code = obj.get("code")
            value = obj.get("value")
            unit = obj.get("unit")
            when = obj.get("date")
            if (type(code) is str and type(value) in _SCALARS and type(when) is str
                    and (unit is None or type(unit) is str) and obj.keys() <= _OBS_PLAIN):
                first = good.get((code, type(value), value, unit))
                day = dates.get(when)
                if first is not None and day is not None:
                    out.append(first.on(day))
                    continue
            out.append(self.observation(obj, i))
        return out

    def observation(self, obj: Mapping[str, Any], i: int) -> Observation:
        good = self.good_values
        where = f"observations[{i}]"
        self.keys(obj, _OBS, where)
        for key in ("code", "value", "date"):
            if key not in obj:
                raise self.fail(f"{where}.{key}", None, f"a {key} (the field is required)")
        code = self.text(obj["code"], f"{where}.code", name=True)
        value = obj["value"]
        unit = obj.get("unit")
        if unit is not None:
            self.text(unit, f"{where}.unit", name=True)
        domain = self.domains.get(code)
        if domain is not None and (good is None or type(value) not in _SCALARS
                                   or (code, type(value), value, unit) not in good):
            # In the domain's unit (UCUM, converted); errors name .unit or .value. (A value
            # accepted before, in the same unit, under these domains, passes again.)
            try:
                domain.value_of(value, unit, where, self.patient, code)
            except InvalidRecord as exc:
                raise exc.located(line=self.line) from None
        elif isinstance(value, str):
            self.text(value, f"{where}.value")
        elif not (isinstance(value, bool) or is_number(value)):
            raise self.fail(f"{where}.value", value, "a finite number, true/false or a string")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_EXACT_INT:
            raise self.fail(f"{where}.value", value,
                            "a whole number within ±2**53 (larger ones are not exact in JSON)")
        reference_range = self.reference_range(obj.get("reference_range"), where)
        observation = Observation(code, value, self.some_date(obj["date"], f"{where}.date"),
                                  unit=unit, reference_range=reference_range)
        if (good is not None and type(value) in _SCALARS and len(good) < _READINGS_MAX
                and reference_range is None):
            good.setdefault((code, type(value), value, unit), observation)
        return observation

    def reference_range(self, value: Any, where: str) -> ReferenceRange | None:
        """``{"low": number|null, "high": number|null}`` in the observation's unit, or None."""
        if value is None:
            return None
        field = f"{where}.reference_range"
        if not isinstance(value, dict):
            raise self.fail(field, value, 'an object {"low": number|null, "high": number|null}')
        self.keys(value, _RANGE, field)
        for end in ("low", "high"):
            bound = value.get(end)
            if bound is not None and not is_number(bound):
                raise self.fail(f"{field}.{end}", bound, "a finite number or null")
        low, high = value.get("low"), value.get("high")
        if low is None and high is None:
            raise self.fail(field, value, "a low or a high limit (or no reference_range at all)")
        if low is not None and high is not None and low > high:
            raise self.fail(f"{field}.high", high, f"a number at or above the low limit {low}")
        return ReferenceRange(low, high)

    def span(self, obj: Mapping[str, Any], where: str, begin: str) -> tuple[PartialDate,
                                                                            PartialDate | None]:
        if begin not in obj:
            raise self.fail(f"{where}.{begin}", None, f"a {begin} date (the field is required)")
        first = self.some_date(obj[begin], f"{where}.{begin}")
        end_value = obj.get("end")
        end = None if end_value is None else (
            self.unknown(end_value, f"{where}.end", ended=True)
            or self.date(end_value, f"{where}.end"))
        return first, end  # the end's order is the event's own rule (values.records)

    def built(self, where: str, index: int | None, make: Callable[..., _Built], *args: Any,
              **kwargs: Any) -> _Built:
        """``make(*args, **kwargs)``, a value class's validated constructor, with its error
        located at ``where`` (``where[index]`` for an item of a list) on this line."""
        try:
            return make(*args, **kwargs)
        except InvalidRecord as exc:
            prefix = where if index is None else f"{where}[{index}]"
            raise exc.located(patient=self.patient, line=self.line, prefix=prefix) from None

    def note(self, obj: Mapping[str, Any], where: str) -> str | None:
        note = obj.get("note")
        return None if note is None else self.text(note, f"{where}.note")

    def events(self, data: Mapping[str, Any], key: str, kind: type[_Event], begin: str,
               fields: frozenset[str], plain: frozenset[str]) -> list[_Event]:
        """The conditions or exposures of a patient (``plain``: their fields but the note)."""
        items = self.listing(data, key)
        codes, dates = self.seen.codes, self.seen.dates
        out = []
        for i, obj in enumerate(items):
            # Fast path: no note, and a code and date texts this read has checked before
            # (what event() would find in the memo); anything else takes event().
            code = obj.get("code")
            first = obj.get(begin)
            end = obj.get("end")
            if (type(code) is str and type(first) is str and (end is None or type(end) is str)
                    and obj.keys() <= plain):
                code = codes.get(code)
                day = dates.get(first)
                last = None if end is None else dates.get(end)
                if code is not None and day is not None and (end is None or last is not None):
                    out.append(self.built(key, i, kind, code, day, last))
                    continue
            out.append(self.event(obj, key, i, kind, begin, fields))
        return out

    def event(self, obj: Mapping[str, Any], key: str, i: int, kind: type[_Event], begin: str,
              fields: frozenset[str]) -> _Event:
        where = f"{key}[{i}]"
        self.keys(obj, fields, where)
        code = self.code(obj.get("code"), f"{where}.code")
        first, end = self.span(obj, where, begin)
        note = self.note(obj, where)
        return self.built(key, i, kind, code, first, end, note=note)

    def record(self, data: Any) -> Record:
        if not isinstance(data, dict):
            raise self.fail("$", type(data).__name__, "a JSON object for one patient")
        pid = data.get("id")
        if not isinstance(pid, str) or not pid.strip() or len(pid) > 200:
            raise self.fail("id", pid, "a non-empty string of at most 200 characters")
        self.text(pid, "id", name=True)
        self.patient = pid
        self.keys(data, _TOP, "")
        birth = data.get("birth_date")
        birth_date = None if birth is None else self.date(birth, "birth_date")
        death = data.get("death_date")
        death_date = None if death is None else (self.unknown(death, "death_date")
                                                 or self.date(death, "death_date"))
        sex = data.get("sex")
        if sex is not None and (not isinstance(sex, str) or sex not in SEXES):
            raise self.fail("sex", sex, f"one of {', '.join(sorted(SEXES))}")
        observations = self.observations(data)
        conditions = self.events(data, "conditions", Condition, "onset", _COND, _COND_PLAIN)
        exposures = self.events(data, "exposures", Exposure, "start", _EXPO, _EXPO_PLAIN)
        flags = data.get("flags", {})
        if not isinstance(flags, dict):
            raise self.fail("flags", flags, "an object of flag names to true/false")
        names = self.seen.names
        # Names this read checked before, each true or false, need no loop (the common case).
        flag_map: Mapping[str, Any] = flags
        if names.issuperset(flags) and all(map(isinstance, flags.values(), repeat(bool))):
            # The same flags again are the same (immutable) map: sorted once.
            key = tuple(flags.items())
            shared = self.seen.flags.get(key)
            if shared is None and len(self.seen.flags) < _CACHE_MAX:
                shared = self.seen.flags[key] = FrozenMap(flags)
            if shared is not None:
                flag_map = shared
        else:
            for name, value in flags.items():
                if type(name) is not str or name not in names:
                    self.text(name, "flags", name=True)
                    if type(name) is str and len(names) < _CACHE_MAX:
                        names.add(name)
                if not isinstance(value, bool):
                    raise self.fail(f"flags.{_segment(name)}", value, "true or false")
        complete = data.get("complete", {})
        if not isinstance(complete, dict):
            raise self.fail("complete", complete, "an object of history names to dates")
        complete_dates = {}
        for name, value in complete.items():
            if name not in CATEGORIES:
                raise self.fail(f"complete.{_segment(name)}", value,
                                f"a history name: one of {', '.join(sorted(CATEGORIES))}")
            day = self.seen.dates.get(value) if type(value) is str else None
            complete_dates[name] = (day if day is not None  # a date text checked before
                                    else self.completeness(value, f"complete.{name}"))
        dates = data.get("dates", {})
        if not isinstance(dates, dict):
            raise self.fail("dates", dates, "an object of date names to dates")
        named = {}
        for name, value in dates.items():
            self.text(name, "dates", name=True)
            named[name] = self.date(value, f"dates.{_segment(name)}")
        # Record's own checks (death on or after birth, ...) are the one definition of its rules.
        return self.built("", None, Record, pid, birth_date=birth_date, death_date=death_date, sex=sex,
                          observations=observations, conditions=conditions,
                          exposures=exposures, flags=flag_map, complete=complete_dates,
                          dates=named)


def record_from_dict(data: Any, *, domains: Mapping[str, Domain] | None = None,
                     line: int | None = None, memo: LoadMemo | None = None) -> Record:
    """Build a Record from one parsed patient object, checking every field.

    ``domains`` (default: the standard ones) declare the allowed values of
    observation codes; a value off its domain is an error, not a comparison.
    ``memo`` shares what was checked with the other records of one batch.
    """
    return _Loader(STANDARD_DOMAINS if domains is None else domains, line, memo).record(data)


def record_to_dict(record: Record) -> dict[str, Any]:
    """The patient file form of a record (keys in a stable order, absent facts left out)."""
    out: dict[str, Any] = {"id": record.id}
    if record.birth_date is not None:
        out["birth_date"] = str(record.birth_date)
    if record.death_date is not None:
        out["death_date"] = _date(record.death_date)
    if record.sex is not None:
        out["sex"] = record.sex
    if record.observations:
        out["observations"] = [
            {"code": o.code, "value": o.value, "date": _date(o.date),
             **({"unit": o.unit} if o.unit is not None else {}),
             **({"reference_range": o.reference_range.to_dict()}
                if o.reference_range is not None else {})}
            for o in record.observations]
    if record.conditions:
        out["conditions"] = [_event(c.code, c.onset, c.end, "onset", c.note)
                             for c in record.conditions]
    if record.exposures:
        out["exposures"] = [_event(e.code, e.start, e.end, "start", e.note)
                            for e in record.exposures]
    if record.flags:
        out["flags"] = dict(record.flags)
    if record.complete:
        out["complete"] = {k: _completeness(v) for k, v in record.complete.items()}
    if record.dates:
        out["dates"] = {k: str(v) for k, v in record.dates.items()}
    return out


#: How the patient file writes a date nobody recorded (the reader takes it back).
UNKNOWN_DATE: Final[Mapping[str, str]] = FrozenMap({"date": "unknown"})
#: How the patient file writes the end of an event nobody recorded whether it ended.
UNKNOWN_IF_ENDED: Final[Mapping[str, str]] = FrozenMap({"ended": "unknown"})


def _completeness(declared: Any) -> Any:
    """A declaration as the patient file writes it: a date, one period, or a list of them."""
    if isinstance(declared, PartialDate):
        return _date(declared)
    periods = [p.to_dict() for p in declared]
    return periods[0] if len(periods) == 1 else periods


def _date(day: PartialDate) -> str | dict[str, str]:
    """A date as the patient file writes it: its text, or ``{"date": "unknown"}``."""
    if isinstance(day, UnknownIfEnded):
        return dict(UNKNOWN_IF_ENDED)
    return dict(UNKNOWN_DATE) if day.is_unknown else str(day)


def _event(code: str, begin: PartialDate, end: PartialDate | None, key: str,
           note: str | None) -> dict[str, Any]:
    # "end": null is ongoing; an unknown end is written as an object, never as null.
    out: dict[str, Any] = {"code": code, key: _date(begin),
                           "end": None if end is None else _date(end)}
    if note is not None:
        out["note"] = note
    return out


@attrs.frozen
class LoadError:
    """A line that could not become a record: where it was and why, never its content."""

    line: int
    id: str | None
    field: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"line", "id", "field", "error"}``."""
        return {"line": self.line, "id": self.id, "field": self.field, "error": self.reason}

    def __str__(self) -> str:
        who = f"patient {self.id!r}" if self.id is not None else "patient ?"
        where = f" {self.field}:" if self.field else ""
        return escape(f"line {self.line}, {who}:{where} {self.reason}")


def _guess_id(text: str) -> str | None:
    """The patient id of a line that is not valid JSON, when one can be read off it safely."""
    match = re.search(r'"id"\s*:\s*"((?:[^"\\]|\\.){1,200})"', text[:_GUESS_WINDOW])
    if match is None:
        return None
    try:
        guess = json.loads(f'"{match.group(1)}"')
    except ValueError:
        return None
    if not isinstance(guess, str) or not guess.strip() or not guess.isprintable() \
            or "\ufffd" in guess:
        return None
    return guess


_GUESS_WINDOW: Final = 4096
#: JSON's whitespace: a line of only these is blank. Other Unicode spaces are not
#: blank but bad (a line of U+00A0 is an error, not silently skipped).
_JSON_SPACE: Final = " \t\r\n"
_BOM: Final = b"\xef\xbb\xbf"


@attrs.frozen
class _TooLong:
    """A line longer than the limit: its size and its first bytes (for naming the patient)."""

    size: int
    head: str
    unit: str


def _bounded_lines(stream: IO[Any], limit: int) -> Iterator[bytes | str | _TooLong]:
    """Lines of a stream, never holding more than ``limit`` of one line in memory."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        newline = b"\n" if isinstance(line, bytes) else "\n"
        if len(line) <= limit or line.endswith(newline):
            yield line
            continue
        size, head, last = len(line), line[:_GUESS_WINDOW], line
        while not last.endswith(newline):  # drain the rest of the long line in pieces
            last = stream.readline(1 << 16)
            if not last:
                break
            size += len(last)
        if last.endswith(newline):
            size -= 1  # the line end is not part of the line
        if isinstance(head, bytes):
            yield _TooLong(size, head.decode("utf-8", "replace"), "bytes")
        else:
            yield _TooLong(size, head, "characters")


def iter_jsonl(lines: Iterable[bytes | str] | IO[bytes], *,
               domains: Mapping[str, Domain] | None = None,
               max_line_length: int = MAX_LINE_LENGTH) -> Iterator[Record | LoadError]:
    """Records from JSON lines, lazily; a bad line yields a LoadError and the stream goes on.

    Blank lines are skipped (they are not records and are not counted); a UTF-8
    byte order mark on the first line and CRLF line ends are accepted; a line
    that is not valid UTF-8, not valid JSON, not a valid patient or longer than
    ``max_line_length`` is a LoadError naming its line number.
    """
    for _, item in read_jsonl(lines, domains=domains, max_line_length=max_line_length):
        yield item


def read_jsonl(lines: Iterable[bytes | str] | IO[bytes], *,
               domains: Mapping[str, Domain] | None = None,
               max_line_length: int = MAX_LINE_LENGTH, first_line: int = 1,
               memo: LoadMemo | None = None) -> Iterator[tuple[int, Record | LoadError]]:
    """Like :func:`iter_jsonl`, with each item's 1-based line number.

    Every line that is not blank yields exactly one item, a Record or a
    LoadError; nothing in the input makes it raise. ``first_line`` is the number
    of the first line given (a later piece of a file, as ``--jobs`` and Dask read them);
    ``memo`` shares what was checked across the pieces of one read.

    >>> [(n, type(item).__name__) for n, item in read_jsonl(['{"id": "P1"}', '', '{"id": 7}'])]
    [(1, 'Record'), (3, 'LoadError')]
    """
    doms = STANDARD_DOMAINS if domains is None else domains
    source: Iterable[Any] = lines
    if hasattr(lines, "readline"):
        source = _bounded_lines(lines, max_line_length)  # type: ignore[arg-type]
    seen = LoadMemo() if memo is None else memo  # what this read has checked; gone with it
    for number, raw in enumerate(source, first_line):
        item = _parse_line(number, raw, doms, max_line_length, seen)
        if item is not None:
            yield number, item


def _parse_line(number: int, raw: Any, domains: Mapping[str, Domain],
                limit: int, seen: LoadMemo) -> Record | LoadError | None:
    """One line's record or error; None for a blank line."""
    if isinstance(raw, _TooLong):
        return _too_long(number, raw.head, raw.size, limit, raw.unit)
    if isinstance(raw, bytes):
        size = len(raw) - raw.endswith(b"\n")
        if size > limit:
            return _too_long(number, raw[:_GUESS_WINDOW].decode("utf-8", "replace"), size, limit)
        if number == 1 and raw.startswith(_BOM):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return LoadError(number, _guess_id(raw.decode("utf-8", "replace")), None,
                             f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                             f"{exc.start + 1})")
    elif isinstance(raw, str):
        size = len(raw) - raw.endswith("\n")
        if size > limit:
            return _too_long(number, raw[:_GUESS_WINDOW], size, limit, "characters")
        text = raw.removeprefix("\ufeff") if number == 1 else raw
    else:
        return LoadError(number, None, None,
                         f"not a line of text (got {type(raw).__name__}; expected str or bytes)")
    text = text.strip(_JSON_SPACE)
    if not text:
        return None  # blank: not a record, not counted
    try:
        if text.startswith("\ufeff"):  # as json.loads says it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        data = _DECODE(text)
    except BadConstant as exc:
        return LoadError(number, _guess_id(text), None,
                         f"not valid JSON ({exc.args[0]} is not a JSON number)")
    except DuplicateKey as exc:
        return LoadError(number, _guess_id(text), None,
                         f"not valid JSON (key {_short(exc.args[0])} appears twice in one object)")
    except json.JSONDecodeError as exc:
        return LoadError(number, _guess_id(text), None,
                         f"not valid JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return LoadError(number, _guess_id(text), None, "not valid JSON (nested too deeply)")
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        return LoadError(number, _guess_id(text), None, f"not valid JSON ({_first_words(exc)})")
    try:
        return _Loader(domains, number, seen).record(data)
    except InvalidRecord as exc:
        return LoadError(number, exc.patient, exc.field,
                         f"got {_short(exc.value)}; expected {exc.allowed}")
    except RecursionError:
        return LoadError(number, None, None, "nested too deeply")


def _too_long(number: int, head: str, size: int, limit: int, unit: str = "bytes") -> LoadError:
    return LoadError(number, _guess_id(head), None,
                     f"line too long ({size} {unit}; at most {limit} are read)")


def _first_words(exc: Exception) -> str:
    return str(exc).split(";")[0][:80]


#: One decoder for every line (json.loads with options builds a new one per call).
_DECODE = json.JSONDecoder(parse_constant=reject_constant, object_pairs_hook=no_duplicates).decode
