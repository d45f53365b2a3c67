"""Leaf criteria at their edges: bounds, windows, partial dates, open world, flags."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import strategies as ts
from helpers import AS_OF, CYTOTOXIC, MET, NOT_MET, UNKNOWN
from trialrules import (
    Age,
    CodeSet,
    Condition,
    Domain,
    Exposure,
    Flag,
    InvalidRecord,
    Latest,
    Lookback,
    Observation,
    OneOf,
    Outcome,
    PartialDate,
    Placeholder,
    Range,
    Record,
    Sex,
    Span,
    Threshold,
    Washout,
)

MALIGNANCY = CodeSet("malignant tumours", prefixes=["ICD10:C"])


def edss(value: float, when: str = "2026-10-02") -> Record:
    return Record("P", observations=[Observation("edss", value, when)])


# -- Range and Threshold ---------------------------------------------------------

@given(ts.edss_grid())
def test_edss_3_to_6_inclusive_over_the_grid(value: float) -> None:
    want = MET if 3 <= value <= 6 else NOT_MET
    assert Range("edss", 3, 6).decide(edss(value), AS_OF) is want


@pytest.mark.parametrize(("value", "want"), [
    (2.5, NOT_MET), (3, MET), (3.5, MET), (5.5, MET), (6, MET), (6.5, NOT_MET),
    (0, NOT_MET), (10, NOT_MET),
])
def test_edss_3_to_6_at_and_beside_the_bounds(value: float, want: Outcome) -> None:
    assert Range("edss", 3, 6).decide(edss(value), AS_OF) is want


@pytest.mark.parametrize(("low_inclusive", "high_inclusive", "inside"), [
    (True, True, {3, 3.5, 5.5, 6}),
    (False, True, {3.5, 5.5, 6}),
    (True, False, {3, 3.5, 5.5}),
    (False, False, {3.5, 5.5}),
])
def test_range_ends_one_grid_step_either_side(low_inclusive: bool, high_inclusive: bool,
                                              inside: set[float]) -> None:
    criterion = Range("edss", 3, 6, low_inclusive=low_inclusive, high_inclusive=high_inclusive)
    for value in (2.5, 3, 3.5, 5.5, 6, 6.5):
        want = MET if value in inside else NOT_MET
        assert criterion.decide(edss(value), AS_OF) is want, value


@given(ts.edss_grid(), ts.edss_grid(), ts.edss_grid(), st.booleans(), st.booleans())
def test_range_matches_its_definition(a: float, b: float, value: float, lo_inc: bool,
                                      hi_inc: bool) -> None:
    low, high = min(a, b), max(a, b)
    above = value >= low if lo_inc else value > low
    below = value <= high if hi_inc else value < high
    criterion = Range("edss", low, high, low_inclusive=lo_inc, high_inclusive=hi_inc)
    assert criterion.decide(edss(value), AS_OF) is (MET if above and below else NOT_MET)


@pytest.mark.parametrize(("op", "inside"), [
    (">=", {3, 4, 6}), (">", {4, 6}), ("<=", {0, 2, 3}), ("<", {0, 2}),
])
def test_threshold_at_the_bound(op: str, inside: set[int]) -> None:
    criterion = Threshold("edss_pyramidal", op, 3)
    for value in (0, 2, 3, 4, 6):
        record = Record("P", observations=[Observation("edss_pyramidal", value, "2026-10-02")])
        assert criterion.decide(record, AS_OF) is (MET if value in inside else NOT_MET), value


@given(st.integers(0, 6), st.integers(0, 6), st.sampled_from([">=", ">", "<=", "<"]))
def test_threshold_over_the_fs_grid(value: int, bound: int, op: str) -> None:
    ops = {">=": value >= bound, ">": value > bound, "<=": value <= bound, "<": value < bound}
    record = Record("P", observations=[Observation("edss_pyramidal", value, "2026-10-02")])
    assert Threshold("edss_pyramidal", op, bound).decide(record, AS_OF) is (
        MET if ops[op] else NOT_MET)


def test_reason_names_value_date_and_bounds() -> None:
    explanation = Range("edss", 3, 6).evaluate(edss(6.5), AS_OF)
    assert explanation.reason == "EDSS 6.5 on 2026-10-02 is not between 3 and 6 (both inclusive)"
    assert [e.to_dict() for e in explanation.evidence] == [
        {"path": "observations[0]", "code": "edss", "value": 6.5, "date": "2026-10-02",
         "end": None}]
    explanation = Threshold("edss_pyramidal", ">=", 3).evaluate(
        Record("P", observations=[Observation("edss_pyramidal", 2, "2026-10-02")]), AS_OF)
    assert "2 on 2026-10-02 is not at least 3 (>= 3)" in explanation.reason


def test_missing_value_is_unknown_and_named() -> None:
    explanation = Range("edss", 3, 6).evaluate(Record("P"), AS_OF)
    assert explanation.outcome is UNKNOWN
    assert explanation.missing == ("observation edss",)
    recent = Range(Latest("edss", within=Span(months=3)), 3, 6)
    old = edss(4, "2026-08-26")
    assert recent.decide(old, AS_OF) is UNKNOWN
    assert recent.evaluate(old, AS_OF).missing == (
        "observation edss in the 3 months before 2026-11-27 (2026-08-27 to 2026-11-27)",)


@pytest.mark.parametrize(("index", "value"), [(1, 6.3), (1, 10.5), (1, -0.5), (1, True), (1, "6")])
def test_off_domain_value_raises_naming_the_observation(index: int, value: object) -> None:
    record = Record("P7", observations=[Observation("edss", 3, "2026-01-01"),
                                        Observation("edss", value, "2026-10-02")])  # type: ignore[arg-type]
    for run in (Range("edss", 3, 6).decide, Range("edss", 3, 6).evaluate):
        with pytest.raises(InvalidRecord, match=r"0 to 10 in steps of 0\.5") as info:
            run(record, AS_OF)
        assert info.value.field == f"observations[{index}].value"
        assert info.value.patient == "P7"
        assert "observations[1].value" in str(info.value)
        assert "'P7'" in str(info.value)


def test_fs_scores_are_whole_numbers() -> None:
    record = Record("P", observations=[Observation("edss_pyramidal", 2.5, "2026-10-02")])
    with pytest.raises(InvalidRecord, match="a whole number from 0 to 6"):
        Threshold("edss_pyramidal", ">=", 3).decide(record, AS_OF)


def test_non_number_for_a_numeric_criterion_raises_without_a_domain() -> None:
    record = Record("P", observations=[Observation("hb", "low", "2026-10-02")])
    with pytest.raises(InvalidRecord, match="expected a number") as info:
        Threshold("hb", ">=", 12).decide(record, AS_OF)
    assert info.value.field == "observations[0].value"


def test_declared_domain_applies_through_evaluate() -> None:
    hb = {"hb": Domain(0, 25, name="haemoglobin", unit="g/dL")}
    record = Record("P", observations=[Observation("hb", 30, "2026-10-02", unit="g/dL")])
    with pytest.raises(InvalidRecord, match="a number from 0 to 25 g/dL"):
        Threshold("hb", ">=", 12).evaluate(record, AS_OF, domains=hb)
    assert Threshold("hb", ">=", 12).decide(record, AS_OF) is MET   # no domain declared


# -- OneOf -----------------------------------------------------------------------

@pytest.mark.parametrize(("sex", "want"), [
    ("male", MET), ("female", NOT_MET), ("other", NOT_MET), ("unknown", UNKNOWN), (None, UNKNOWN),
])
def test_one_of_sex(sex: str | None, want: Outcome) -> None:
    assert OneOf(Sex(), ["male"]).decide(Record("P", sex=sex), AS_OF) is want


def test_one_of_coded_observation_never_matches_a_bool() -> None:
    record = Record("P", observations=[Observation("hla", True, "2026-01-01")])
    assert OneOf("hla", [1]).decide(record, AS_OF) is NOT_MET


# -- Flag ------------------------------------------------------------------------

@pytest.mark.parametrize(("flags", "expected", "want"), [
    ({"consent": True}, True, MET), ({"consent": False}, True, NOT_MET), ({}, True, UNKNOWN),
    ({"consent": True}, False, NOT_MET), ({"consent": False}, False, MET), ({}, False, UNKNOWN),
])
def test_flag(flags: dict[str, bool], expected: bool, want: Outcome) -> None:
    assert Flag("consent", expected).decide(Record("P", flags=flags), AS_OF) is want


@pytest.mark.parametrize(("sex", "flags", "want"), [
    ("male", {}, NOT_MET),                       # not recorded, taken as false for a man
    ("female", {}, UNKNOWN),                     # not recorded, and the guard does not hold
    (None, {}, UNKNOWN),                         # the guard itself is unknown
    ("male", {"pregnancy": True}, MET),          # a recorded value always wins
    ("female", {"pregnancy": False}, NOT_MET),
])
def test_flag_assume_false_if(sex: str | None, flags: dict[str, bool], want: Outcome) -> None:
    pregnancy = Flag("pregnancy", assume_false_if=OneOf(Sex(), ["male"]))
    record = Record("P", sex=sex, flags=flags)
    assert pregnancy.decide(record, AS_OF) is want
    explanation = pregnancy.evaluate(record, AS_OF)
    assert explanation.outcome is want
    if not flags and sex == "male":
        assert "taken as false" in explanation.reason
    # with expected=False the assumed value flips the outcome the other way
    not_pregnant = Flag("pregnancy", expected=False, assume_false_if=OneOf(Sex(), ["male"]))
    assert not_pregnant.decide(record, AS_OF) is ~want


# -- Washout ---------------------------------------------------------------------

MARCH_31 = date(2027, 3, 31)   # one month before is 2027-02-28
COMPLETE = {"exposures": "2027-03-31"}


def washout(*exposures: Exposure, complete: dict[str, str] | None = None,
            as_of: date = MARCH_31) -> Outcome:
    record = Record("P", exposures=exposures, complete=COMPLETE if complete is None else complete)
    return Washout(CYTOTOXIC, Span(months=1)).decide(record, as_of)


@pytest.mark.parametrize(("start", "end", "want"), [
    ("2027-02-28", "2027-02-28", NOT_MET),   # on the window's first day: inside
    ("2027-02-27", "2027-02-27", MET),       # the day before: outside
    ("2027-03-31", "2027-03-31", NOT_MET),   # on as_of: inside
    ("2027-04-01", "2027-04-01", MET),       # after as_of: invisible
    ("2027-01-10", "2027-02-28", NOT_MET),   # ends on the first day
    ("2027-01-10", "2027-02-27", MET),       # ends the day before
    ("2027-01-10", "2027-05-01", NOT_MET),   # spans the whole window
    ("2020-01-01", None, NOT_MET),           # ongoing: inside every window reaching as_of
    ("2027-04-01", None, MET),               # ongoing, but begun after as_of
])
def test_washout_window_edges(start: str, end: str | None, want: Outcome) -> None:
    assert washout(Exposure("ATC:L01DB07", start, end)) is want


def test_window_start_is_relativedelta_month_end() -> None:
    explanation = Washout(CYTOTOXIC, Span(months=1)).evaluate(
        Record("P", exposures=[Exposure("ATC:L01AA01", "2027-02-28", "2027-02-28")]), MARCH_31)
    assert "(2027-02-28 to 2027-03-31)" in explanation.reason
    assert explanation.outcome is NOT_MET


def test_washout_ignores_other_codes() -> None:
    assert washout(Exposure("ATC:L04AA23", "2027-03-15", None)) is MET


def test_washout_open_world() -> None:
    assert washout(complete={}) is UNKNOWN                                # nothing known
    assert washout() is MET                                               # complete through as_of
    assert washout(complete={"exposures": "2027-04-30"}) is MET           # ... or beyond
    assert washout(complete={"exposures": "2027-03-30"}) is UNKNOWN       # a day short
    assert washout(complete={"exposures": "2027-03"}) is UNKNOWN          # vouches from 03-01
    assert washout(complete={"conditions": "2027-03-31"}) is UNKNOWN      # the wrong history
    # an exposure in the window decides NOT_MET even without completeness
    assert washout(Exposure("ATC:L01AA01", "2027-03-01", "2027-03-01"), complete={}) is NOT_MET
    explanation = Washout(CYTOTOXIC, Span(months=1)).evaluate(Record("P"), MARCH_31)
    assert explanation.missing == ("exposures history complete through 2027-03-31 "
                                   "(complete.exposures)",)


@pytest.mark.parametrize(("start", "end", "want"), [
    ("2027-02", "2027-02", UNKNOWN),     # February: may be before or on 2027-02-28
    ("2027-03", "2027-03", NOT_MET),     # surely inside
    ("2027-01", "2027-01", MET),         # surely before
    ("2027", "2027", UNKNOWN),           # may even be after as_of
    ("2026", None, NOT_MET),             # ongoing since some day of 2026
    ("2027", None, UNKNOWN),             # ongoing, but it may have begun after as_of
    ("2026", "unknown", UNKNOWN),        # ended on an unknown day
    ("2027", "2027-03-10", NOT_MET),     # began some day of 2027, but surely by its end
    ("2027-03", "2027-03-01", NOT_MET),  # ... so on 2027-03-01 exactly
    ("2027-04", "2027-04-01", MET),      # surely after as_of: invisible
])
def test_washout_partial_dates(start: str, end: str | None, want: Outcome) -> None:
    from trialrules import PartialDate

    stop = PartialDate() if end == "unknown" else end
    assert washout(Exposure("ATC:L01AA01", start, stop)) is want


def test_received_within_one_month_is_the_negation() -> None:
    received = ~Washout(CYTOTOXIC, Span(months=1))
    record = Record("P", exposures=[Exposure("ATC:L01AA01", "2027-03-01", "2027-03-01")])
    assert received.decide(record, MARCH_31) is MET
    assert received.decide(Record("P", complete=COMPLETE), MARCH_31) is NOT_MET
    assert received.decide(Record("P"), MARCH_31) is UNKNOWN


# -- Lookback --------------------------------------------------------------------

JUNE_15 = date(2026, 6, 15)     # a 5-year lookback starts 2021-06-15


FIVE_YEARS = Span(years=5)


def lookback(*conditions: Condition, span: Span | None = FIVE_YEARS, at_least: int = 1,
             complete: bool = True, as_of: date = JUNE_15) -> Outcome:
    record = Record("P", conditions=conditions,
                    complete={"conditions": as_of} if complete else {})
    return Lookback(MALIGNANCY, span, at_least=at_least).decide(record, as_of)


@pytest.mark.parametrize(("onset", "end", "want"), [
    ("2021", "2021", UNKNOWN),            # may have ended before or after 2021-06-15
    ("2020", "2020", NOT_MET),            # surely over before the window opened
    ("2022", "2022", MET),                # surely inside
    ("2021-06", "2021-06", UNKNOWN),
    ("2021-07", "2021-07", MET),
    ("2021-05", "2021-05", NOT_MET),
    ("2021-06-15", "2021-06-15", MET),    # on the window's first day
    ("2021-06-14", "2021-06-14", NOT_MET),
    ("2010", None, MET),                  # ongoing: current
    ("2026-06-16", None, NOT_MET),        # begins after as_of: invisible
    ("2026", None, UNKNOWN),              # may begin after as_of
])
def test_lookback_partial_dates(onset: str, end: str | None, want: Outcome) -> None:
    assert lookback(Condition("ICD10:C50.9", onset, end)) is want


def test_lookback_open_world() -> None:
    assert lookback(complete=False) is UNKNOWN
    assert lookback() is NOT_MET
    assert lookback(Condition("ICD10:C50.9", "2020", "2020"), complete=False) is UNKNOWN
    assert lookback(Condition("ICD10:C50.9", "2022", "2022"), complete=False) is MET
    explanation = Lookback(MALIGNANCY, Span(years=5)).evaluate(
        Record("P", conditions=[Condition("ICD10:C50.9", "2021", "2021")]), JUNE_15)
    assert explanation.outcome is UNKNOWN
    assert "exact dates of condition ICD10:C50.9 (on 2021)" in explanation.missing
    assert "conditions history complete through 2026-06-15 (complete.conditions)" \
        in explanation.missing


def test_lookback_ever_and_current() -> None:
    old = Condition("ICD10:C50.9", "1990-01-01", "1990-06-01")
    assert lookback(old, span=None) is MET                # ever
    assert lookback(old) is NOT_MET
    now = Span()                                          # current on as_of
    assert lookback(Condition("ICD10:C50.9", "2026-01-01", None), span=now) is MET
    assert lookback(Condition("ICD10:C50.9", "2026-01-01", "2026-06-15"), span=now) is MET
    assert lookback(Condition("ICD10:C50.9", "2026-01-01", "2026-06-14"), span=now) is NOT_MET
    assert lookback(Condition("ICD10:C50.9", "2026-06-16", None), span=now) is NOT_MET


def test_lookback_on_exposures() -> None:
    record = Record("P", exposures=[Exposure("ATC:L01DB07", "2019-03", "2019-09")])
    assert Lookback(CYTOTOXIC, on="exposures").decide(record, JUNE_15) is MET
    assert Lookback(CYTOTOXIC).decide(record, JUNE_15) is UNKNOWN   # looks at conditions


def test_lookback_at_least_counts_events() -> None:
    a = Condition("ICD10:C50.9", "2022-01-01", "2022-02-01")
    b = Condition("ICD10:C34.1", "2023-01-01", None)
    maybe = Condition("ICD10:C50.9", "2021", "2021")
    assert lookback(a, b, at_least=2) is MET
    assert lookback(a, at_least=2) is NOT_MET
    assert lookback(a, maybe, at_least=2) is UNKNOWN     # the second might count
    assert lookback(a, b, at_least=3) is NOT_MET
    assert lookback(a, b, at_least=3, complete=False) is UNKNOWN
    assert lookback(a, a, at_least=2) is NOT_MET         # the same event twice is one event


@given(st.lists(st.tuples(ts.dates(2018, 2027), st.integers(0, 400)), max_size=5),
       st.integers(1, 3))
def test_lookback_with_exact_dates_counts_overlaps(rows: list[tuple[date, int]], k: int) -> None:
    from datetime import timedelta

    start = date(2021, 6, 15)
    events = [Condition(f"ICD10:C{i:02d}", d, d + timedelta(days=n))
              for i, (d, n) in enumerate(rows)]
    overlapping = sum(1 for e in events
                      if e.onset.earliest <= JUNE_15 and e.end is not None
                      and e.end.latest >= start)
    assert lookback(*events, at_least=k) is (MET if overlapping >= k else NOT_MET)


# -- Placeholder -----------------------------------------------------------------

def test_placeholder_is_always_unknown() -> None:
    p = Placeholder("Patients whose life expectancy is severely limited")
    explanation = p.evaluate(Record("P"), AS_OF)
    assert explanation.outcome is UNKNOWN
    assert explanation.reason == "not yet encoded"
    assert explanation.label == "Patients whose life expectancy is severely limited"
    assert explanation.missing == ("an encoding of this criterion",)


def test_age_range_needs_a_birth_date() -> None:
    explanation = Range(Age(), 18, 60).evaluate(Record("P"), AS_OF)
    assert explanation.outcome is UNKNOWN
    assert explanation.missing == ("birth date",)


# -- windows against possible worlds ----------------------------------------------

def _days(p: PartialDate) -> list[date]:
    return [p.earliest + timedelta(days=n) for n in range((p.latest - p.earliest).days + 1)]


def _overlaps(begin: PartialDate, end: PartialDate | None, start: date, as_of: date) -> set[bool]:
    """Whether the event overlaps [start, as_of], in each way its dates could turn out.

    A world is a (first day, last day) pair with first <= last; an ongoing event
    lasts past as_of. An event that begins after as_of is invisible: no overlap.
    """
    found = set()
    for first in _days(begin):
        lasts = [date.max] if end is None else [d for d in _days(end) if d >= first]
        for last in lasts:
            found.add(first <= as_of and last >= start)
            if len(found) == 2:
                return found
    return found


_EVENT_DAY = ts.partial_dates(2026, 2027, intervals=True, max_days=45).filter(
    lambda p: p.latest <= p.earliest + timedelta(days=45))  # a year has too many days to try


@st.composite
def _events(draw: st.DrawFn) -> Exposure:
    begin = draw(_EVENT_DAY)
    end = draw(st.none() | st.dates(begin.earliest, date(2027, 12, 31)).map(PartialDate.of)
               | _EVENT_DAY.filter(lambda p: p.latest >= begin.earliest))
    return Exposure(draw(st.sampled_from(["ATC:L01AA01", "ATC:L01DB07"])), begin, end)


@given(st.lists(_events(), max_size=4), st.dates(date(2026, 6, 1), date(2027, 6, 30)),
       st.integers(0, 3), st.booleans(), st.integers(1, 3))
def test_washout_and_lookback_match_possible_worlds(events: list[Exposure], as_of: date,
                                                    months: int, complete: bool, k: int) -> None:
    span = Span(months=months)
    start = span.before(as_of)
    distinct = list(dict.fromkeys(events))      # the same event twice is one event
    ways = [_overlaps(e.start, e.end, start, as_of) for e in distinct]
    surely, possibly = sum(w == {True} for w in ways), sum(True in w for w in ways)
    record = Record("P", exposures=events, complete={"exposures": as_of} if complete else {})

    if surely:
        want_washout = NOT_MET
    elif possibly or not complete:
        want_washout = UNKNOWN
    else:
        want_washout = MET
    assert Washout(CYTOTOXIC, span).decide(record, as_of) is want_washout

    if surely >= k:
        want_lookback = MET
    elif possibly < k and complete:
        want_lookback = NOT_MET
    else:
        want_lookback = UNKNOWN
    lookback_ = Lookback(CYTOTOXIC, span, on="exposures", at_least=k)
    assert lookback_.decide(record, as_of) is want_lookback
    assert lookback_.evaluate(record, as_of).outcome is want_lookback


# -- reasons when the possible values disagree ------------------------------------

def test_undecided_age_says_may_or_may_not_and_names_the_birth_date() -> None:
    explanation = Range(Age(), 18, 60).evaluate(Record("P", birth_date="2008"), date(2026, 6, 15))
    assert explanation.reason.startswith(
        "age 17 to 18 (born 2008) may or may not be between 18 and 60 (both inclusive)")
    assert explanation.missing == ("exact birth date (birth_date)",)


def test_undecided_latest_names_the_candidates() -> None:
    record = Record("P", observations=[Observation("edss", 3, "2026-10"),
                                       Observation("edss", 3.5, "2026-10-15")])
    explanation = Range("edss", 3.5, 6).evaluate(record, AS_OF)
    assert explanation.outcome is UNKNOWN
    assert "EDSS 3 on 2026-10 is not between 3.5 and 6" in explanation.reason
    assert "EDSS 3.5 on 2026-10-15 is between 3.5 and 6" in explanation.reason
    assert explanation.missing == (  # named by content: independent of the list's order
        "which of EDSS 3 on 2026-10, EDSS 3.5 on 2026-10-15 is the latest",)


def test_uncertain_observation_names_what_would_count() -> None:
    record = Record("P", observations=[Observation("edss", 4, "2026-08")])
    explanation = Range(Latest("edss", within=Span(months=3)), 3, 6).evaluate(record, AS_OF)
    assert explanation.outcome is UNKNOWN
    assert explanation.missing == ("an observation edss dated for certain on or before "
                                   "2026-11-27 and on or after 2026-08-27",)
