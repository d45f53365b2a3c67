"""Hypothesis strategies: valid patient records, and records for which a criterion gives an outcome.

This module imports hypothesis; ``trialrules.testing`` loads it lazily.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import strategies as st

from ..engine.criterion import Criterion
from ..protocol.protocol import Protocol
from ..values.dates import PartialDate
from ..values.domains import STANDARD_DOMAINS, Domain
from ..values.errors import TrialRulesError
from ..values.outcomes import Determination, Outcome
from ..values.records import SEXES, Condition, Exposure, Observation, Record
from ._facts import BIRTH, SEX, Facts, build
from .boundaries import Builder, _node_and_domains

__all__ = ["records", "records_for"]

T = TypeVar("T")

#: The reference date records() generates facts around when no base is given.
BASE_DATE = date(2026, 1, 1)

_CONDITION_CODES = ("ICD10:G35", "ICD10:J45", "ICD10:C50.9", "ICD10:B20")
_EXPOSURE_CODES = ("ATC:L04AA23", "ATC:N02BE01", "ATC:L01DB07", "ATC:L01AA01")
_FLAG_NAMES = ("consent", "smoker", "disease_activity", "pregnancy_or_risk")
#: Facts no protocol reads unless it says so: used as irrelevant noise.
_NOISE_OBS = (("weight_kg", (50, 60, 70, 80, 90)), ("height_cm", (150, 160, 170, 180)))
_NOISE_FLAGS = ("smoker", "vaccinated_influenza", "lives_alone")
_NOISE_EVENTS = (("conditions", "ICD10:J45"), ("conditions", "ICD10:K21.9"),
                 ("exposures", "ATC:N02BE01"), ("exposures", "ATC:A02BC01"))

_OUTCOME_OF = {Determination.ELIGIBLE: Outcome.MET, Determination.INELIGIBLE: Outcome.NOT_MET,
               Determination.NEEDS_REVIEW: Outcome.UNKNOWN}


def _grid(domain: Domain, limit: int = 200) -> list[int | float]:
    """The values of a stepped domain, smallest first (shrinks toward ``low``)."""
    step = Decimal(repr(domain.step)) if isinstance(domain.step, float) else Decimal(domain.step or 1)
    low = Decimal(repr(domain.low)) if isinstance(domain.low, float) else Decimal(domain.low)
    out: list[int | float] = []
    value = low
    while value <= Decimal(repr(domain.high)) and len(out) < limit:
        out.append(int(value) if value == value.to_integral_value() else float(value))
        value += step
    return out


def _day(base: date, max_days: int) -> st.SearchStrategy[date]:
    """Days on or before ``base``, shrinking toward ``base``."""
    return st.integers(0, max_days).map(lambda n: base - timedelta(days=n))


def _partial(base: date, max_days: int, partial: bool) -> st.SearchStrategy[PartialDate]:
    exact = _day(base, max_days).map(PartialDate.of)
    if not partial:
        return exact
    precision = st.sampled_from(("day", "month", "year"))
    return st.tuples(_day(base, max_days), precision).map(
        lambda p: PartialDate.of(p[0]) if p[1] == "day"
        else PartialDate(p[0].year, p[0].month) if p[1] == "month" else PartialDate(p[0].year))


def _events(kind: type[Condition] | type[Exposure], codes: Sequence[str], base: date,
            partial: bool, max_size: int) -> st.SearchStrategy[list[Any]]:
    def make(args: tuple[str, PartialDate, int | None]) -> Any:
        code, begin, length = args
        if length is None:
            return kind(code, begin, None)
        if not begin.is_exact:
            return kind(code, begin, begin)
        return kind(code, begin, PartialDate.of(begin.earliest + timedelta(days=length)))

    one = st.tuples(st.sampled_from(codes), _partial(base, 3650, partial),
                    st.none() | st.integers(0, 90)).map(make)
    return st.lists(one, max_size=max_size)


def records(base: date = BASE_DATE, *, domains: Mapping[str, Domain] | None = None,
            condition_codes: Sequence[str] = _CONDITION_CODES,
            exposure_codes: Sequence[str] = _EXPOSURE_CODES,
            flag_names: Sequence[str] = _FLAG_NAMES, partial_dates: bool = True,
            max_facts: int = 3) -> st.SearchStrategy[Record]:
    """Valid patient records with facts dated on or before ``base``.

    Observations use the codes of ``domains`` (the standard EDSS and FS scores
    by default) with values on their grids. Examples shrink toward a small id,
    few facts and dates on ``base``.

    >>> from hypothesis import given
    >>> @given(records())
    ... def test_any_record_has_an_id(record):
    ...     assert record.id.startswith("P")
    >>> test_any_record_has_an_id()
    """
    domains = STANDARD_DOMAINS if domains is None else domains
    codes = sorted(code for code, d in domains.items() if d.step is not None)
    when = _partial(base, 730, partial_dates)
    observation = st.one_of([st.builds(Observation, st.just(code),
                                       st.sampled_from(_grid(domains[code])), when)
                             for code in codes])
    complete = st.dictionaries(st.sampled_from(("conditions", "exposures", "observations")),
                               _day(base + timedelta(days=30), 400), max_size=3)
    return st.builds(
        Record,
        st.integers(1, 999).map(lambda n: f"P{n}"),
        birth_date=st.none() | _partial(base, 365 * 100, partial_dates),
        sex=st.none() | st.sampled_from(sorted(SEXES)),
        observations=st.lists(observation, max_size=max_facts) if codes else st.just([]),
        conditions=_events(Condition, condition_codes, base, partial_dates, max_facts)
        if condition_codes else st.just([]),
        exposures=_events(Exposure, exposure_codes, base, partial_dates, max_facts)
        if exposure_codes else st.just([]),
        flags=st.dictionaries(st.sampled_from(flag_names), st.booleans(), max_size=max_facts)
        if flag_names else st.just({}),
        complete=complete,
    )


class _Reads:
    """What a criterion tree reads, so that noise stays away from it."""

    def __init__(self, node: Criterion) -> None:
        self.codes: set[str] = set()
        self.flags: set[str] = set()
        self.codesets: list[Any] = []
        self.histories: set[str] = set()
        self.age = self.sex = False
        reads = node.reads()  # what each kind declares it looks at
        self.codes.update(reads.observations)
        self.flags.update(reads.flags)
        self.codesets.extend(codes for _, codes in sorted(reads.events, key=repr))
        self.histories.update(reads.histories)
        if reads.observations:
            # A latest value with nothing recorded reads whether the observations history
            # is complete (NOT_MET then, not UNKNOWN): that completeness is not noise.
            self.histories.add("observations")
        self.age = reads.birth_date
        self.sex = reads.sex

    def foreign(self, code: str) -> bool:
        return not any(code in codes for codes in self.codesets)


def _noise(reads: _Reads, as_of: date) -> st.SearchStrategy[dict[tuple[Any, ...], Any]]:
    """A few facts the criterion does not read: they must not change its outcome."""
    later = as_of + timedelta(days=60)
    items: list[st.SearchStrategy[tuple[tuple[Any, ...], Any]]] = []
    for code, values in _NOISE_OBS:
        if code not in reads.codes:
            items.append(st.tuples(st.just(("obs", code)), st.tuples(st.builds(
                Observation, st.just(code), st.sampled_from(values), _day(later, 800)))))
    flags = [name for name in _NOISE_FLAGS if name not in reads.flags]
    if flags:
        items.append(st.tuples(st.sampled_from(flags).map(lambda n: ("flag", n)), st.booleans()))
    for history, code in _NOISE_EVENTS:
        if reads.foreign(code):
            kind = Exposure if history == "exposures" else Condition
            items.append(st.tuples(st.just(("noise", history, code)),
                                   _events(kind, [code], later, True, 1).map(tuple)))
    histories = [h for h in ("conditions", "exposures", "observations") if h not in reads.histories]
    if histories:
        items.append(st.tuples(st.sampled_from(histories).map(lambda h: ("complete", h)),
                               _day(later, 400)))
    if not reads.age:
        items.append(st.tuples(st.just(BIRTH), _partial(as_of, 365 * 90, True)))
    if not reads.sex:
        items.append(st.tuples(st.just(SEX), st.sampled_from(sorted(SEXES))))
    if not items:
        return st.just({})
    return st.lists(st.one_of(items), max_size=3, unique_by=lambda kv: kv[0]).map(dict)


def _with_noise(facts: Facts, noise: Mapping[tuple[Any, ...], Any]) -> dict[tuple[Any, ...], Any]:
    out = dict(facts)
    for key, value in noise.items():
        if key[0] == "noise":
            out[("events", key[1], key[2])] = value
        elif key not in out:
            out[key] = value
    return out


def records_for(criterion: Criterion | Protocol, outcome: Outcome | Determination, as_of: date, *,
                domains: Mapping[str, Domain] | None = None) -> st.SearchStrategy[Record]:
    """Records for which ``criterion`` gives ``outcome`` on ``as_of``, biased toward its boundaries.

    ``criterion`` is a criterion (with an ``Outcome``) or a protocol (with a
    ``Determination``). Records start from the criterion's boundary cases or
    from facts built part by part to give the outcome, then gain facts the
    criterion never reads (other observations, flags, codes). Raises
    ``TrialRulesError`` at once when no record can give the outcome (a
    Placeholder is never MET).

    >>> from datetime import date
    >>> from hypothesis import given
    >>> from trialrules import Outcome, Range
    >>> edss = Range("edss", 3, 6)
    >>> @given(records_for(edss, Outcome.NOT_MET, date(2026, 11, 27)))
    ... def test_outside(record):
    ...     assert edss.decide(record, date(2026, 11, 27)) is Outcome.NOT_MET
    >>> test_outside()
    """
    return _records_for(criterion, outcome, as_of, domains)


def _records_for(target: Criterion | Protocol, outcome: Outcome | Determination, as_of: date,
                 domains: Mapping[str, Domain] | None) -> st.SearchStrategy[Record]:
    node, domains = _node_and_domains(target, domains)
    if isinstance(target, Protocol):
        if not isinstance(outcome, Determination):
            raise TypeError(f"a protocol's records_for takes a Determination, got {outcome!r}")
        wanted = _OUTCOME_OF[outcome]
    else:
        if not isinstance(outcome, Outcome):
            raise TypeError(f"a criterion's records_for takes an Outcome, got {outcome!r}")
        wanted = outcome
    builder = Builder(domains, spread=True)
    seeds = [c.facts for c in builder.cases(node, node.id, as_of)
             if c.outcome is wanted and c.as_of == as_of]
    if not seeds and builder.realize(node, wanted, as_of, {}, lambda o: o) is None:
        raise TrialRulesError(f"no record gives {outcome.name} for {node.id or node!r} "
                              f"as of {as_of}")
    reads = _Reads(node)
    noise = _noise(reads, as_of)

    @st.composite
    def strategy(draw: st.DrawFn) -> Record:
        facts: Facts | None = None
        if not seeds or draw(st.booleans()):
            def choose(options: Sequence[T]) -> Sequence[T]:
                if len(options) < 2:
                    return options
                i = draw(st.integers(0, len(options) - 1))
                return [*options[i:], *options[:i]]

            facts = builder.realize(node, wanted, as_of, {}, choose)
        if facts is None and not seeds:
            facts = builder.realize(node, wanted, as_of, {}, lambda o: o)
        if facts is None:
            facts = draw(st.sampled_from(seeds))
        number = draw(st.integers(1, 99))
        return build(_with_noise(facts, draw(noise)), f"P{number}", builder.domains)

    return strategy()

