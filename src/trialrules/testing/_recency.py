"""Recency cases: how old an observation may be and still count.

Boundary cases date every observation on or near the reference date, so a
recency window added by mistake ("EDSS within 3 months" where the protocol
sets no limit) changes nothing they see. For a value read from observations
with no recency window, these cases move the deciding observation ten years
back: it still counts, with the same label.

Windows that are set get edge cases: the fact that decides the outcome on
the window's first day, and the same fact the day before it opens, each
labelled from the window arithmetic (``Span.before``) and the leaf's own
bounds, and repeated on every reference date :mod:`._refdates` picks for the
span (so "3 months" is told from "90 days"). Per windowed source
(:func:`window_edge_cases`):

- a latest value within a span (``Latest(within=...)``): the leaf's own cases
  (:func:`._leaves._latest_cases`) put the deciding observation on the first
  day and the day before;
- a change over a window (``Change``): the first observation of the change on
  the window's first day (two values: decided) and the day before (one value
  left: UNKNOWN); an earlier value the day before the window that would give
  the other outcome if it counted;
- any value in a window (``AnyObservation``): the one passing value on the
  first day (MET) and the day before (NOT_MET, history complete);
- cumulative days (``ExposureDays``): for each count at which the outcome
  turns (the last allowed count and one more), a course of that many days
  starting on the window's first day, and the same course one day earlier
  (a day fewer in the window); an ongoing course of that many days.

The notion of "no window" is generic: any leaf whose source has a window field
(:func:`._refdates.window_spans`) left empty and whose facts are observations
(``("obs", code)`` keys) gets the old-observation cases.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from ..engine.criterion import Criterion
from ..kinds.criteria import AnyObservation, OneOf, Range, Threshold
from ..kinds.sources import Change, ExposureDays
from ..values.domains import Domain
from ..values.outcomes import Outcome
from ..values.records import Exposure, Observation
from ._facts import Facts, complete_key, events_key, obs_key
from ._leaves import (
    LeafCase,
    _grid_values,
    change_pair,
    grid_change_pairs,
    grid_step,
    passes,
    representative,
)
from ._refdates import window_spans

__all__ = ["recency_cases", "window_edge_cases"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
DAY = timedelta(days=1)

#: How far back the "old observation" is moved.
OLD = relativedelta(years=10)


def recency_cases(leaf: Criterion, as_of: date, cases: list[LeafCase]) -> list[LeafCase]:
    """For a leaf reading observations with no recency window (a ``within`` or ``span`` left
    empty, or no such field): its plain cases, ten years older.

    Only cases whose observations are all exact and dated ``as_of`` are moved
    (one MET and one NOT_MET witness); the label is unchanged because no window
    limits how old the observation may be.
    """
    # A window that is set limits the age: its edges are cases of their own (below). No
    # window field at all (a multiple of the reference limit) is no limit either.
    if any(s is not None for s in window_spans(leaf)):
        return []
    out: list[LeafCase] = []
    seen: set[object] = set()
    for case in cases:
        if case.as_of != as_of or not case.plain or case.outcome in seen:
            continue
        keys = [k for k in case.facts if k[0] == "obs"]
        observations = [o for k in keys for o in case.facts[k]]
        if not keys or not observations or not all(
                isinstance(o, Observation) and o.date.is_exact and o.date.earliest == as_of
                for o in observations):
            continue
        try:
            old = as_of - OLD
        except (OverflowError, ValueError):  # pragma: no cover - as_of before year 11
            return out
        facts = dict(case.facts)
        for key in keys:
            facts[key] = tuple(attrs.evolve(o, date=old) for o in facts[key])
        values = ", ".join(f"{o.code} {o.value!r}" for o in observations)
        out.append(LeafCase(facts, case.outcome,
                            f"{values} observed ten years before as_of ({old}); no recency "
                            "window, so the old observation still counts", as_of))
        seen.add(case.outcome)
    return out


def _label(ok: bool) -> Outcome:
    return MET if ok else NOT_MET


def _show(value: Any) -> str:
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(int(value))
        text = str(float(value))
        return text if len(text) <= 8 else f"about {float(value):.2f}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def window_edge_cases(leaf: Criterion, as_of: date, domains: Mapping[str, Domain]
                      ) -> list[LeafCase]:
    """The window-edge cases of a leaf whose value comes from a window (module text)."""
    if isinstance(leaf, AnyObservation):
        return list(_any_observation_edges(leaf, as_of, domains))
    if isinstance(leaf, Range | Threshold):
        source = leaf.source
        if isinstance(source, ExposureDays):
            return list(_exposure_days_edges(leaf, source, as_of))
        if isinstance(source, Change):
            return list(_change_edges(leaf, source, as_of, domains))
    return []


def _start(span: Any, as_of: date) -> date | None:
    try:
        start: date = span.before(as_of)
        if start == date.min:  # the day before the window must exist too
            return None
    except (OverflowError, ValueError):
        return None
    return start


# -- cumulative days ------------------------------------------------------------------


def _turning_counts(leaf: Range | Threshold, most: int, limit: int = 4) -> list[int]:
    """Counts v (1..most) at which the outcome turns: passes(v) differs from passes(v - 1)."""
    out = []
    for v in range(1, most + 1):
        if passes(leaf, v) != passes(leaf, v - 1):
            out.append(v)
            if len(out) == limit:
                break
    return out


def _exposure_days_edges(leaf: Range | Threshold, source: ExposureDays, as_of: date
                         ) -> Iterator[LeafCase]:
    start = _start(source.span, as_of)
    if start is None:
        return
    code = representative(source.codes)
    key, ckey = events_key("exposures", source.codes), complete_key("exposures")
    days = (as_of - start).days + 1  # days in the window, both ends included
    name = f"days of exposure to {source.codes.name}"

    def case(first: date, last: date | None, count: int, text: str) -> LeafCase:
        facts: Facts = {key: (Exposure(code, first, last),), ckey: as_of}
        return LeafCase(facts, _label(passes(leaf, count)), f"{name} {count}: {text}", as_of)

    for v in _turning_counts(leaf, days):
        course = f"a {v}-day course of {code}"
        yield case(start, start + (v - 1) * DAY, v,
                   f"{course} starting on the window's first day ({start})")
        yield case(start - DAY, start + (v - 2) * DAY, v - 1,
                   f"{course} starting the day before the window opens ({start - DAY}), "
                   f"{v - 1} of its days in the window")
        yield case(as_of - (v - 1) * DAY, None, v,
                   f"{code} ongoing since {as_of - (v - 1) * DAY} (through as_of)")


# -- change over a window -------------------------------------------------------------


def _candidates(leaf: Range | Threshold, step: Decimal) -> list[Decimal]:
    bounds = [leaf.low, leaf.high] if isinstance(leaf, Range) else [leaf.bound]
    out: list[Decimal] = []
    for bound in bounds:
        b = Decimal(repr(bound)) if isinstance(bound, float) else Decimal(bound)
        for k in (0, 1, -1, 2, -2):
            out.append(b + k * step)
    return out


def _value(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def _exact(value: Any) -> Fraction:
    """A number as written: 250.1 is 2501/10, not the nearest binary double."""
    return Fraction(Decimal(repr(value))) if isinstance(value, float) else Fraction(value)


def _change_of(source: Change, first: Any, last: Any) -> Fraction | None:
    a, b = _exact(first), _exact(last)
    if source.relative:
        return None if a == 0 else (b - a) / a * 100
    return b - a


def _absolute(value: int | float, domain: Domain | None) -> tuple[Any, Any] | None:
    """An absolute change from the domain's middle (1000 without a domain)."""
    if domain is None:
        first = Decimal(1000)
    else:
        low, high = Decimal(repr(domain.low)), Decimal(repr(domain.high))
        half = (high - low) / 2
        if domain.step is not None:
            step = Decimal(repr(domain.step))
            half = (half / step).to_integral_value(rounding="ROUND_FLOOR") * step
        first = low + half
    last = first + Decimal(repr(value))
    pair = (_value(first), _value(last))
    return pair if all(_fits(domain, x) for x in pair) else None


def _fits(domain: Domain | None, value: Any) -> bool:
    return value >= 0 and (domain is None or domain.contains(value))


def _change_edges(leaf: Range | Threshold, source: Change, as_of: date,
                  domains: Mapping[str, Domain]) -> Iterator[LeafCase]:
    start = _start(source.span, as_of)
    if start is None or start >= as_of:
        return
    bounds = [leaf.low, leaf.high] if isinstance(leaf, Range) else [leaf.bound]
    step = grid_step(source, domains, bounds)
    domain = domains.get(source.code)
    code = source.code
    # Each change as a (first, last) pair on the code's domain: for an absolute change
    # from the domain's middle (1000 without a domain), where a relative reading of the
    # same values differs; a relative one from 100 (and below, from 200).
    found: dict[bool, tuple[Any, Any, Fraction]] = {}
    for change in _candidates(leaf, step):
        value = _value(change)
        pair = change_pair(source, value, domain) if source.relative else _absolute(
            value, domain)
        if pair is None:
            continue
        exact = _change_of(source, *pair)
        if exact is None:
            continue
        found.setdefault(passes(leaf, exact), (*pair, exact))
    for exact, pair in grid_change_pairs(leaf, source, domain):  # a coarse grid
        found.setdefault(passes(leaf, exact), (*pair, exact))
    for ok, (first, last, exact) in sorted(found.items()):
        label = _label(ok)
        what = f"{'relative ' if source.relative else ''}change in {code} {_show(exact)}"

        def obs(value: Any, day: date) -> Observation:
            return Observation(code, value, day)

        yield LeafCase({obs_key(code): (obs(first, start), obs(last, as_of))}, label,
                       f"{what}: first value on the window's first day ({start}), last on "
                       "as_of", as_of)
        yield LeafCase({obs_key(code): (obs(first, start - DAY), obs(last, as_of))}, UNKNOWN,
                       f"{code} {_show(first)} the day before the window opens ({start - DAY}) "
                       f"and {_show(last)} on as_of: one value in the window (missing fact)",
                       as_of)
        if source.relative:  # a percent of another first value
            double = (_value(Decimal(repr(first)) * 2), _value(Decimal(repr(last)) * 2))
            if all(_fits(domain, x) for x in double) and _change_of(source, *double) == exact:
                yield LeafCase({obs_key(code): (obs(double[0], start), obs(double[1], as_of))},
                               label, f"{what}: {code} {_show(double[0])} on the window's "
                               f"first day, {_show(double[1])} on as_of", as_of)
        # An earlier value just outside the window that would flip the outcome if it counted.
        other = _flipping_first(leaf, source, last, ok, domain, first)
        if other is not None:
            flipped = _change_of(source, other, last)
            yield LeafCase(
                {obs_key(code): (obs(other, start - DAY), obs(first, start), obs(last, as_of))},
                label, f"{what}: {code} {_show(other)} the day before the window opens "
                f"({start - DAY}, a change of {_show(flipped)} if it counted), "
                f"{_show(first)} on the window's first day, {_show(last)} on as_of", as_of)


def _flipping_first(leaf: Range | Threshold, source: Change, last: Any, ok: bool,
                    domain: Domain | None, near: Any) -> Any | None:
    """A first value, near ``near``, whose change to ``last`` gives the other outcome."""
    base = Decimal(repr(near)) if isinstance(near, float) else Decimal(near)
    for k in range(1, 400):
        for sign in (1, -1):
            value = _value(base + sign * k)
            if not _fits(domain, value):
                continue
            change = _change_of(source, value, last)
            if change is not None and passes(leaf, change) is not ok:
                return value
    return None


# -- any value in a window ------------------------------------------------------------


def _any_observation_edges(leaf: AnyObservation, as_of: date, domains: Mapping[str, Domain]
                           ) -> Iterator[LeafCase]:
    start = _start(leaf.span, as_of)
    if start is None:
        return
    inner = leaf.criterion
    code = inner.source.code  # type: ignore[attr-defined]
    good = _passing_value(inner, domains)
    if good is None:
        return
    key, ckey = obs_key(code), complete_key("observations")
    yield LeafCase({key: (Observation(code, good, start),), ckey: as_of}, MET,
                   f"{code} {_show(good)} (passes) on the window's first day ({start}), "
                   "observations history complete", as_of)
    yield LeafCase({key: (Observation(code, good, start - DAY),), ckey: as_of}, NOT_MET,
                   f"{code} {_show(good)} (passes) only the day before the window opens "
                   f"({start - DAY}), observations history complete", as_of)


def _passing_value(inner: Criterion, domains: Mapping[str, Domain]) -> Any | None:
    if isinstance(inner, OneOf):
        values = sorted(inner.values, key=lambda v: (isinstance(v, str), v))
        return values[0] if values else None
    if not isinstance(inner, Range | Threshold):
        return None
    source = inner.source
    bounds = [inner.low, inner.high] if isinstance(inner, Range) else [inner.bound]
    step = grid_step(source, domains, bounds)
    domain = source.domain(domains)
    for change in _candidates(inner, step):
        value = _value(change)
        if (domain is None or domain.contains(value)) and passes(inner, value):
            return value
    if domain is not None and domain.step is not None:  # a bound off the domain's grid
        for grid in _grid_values(domain, 1000):
            value = _value(grid)
            if passes(inner, value):
                return value
    return None
