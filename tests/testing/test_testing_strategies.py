"""trialrules.testing strategies: records() and records_for() (properties over every kind)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from _toolkit_catalog import ALL, AS_OFS, CANCER, CYTOTOXIC, INFECTION, MITOXANTRONE
from helpers import AS_OF
from trialrules import (
    Age,
    AllOf,
    AnyOf,
    AtLeast,
    Criterion,
    Determination,
    Flag,
    Implies,
    Latest,
    Lookback,
    Not,
    OneOf,
    Outcome,
    Placeholder,
    Range,
    Sex,
    Span,
    Threshold,
    TrialRulesError,
    Washout,
)
from trialrules.protocols.nct06228781 import PROTOCOL
from trialrules.testing import boundary_cases, records, records_for
from trialrules.testing import strategies as strategies_module

# Each drawn example builds a record part by part: fewer examples than the profile's
# default keep the suite fast, and the sampled pairs still cover every kind.
FEW = settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])


def _pairs(criteria: dict[str, Criterion]) -> list[tuple[str, Criterion, Outcome]]:
    out = []
    for name, criterion in criteria.items():
        for outcome in Outcome:
            try:
                records_for(criterion, outcome, AS_OF)
            except TrialRulesError:
                continue
            out.append((name, criterion, outcome))
    return out


PAIRS = _pairs(ALL)
NCT_PAIRS = _pairs({c.id or "": c for c in PROTOCOL.criteria})


def test_every_kind_has_every_outcome_but_the_placeholder() -> None:
    got = {(name, outcome) for name, _, outcome in PAIRS}
    for name in ALL:
        if name in ("placeholder", "with-placeholder"):
            continue
        if name == "overlapping-codes":
            # Mitoxantrone within 14 days is a cytotoxic agent within a year: never NOT_MET.
            assert (name, Outcome.NOT_MET) not in got
            continue
        for outcome in Outcome:
            assert (name, outcome) in got, (name, outcome)
    assert ("placeholder", Outcome.UNKNOWN) in got
    assert ("placeholder", Outcome.MET) not in got
    assert ("with-placeholder", Outcome.MET) not in got


@FEW
@given(st.one_of([st.deferred(lambda p=p: st.tuples(st.just(p), records_for(p[1], p[2], AS_OF)))
                  for p in PAIRS]))
def test_records_for_every_kind_give_the_outcome(drawn: tuple[tuple[str, Criterion, Outcome],
                                                             object]) -> None:
    (name, criterion, outcome), record = drawn
    got = criterion.decide(record, AS_OF)  # type: ignore[arg-type]
    assert got is outcome, f"{name}: wanted {outcome.name}, got {got.name}"


@FEW
@given(st.one_of([st.deferred(lambda p=p: st.tuples(
    st.just(p), records_for(p[1], p[2], AS_OF, domains=PROTOCOL.domains))) for p in NCT_PAIRS]))
def test_records_for_each_nct06228781_criterion(drawn: tuple[tuple[str, Criterion, Outcome],
                                                             object]) -> None:
    (_name, criterion, outcome), record = drawn
    assert criterion.decide(record, AS_OF, domains=PROTOCOL.domains) is outcome  # type: ignore[arg-type]


@FEW
@given(st.one_of([st.deferred(lambda d=d: st.tuples(st.just(d), records_for(PROTOCOL, d, AS_OF)))
                  for d in Determination]))
def test_records_for_the_whole_protocol(drawn: tuple[Determination, object]) -> None:
    determination, record = drawn
    assert PROTOCOL.decide(record, AS_OF) is determination  # type: ignore[arg-type]


def test_records_for_refuses_an_impossible_outcome() -> None:
    with pytest.raises(TrialRulesError, match="no record gives MET"):
        records_for(Placeholder("not yet"), Outcome.MET, AS_OF)


def test_records_for_checks_the_kind_of_outcome() -> None:
    with pytest.raises(TypeError, match="Determination"):
        records_for(PROTOCOL, Outcome.MET, AS_OF)
    with pytest.raises(TypeError, match="Outcome"):
        records_for(Flag("x"), Determination.ELIGIBLE, AS_OF)
    with pytest.raises(TypeError, match="Criterion or a Protocol"):
        records_for("edss", Outcome.MET, AS_OF)  # type: ignore[arg-type]


def test_records_for_keeps_nothing_between_calls() -> None:
    # No module-level cache (issue 12): each call builds its own strategy.
    a = records_for(Flag("x"), Outcome.MET, AS_OF)
    assert records_for(Flag("x"), Outcome.MET, AS_OF) is not a


# -- random trees ------------------------------------------------------------------

LEAF_POOL = [
    Range("edss", 3, 6), Range("edss", 2, 4.5, high_inclusive=False), Threshold("edss", "<", 5),
    Threshold("edss_pyramidal", ">=", 3), Range(Age(), 18, 60), Threshold(Age(), ">", 40),
    Threshold(Latest("edss", within=Span(months=3)), ">=", 4), OneOf(Sex(), ["female"]),
    Threshold(Age(unit="months"), "<", 18), Range(Age(unit="days"), 7, 30),
    OneOf(Sex(), ["male", "other"]), Flag("consent"), Flag("pregnant", expected=False),
    Flag("pregnant", assume_false_if=OneOf(Sex(), ["male"])), Washout(CYTOTOXIC, Span(months=1)),
    Washout(MITOXANTRONE, Span(weeks=2)), Lookback(CYTOTOXIC, on="exposures"),
    Lookback(INFECTION, Span()), Lookback(CANCER, Span(years=5)),
    Lookback(INFECTION, Span(months=6), at_least=2), Placeholder("later"),
]


def _trees() -> st.SearchStrategy[Criterion]:
    def extend(children: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
        group = st.lists(children, min_size=1, max_size=3)
        return st.one_of(
            group.map(lambda c: AllOf(*c)), group.map(lambda c: AnyOf(*c)),
            children.map(Not), st.tuples(children, children).map(lambda p: Implies(*p)),
            group.flatmap(lambda c: st.integers(1, len(c)).map(lambda k: AtLeast(k, *c))),
        )

    return st.recursive(st.sampled_from(LEAF_POOL), extend, max_leaves=5)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(_trees(), st.sampled_from(AS_OFS), st.data())
def test_random_trees_keep_the_guarantees(tree: Criterion, as_of: date, data: st.DataObject
                                          ) -> None:
    for case in boundary_cases(tree, as_of):
        assert tree.decide(case.record, case.as_of) is case.expected, str(case)
    outcome = data.draw(st.sampled_from(list(Outcome)))
    try:
        strategy = records_for(tree, outcome, as_of)
    except TrialRulesError:
        return
    record = data.draw(strategy)
    assert tree.decide(record, as_of) is outcome


def _minimal(strategy: st.SearchStrategy[Any], predicate: Callable[[Any], bool],
             max_examples: int = 50) -> Any:
    return find(strategy, predicate, settings=settings(
        database=None, max_examples=max_examples, phases=[Phase.generate, Phase.shrink]))


# -- records() ---------------------------------------------------------------------


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_records_are_valid_for_the_protocol(record: object) -> None:
    # Values sit inside their domains, so evaluation never raises.
    PROTOCOL.evaluate(record, date(2026, 1, 1))  # type: ignore[arg-type]


def test_records_shrink_to_readable_examples() -> None:
    base = date(2026, 1, 1)
    small = _minimal(records(base), lambda r: len(r.observations) > 0 and len(r.exposures) > 0,
                     max_examples=1000)
    assert small.id == "P1"
    assert len(small.observations) == len(small.exposures) == 1
    assert small.observations[0].date.earliest == base
    assert small.exposures[0].start.earliest == base
    assert not small.flags
    assert not small.conditions
    assert small.birth_date is None


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(records(AS_OF, partial_dates=False))
def test_records_without_partial_dates(record: object) -> None:
    for obs in record.observations:  # type: ignore[attr-defined]
        assert obs.date.is_exact
        assert obs.date.earliest <= AS_OF


def test_records_for_shrinks_toward_plain_witnesses() -> None:
    small = _minimal(records_for(Range("edss", 3, 6), Outcome.MET, AS_OF), lambda r: True)
    assert small.id == "P1"
    assert [o.value for o in small.observations] == [4.5]
    assert small.observations[0].date.earliest == AS_OF


def test_noise_never_touches_what_the_criterion_reads() -> None:
    reads = strategies_module._Reads(PROTOCOL.criterion("exclusion.5"))
    assert not reads.foreign("ICD10:C50.9")
    assert reads.foreign("ICD10:J45")
    # Records for a flag gain unrelated facts, and the flag still decides.
    consent = Flag("consent")
    noisy = _minimal(records_for(consent, Outcome.MET, AS_OF), lambda r: bool(r.conditions),
                     max_examples=1000)
    assert [c.code for c in noisy.conditions] == ["ICD10:J45"]
    assert consent.decide(noisy, AS_OF) is Outcome.MET


def test_records_for_also_reaches_values_away_from_the_bounds() -> None:
    edss = Range("edss", 3, 6)
    far = _minimal(records_for(edss, Outcome.NOT_MET, AS_OF),
                   lambda r: any(o.value == 9 for o in r.observations), max_examples=1000)
    assert edss.decide(far, AS_OF) is Outcome.NOT_MET
