"""Boundary cases of single leaf criteria, labelled from the leaf's own bounds and windows.

The labels here never call the evaluator: value tests are the bound arithmetic
of the criterion, ages come from ``relativedelta`` and window tests from the
interval reading of partial dates (docs/design.md, section 5, partial dates). That is what makes "every case
evaluates to its label" a test of the evaluator and not a tautology.
"""

from __future__ import annotations

import calendar
import math
import string
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

import attrs
from dateutil.relativedelta import relativedelta

from ..engine.criterion import Criterion
from ..kinds.criteria import AnyObservation, Flag, Lookback, OneOf, Range, Threshold, Washout
from ..kinds.sources import Age, Change, ExposureDays, Latest, ReferenceMultiple, Sex, Source
from ..values.checks import num
from ..values.codes import CodeSet
from ..values.dates import PartialDate, Span
from ..values.domains import Domain
from ..values.errors import TrialRulesError
from ..values.outcomes import Outcome
from ..values.records import SEXES, Condition, Exposure, Observation
from ._facts import BIRTH, SEX, Facts, complete_key, events_key, flag_key, is_member, obs_key

__all__: list[str] = []

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
DAY = timedelta(days=1)


@attrs.frozen(eq=False)
class LeafCase:
    """One labelled fact fragment for a leaf; ``plain`` marks a typical (non-edge) witness."""

    facts: Facts
    outcome: Outcome
    description: str
    as_of: date
    plain: bool = False


# -- values -------------------------------------------------------------------


def _dec(value: int | float) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def grid_step(source: Source, domains: Mapping[str, Domain], bounds: list[Any]) -> Decimal:
    """The value grid: the domain's step, else the finest decimal place of the bounds."""
    domain = source.domain(domains)
    if domain is not None and domain.step is not None:
        return _dec(domain.step)
    exponent = min(int(_dec(b).as_tuple().exponent) for b in bounds)
    return Decimal(1).scaleb(min(exponent, 0))


_num = num  # numbers as a clinician writes them: 6, 6.5 (not 6.0)


def _number(value: Decimal, integral: bool) -> int | float:
    if integral and value == value.to_integral_value():
        return int(value)
    return float(value)


def passes(leaf: Criterion, value: Any) -> bool:
    """The leaf's value test, written from its fields (not from its evaluator).

    An exact value (a ``Fraction``: a change worked out exactly) is compared with the
    bounds as written (0.1 is 1/10, not the nearest binary double).
    """
    exact = isinstance(value, Fraction)

    def bound(b: Any) -> Any:
        return Fraction(Decimal(repr(b))) if exact and isinstance(b, float) else b

    if isinstance(leaf, Range):
        low, high = bound(leaf.low), bound(leaf.high)
        above = value > low or (leaf.low_inclusive and value == low)
        below = value < high or (leaf.high_inclusive and value == high)
        return bool(above and below)
    if isinstance(leaf, Threshold):
        b, op = bound(leaf.bound), leaf.operator
        return bool(value >= b if op == ">=" else value > b if op == ">"
                    else value <= b if op == "<=" else value < b)
    if isinstance(leaf, OneOf):
        return not isinstance(value, bool) and value in leaf.values
    raise TypeError(f"not a value criterion: {leaf!r}")  # pragma: no cover


def _name(source: Source) -> str:
    if isinstance(source, Latest):
        return source.code
    if isinstance(source, ExposureDays):
        return f"days of exposure to {source.codes.name}"
    if isinstance(source, Change):
        return f"{'relative ' if source.relative else ''}change in {source.code}"
    if isinstance(source, ReferenceMultiple):
        return f"{source.code} as a multiple of its {source.limit} reference limit"
    if isinstance(source, Age):
        return "age" if source.unit == "years" else f"age in {source.unit}"
    if isinstance(source, Sex):
        return "sex"
    return source.describe()  # a source defined outside the package


def _where(leaf: Criterion, value: Any, step: Decimal) -> str:
    """Where a value sits relative to the leaf's bounds, in words."""
    ends: list[tuple[Any, str, bool]] = []
    if isinstance(leaf, Range):
        ends = [(leaf.low, "low bound", leaf.low_inclusive), (leaf.high, "high bound",
                                                              leaf.high_inclusive)]
    elif isinstance(leaf, Threshold):
        ends = [(leaf.bound, "bound", leaf.operator in (">=", "<="))]
    for bound, name, inclusive in ends:
        if value == bound:
            return f"on the {name}, {'inclusive' if inclusive else 'exclusive'}"
    for bound, name, _ in ends:
        if _dec(value) == _dec(bound) - step:
            return f"one step below the {name}"
        if _dec(value) == _dec(bound) + step:
            return f"one step above the {name}"
    return "inside" if passes(leaf, value) else "outside"


def source_missing(source: Source) -> Facts | None:
    """The fragment in which the source has nothing recorded (None: it always reads a value,
    as a count of what is recorded does)."""
    if isinstance(source, Latest):
        return {obs_key(source.code): ()}
    if isinstance(source, Age):
        return {BIRTH: None}
    if isinstance(source, Sex):
        return {SEX: None}
    if isinstance(source, ExposureDays):  # nothing recorded, history not declared complete
        return {events_key("exposures", source.codes): (), complete_key("exposures"): None}
    if isinstance(source, Change | ReferenceMultiple):
        return {obs_key(source.code): ()}
    missing = source.missing_facts()  # a source defined outside the package
    return None if missing is None else dict(missing)


def source_value(source: Source, value: Any, as_of: date,
                 domains: Mapping[str, Domain] | None = None) -> Facts | None:
    """A fragment in which the source reads exactly ``value`` (None if it cannot).

    ``domains`` keeps the observations a source is worked out from (a change's first
    and last values) on their code's domain.
    """
    if isinstance(source, Latest):
        return {obs_key(source.code): (Observation(source.code, value, as_of),)}
    if isinstance(source, ExposureDays):
        return _exposure_days(source, value, as_of)
    if isinstance(source, Change):
        return _change(source, value, as_of, None if domains is None else domains.get(source.code))
    if isinstance(source, ReferenceMultiple):  # a limit of 1 makes the value the multiple
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return {obs_key(source.code): (Observation(source.code, value, as_of,
                                                   reference_range={source.limit: 1}),)}
    if isinstance(source, Age):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return None
        try:
            birth = _back(as_of, value, source.unit) - _HALF[source.unit]
        except (OverflowError, ValueError):
            return None
        return {BIRTH: PartialDate.of(birth)}
    if isinstance(source, Sex):
        if value not in SEXES or value == "unknown":
            return None
        return {SEX: value}
    facts = source.value_facts(value, as_of)  # a source defined outside the package
    return None if facts is None else dict(facts)


#: Half of each age unit: witnesses are born well between two birthdays.
_HALF = {"years": relativedelta(months=6), "months": relativedelta(days=15),
         "weeks": relativedelta(days=3), "days": relativedelta()}


def _age(birth: date, as_of: date, unit: str = "years") -> int:
    """Completed units from birth to as_of: calendar years and months by relativedelta."""
    if unit in ("years", "months"):
        delta = relativedelta(as_of, birth)
        return delta.years if unit == "years" else delta.years * 12 + delta.months
    days = (as_of - birth).days
    return days // 7 if unit == "weeks" else days


def _back(as_of: date, n: int, unit: str) -> date:
    """The birth date that makes someone exactly ``n`` units old on as_of."""
    if unit in ("years", "months"):
        return as_of - (relativedelta(years=n) if unit == "years" else relativedelta(months=n))
    return as_of - timedelta(days=n * (7 if unit == "weeks" else 1))


def age_outcome(leaf: Criterion, birth: PartialDate, as_of: date) -> Outcome:
    """Label of a value criterion on Age for a (possibly partial) birth date."""
    unit = leaf.source.unit  # type: ignore[attr-defined]
    youngest = _age(min(birth.latest, as_of), as_of, unit)
    oldest = _age(birth.earliest, as_of, unit)
    results = [passes(leaf, a) for a in range(youngest, oldest + 1)]
    return MET if all(results) else NOT_MET if not any(results) else UNKNOWN


def _label(ok: bool) -> Outcome:
    return MET if ok else NOT_MET


# -- value leaves -------------------------------------------------------------


def _bounds(leaf: Range | Threshold) -> list[tuple[int | float, int]]:
    """Each bound with the direction (-1 below, +1 above) in which it fails."""
    if isinstance(leaf, Range):
        return [(leaf.low, -1), (leaf.high, +1)]
    return [(leaf.bound, -1 if leaf.operator in (">=", ">") else +1)]


def numeric_cases(leaf: Range | Threshold, as_of: date,
                  domains: Mapping[str, Domain]) -> list[LeafCase]:
    source = leaf.source
    if isinstance(source, Age):
        return _age_cases(leaf, as_of)
    bounds = [b for b, _ in _bounds(leaf)]
    step = grid_step(source, domains, bounds)
    integral = all(isinstance(b, int) for b in bounds)
    domain = source.domain(domains)
    name = _name(source)
    out: list[LeafCase] = []

    tried: list[Any] = []

    def add(value_d: Decimal, plain: bool = False, note: str | None = None) -> None:
        value = _number(value_d, integral)
        if domain is not None and not domain.contains(value):
            return
        tried.append(value)
        facts = source_value(source, value, as_of, domains)
        if facts is None:
            return
        where = note or _where(leaf, value, step)
        out.append(LeafCase(facts, _label(passes(leaf, value)), f"{name} {_num(value)} ({where})",
                            as_of, plain))

    # Typical witnesses first: well inside, and well outside.
    if isinstance(leaf, Range):
        half = ((_dec(leaf.high) - _dec(leaf.low)) / 2 / step).to_integral_value(rounding="ROUND_FLOOR")
        add(_dec(leaf.low) + half * step, plain=True, note="well inside")
    for bound, out_dir in _bounds(leaf):
        if isinstance(leaf, Threshold):
            add(_dec(bound) - out_dir * 2 * step, plain=True, note="well inside")
        add(_dec(bound) + out_dir * 2 * step, plain=True, note="well outside")
    for bound, out_dir in _bounds(leaf):
        for delta in (0, out_dir, -out_dir):
            add(_dec(bound) + delta * step)
    if isinstance(source, Change):  # changes reachable on a coarse grid, nearest the bounds
        code = source.code
        for change, (first, last) in grid_change_pairs(leaf, source, domains.get(code)):
            facts = {obs_key(code): (Observation(code, first, as_of - DAY),
                                     Observation(code, last, as_of))}
            shown = float(change) if change.denominator != 1 else int(change)
            out.append(LeafCase(facts, _label(passes(leaf, change)),
                                f"{name} {shown:.4g} ({_num(first)} to {_num(last)}, the "
                                "nearest change the grid allows)", as_of))
    _some_taken(source, tried, out)
    missing = source_missing(source)
    if missing is not None:
        out.append(LeafCase(missing, _missing_label(leaf, as_of),
                            f"no {name} recorded (missing fact)", as_of, plain=True))
    if isinstance(source, Latest):
        out.extend(_latest_cases(leaf, source, out, as_of))
    return out


#: The value sources this module builds facts for itself; any other is defined outside the
#: package and gives its facts through Source.value_facts / Source.missing_facts.
_BUILT_IN_SOURCES: Final = (Latest, ExposureDays, Change, ReferenceMultiple, Age, Sex)


def _some_taken(source: Source, tried: list[Any], cases: list[LeafCase]) -> None:
    """A source defined outside the package that gave facts for none of the boundary values
    would leave its criterion without a single value case: say so, never an empty deck."""
    if tried and not cases and not isinstance(source, _BUILT_IN_SOURCES):
        shown = ", ".join(repr(v) for v in tried[:6])
        raise TrialRulesError(
            f"{type(source).__name__}.value_facts(value, as_of) gave no facts for any boundary "
            f"value tried ({shown}): it must build a record for each. The values lie on the "
            "grid of the source's domain step, else of the bounds as written (a bound written "
            "2.0 gives steps of 0.1, as floats)")


def _missing_label(leaf: Range | Threshold, as_of: date) -> Outcome:
    """UNKNOWN, except for days of exposure with nothing recorded and the history open:
    any count from 0 to every day of the window is possible, and a short window may
    leave every one of them on the same side of the bound."""
    source = leaf.source
    if not isinstance(source, ExposureDays):
        return UNKNOWN
    try:
        days = (as_of - source.span.before(as_of)).days + 1
    except (OverflowError, ValueError):
        return UNKNOWN
    results = {passes(leaf, n) for n in range(days + 1)}
    return UNKNOWN if len(results) == 2 else _label(results.pop())


def domain_cases(leaf: Criterion, as_of: date, domains: Mapping[str, Domain],
                 limit: int = 201) -> list[LeafCase]:
    """A value criterion at every value of its stepped domain (ages 0 to 100 years).

    Not boundary cases: strategies draw from them so that records also land
    away from the bounds.
    """
    if not isinstance(leaf, Range | Threshold | OneOf):
        return []
    source = leaf.source
    if isinstance(source, Age):
        values: list[Any] = list(range(0, 101 if source.unit == "years" else limit))
    else:
        domain = source.domain(domains)
        if domain is None or domain.step is None:
            return []
        step, low = _dec(domain.step), _dec(domain.low)
        values = []
        value = low
        while value <= _dec(domain.high) and len(values) < limit:
            values.append(int(value) if value == value.to_integral_value() else float(value))
            value += step
    out = []
    for value in values:
        facts = source_value(source, value, as_of, domains)
        if facts is not None:
            out.append(LeafCase(facts, _label(passes(leaf, value)),
                                f"{_name(source)} {_num(value)}", as_of))
    return out


def _age_cases(leaf: Range | Threshold, as_of: date) -> list[LeafCase]:
    out: list[LeafCase] = []
    source = leaf.source
    assert isinstance(source, Age)
    unit = source.unit
    name = _name(source)

    def turning(n: int) -> str:
        return f"{_ordinal(n)} birthday" if unit == "years" else f"{n} {unit} old"

    def add(birth: PartialDate, text: str, plain: bool = False) -> None:
        if birth.earliest > as_of:
            return
        out.append(LeafCase({BIRTH: birth}, age_outcome(leaf, birth, as_of), text, as_of, plain))

    def exact(birth: date, text: str, plain: bool = False) -> None:
        if birth > as_of:
            return
        age = _age(birth, as_of, unit)
        add(PartialDate.of(birth), f"{name} {age} (born {birth}, {text}; "
                                   f"{_where(leaf, age, Decimal(1))})", plain)

    # Typical witnesses: half a year past a birthday, inside and outside.
    if isinstance(leaf, Range):
        mid = math.floor((leaf.low + leaf.high) / 2)
        samples = [mid, math.floor(leaf.low) - 2, math.floor(leaf.high) + 2]
    else:
        b, out_dir = _bounds(leaf)[0]
        samples = [math.floor(b) - out_dir * 2, math.floor(b) + out_dir * 2]
    for years in samples:
        facts = source_value(leaf.source, years, as_of)
        if facts is not None:
            birth = facts[BIRTH]
            add(birth, f"{name} {years} (born {birth}; {_where(leaf, years, Decimal(1))})", True)
    for bound, _ in _bounds(leaf):
        for years in (math.floor(bound), math.floor(bound) + 1):
            if years < 0:
                continue
            try:
                birthday = _back(as_of, years, unit)
            except (OverflowError, ValueError):
                continue
            exact(birthday, f"{turning(years)} on as_of")
            exact(birthday + DAY, f"{turning(years)} the day after as_of")
            exact(birthday - DAY, f"{turning(years)} the day before as_of")
            if unit == "years":
                out.extend(_leap_birthday_cases(leaf, years, as_of))
                partial = PartialDate(birthday.year)
                unknown = "day and month unknown"
            else:
                partial = PartialDate(birthday.year, birthday.month)
                unknown = "day unknown"
            lo = _age(min(partial.latest, as_of), as_of, unit)
            hi = _age(partial.earliest, as_of, unit)
            ages = str(lo) if lo == hi else f"{lo} to {hi}"
            add(partial, f"{name} {ages} (born in {partial}, {unknown})")
    out.append(LeafCase({BIRTH: None}, UNKNOWN, "no birth date recorded (missing fact)", as_of,
                        plain=True))
    return out


def _leap_birthday_cases(leaf: Range | Threshold, years: int, as_of: date) -> Iterator[LeafCase]:
    """Born 29 February: the birthday in a common year falls on 28 February (relativedelta).

    These cases carry their own reference dates (27/28 February, 1 March of the
    next year in which the ``years``-th birthday of someone born on a 29 February falls).
    """
    year = next((y for y in range(max(as_of.year, years + 1), as_of.year + 9)
                 if calendar.isleap(y - years)), None)
    if year is None or year - years < 1 or year > 9999:
        return
    birth = date(year - years, 2, 29)
    days = [date(year, 2, 27), date(year, 2, 28), date(year, 3, 1)]
    if calendar.isleap(year):
        days.insert(2, date(year, 2, 29))
    for day in days:
        if day < birth:
            continue  # aged 0: born on this 29 February, so the days before it come first
        age = _age(birth, day)
        yield LeafCase({BIRTH: PartialDate.of(birth)}, _label(passes(leaf, age)),
                       f"as of {day}: age {age} (born {birth}, a 29 February; "
                       f"{_where(leaf, age, Decimal(1))})", day)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _latest_cases(leaf: Criterion, source: Latest, cases: list[LeafCase],
                  as_of: date) -> Iterator[LeafCase]:
    """Which observation counts: window edges, the latest one, future and imprecise dates."""
    key = obs_key(source.code)
    good = next((c.facts[key][0].value for c in cases if c.outcome is MET), None)
    bad = next((c.facts[key][0].value for c in cases if c.outcome is NOT_MET), None)
    code = source.code

    def obs(value: Any, when: date | PartialDate) -> Observation:
        return Observation(code, value, when)

    if good is not None:
        yield LeafCase({key: (obs(good, as_of + DAY),)}, UNKNOWN,
                       f"{code} {_num(good)} dated the day after as_of (not yet seen; missing fact)",
                       as_of)
        if source.within is not None:
            start = source.within.before(as_of)
            yield LeafCase({key: (obs(good, start),)}, _label(passes(leaf, good)),
                           f"{code} {_num(good)} on the first day of its recency window ({start})", as_of)
            if start > date.min:
                yield LeafCase({key: (obs(good, start - DAY),)}, UNKNOWN,
                               f"{code} {_num(good)} the day before its recency window opens "
                               "(too old; missing fact)", as_of)
    if good is None or bad is None:
        return
    earlier = as_of - DAY
    if source.within is not None and source.within.before(as_of) > earlier:
        return
    yield LeafCase({key: (obs(bad, earlier), obs(good, as_of))}, MET,
                   f"{code} {_num(bad)} the day before as_of, then {_num(good)} on as_of (the latest counts)",
                   as_of)
    yield LeafCase({key: (obs(good, earlier), obs(bad, as_of))}, NOT_MET,
                   f"{code} {_num(good)} the day before as_of, then {_num(bad)} on as_of (the latest counts)",
                   as_of)
    yield LeafCase({key: (obs(good, as_of), obs(bad, as_of))}, UNKNOWN,
                   f"{code} {_num(good)} and {_num(bad)} both on as_of (which is latest is uncertain)", as_of)
    month = PartialDate(as_of.year, as_of.month)
    if source.within is None or source.within.before(as_of) <= month.earliest:
        yield LeafCase({key: (obs(good, as_of), obs(bad, month))}, UNKNOWN,
                       f"{code} {_num(good)} on as_of and {_num(bad)} dated only {month} "
                       "(which is latest is uncertain)", as_of)


def one_of_cases(leaf: OneOf, as_of: date, domains: Mapping[str, Domain]) -> list[LeafCase]:
    source = leaf.source
    name = _name(source)
    out: list[LeafCase] = []
    values = sorted(leaf.values, key=lambda v: (isinstance(v, str), v))

    tried: list[Any] = []

    def add(value: Any, plain: bool = False) -> None:
        tried.append(value)
        facts = source_value(source, value, as_of, domains)
        if facts is None:
            return
        ok = passes(leaf, value)
        out.append(LeafCase(facts, _label(ok), f"{name} {_num(value)} ({'in' if ok else 'not in'} "
                                               f"{'the set' if len(values) > 1 else 'it'})",
                            as_of, plain))

    for value in values[:3]:
        add(value, plain=True)
    for value in _outsiders(source, values, domains):
        add(value, plain=True)
    _some_taken(source, tried, out)
    missing = source_missing(source)
    if missing is not None:
        out.append(LeafCase(missing, UNKNOWN, f"no {name} recorded (missing fact)", as_of,
                            plain=True))
    if isinstance(source, Sex):
        out.append(LeafCase({SEX: "unknown"}, UNKNOWN, "sex recorded as 'unknown' (missing fact)",
                            as_of))
    if isinstance(source, Latest):
        out.extend(_latest_cases(leaf, source, out, as_of))
    return out


def _outsiders(source: Source, values: list[Any], domains: Mapping[str, Domain]) -> list[Any]:
    """A value or two outside a OneOf's set, valid for its source."""
    if isinstance(source, Sex):
        return sorted(SEXES - set(values) - {"unknown"})
    strings = [v for v in values if isinstance(v, str)]
    numbers = [v for v in values if not isinstance(v, str)]
    out: list[Any] = []
    if strings and not isinstance(source, Age):
        out.append(next(f"other{i or ''}" for i in range(len(values) + 1)
                        if f"other{i or ''}" not in values))
    if numbers:
        step = grid_step(source, domains, numbers)
        domain = source.domain(domains)
        integral = all(isinstance(v, int) for v in numbers)
        for v in numbers:
            for cand in (_dec(v) + step, _dec(v) - step):
                value = _number(cand, integral)
                if value not in values and (domain is None or domain.contains(value)):
                    return [*out, value]
    return out


def flag_cases(leaf: Flag, as_of: date) -> list[LeafCase]:
    key = flag_key(leaf.name)
    return [
        LeafCase({key: True}, _label(leaf.expected is True), f"flag {leaf.name} true", as_of,
                 True),
        LeafCase({key: False}, _label(leaf.expected is False), f"flag {leaf.name} false", as_of,
                 True),
        LeafCase({key: None}, UNKNOWN, f"flag {leaf.name} not recorded (missing fact)", as_of,
                 True),
    ]


# -- windows ------------------------------------------------------------------


def overlap(begin: PartialDate, end: PartialDate | None, start: date, as_of: date) -> Outcome:
    """Does an event certainly (MET), possibly (UNKNOWN) or not (NOT_MET) touch [start, as_of]?

    Every pair of possible days (b, e) with e >= b is considered; an ongoing
    event (no end) never ends, an unknown end is any day on or after b.
    """
    first_b, last_b = begin.earliest, begin.latest
    if end is None:
        first_e = last_e = date.max
    else:
        first_e, last_e = max(end.earliest, first_b), end.latest
    if last_b <= as_of and first_e >= start:
        return MET
    if first_b <= as_of and last_e >= start:
        return UNKNOWN
    return NOT_MET


def any_observation_cases(leaf: AnyObservation, as_of: date,
                          domains: Mapping[str, Domain]) -> list[LeafCase]:
    """The inner value test's cases with one observation on as_of (inside any window) and the
    observations history complete: the outcome is the inner test's; with nothing recorded
    (history not complete), UNKNOWN."""
    inner = leaf.criterion
    if isinstance(inner, Range | Threshold):
        cases = numeric_cases(inner, as_of, domains)
    elif isinstance(inner, OneOf):
        cases = one_of_cases(inner, as_of, domains)
    else:  # pragma: no cover - AnyObservation refuses other criteria
        raise TrialRulesError(f"the testing toolkit does not know the value test {inner!r}")
    key = obs_key(inner.source.code)  # type: ignore[attr-defined]
    out = []
    for case in cases:
        seen = case.facts.get(key, ())
        if len(seen) > 1 or any(o.date.is_unknown or o.date.earliest != as_of
                                or o.date.latest != as_of for o in seen):
            continue  # which observation is the latest matters to Latest, not here
        if seen:  # the one value is all there is: a failing one is NOT_MET
            case = attrs.evolve(case, facts={**case.facts,
                                             complete_key("observations"): as_of})
        out.append(case)
    return out


def _exposure_days(source: ExposureDays, value: Any, as_of: date) -> Facts | None:
    """``value`` days of exposure: one course ending on as_of, the history complete."""
    start = source.span.before(as_of)
    if isinstance(value, bool) or not isinstance(value, int) or not (
            0 <= value <= (as_of - start).days + 1):
        return None
    events: tuple[Exposure, ...] = ()
    if value:
        events = (Exposure(representative(source.codes), as_of - timedelta(days=value - 1), as_of),)
    return {events_key("exposures", source.codes): events, complete_key("exposures"): as_of}


def _change(source: Change, value: Any, as_of: date,
            domain: Domain | None = None) -> Facts | None:
    """A change of ``value``: a first value the day before as_of, the last on as_of."""
    pair = change_pair(source, value, domain)
    if pair is None:
        return None
    first, last = pair
    return {obs_key(source.code): (Observation(source.code, first, as_of - timedelta(days=1)),
                                   Observation(source.code, last, as_of))}


def change_pair(source: Change, value: Any, domain: Domain | None
                ) -> tuple[int | float, int | float] | None:
    """A (first, last) pair of values on the code's domain whose change is ``value``.

    Relative changes are percent of a first value of 100 when the domain allows; an
    absolute change starts at 0 (or at -value when it falls), so both values stay small
    and non-negative; otherwise values from the middle or the ends of the domain.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    v = _dec(value)
    firsts = [Decimal(100)] if source.relative else [Decimal(0) if v >= 0 else -v]
    if domain is not None:
        low, high = _dec(domain.low), _dec(domain.high)
        step = _dec(domain.step) if domain.step is not None else None
        half = (high - low) / 2
        middle = low + ((half / step).to_integral_value(rounding="ROUND_FLOOR") * step
                        if step else half)
        firsts += [middle, high, low] if source.relative else [low, middle, high - v, low - v]
    for first in firsts:
        if source.relative and first == 0:
            continue
        last = first + first * v / 100 if source.relative else first + v
        pair = (_number(first, True), _number(last, True))
        if min(pair) < 0 and domain is None:
            continue
        if domain is not None and not all(domain.contains(x) for x in pair):
            continue
        return pair
    return None


def _grid_values(domain: Domain, limit: int = 60) -> list[Decimal]:
    """Up to ``limit`` values of a stepped domain, spread over it from low to high."""
    assert domain.step is not None
    low, high, step = _dec(domain.low), _dec(domain.high), _dec(domain.step)
    count = int((high - low) / step) + 1
    stride = max(1, -(-count // limit))
    return [low + i * step for i in range(0, count, stride)]


def grid_change_pairs(leaf: Range | Threshold, source: Change, domain: Domain | None
                      ) -> list[tuple[Fraction, tuple[int | float, int | float]]]:
    """For a change of values on a coarse grid (a relative change of EDSS): the reachable
    changes nearest each bound, below, on and above it, each with a (first, last) pair.

    A change of exactly "bound plus one step" is often not reachable there (5 % of an
    EDSS value on its 0.5 grid), so the cases take the nearest changes that are.
    """
    if domain is None or domain.step is None:
        return []
    values = _grid_values(domain)
    reach: dict[Fraction, tuple[int | float, int | float]] = {}
    for first in values:
        if source.relative and first == 0:
            continue
        for last in values:
            f, l_ = Fraction(first), Fraction(last)
            change = (l_ - f) / f * 100 if source.relative else l_ - f
            reach.setdefault(change, (_number(first, True), _number(last, True)))
    ordered = sorted(reach)
    out: list[tuple[Fraction, tuple[int | float, int | float]]] = []
    for bound, _ in _bounds(leaf):
        b = Fraction(_dec(bound))
        below = [c for c in ordered if c < b][-1:]
        above = [c for c in ordered if c > b][:1]
        for change in [*below, *([b] if b in reach else []), *above]:
            if all(change != c for c, _ in out):
                out.append((change, reach[change]))
    return out


def exposure_day_count(source: ExposureDays, events: tuple[Exposure, ...], as_of: date
                       ) -> int | None:
    """Days of the window on which some exposure of the set runs (None: a date not exact)."""
    try:
        start = source.span.before(as_of)
    except (OverflowError, ValueError):
        return None
    days: set[date] = set()
    for event in events:
        if not is_member(source.codes, event.code):
            continue
        if not event.start.is_exact or (event.end is not None and not event.end.is_exact):
            return None
        first = max(event.start.earliest, start)
        last = as_of if event.end is None else min(event.end.latest, as_of)
        days.update(first + i * DAY for i in range((last - first).days + 1))
    return len(days)


def representative(codes: CodeSet) -> str:
    """A code that belongs to the set: its first listed code, else its first prefix."""
    if codes.codes:
        return sorted(codes.codes)[0]
    if codes.prefixes:
        return sorted(codes.prefixes)[0]
    raise TrialRulesError(f"code set {codes.name!r} is empty: no case can hold one of its codes")


def _child(prefix: str, i: int) -> str:
    """The ``i``-th code one level below a prefix (``ATC:L04AA`` -> ``ATC:L04AA01``)."""
    system, _, body = prefix.partition(":")
    if system == "ATC" and len(body) in (3, 4):
        return prefix + string.ascii_uppercase[(i - 1) % 26]
    if system == "ATC" or (system.startswith("ICD") and "." in body):
        return f"{prefix}{i:02d}"
    if system.startswith("ICD") and len(body) == 3:
        return f"{prefix}.{i % 10}"
    return f"{prefix}{i}"


def distinct_members(codes: CodeSet, n: int) -> list[str]:
    """Up to ``n`` different codes of the set: listed codes, prefixes, then codes below them.

    The first is :func:`representative`; membership is read from the lists.
    """
    out: list[str] = []
    candidates = [*sorted(codes.codes), *sorted(codes.prefixes)]
    candidates += [_child(p, i) for i in range(1, 10) for p in sorted(codes.prefixes)]
    for code in candidates:
        if len(out) == n:
            break
        if code not in out and is_member(codes, code):
            out.append(code)
    return out


def _event(history: str, code: str, begin: PartialDate, end: PartialDate | None
           ) -> Condition | Exposure:
    if history == "exposures":
        return Exposure(code, begin, end)
    return Condition(code, begin, end)


def starts_in(begin: PartialDate, end: PartialDate | None, start: date, as_of: date) -> Outcome:
    """Does an event certainly (MET), possibly (UNKNOWN) or not (NOT_MET) *start* in
    [start, as_of]? Its possible first days run from the beginning's earliest day to its
    latest, and no later than the end's latest day (an event never ends before it begins)."""
    first, last = begin.earliest, begin.latest
    if end is not None and not end.is_unknown:
        last = min(last, end.latest)
    if first >= start and last <= as_of:
        return MET
    if last < start or first > as_of:
        return NOT_MET
    return UNKNOWN


def window_outcome(leaf: Washout | Lookback, events: tuple[Condition | Exposure, ...],
                   complete: date | None, as_of: date) -> Outcome:
    """Label of a washout or lookback from event overlaps (or starts) and declared completeness.

    An event recorded twice counts once; a lookback counting codes counts the
    different codes of the events that certainly (possibly) count.
    """
    start = date.min if leaf.span is None else leaf.span.before(as_of)
    starting = isinstance(leaf, Lookback) and leaf.starting
    found: list[tuple[Outcome, str]] = []
    seen: set[Condition | Exposure] = set()
    for event in events:
        if not is_member(leaf.codes, event.code) or event in seen:
            continue
        seen.add(event)
        begin = event.start if isinstance(event, Exposure) else event.onset
        test = starts_in if starting else overlap
        found.append((test(begin, event.end, start, as_of), event.code))
    if isinstance(leaf, Lookback) and leaf.count == "codes":
        sure = len({code for o, code in found if o is MET})
        maybe = len({code for o, code in found if o is not NOT_MET}) - sure
    else:
        sure = sum(o is MET for o, _ in found)
        maybe = sum(o is UNKNOWN for o, _ in found)
    is_complete = complete is not None and complete >= as_of
    if isinstance(leaf, Washout):
        if sure:
            return NOT_MET
        return UNKNOWN if maybe or not is_complete else MET
    if sure >= leaf.at_least:
        return MET
    if sure + maybe < leaf.at_least and is_complete:
        return NOT_MET
    return UNKNOWN


def as_of_variants(span: Span | None, as_of: date) -> list[date]:
    """Reference dates where calendar arithmetic bends: month end, 29 February, 31 March."""
    if span is None or not (span.months or span.years):
        return []
    leap = as_of.year
    while not calendar.isleap(leap):
        leap += 1
    month_end = date(as_of.year, as_of.month, calendar.monthrange(as_of.year, as_of.month)[1])
    out = []
    for day in (month_end, date(leap, 2, 29), date(leap, 3, 31)):
        if day != as_of and day not in out:
            out.append(day)
    return out


def window_cases(leaf: Washout | Lookback, as_of: date, *, edges_only: bool = False
                 ) -> list[LeafCase]:
    history = "exposures" if isinstance(leaf, Washout) else leaf.on
    code = representative(leaf.codes)
    ekey, ckey = events_key(history, leaf.codes), complete_key(history)
    noun = "exposure" if history == "exposures" else "condition"
    unbounded = leaf.span is None
    start = date.min if unbounded else leaf.span.before(as_of)  # type: ignore[union-attr]
    prefix = "" if not edges_only else f"as of {as_of}: "
    extra_n = leaf.at_least - 1 if isinstance(leaf, Lookback) else 0
    by_codes = isinstance(leaf, Lookback) and leaf.count == "codes"
    starting = isinstance(leaf, Lookback) and leaf.starting
    anchor = as_of - relativedelta(years=10) if unbounded else start
    # The other events that make the probed one the at_least-th: ongoing since before the
    # window (events that *start* in the window when only those count, on as_of and the
    # days before it), of other codes of the set when different codes are counted.
    # Counting events, they share the probed code (so counting codes instead tells), unless
    # they must all start on as_of (a zero window): then other codes keep them distinct.
    crowded = starting and extra_n > 1 and start > as_of - (extra_n - 1) * DAY
    others = distinct_members(leaf.codes, extra_n + 1)[1:] if (by_codes or crowded) else []
    if len(others) < extra_n:
        others += [code] * (extra_n - len(others))
    try:
        if starting:
            base = tuple(_event(history, others[i], PartialDate.of(max(start, as_of - i * DAY)),
                                None) for i in range(extra_n))
        else:
            base = tuple(_event(history, others[i] if by_codes else code,
                                PartialDate.of(anchor - timedelta(days=40 + i)), None)
                         for i in range(extra_n))
    except OverflowError:
        return []
    if not extra_n:
        head = ""
    elif by_codes or starting:
        since = "starting in the window" if starting else "ongoing"
        head = f"{extra_n} {since} {noun}s of {', '.join(dict.fromkeys(others))} and "
    else:
        head = f"{extra_n} ongoing {noun}s of {code} and "
    out: list[LeafCase] = []

    def add(text: str, events: tuple[Condition | Exposure, ...], complete: date | None,
            plain: bool = False) -> None:
        events = base + events
        outcome = window_outcome(leaf, events, complete, as_of)
        out.append(LeafCase({ekey: events, ckey: complete},
                            outcome, prefix + head + text, as_of, plain))

    def single(day: date) -> tuple[Condition | Exposure]:
        p = PartialDate.of(day)
        return (_event(history, code, p, p),)

    def course(first: date, last: date | None) -> tuple[Condition | Exposure]:
        return (_event(history, code, PartialDate.of(first),
                       None if last is None else PartialDate.of(last)),)

    complete = as_of
    what = f"{noun} {code}"
    scenarios: list[tuple[str, Any]] = []
    if not edges_only:
        add(f"no {noun} of {leaf.codes.name} recorded, {history} history complete through as_of",
            (), complete, plain=True)
        add(f"no {noun} recorded and the {history} history not declared complete (missing fact)",
            (), None, plain=True)
        add(f"no {noun} recorded, {history} history complete only through the day before as_of",
            (), as_of - DAY)
        add(f"{what} on as_of ({as_of})", single(as_of), complete, plain=True)
    if not unbounded:
        scenarios += [
            (f"{what} on the window's first day ({start})", lambda: single(start)),
            (f"{what} the day before the window opens ({start - DAY})",
             lambda: single(start - DAY)),
        ]
    scenarios += [
        (f"{what} on as_of ({as_of})", lambda: single(as_of)),
        (f"{what} the day after as_of ({as_of + DAY}, not yet happened)",
         lambda: single(as_of + DAY)),
    ]
    if starting and not unbounded:
        scenarios += [
            (f"{what} starting on the window's first day ({start}), ongoing",
             lambda: course(start, None)),
            (f"{what} starting the day before the window opens ({start - DAY}), ongoing",
             lambda: course(start - DAY, None)),
        ]
    if by_codes and extra_n and not edges_only:
        again = others[0]
        scenarios.append((f"another {noun} of {again} on as_of ({as_of}): {extra_n + 1} "
                          f"{noun}s but {extra_n} different codes",
                          lambda: (_event(history, again, PartialDate.of(as_of),
                                          PartialDate.of(as_of)),)))
    if not edges_only:
        scenarios += [
            (f"{what} ongoing since 30 days before the window", lambda: course(
                anchor - timedelta(days=30), None)),
            (f"{what} starting the day after as_of, ongoing", lambda: course(as_of + DAY, None)),
            (f"{what} dated only to the month of as_of ({as_of:%Y-%m})", lambda: (
                _event(history, code, PartialDate(as_of.year, as_of.month),
                       PartialDate(as_of.year, as_of.month)),)),
            (f"{what} from 30 days before the window, ended on an unknown date", lambda: (
                _event(history, code, PartialDate.of(anchor - timedelta(days=30)),
                       PartialDate()),)),
        ]
        if not unbounded:
            scenarios += [
                (f"{what} ended the day before the window opens", lambda: course(
                    start - timedelta(days=30), start - DAY)),
                (f"{what} ended on the window's first day", lambda: course(
                    start - timedelta(days=30), start)),
                (f"{what} dated only to the month the window opens ({start:%Y-%m})", lambda: (
                    _event(history, code, PartialDate(start.year, start.month),
                           PartialDate(start.year, start.month)),)),
                (f"{what} dated only to the year the window opens ({start.year})", lambda: (
                    _event(history, code, PartialDate(start.year), PartialDate(start.year)),)),
            ]
        else:
            scenarios.append((f"{what} ten years before as_of, ended", lambda: course(
                anchor, anchor + timedelta(days=30))))
    for text, make in scenarios:
        try:
            events = make()
        except (OverflowError, ValueError):
            continue  # the window reaches the start of the calendar
        add(text, events, complete)
    return out
