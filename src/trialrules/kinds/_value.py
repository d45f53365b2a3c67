"""What the value criteria (Range, Threshold, OneOf) share: judging a source's value."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, localcontext
from typing import Any

from ..engine.context import Context
from ..engine.criterion import Criterion
from ..engine.findings import Finding, finding
from ..engine.reads import Reads
from ..engine.source import Reading, Source
from ..engine.trace import Trace
from ..values.checks import num
from ..values.domains import Domain, is_number
from ..values.errors import InvalidCriterion, InvalidRecord
from ..values.outcomes import Outcome
from ..values.units import is_numeric
from .sources import Latest, Sex

__all__: list[str] = []

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def number(name: str) -> Callable[[Any, Any, Any], None]:
    """A validator: a finite number, not a bool."""
    def check(_: Any, __: Any, value: Any) -> None:
        if not is_number(value):
            raise InvalidCriterion(f"{name}={value!r} must be a finite number (not a bool)",
                                   field=name, value=value,
                                   allowed="a finite number (not true/false, not a string)")

    return check


def boolean(name: str) -> Callable[[Any, Any, Any], None]:
    """A validator: True or False."""
    def check(_: Any, __: Any, value: Any) -> None:
        if not isinstance(value, bool):
            raise InvalidCriterion(f"{name}={value!r} must be True or False",
                                   field=name, value=value, allowed="true or false")

    return check


def numeric_source(instance: Any, _: Any, value: Source) -> None:
    """A validator: numeric comparisons refuse the categorical sex."""
    if isinstance(value, Sex):
        raise InvalidCriterion(
            f"{type(instance).__name__} compares numbers, but sex is categorical; "
            "use OneOf(Sex(), ['female']) instead",
            field="source", value={"kind": "sex"}, allowed="a numeric value source (age or an "
            "observation); sex is categorical, so use one_of")


def _not_numbers(reading: Reading, ctx: Context, source: Source) -> None:
    """Raise for the first value that is not a number, naming the fact it came from."""
    for value, fact in zip(reading.values, reading.evidence or (None,) * len(reading.values),
                           strict=False):
        if not is_numeric(value):
            field = f"{fact.path}.value" if fact is not None else source.describe()
            raise InvalidRecord(field, value, "a number", patient=ctx.record.id)


def _verb(results: set[bool]) -> str:
    if len(results) > 1:
        return "may or may not be"
    return "is" if True in results else "is not"


def _bound_in(criterion: ValueCriterion, ctx: Context) -> str:
    """The bound in words, with the unit of the source's domain in ``ctx``."""
    return criterion.bound_text(criterion.source.unit_in(ctx.domains))


class ValueCriterion(Criterion):
    """A criterion testing a source's value: MET if every possible value passes, NOT_MET if
    none does, else UNKNOWN (also when the value may be absent)."""

    __slots__ = ()
    source: Source
    #: Whether values must be numbers (a record holding text there is bad input).
    numeric: bool = True

    def test(self, value: Any) -> bool:  # pragma: no cover - abstract
        """Whether one value passes."""
        raise NotImplementedError

    def bound_text(self, unit: str | None = None) -> str:  # pragma: no cover - abstract
        """The bound in words: ``between 3 and 6 (both inclusive)``, with ``unit`` after the
        numbers when the source's domain declares one (``below 126 mg/dL (< 126)``)."""
        raise NotImplementedError

    def breakpoints(self) -> tuple[Any, ...] | None:
        """The numbers where ``test`` may change its answer along the number line
        (None: not known, so a run of values is tested value by value)."""
        return None

    def _condense(self, reading: Reading) -> Reading:
        """A run of whole numbers (``range``, as an age from a wide birth interval) cut to the
        few values that decide it: its ends and the whole numbers beside each breakpoint.

        ``test`` is constant between breakpoints, so every stretch of the run on which it
        keeps one answer holds a value kept here: the outcome is the same, at any length.
        """
        values = reading.values
        if type(values) is not range:
            return reading
        points = self.breakpoints()
        if len(values) <= 16 or points is None:
            kept: tuple[Any, ...] = tuple(values)
        else:
            first, last = values[0], values[-1]
            keep = {first, last}
            for point in points:
                if isinstance(point, int | float) and not isinstance(point, bool):
                    base = math.floor(point)
                    keep.update(min(max(base + d, first), last) for d in (-1, 0, 1, 2))
            kept = tuple(sorted(keep))
        return reading._replace(values=kept, texts=reading.texts[:1] * len(kept))

    def judge(self, ctx: Context, why: Trace | None) -> Outcome:
        source = self.source
        reading = source.read(ctx, why is not None)
        values = reading.values
        if type(values) is range:
            reading = self._condense(reading)
            values = reading.values
        if self.numeric:
            for value in values:
                # (An int is numeric: is_numeric is called for the other types.)
                if type(value) is not int and not is_numeric(value):
                    # read with evidence, to name the offending fact
                    _not_numbers(source.read(ctx, True), ctx, source)
        results = list(map(self.test, values))
        if reading.missing is not None:  # the value may be absent (or none is recorded)
            outcome = UNKNOWN
        elif True in results:
            outcome = UNKNOWN if False in results else MET
        else:  # every value fails, or the source says there is none at all
            outcome = NOT_MET
        if why is not None:
            self._because(ctx, why, reading, results, outcome)
        return outcome

    def _bound(self, ctx: Context) -> str:
        """The bound in words, rendered once per batch (the criterion is frozen)."""
        text: str = ctx.shared.plan(self, ctx, _bound_in)
        return text

    def _because(self, ctx: Context, why: Trace, reading: Reading, results: list[bool],
                 outcome: Outcome) -> None:
        bound: str = ctx.shared.plan(self, ctx, _bound_in)  # see _bound
        if len(results) == 1 and reading.missing is None:
            verb = "is" if results[0] else "is not"
            why.because(f"{reading.texts[0]} {verb} {bound}", reading.evidence)
            return
        if not results:
            if reading.missing is None:  # none exists (a complete history records none)
                why.because(f"no {reading.precise}, so it is not {bound}", reading.evidence)
                return
            if reading.texts:  # the source says in words what it found instead
                why.because(f"{reading.texts[0]}, so {bound} cannot be decided",
                            reading.evidence, (reading.missing,))
                return
            why.because(f"no {reading.missing} is recorded, so {bound} cannot be decided",
                        missing=(reading.missing or "",))
            return
        verdicts: dict[str, set[bool]] = {}
        for text, ok in zip(reading.texts, results, strict=True):
            verdicts.setdefault(text, set()).add(ok)
        # One text can stand for several possible values (an age from a partial birth date).
        reason = "; ".join(f"{text} {_verb(oks)} {bound}" for text, oks in verdicts.items())
        missing: tuple[str, ...] = ()
        if outcome is UNKNOWN:
            if reading.missing is not None:
                missing = (reading.missing,)
                reason += f", but it may not count: needs {reading.missing}"
            else:
                missing = (reading.precise or
                           f"the exact date of {self.source.describe(ctx.domains)}",)
                reason += " (the possible values disagree)"
        why.because(reason, reading.evidence, missing)

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return f"{self.source.describe(domains)} is {self.bound_text(self.source.unit_in(domains))}"

    def reads(self) -> Reads:
        return self.source.reads()

    # -- lint -----------------------------------------------------------------

    def interval(self) -> tuple[float, bool, float, bool] | None:
        """The values accepted, as (low, low inclusive, high, high inclusive), if an interval."""
        return None

    def bounds(self) -> tuple[float, ...]:
        """The bounds as written (for lint's outside-the-domain check)."""
        return ()

    def lint(self, node_id: str, domains: Mapping[str, Domain]) -> list[Finding]:
        out: list[Finding] = []
        interval = self.interval()
        if interval is not None:
            out += _bounds(self, node_id, interval, domains)
        source = self.source
        codes = getattr(source, "codes", None)  # a source over a code set (ExposureDays)
        if codes is not None and not codes.prefixes and not codes.codes:
            out.append(finding("empty-code-set", [node_id],
                               f"the code set {codes.name!r} holds no codes, so it matches "
                               "nothing"))
        if isinstance(source, Latest):
            if source.within is not None and source.within.is_zero:
                out.append(finding("zero-length-window", [node_id],
                                   f"{source.code} must be measured on the reference date "
                                   "itself (a recency window of zero length)"))
            if self.numeric and source.code not in domains:
                out.append(finding("undeclared-domain", [node_id],
                                   f"observation {source.code!r} has no declared domain, so "
                                   "recorded values are not checked; declare one in domains"))
        return out


def _bounds(node: ValueCriterion, node_id: str, interval: tuple[float, bool, float, bool],
            domains: Mapping[str, Domain]) -> list[Finding]:
    lo, lo_in, hi, hi_in = interval
    what = node.describe(domains)
    if lo > hi or (lo == hi and not (lo_in and hi_in)):
        return [finding("empty-range", [node_id], f'no value can satisfy "{what}"')]
    domain = node.source.domain(domains)
    if domain is None:
        return []
    points = _admitted(domain, lo, lo_in, hi, hi_in)
    if points == 0:
        return [finding("empty-range", [node_id],
                        f'no value can satisfy "{what}": the domain is {domain.describe()}')]
    if _covers(domain, lo, lo_in, hi, hi_in):
        return [finding("always-met-bound", [node_id],
                        f'every value in the domain ({domain.describe()}) satisfies "{what}", '
                        "so it only checks that a value is recorded")]
    out = []
    for end in node.bounds():
        if not domain.low <= end <= domain.high:
            out.append(finding("bound-outside-domain", [node_id],
                               f"the bound {num(end)} is outside the domain "
                               f'({domain.describe()}) in "{what}"'))
    return out


def _covers(domain: Domain, lo: float, lo_in: bool, hi: float, hi_in: bool) -> bool:
    """True when every value of the domain lies in the interval."""
    if domain.step is not None:
        whole = _admitted(domain, -math.inf, False, math.inf, False)
        return _admitted(domain, lo, lo_in, hi, hi_in) == whole
    return ((lo < domain.low or (lo == domain.low and lo_in))
            and (hi > domain.high or (hi == domain.high and hi_in)))


def _admitted(domain: Domain, lo: float, lo_in: bool, hi: float, hi_in: bool) -> float:
    """How many domain values lie in the interval (inf for a continuous domain's interval)."""
    # Exact decimal arithmetic with room for any float's digits (1e308 / 5e-324).
    with localcontext(prec=1_200):
        return _count(domain, lo, lo_in, hi, hi_in)


def _count(domain: Domain, lo: float, lo_in: bool, hi: float, hi_in: bool) -> float:
    d_lo, d_hi = Decimal(repr(domain.low)), Decimal(repr(domain.high))
    if domain.step is None:
        lo_ok = lo < domain.high or (lo == domain.high and lo_in)
        hi_ok = hi > domain.low or (hi == domain.low and hi_in)
        if not (lo_ok and hi_ok and lo <= hi):
            return 0
        # A continuous domain: count as many; report a single point as one.
        a = max(Decimal(repr(lo)) if math.isfinite(lo) else d_lo, d_lo)
        b = min(Decimal(repr(hi)) if math.isfinite(hi) else d_hi, d_hi)
        return 1 if a == b else math.inf
    step = Decimal(repr(domain.step))
    last = int((d_hi - d_lo) // step)  # grid points are d_lo + k * step, k = 0..last
    first_k, last_k = 0, last
    if math.isfinite(lo):
        q = (Decimal(repr(lo)) - d_lo) / step
        k = math.ceil(q)
        if k == q and not lo_in:
            k += 1
        first_k = max(first_k, k)
    if math.isfinite(hi):
        q = (Decimal(repr(hi)) - d_lo) / step
        k = math.floor(q)
        if k == q and not hi_in:
            k -= 1
        last_k = min(last_k, k)
    return max(0, last_k - first_k + 1)


def range_gaps(node_id: str, children: Iterable[Criterion],
               domains: Mapping[str, Domain]) -> list[Finding]:
    """Values between ranges joined by "or" on one source: "140-199 or > 200" leaves (199, 200].

    Reported only where the gap holds a value of the source's domain (none on a
    whole-number scale between "0-2 or 3-6"), and never inside or beyond the ranges.
    """
    by_source: dict[Any, list[ValueCriterion]] = {}
    for child in children:
        if isinstance(child, ValueCriterion) and child.interval() is not None:
            by_source.setdefault(child.source, []).append(child)
    out = []
    for source, parts in by_source.items():
        if len(parts) < 2:
            continue
        domain = source.domain(domains)
        # Ranges that admit nothing (an empty-range finding of their own) cover nothing.
        pieces = sorted((i for i in (p.interval() for p in parts) if i is not None
                         and (i[0] < i[2] or (i[0] == i[2] and i[1] and i[3]))
                         and (domain is None or _admitted(domain, *i) > 0)),
                        key=lambda i: (i[0], not i[1]))
        merged: list[list[Any]] = []
        for lo, lo_in, hi, hi_in in pieces:
            last = merged[-1] if merged else None
            if last is not None and (lo < last[2] or (lo == last[2] and (lo_in or last[3]))):
                if hi > last[2] or (hi == last[2] and hi_in):
                    last[2], last[3] = hi, hi_in
                continue
            merged.append([lo, lo_in, hi, hi_in])
        for left, right in itertools.pairwise(merged):
            gap = (left[2], not left[3], right[0], not right[1])
            if domain is not None and _admitted(domain, *gap) == 0:
                continue
            shown = (num(gap[0]) if gap[0] == gap[2] else
                     f"{'[' if gap[1] else '('}{num(gap[0])}, {num(gap[2])}"
                     f"{']' if gap[3] else ')'}")
            what = " or ".join(f'"{p.describe(domains)}"' for p in parts)
            out.append(finding("range-gap", [node_id],
                               f"{what} leave {shown} uncovered: a value there meets "
                               "none of them; say so if that is intended"))
    return out
