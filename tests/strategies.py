"""Shared hypothesis strategies: dates, spans, records, criterion trees and protocols.

Everything here builds *valid* values: records whose observation values lie in
their declared domains (``STANDARD_DOMAINS`` plus the categorical codes below),
events whose end is never before their start, and criteria that only test
numeric codes with numeric criteria. So any criterion from :func:`criteria`
evaluates without raising against any record from :func:`records` whose birth
date is on or before ``as_of`` (use :func:`as_of_dates` and ``records(as_of=...)``).

The last section (:func:`any_criteria`, :func:`protocols`, :func:`protocol_records`)
widens the leaves to the whole constructor surface (free-text labels, age units,
flag text, negative and fractional bounds, undeclared codes) for serialization
round trips; those criteria may refuse a record, so evaluate them expecting
``TrialRulesError``. Arbitrary (hostile) JSON lives in ``json_strategies``.

The code and flag universes are deliberately small, so generated criteria and
records meet often: a washout usually finds an exposure to look at.

Typical use::

    import strategies as ts  # tests/ is on sys.path under pytest

    @given(ts.criteria(), ts.scenarios())
    def test_something(criterion, scenario):
        record, as_of = scenario
        ...
"""

from __future__ import annotations

import calendar
import functools
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from helpers import AS_OF
from trialrules import (
    STANDARD_DOMAINS,
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
    Outcome,
    PartialDate,
    Placeholder,
    Protocol,
    Range,
    Record,
    Sex,
    Source,
    Span,
    Threshold,
    Washout,
)
from trialrules.kinds.combinators import Anchored
from trialrules.kinds.criteria import OPERATORS, AnyObservation
from trialrules.kinds.sources import Change, ReferenceMultiple
from trialrules.values.records import NOT_KNOWN_IF_ENDED

__all__ = [
    "CATEGORICAL",
    "CONDITION_CODES",
    "EXPOSURE_CODES",
    "FLAG_NAMES",
    "NUMERIC_CODES",
    "any_criteria",
    "any_leaves",
    "as_of_dates",
    "code_sets",
    "combinators",
    "conditions",
    "criteria",
    "dates",
    "domain_values",
    "edss_grid",
    "exposures",
    "flag_outcome_record",
    "leaves",
    "numeric_sources",
    "observations",
    "outcomes",
    "partial_dates",
    "protocol_domains",
    "protocol_records",
    "protocols",
    "records",
    "scenarios",
    "spans",
]

# -- universes ----------------------------------------------------------------

#: Numeric observation codes, all with a declared standard domain.
NUMERIC_CODES: tuple[str, ...] = ("edss", "edss_pyramidal", "edss_cerebellar")
#: Categorical observation codes and the values they take (no domain declared).
CATEGORICAL: dict[str, tuple[str, ...]] = {"blood_group": ("A", "B", "AB", "O")}
#: Codes that exposures are recorded with (ATC); a few share prefixes.
EXPOSURE_CODES: tuple[str, ...] = ("ATC:L01AA01", "ATC:L01DB07", "ATC:L04AA23", "ATC:N02BE01")
#: Codes that conditions are recorded with (ICD-10).
CONDITION_CODES: tuple[str, ...] = ("ICD10:C50.9", "ICD10:C34.1", "ICD10:B20", "ICD10:G35")
#: Flag names records and Flag criteria share.
FLAG_NAMES: tuple[str, ...] = ("consent", "pregnant", "active")
_PREFIXES: tuple[str, ...] = (
    "ATC:L01", "ATC:L0", "ATC:L01AA01", "ATC:N", "ICD10:C", "ICD10:C50", "ICD10:B2", "ICD10:G35")

MIN_YEAR, MAX_YEAR = 1930, 2032


@functools.cache
def outcomes() -> st.SearchStrategy[Outcome]:
    """Any of the three outcomes."""
    return st.sampled_from(list(Outcome))


# -- dates and spans ----------------------------------------------------------

@functools.cache
def dates(min_year: int = MIN_YEAR, max_year: int = MAX_YEAR) -> st.SearchStrategy[date]:
    """Exact days in ``[min_year-01-01, max_year-12-31]``."""
    return st.dates(date(min_year, 1, 1), date(max_year, 12, 31))


@functools.cache
def as_of_dates() -> st.SearchStrategy[date]:
    """Reference dates, with month ends and 29 February drawn often (window edge cases)."""
    month_ends = st.builds(
        lambda y, m: date(y, m, calendar.monthrange(y, m)[1]),
        st.integers(2018, 2028), st.integers(1, 12))
    leap_days = st.sampled_from([date(2020, 2, 29), date(2024, 2, 29), date(2028, 2, 29)])
    return st.one_of(dates(2018, 2028), month_ends, leap_days)


def _coarsen(day: date, precision: str) -> PartialDate:
    if precision == "year":
        return PartialDate(day.year)
    if precision == "month":
        return PartialDate(day.year, day.month)
    return PartialDate.of(day)


@functools.cache
def partial_dates(min_year: int = MIN_YEAR, max_year: int = MAX_YEAR, *, unknown: bool = False,
                  intervals: bool = False, max_days: int = 400) -> st.SearchStrategy[PartialDate]:
    """Dates known to the day (mostly), the month or the year.

    ``unknown`` adds ``PartialDate()``; ``intervals`` adds ``PartialDate.between(first, last)``
    (up to ``max_days`` long). Each is built around an exact day in [min_year, max_year].
    """
    known = st.builds(_coarsen, dates(min_year, max_year),
                      st.sampled_from(["day", "day", "day", "month", "year"]))
    choices = [known]
    if intervals:
        choices.append(st.builds(lambda d, n: PartialDate.between(d, d + timedelta(days=n)),
                                 dates(min_year, max_year), st.integers(0, max_days)))
    if unknown:
        choices.append(st.just(PartialDate()))
    return st.one_of(*choices)


@functools.cache
def spans(max_years: int = 6, *, zero: bool = True) -> st.SearchStrategy[Span]:
    """Calendar spans with any mix of units (``Span()`` included unless ``zero=False``)."""
    span = st.builds(
        lambda y, m, w, d: Span(years=y, months=m, weeks=w, days=d),
        st.integers(0, max_years), st.integers(0, 13), st.integers(0, 5), st.integers(0, 40))
    common = st.sampled_from([Span(months=1), Span(years=5), Span(days=1), Span(months=3)])
    out = st.one_of(common, span)
    return out if zero else out.filter(lambda s: not s.is_zero)


# -- records ------------------------------------------------------------------

@functools.cache
def edss_grid() -> st.SearchStrategy[float]:
    """The EDSS scale: 0 to 10 in steps of 0.5 (as ints where whole, as a record holds them)."""
    return st.integers(0, 20).map(lambda n: n // 2 if n % 2 == 0 else n / 2)


@functools.cache
def domain_values(code: str) -> st.SearchStrategy[Any]:
    """Values inside the declared domain of an observation code."""
    if code in CATEGORICAL:
        return st.sampled_from(CATEGORICAL[code])
    if code == "edss":
        return edss_grid()
    domain = STANDARD_DOMAINS[code]
    return st.integers(int(domain.low), int(domain.high))


@functools.cache
def _event_span(max_year: int) -> st.SearchStrategy[tuple[PartialDate, PartialDate | None]]:
    """A (start, end) pair: end ongoing (None), unknown (ended on a day not recorded, or not
    known whether it ended), or a date never before the start."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[PartialDate, PartialDate | None]:
        start = draw(partial_dates(2012, max_year, intervals=True))
        kind = draw(st.sampled_from(["ongoing", "dated", "dated", "dated", "unknown",
                                     "unknown if"]))
        if kind == "ongoing":
            return start, None
        if kind == "unknown":
            return start, PartialDate()
        if kind == "unknown if":
            return start, NOT_KNOWN_IF_ENDED
        last = draw(st.dates(start.earliest, date(max_year, 12, 31)))
        return start, _coarsen(last, draw(st.sampled_from(["day", "day", "month", "year"])))

    return build()


@functools.cache
def observations(max_year: int = 2030) -> st.SearchStrategy[Observation]:
    """Observations of the known codes, values in domain, dates possibly partial."""

    @st.composite
    def build(draw: st.DrawFn) -> Observation:
        code = draw(st.sampled_from(NUMERIC_CODES + tuple(CATEGORICAL)))
        return Observation(code, draw(domain_values(code)),
                           draw(partial_dates(2012, max_year, intervals=True, max_days=60)))

    return build()


@functools.cache
def conditions(max_year: int = 2030) -> st.SearchStrategy[Condition]:
    """Conditions with the known ICD-10 codes."""
    return st.builds(lambda code, span: Condition(code, span[0], span[1]),
                     st.sampled_from(CONDITION_CODES), _event_span(max_year))


@functools.cache
def exposures(max_year: int = 2030) -> st.SearchStrategy[Exposure]:
    """Exposures with the known ATC codes."""
    return st.builds(lambda code, span: Exposure(code, span[0], span[1]),
                     st.sampled_from(EXPOSURE_CODES), _event_span(max_year))


def _record(draw: st.DrawFn, as_of: date | None, max_facts: int) -> Record:
    last_birth_year = (as_of.year - 1) if as_of is not None else 2010
    return Record(
        draw(_IDS),
        birth_date=draw(st.none() | partial_dates(1930, last_birth_year, intervals=True,
                                                  max_days=300)),
        sex=draw(_SEXES),
        observations=draw(st.lists(observations(), max_size=max_facts)),
        conditions=draw(st.lists(conditions(), max_size=max_facts)),
        exposures=draw(st.lists(exposures(), max_size=max_facts)),
        flags=draw(_FLAGS),
        complete=draw(_COMPLETE),
    )


_IDS = st.sampled_from(["P1", "P2", "patient-7"])
_SEXES = st.none() | st.sampled_from(["female", "male", "other", "unknown"])
_FLAGS = st.dictionaries(st.sampled_from(FLAG_NAMES), st.booleans(), max_size=3)
_COMPLETE = st.dictionaries(st.sampled_from(["observations", "conditions", "exposures"]),
                            st.one_of(partial_dates(2015, 2032), as_of_dates()), max_size=3)


@functools.cache
def records(as_of: date | None = None, max_facts: int = 3) -> st.SearchStrategy[Record]:
    """A valid record; with ``as_of``, its birth date is surely on or before ``as_of``.

    Facts may be dated after ``as_of`` (they must then be invisible), partially
    dated, ongoing, or of unknown end; flags and completeness come and go.
    """
    return st.composite(lambda draw: _record(draw, as_of, max_facts))()


@functools.cache
def scenarios(max_facts: int = 3) -> st.SearchStrategy[tuple[Record, date]]:
    """A record and a reference date it can be evaluated on: ``record, as_of = scenario``."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Record, date]:
        as_of = draw(as_of_dates())
        return _record(draw, as_of, max_facts), as_of

    return build()


def flag_outcome_record(outcomes_: tuple[Outcome, ...] | list[Outcome]) -> Record:
    """A record whose flags ``f0``, ``f1``, ... make ``Flag("fi")`` answer ``outcomes_[i]``."""
    flags = {f"f{i}": o is Outcome.MET for i, o in enumerate(outcomes_) if o is not Outcome.UNKNOWN}
    return Record("P", flags=flags)


# -- criteria -----------------------------------------------------------------

@functools.cache
def code_sets() -> st.SearchStrategy[CodeSet]:
    """Code sets over the known prefixes and codes (never empty)."""
    return st.builds(
        lambda name, prefixes, codes: CodeSet(name, prefixes=prefixes, codes=codes),
        st.sampled_from(["set a", "set b"]),
        st.frozensets(st.sampled_from(_PREFIXES), min_size=1, max_size=3),
        st.frozensets(st.sampled_from(EXPOSURE_CODES + CONDITION_CODES), max_size=2))


@functools.cache
def numeric_sources() -> st.SearchStrategy[Source]:
    """Age, or the latest of a numeric code (optionally within a recency span)."""
    latest = st.builds(lambda c, w: Latest(c, within=w), st.sampled_from(NUMERIC_CODES),
                       st.none() | spans(2))
    return st.one_of(st.just(Age()), latest)


@functools.cache
def _bounds() -> st.SearchStrategy[int | float]:
    return st.one_of(edss_grid(), st.integers(0, 80))


@functools.cache
def _ranges() -> st.SearchStrategy[Criterion]:
    @st.composite
    def build(draw: st.DrawFn) -> Criterion:
        a, b = sorted([draw(_bounds()), draw(_bounds())])
        return Range(draw(numeric_sources()), a, b, low_inclusive=draw(st.booleans()),
                     high_inclusive=draw(st.booleans()))

    return build()


@functools.cache
def _one_ofs() -> st.SearchStrategy[Criterion]:
    sexes = st.builds(OneOf, st.just(Sex()),
                      st.frozensets(st.sampled_from(["female", "male", "other"]), min_size=1))
    groups = st.builds(OneOf, st.just(Latest("blood_group")),
                       st.frozensets(st.sampled_from(CATEGORICAL["blood_group"]), min_size=1))
    scores = st.builds(OneOf, st.just(Latest("edss_pyramidal")),
                       st.frozensets(st.integers(0, 6), min_size=1))
    return st.one_of(sexes, groups, scores)


@functools.cache
def _simple_leaves() -> st.SearchStrategy[Criterion]:
    """Leaves without nested criteria: every kind except Flag-with-assume_false_if."""
    thresholds = st.builds(Threshold, numeric_sources(), st.sampled_from([">=", ">", "<=", "<"]),
                           _bounds())
    flags = st.builds(Flag, st.sampled_from(FLAG_NAMES), st.booleans())
    washouts = st.builds(Washout, code_sets(), spans())
    lookbacks = st.builds(
        lambda codes, span, on, n: Lookback(codes, span, on=on, at_least=n),
        code_sets(), st.sampled_from([None, Span()]) | spans(),
        st.sampled_from(["conditions", "exposures"]),
        st.integers(1, 3))
    placeholders = st.builds(Placeholder, st.none() | st.sampled_from(["not encodable", "later"]))
    return st.one_of(_ranges(), thresholds, _one_ofs(), flags, washouts, lookbacks, placeholders)


@functools.cache
def leaves() -> st.SearchStrategy[Criterion]:
    """Every leaf kind: Range, Threshold, OneOf, Flag (incl. assume_false_if), Washout,
    Lookback (span None, zero or any; at_least 1-3), Placeholder."""
    guarded = st.builds(lambda name, expected, cond: Flag(name, expected, assume_false_if=cond),
                        st.sampled_from(FLAG_NAMES), st.booleans(), _simple_leaves())
    return st.one_of(_simple_leaves(), guarded)


def combinators(children: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
    """One level of AllOf, AnyOf, Not, Implies, AtLeast over ``children``."""
    kids = st.lists(children, min_size=1, max_size=4)
    at_least = kids.flatmap(lambda cs: st.integers(1, len(cs)).map(lambda k: AtLeast(k, *cs)))
    return st.one_of(
        kids.map(lambda cs: AllOf(*cs)),
        kids.map(lambda cs: AnyOf(*cs)),
        children.map(Not),
        st.builds(Implies, children, children),
        at_least,
    )


def _maybe_named(tree: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
    """Sometimes give the top node an id and a label (the protocol's words)."""
    return st.one_of(
        tree, tree.map(lambda c: c.evolve(id="x.1")),
        tree.map(lambda c: c if c.label is not None else c.evolve(label="Protocol text;")))


@functools.cache
def criteria(max_leaves: int = 8, *, named: bool = True) -> st.SearchStrategy[Criterion]:
    """Criterion trees over every leaf kind and combinator (``st.recursive``).

    ``named=True`` sometimes gives a node an id or label, which stops ``&``/``|``
    from flattening it; ids may repeat across nodes (fine for bare criteria, not
    for a Protocol, which rejects duplicate ids).
    """
    base = _maybe_named(leaves()) if named else leaves()

    def extend(children: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
        step = combinators(children)
        return _maybe_named(step) if named else step

    return st.recursive(base, extend, max_leaves=max_leaves)


# -- the whole constructor surface: round trips and protocols ----------------

#: Observation codes of the wide leaves: ``hb`` has no declared domain.
_DOC_CODES: tuple[str, ...] = ("edss", "edss_pyramidal", "hb")
_DOC_PREFIXES: tuple[str, ...] = ("ATC:L01", "ATC:L04", "ICD10:C50", "ICD10:B20")
_texts = st.text(max_size=12)
_labels = st.none() | _texts
_numbers = st.integers(-5, 20) | st.floats(-5, 20, allow_nan=False, allow_infinity=False)
_doc_spans = st.builds(Span, years=st.integers(0, 3), months=st.integers(0, 14),
                       weeks=st.integers(0, 5), days=st.integers(0, 40))
_windows = _doc_spans.filter(lambda span: not span.is_zero)
_doc_sources = st.one_of(
    st.builds(Age, unit=st.sampled_from(["years", "months", "weeks", "days"])),
    st.builds(Latest, st.sampled_from(_DOC_CODES), within=st.none() | _doc_spans),
    st.builds(Change, st.sampled_from(_DOC_CODES), _windows, relative=st.booleans()),
    st.builds(ReferenceMultiple, st.sampled_from(_DOC_CODES),
              limit=st.sampled_from(["high", "low"])),
)
# Names of real code sets; prefixes may be empty; codes from a system no leaf reads.
_doc_code_sets = st.builds(
    CodeSet,
    st.sampled_from(["cytotoxic agents", "immunosuppressants", "cancers", "x"]),
    prefixes=st.frozensets(st.sampled_from(_DOC_PREFIXES), max_size=3),
    codes=st.frozensets(st.sampled_from(["ATC:L01AA01", "ICD10:C50.9", "RXNORM:1234"]),
                        max_size=2),
)


@st.composite
def _doc_ranges(draw: st.DrawFn) -> Range:
    a, b = sorted([draw(_numbers), draw(_numbers)])
    return Range(draw(_doc_sources), a, b, low_inclusive=draw(st.booleans()),
                 high_inclusive=draw(st.booleans()), label=draw(_labels))


_wide_leaves: st.SearchStrategy[Criterion] = st.one_of(
    _doc_ranges(),
    st.builds(Threshold, _doc_sources, st.sampled_from(sorted(OPERATORS)), _numbers, label=_labels),
    st.builds(OneOf, st.just(Sex()), st.frozensets(st.sampled_from(["female", "male", "other"]),
                                                   min_size=1), label=_labels),
    st.builds(OneOf, _doc_sources, st.frozensets(st.integers(0, 6) | st.sampled_from(["a", "b"]),
                                                 min_size=1, max_size=3)),
    st.builds(Flag, st.sampled_from(FLAG_NAMES), st.booleans(), text=st.none() | _texts,
              label=_labels),
    st.builds(Flag, st.sampled_from(FLAG_NAMES), st.booleans(),
              assume_false_if=st.builds(OneOf, st.just(Sex()), st.just(["male"]))),
    st.builds(Washout, _doc_code_sets, _doc_spans, label=_labels),
    st.builds(Lookback, _doc_code_sets, st.none() | _doc_spans,
              on=st.sampled_from(["conditions", "exposures"]), at_least=st.integers(1, 3),
              label=_labels),
    st.builds(Placeholder, _labels),
    st.builds(lambda code, op, bound, span, label: AnyObservation(
        Threshold(code, op, bound), span, label=label),
        st.sampled_from(_DOC_CODES), st.sampled_from(sorted(OPERATORS)), _numbers, _windows,
        _labels),
)


@functools.cache
def any_leaves() -> st.SearchStrategy[Criterion]:
    """Every leaf kind over the whole constructor surface, plus the evaluable :func:`leaves`."""
    return st.one_of(_wide_leaves, leaves())


def _labelled_combinators(children: st.SearchStrategy[Criterion]) -> st.SearchStrategy[Criterion]:
    """One level of every combinator, each (but AtLeast) with a free-text label or none."""
    groups = st.lists(children, min_size=1, max_size=3)
    return st.one_of(
        st.builds(lambda cs, label: AllOf(*cs, label=label), groups, _labels),
        st.builds(lambda cs, label: AnyOf(*cs, label=label), groups, _labels),
        groups.flatmap(lambda cs: st.integers(1, len(cs)).map(lambda k: AtLeast(k, *cs))),
        st.builds(Not, children, label=_labels),
        st.builds(Implies, children, children, label=_labels),
        st.builds(Anchored, st.sampled_from(["informed_consent", "randomisation"]), children,
                  label=_labels),
    )


@functools.cache
def any_criteria(max_leaves: int = 8) -> st.SearchStrategy[Criterion]:
    """Criterion trees over :func:`any_leaves` (``st.recursive``); no ids, so protocols accept them."""
    return st.recursive(any_leaves(), _labelled_combinators, max_leaves=max_leaves)


@st.composite
def _protocol_domain(draw: st.DrawFn) -> Domain:
    low, high = sorted([draw(_numbers), draw(_numbers)])
    return Domain(low, high, step=draw(st.none() | st.sampled_from([1, 0.5, 0.25])),
                  name=draw(st.none() | st.sampled_from(["haemoglobin", "EDSS"])),
                  unit=draw(st.none() | st.just("g/dL")))


@functools.cache
def protocol_domains() -> st.SearchStrategy[Domain]:
    """Domains a protocol may declare: any bounds, step, name and unit."""
    return _protocol_domain()


@functools.cache
def protocols() -> st.SearchStrategy[Protocol]:
    """Protocols of small :func:`any_criteria` trees (unique ids assigned by the protocol)."""
    # Small trees: deep ones are covered criterion by criterion.
    small = any_criteria(3)

    @st.composite
    def build(draw: st.DrawFn) -> Protocol:
        vocabulary = draw(st.dictionaries(st.sampled_from(FLAG_NAMES + _DOC_CODES),
                                          st.lists(st.sampled_from(["LOINC:1-8", "SNOMED:123"]),
                                                   max_size=2), max_size=2))
        domains = draw(st.dictionaries(st.sampled_from(["hb", "edss", "score"]), protocol_domains(),
                                       max_size=2))
        return Protocol(draw(st.sampled_from(["P1", "NCT0000"])),
                        draw(st.sampled_from(["T", "A trial"])),
                        inclusion=draw(st.lists(small, max_size=3)),
                        exclusion=draw(st.lists(small, max_size=3)),
                        vocabulary=vocabulary, domains=domains)

    return build()


_doc_dates = st.one_of(
    st.dates(date(2015, 1, 1), date(2027, 12, 31)).map(PartialDate.of),
    st.builds(PartialDate, st.integers(2015, 2027), st.integers(1, 12)),
)


@st.composite
def _doc_record(draw: st.DrawFn) -> Record:
    # Values on each code's domain (EDSS in half steps, FS scores whole; hb undeclared).
    observations_ = draw(st.lists(st.one_of(
        st.builds(Observation, st.just("edss"), st.sampled_from([0, 3, 3.5, 6, 6.5, 10]), _doc_dates),
        st.builds(Observation, st.just("edss_pyramidal"), st.integers(0, 6), _doc_dates),
        st.builds(Observation, st.just("hb"), _numbers, _doc_dates),
    ), max_size=4))
    events = st.sampled_from(["ATC:L01AA01", "ATC:L04AX01", "ICD10:C50.9", "ICD10:B20"])
    exposures_ = draw(st.lists(st.builds(Exposure, events, _doc_dates, st.none()), max_size=3))
    conditions_ = draw(st.lists(st.builds(Condition, events, _doc_dates, st.none()), max_size=3))
    complete = draw(st.dictionaries(st.sampled_from(["exposures", "conditions"]),
                                    st.just(PartialDate.of(AS_OF)), max_size=2))
    return Record(
        "P", birth_date=draw(st.none() | _doc_dates.filter(lambda d: d.latest < AS_OF)),
        sex=draw(st.none() | st.sampled_from(["female", "male"])),
        observations=observations_, exposures=exposures_, conditions=conditions_,
        flags=draw(st.dictionaries(st.sampled_from(FLAG_NAMES), st.booleans())),
        complete=complete)


@functools.cache
def protocol_records() -> st.SearchStrategy[Record]:
    """Records reading what :func:`any_criteria` reads (``hb`` any number), as of ``helpers.AS_OF``.

    Also draws :func:`records` as of that date, which read what :func:`leaves` read.
    """
    return st.one_of(_doc_record(), records(AS_OF))
