"""Hypothesis strategies for criterion trees, protocols and the records they read.

A recursive strategy over every criterion kind and combinator; records draw
from the same small vocabularies (observation codes, flags, code prefixes) so
that generated criteria and records actually meet.
"""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from trialrules import (
    Age,
    AllOf,
    AnyOf,
    AtLeast,
    CodeSet,
    Condition,
    Criterion,
    Domain,
    Exposure,
    Flag,
    Implies,
    Latest,
    Lookback,
    Not,
    Observation,
    OneOf,
    PartialDate,
    Placeholder,
    Protocol,
    Range,
    Record,
    Sex,
    Span,
    Threshold,
    Washout,
)
from trialrules.criteria import OPERATORS

AS_OF = date(2026, 11, 27)
OBS_CODES = ("edss", "edss_pyramidal", "hb")
FLAG_NAMES = ("consent", "pregnant", "active")
PREFIXES = ("ATC:L01", "ATC:L04", "ICD10:C50", "ICD10:B20")

texts = st.text(max_size=12)
labels = st.none() | texts
numbers = st.integers(-5, 20) | st.floats(-5, 20, allow_nan=False, allow_infinity=False)
spans = st.builds(Span, years=st.integers(0, 3), months=st.integers(0, 14),
                  weeks=st.integers(0, 5), days=st.integers(0, 40))

sources = st.one_of(
    st.builds(Age, unit=st.sampled_from(["years", "months", "weeks", "days"])),
    st.builds(Latest, st.sampled_from(OBS_CODES), within=st.none() | spans),
)
code_sets = st.builds(
    CodeSet,
    st.sampled_from(["cytotoxic agents", "immunosuppressants", "cancers", "x"]),
    prefixes=st.frozensets(st.sampled_from(PREFIXES), max_size=3),
    codes=st.frozensets(st.sampled_from(["ATC:L01AA01", "ICD10:C50.9", "RXNORM:1234"]),
                        max_size=2),
)


@st.composite
def ranges(draw: st.DrawFn) -> Range:
    a, b = sorted([draw(numbers), draw(numbers)])
    return Range(draw(sources), a, b, low_inclusive=draw(st.booleans()),
                 high_inclusive=draw(st.booleans()), label=draw(labels))


leaves: st.SearchStrategy[Criterion] = st.one_of(
    ranges(),
    st.builds(Threshold, sources, st.sampled_from(sorted(OPERATORS)), numbers, label=labels),
    st.builds(OneOf, st.just(Sex()), st.frozensets(st.sampled_from(["female", "male", "other"]),
                                                   min_size=1), label=labels),
    st.builds(OneOf, sources, st.frozensets(st.integers(0, 6) | st.sampled_from(["a", "b"]),
                                            min_size=1, max_size=3)),
    st.builds(Flag, st.sampled_from(FLAG_NAMES), st.booleans(), text=st.none() | texts,
              label=labels),
    st.builds(Flag, st.sampled_from(FLAG_NAMES), st.booleans(),
              assume_false_if=st.builds(OneOf, st.just(Sex()), st.just(["male"]))),
    st.builds(Washout, code_sets, spans, label=labels),
    st.builds(Lookback, code_sets, st.none() | spans,
              on=st.sampled_from(["conditions", "exposures"]), at_least=st.integers(1, 3),
              label=labels),
    st.builds(Placeholder, labels),
)


def _extend(children: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
    groups = st.lists(children, min_size=1, max_size=3)
    return st.one_of(
        st.builds(lambda cs, label: AllOf(*cs, label=label), groups, labels),
        st.builds(lambda cs, label: AnyOf(*cs, label=label), groups, labels),
        groups.flatmap(lambda cs: st.integers(1, len(cs)).map(lambda k: AtLeast(k, *cs))),
        st.builds(Not, children, label=labels),
        st.builds(Implies, children, children, label=labels),
    )


#: Any criterion tree: every leaf kind and combinator, nested.
criteria: st.SearchStrategy[Criterion] = st.recursive(leaves, _extend, max_leaves=8)
#: Smaller trees, for whole protocols (deep trees are covered criterion by criterion).
small_criteria: st.SearchStrategy[Criterion] = st.recursive(leaves, _extend, max_leaves=3)


@st.composite
def protocols(draw: st.DrawFn) -> Protocol:
    """Protocols with generated criteria (unique ids assigned by the protocol)."""
    inclusion = draw(st.lists(small_criteria, max_size=3))
    exclusion = draw(st.lists(small_criteria, max_size=3))
    vocabulary = draw(st.dictionaries(st.sampled_from(FLAG_NAMES + OBS_CODES),
                                      st.lists(st.sampled_from(["LOINC:1-8", "SNOMED:123"]),
                                               max_size=2), max_size=2))
    domains = draw(st.dictionaries(st.sampled_from(["hb", "edss", "score"]), domain_values,
                                   max_size=2))
    return Protocol(draw(st.sampled_from(["P1", "NCT0000"])), draw(st.sampled_from(["T", "A trial"])),
                    inclusion=inclusion, exclusion=exclusion, vocabulary=vocabulary,
                    domains=domains)


@st.composite
def _domains(draw: st.DrawFn) -> Domain:
    low, high = sorted([draw(numbers), draw(numbers)])
    return Domain(low, high, step=draw(st.none() | st.sampled_from([1, 0.5, 0.25])),
                  name=draw(st.none() | st.sampled_from(["haemoglobin", "EDSS"])),
                  unit=draw(st.none() | st.just("g/dL")))


domain_values = _domains()

#: Any JSON value (what a hostile or mistaken document may hold anywhere).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6)


partial_dates = st.one_of(
    st.dates(date(2015, 1, 1), date(2027, 12, 31)).map(PartialDate.of),
    st.builds(PartialDate, st.integers(2015, 2027), st.integers(1, 12)),
)


@st.composite
def records(draw: st.DrawFn) -> Record:
    """Records reading the same codes, flags and code sets as the criteria above."""
    # Values on each code's domain (EDSS in half steps, FS scores whole; hb undeclared).
    observations = draw(st.lists(st.one_of(
        st.builds(Observation, st.just("edss"), st.sampled_from([0, 3, 3.5, 6, 6.5, 10]),
                  partial_dates),
        st.builds(Observation, st.just("edss_pyramidal"), st.integers(0, 6), partial_dates),
        st.builds(Observation, st.just("hb"), numbers, partial_dates),
    ), max_size=4))
    events = st.sampled_from(["ATC:L01AA01", "ATC:L04AX01", "ICD10:C50.9", "ICD10:B20"])
    exposures = draw(st.lists(st.builds(Exposure, events, partial_dates, st.none()), max_size=3))
    conditions = draw(st.lists(st.builds(Condition, events, partial_dates, st.none()), max_size=3))
    complete = draw(st.dictionaries(st.sampled_from(["exposures", "conditions"]),
                                    st.just(PartialDate.of(AS_OF)), max_size=2))
    return Record(
        "P", birth_date=draw(st.none() | partial_dates.filter(lambda d: d.latest < AS_OF)),
        sex=draw(st.none() | st.sampled_from(["female", "male"])),
        observations=observations, exposures=exposures, conditions=conditions,
        flags=draw(st.dictionaries(st.sampled_from(FLAG_NAMES), st.booleans())),
        complete=complete)
