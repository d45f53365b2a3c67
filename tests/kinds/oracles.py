"""Independent oracles: each registered kind's outcome worked out from first principles.

Written without the library's evaluation code: ages from dateutil's
relativedelta day by day, the latest observation and window overlaps by
enumerating the possible days of partial dates (at the days where a comparison
can change), Kleene's tables written out. ``tests/kinds/test_registry.py``
fails for a registered kind that has no entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from itertools import product
from typing import Any

from dateutil.relativedelta import relativedelta

from trialrules import Outcome, Record
from trialrules.values.dates import PartialDate

M, N, U = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
DAY = timedelta(days=1)

Oracle = Callable[[Any, Record, date], Outcome | None]

# -- Kleene's tables, written out ------------------------------------------------

_AND = {(M, M): M, (M, N): N, (M, U): U, (N, M): N, (N, N): N, (N, U): N,
        (U, M): U, (U, N): N, (U, U): U}
_OR = {(M, M): M, (M, N): M, (M, U): M, (N, M): M, (N, N): N, (N, U): U,
       (U, M): M, (U, N): U, (U, U): U}
_NOT = {M: N, N: M, U: U}


def _fold(table: dict[tuple[Outcome, Outcome], Outcome], outcomes: Iterable[Outcome]) -> Outcome:
    items = list(outcomes)
    out = items[0]
    for o in items[1:]:
        out = table[(out, o)]
    return out


def _at_least(k: int, outcomes: list[Outcome]) -> Outcome:
    met = outcomes.count(M)
    could = met + outcomes.count(U)
    return M if met >= k else N if could < k else U


# -- possible days of partial dates ----------------------------------------------


def _days(when: PartialDate, critical: Iterable[date]) -> list[date]:
    """The days of ``when`` at which comparisons with ``critical`` days can change."""
    lo, hi = when.earliest, when.latest
    points = {lo, hi}
    for c in critical:
        for step in (-1, 0, 1):
            try:
                d = c + step * DAY
            except OverflowError:
                continue
            if lo <= d <= hi:
                points.add(d)
    return sorted(points)


# -- value sources ----------------------------------------------------------------


def _age(unit: str, birth: date, on: date) -> int:
    delta = relativedelta(on, birth)
    if unit == "years":
        return delta.years
    if unit == "months":
        return delta.years * 12 + delta.months
    return (on - birth).days // (7 if unit == "weeks" else 1)


def _worlds_age(source: Any, record: Record, as_of: date) -> list[set[Any]] | None:
    birth = record.birth_date
    if birth is None:
        return [set()]
    death = record.death_date
    ends = [as_of] if death is None else sorted({min(as_of, d) for d in _days(death, [as_of])})
    if (birth.latest - birth.earliest).days > 800:
        return None  # too wide to walk day by day here
    out = []
    d = birth.earliest
    while d <= birth.latest:
        for end in ends:
            if d <= end:
                out.append({_age(source.unit, d, end)})
        d += DAY
    return out


def _worlds_latest(source: Any, record: Record, as_of: date) -> list[set[Any]] | None:
    start = date.min if source.within is None else as_of - relativedelta(
        years=source.within.years, months=source.within.months, weeks=source.within.weeks,
        days=source.within.days)
    obs = [o for o in record.observations if o.code == source.code]
    choices = [_days(o.date, [start, as_of]) for o in obs]
    if sum(len(c) for c in choices) > 60:
        return None
    worlds = []
    for days in product(*choices):
        seen = [(d, o.value) for d, o in zip(days, obs, strict=True) if start <= d <= as_of]
        if not seen:
            worlds.append(set())
            continue
        last = max(d for d, _ in seen)
        worlds.append({v for d, v in seen if d == last})
    return worlds


def _all_days(when: PartialDate) -> list[date]:
    return [when.earliest + DAY * k for k in range((when.latest - when.earliest).days + 1)]


def _worlds_exposure_days(source: Any, record: Record, as_of: date) -> list[set[Any]] | None:
    """Every (start, end) of every exposure, the covered days counted by set union."""
    start = _start(source.span, as_of)
    spans = []
    for e in record.exposures:
        if e.code not in source.codes:
            continue
        if e.start.is_unknown or (e.end is not None and e.end.is_unknown):
            return None
        ends = [as_of] if e.end is None else _all_days(e.end)
        spans.append([(b, x) for b in _all_days(e.start) for x in ends if x >= b])
    if len(list(product(*spans))) > 2000:
        return None
    through = record.complete.get("exposures")
    complete = through is not None and through.earliest >= as_of
    window = (as_of - start).days + 1
    worlds = []
    for world in product(*spans):
        days = {start + DAY * k for k in range(window)
                if any(b <= start + DAY * k <= x for b, x in world)}
        worlds.append({len(days)} if complete else set(range(len(days), window + 1)))
    return worlds


def _worlds_change(source: Any, record: Record, as_of: date) -> list[set[Any]] | None:
    """Every day of every observation: the last minus the first value in the window."""
    from fractions import Fraction

    start = _start(source.span, as_of)
    obs = [o for o in record.observations if o.code == source.code]
    if any(o.date.is_unknown for o in obs) or len(list(product(*(_all_days(o.date)
                                                                 for o in obs)))) > 2000:
        return None
    worlds = []
    for days in product(*(_all_days(o.date) for o in obs)):
        inside = [(d, Fraction(str(o.value))) for d, o in zip(days, obs, strict=True)
                  if start <= d <= as_of]
        if len(inside) < 2:
            worlds.append(set())
            continue
        first, last = min(d for d, _ in inside), max(d for d, _ in inside)
        firsts = [v for d, v in inside if d == first]
        lasts = [v for d, v in inside if d == last]
        out = set()
        for i, a in enumerate(inside):
            for j, b in enumerate(inside):
                if i == j or a[0] != first or b[0] != last:
                    continue
                if source.relative:
                    if a[1] == 0:
                        continue
                    out.add((b[1] - a[1]) / a[1] * 100)
                else:
                    out.add(b[1] - a[1])
        del firsts, lasts
        worlds.append(out)
    return worlds


def _worlds_multiple(source: Any, record: Record, as_of: date) -> list[set[Any]] | None:
    """The latest value (every possible day) over its own reference limit."""
    from fractions import Fraction

    obs = [o for o in record.observations if o.code == source.code]
    choices = [_days(o.date, [as_of]) for o in obs]
    if sum(len(c) for c in choices) > 60:
        return None
    worlds = []
    for days in product(*choices):
        seen = [(d, o) for d, o in zip(days, obs, strict=True) if d <= as_of]
        if not seen:
            worlds.append(set())
            continue
        last = max(d for d, _ in seen)
        values = set()
        for d, o in seen:
            if d != last:
                continue
            limit = None if o.reference_range is None else getattr(o.reference_range,
                                                                    source.limit)
            if not limit:
                values = set()
                break
            values.add(Fraction(str(o.value)) / Fraction(str(limit)))
        worlds.append(values)
    return worlds


def _worlds(source: Any, record: Record, as_of: date) -> list[set[Any]] | None:
    kind = type(source).kind
    if kind == "exposure_days":
        return _worlds_exposure_days(source, record, as_of)
    if kind == "change":
        return _worlds_change(source, record, as_of)
    if kind == "reference_multiple":
        return _worlds_multiple(source, record, as_of)
    if kind == "age":
        return _worlds_age(source, record, as_of)
    if kind == "sex":
        return [set() if record.sex in (None, "unknown") else {record.sex}]
    if kind == "latest":
        return _worlds_latest(source, record, as_of)
    raise AssertionError(f"no oracle for the value source {kind!r}")


def _value(test: Callable[[Any], bool]) -> Oracle:
    def oracle(c: Any, record: Record, as_of: date) -> Outcome | None:
        worlds = _worlds(c.source, record, as_of)
        if worlds is None:
            return None  # too many possible days to walk: this case is not checked
        if any(not w for w in worlds):
            return U
        results = {test_one for w in worlds for test_one in (test(c, v) for v in w)}
        return M if results == {True} else N if results == {False} else U
    return oracle


def _range_test(c: Any, v: Any) -> bool:
    above = v > c.low or (c.low_inclusive and v == c.low)
    below = v < c.high or (c.high_inclusive and v == c.high)
    return above and below


def _threshold_test(c: Any, v: Any) -> bool:
    return {">=": v >= c.bound, ">": v > c.bound, "<=": v <= c.bound, "<": v < c.bound}[c.operator]


def _one_of_test(c: Any, v: Any) -> bool:
    return any(v == w and type(v) is not bool for w in c.values)


# -- events in a window -------------------------------------------------------------


def _start(span: Any, as_of: date) -> date:
    if span is None:
        return date.min
    try:
        return as_of - relativedelta(years=span.years, months=span.months, weeks=span.weeks,
                                     days=span.days)
    except (OverflowError, ValueError):
        return date.min


def _overlap(begin: PartialDate, end: PartialDate | None, start: date,
             as_of: date) -> tuple[bool, bool]:
    """(possibly, surely) the event overlaps [start, as_of]."""
    b_days = _days(begin, [start, as_of])
    e_days = [None] if end is None else _days(end, [start, as_of, begin.earliest, begin.latest])
    results = {b <= as_of and (e is None or e >= start)
               for b in b_days for e in e_days if e is None or b <= e}
    return True in results, results == {True}


def _events(c: Any, record: Record, history: str, as_of: date) -> tuple[int, int, bool]:
    """(sure, possible) counts of distinct events of the code set in the window; complete."""
    start = _start(c.span, as_of)
    events = record.exposures if history == "exposures" else record.conditions
    sure = maybe = 0
    for event in set(events):
        if event.code not in c.codes:
            continue
        begin = event.start if history == "exposures" else event.onset
        possibly, surely = _overlap(begin, event.end, start, as_of)
        sure += surely
        maybe += possibly and not surely
    through = record.complete.get(history)
    return sure, maybe, through is not None and through.earliest >= as_of


def _washout(c: Any, record: Record, as_of: date) -> Outcome:
    sure, maybe, complete = _events(c, record, "exposures", as_of)
    return N if sure else M if not maybe and complete else U


def _starts(begin: PartialDate, end: PartialDate | None, start: date,
            as_of: date) -> tuple[bool, bool]:
    """(possibly, surely) the event begins in [start, as_of] (it begins by its end)."""
    ends = [] if end is None or end.is_unknown else [end.earliest, end.latest]
    b_days = _days(begin, [start, as_of, *ends])
    e_days = [None] if end is None else _days(end, [start, as_of, begin.earliest, begin.latest])
    results = {start <= b <= as_of for b in b_days for e in e_days if e is None or b <= e}
    return True in results, results == {True}


def _lookback(c: Any, record: Record, as_of: date) -> Outcome:
    if not c.starting and c.count == "events":
        sure, maybe, complete = _events(c, record, c.on, as_of)
        return M if sure >= c.at_least else N if sure + maybe < c.at_least and complete else U
    # Events that begin in the window (starting), or distinct codes (count="codes"): each
    # event is in or out independently, so the count ranges from the sure ones to all.
    start = _start(c.span, as_of)
    events = record.exposures if c.on == "exposures" else record.conditions
    sure_keys: set[Any] = set()
    possible_keys: set[Any] = set()
    for event in set(events):
        if event.code not in c.codes:
            continue
        begin = event.start if c.on == "exposures" else event.onset
        test = _starts if c.starting else _overlap
        possibly, surely = test(begin, event.end, start, as_of)
        key = event.code if c.count == "codes" else event
        if surely:
            sure_keys.add(key)
        if possibly:
            possible_keys.add(key)
    through = record.complete.get(c.on)
    complete = through is not None and through.earliest >= as_of
    if len(sure_keys) >= c.at_least:
        return M
    return N if len(possible_keys) < c.at_least and complete else U


def _flag(c: Any, record: Record, as_of: date) -> Outcome | None:
    value = record.flags.get(c.name)
    if value is None and c.assume_false_if is not None:
        cond = _sub(c.assume_false_if, record, as_of)
        if cond is None:
            return None
        if cond is M:
            value = False
    if value is None:
        return U
    return M if value == c.expected else N


def _any_observation(c: Any, record: Record, as_of: date) -> Outcome | None:
    """Some value of the code in the window passes, in every / no / some possible world."""
    test = {"range": _range_test, "threshold": _threshold_test,
            "one_of": _one_of_test}[type(c.criterion).kind]
    start = _start(c.span, as_of)
    obs = [o for o in record.observations if o.code == c.criterion.source.code]
    if any(o.date.is_unknown for o in obs):
        return None
    choices = [_days(o.date, [start, as_of]) for o in obs]
    through = record.complete.get("observations")
    complete = through is not None and through.earliest >= as_of
    verdicts = set()
    for days in product(*choices):
        found = any(start <= d <= as_of and test(c.criterion, o.value)
                    for d, o in zip(days, obs, strict=True))
        verdicts.add(M if found else N if complete else U)
    return verdicts.pop() if len(verdicts) == 1 else U


def _anchored(c: Any, record: Record, as_of: date) -> Outcome | None:
    """The criterion on every possible day of the anchor date."""
    anchor = record.dates.get(c.date)
    if anchor is None or anchor.is_unknown:
        return U
    outcomes = {_sub(c.criterion, record, d) for d in _all_days(anchor)}
    if None in outcomes:
        return None
    return outcomes.pop() if len(outcomes) == 1 else U


def _sub(c: Any, record: Record, as_of: date) -> Outcome | None:
    return ORACLES[type(c).kind](c, record, as_of)


def _all(c: Any, record: Record, as_of: date) -> list[Outcome] | None:
    outcomes = [_sub(x, record, as_of) for x in c.children]
    return None if None in outcomes else outcomes  # type: ignore[return-value]


def _combine(rule: Callable[[Any, list[Outcome]], Outcome]) -> Oracle:
    def oracle(c: Any, record: Record, as_of: date) -> Outcome | None:
        outcomes = _all(c, record, as_of)
        return None if outcomes is None else rule(c, outcomes)
    return oracle


ORACLES: dict[str, Oracle] = {
    "range": _value(_range_test),
    "threshold": _value(_threshold_test),
    "one_of": _value(_one_of_test),
    "flag": _flag,
    "washout": _washout,
    "lookback": _lookback,
    "placeholder": lambda c, record, as_of: U,
    "all_of": _combine(lambda c, o: _fold(_AND, o)),
    "any_of": _combine(lambda c, o: _fold(_OR, o)),
    "at_least": _combine(lambda c, o: _at_least(c.k, o)),
    "not": _combine(lambda c, o: _NOT[o[0]]),
    "implies": _combine(lambda c, o: _OR[(_NOT[o[0]], o[1])]),
    "any_observation": _any_observation,
    "anchored": _anchored,
}
