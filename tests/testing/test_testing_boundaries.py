"""trialrules.testing.boundary_cases: every labelled case evaluates to its label, per leaf and tree."""

from __future__ import annotations

import doctest
import pickle
from datetime import date

import pytest

import trialrules.testing
from _toolkit_catalog import ALL, AS_OFS, LEAVES, TREES
from helpers import AS_OF, MET, NOT_MET, UNKNOWN
from trialrules import (
    Age,
    AllOf,
    AnyOf,
    CodeSet,
    Criterion,
    Flag,
    Lookback,
    Outcome,
    PartialDate,
    Range,
    Record,
    Span,
    Threshold,
    Washout,
)
from trialrules.protocols.nct06228781 import CYTOTOXIC_AGENTS, PROTOCOL
from trialrules.testing import BoundaryCase, _leaves, assertions, boundaries, boundary_cases


def _labels(criterion: Criterion, as_of: date = AS_OF) -> dict[str, Outcome]:
    return {c.description: c.expected for c in boundary_cases(criterion, as_of)}


# -- the core guarantee ----------------------------------------------------------


@pytest.mark.parametrize("as_of", AS_OFS, ids=str)
@pytest.mark.parametrize("name", sorted(ALL))
def test_every_case_evaluates_to_its_label(name: str, as_of: date) -> None:
    criterion = ALL[name]
    cases = boundary_cases(criterion, as_of)
    assert cases
    for case in cases:
        got = criterion.decide(case.record, case.as_of)
        assert got is case.expected, f"{name}: {case} gave {got.name}\n{case.record}"


@pytest.mark.parametrize("as_of", AS_OFS, ids=str)
@pytest.mark.parametrize("criterion", PROTOCOL.criteria, ids=lambda c: c.id)
def test_every_nct06228781_case_evaluates_to_its_label(criterion: Criterion, as_of: date) -> None:
    for case in boundary_cases(criterion, as_of, domains=PROTOCOL.domains):
        got = criterion.decide(case.record, case.as_of, domains=PROTOCOL.domains)
        assert got is case.expected, f"{case} gave {got.name}"


@pytest.mark.parametrize("name", sorted(ALL))
def test_records_are_distinct_valid_and_named(name: str) -> None:
    cases = boundary_cases(ALL[name], AS_OF)
    keys = [(attrs_free(c.record), c.as_of, c.criterion_id) for c in cases]
    assert len(keys) == len(set(keys)), "a record appears twice"
    assert [c.record.id for c in cases] == [f"case-{i}" for i in range(1, len(cases) + 1)]
    for case in cases:
        assert isinstance(case, BoundaryCase)
        assert case.description
        assert str(case).endswith(f"(as of {case.as_of})")


def attrs_free(record: Record) -> Record:
    import attrs

    return attrs.evolve(record, id="x")


@pytest.mark.parametrize("name", sorted(n for n in LEAVES if n != "placeholder"))
def test_every_leaf_has_its_missing_fact_case(name: str) -> None:
    cases = boundary_cases(LEAVES[name], AS_OF)
    missing = [c for c in cases if "missing fact" in c.description]
    assert missing
    assert all(c.expected is UNKNOWN for c in missing)


def test_boundary_cases_are_frozen_values() -> None:
    case = boundary_cases(LEAVES["range"], AS_OF)[0]
    with pytest.raises(AttributeError):
        case.expected = NOT_MET  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(case)) == case


def test_boundary_cases_refuses_what_is_not_a_criterion() -> None:
    with pytest.raises(TypeError, match="takes a criterion"):
        boundary_cases("edss", AS_OF)  # type: ignore[arg-type]


# -- values on the grid -----------------------------------------------------------


def test_edss_range_on_its_half_point_grid() -> None:
    labels = _labels(LEAVES["range"])
    assert labels["edss 3 (on the low bound, inclusive)"] is MET
    assert labels["edss 2.5 (one step below the low bound)"] is NOT_MET
    assert labels["edss 3.5 (one step above the low bound)"] is MET
    assert labels["edss 6 (on the high bound, inclusive)"] is MET
    assert labels["edss 5.5 (one step below the high bound)"] is MET
    assert labels["edss 6.5 (one step above the high bound)"] is NOT_MET
    assert labels["no edss recorded (missing fact)"] is UNKNOWN


def test_exclusive_ends_leave_the_bound_out() -> None:
    labels = _labels(LEAVES["range-exclusive"])
    assert labels["edss 3 (on the low bound, exclusive)"] is NOT_MET
    assert labels["edss 6 (on the high bound, exclusive)"] is NOT_MET
    assert labels["edss 3.5 (one step above the low bound)"] is MET


def test_functional_scores_step_by_one() -> None:
    labels = _labels(LEAVES["threshold-gt"])
    assert labels["edss_pyramidal 3 (on the bound, exclusive)"] is NOT_MET
    assert labels["edss_pyramidal 4 (one step above the bound)"] is MET
    assert labels["edss_pyramidal 2 (one step below the bound)"] is NOT_MET


def test_without_a_domain_the_step_is_the_bounds_last_decimal() -> None:
    labels = _labels(LEAVES["range-no-domain"])
    assert labels["hba1c 6.4 (one step below the low bound)"] is NOT_MET
    assert labels["hba1c 8.1 (one step above the high bound)"] is NOT_MET


def test_values_outside_the_domain_are_never_generated() -> None:
    for case in boundary_cases(LEAVES["range-at-domain-edge"], AS_OF):
        for obs in case.record.observations:
            assert 0 <= obs.value <= 10
    assert "edss -0.5" not in " ".join(_labels(LEAVES["range-at-domain-edge"]))


def test_recency_window_edges_of_an_observation() -> None:
    labels = _labels(LEAVES["threshold-recent"])
    assert labels["edss 4.5 on the first day of its recency window (2026-08-27)"] is MET
    assert labels["edss 4.5 the day before its recency window opens (too old; missing fact)"] \
        is UNKNOWN
    assert labels["edss 4.5 dated the day after as_of (not yet seen; missing fact)"] is UNKNOWN


def test_the_latest_observation_counts_and_ties_are_unknown() -> None:
    labels = _labels(LEAVES["threshold-ge"])
    assert labels["edss_pyramidal 1 the day before as_of, then 5 on as_of (the latest counts)"] \
        is MET
    assert labels["edss_pyramidal 5 and 1 both on as_of (which is latest is uncertain)"] is UNKNOWN


# -- ages around birthdays ----------------------------------------------------------


def test_ages_around_the_18th_and_61st_birthdays() -> None:
    cases = {c.record.birth_date: c.expected for c in boundary_cases(Range(Age(), 18, 60), AS_OF)
             if c.as_of == AS_OF and c.record.birth_date is not None}
    on = {str(k): v for k, v in cases.items()}
    assert on["2008-11-27"] is MET  # 18 today
    assert on["2008-11-28"] is NOT_MET  # 18 tomorrow
    assert on["2008-11-26"] is MET
    assert on["1965-11-28"] is MET  # 60 until tomorrow
    assert on["1965-11-27"] is NOT_MET  # 61 today
    assert on["2008"] is UNKNOWN  # 17 or 18


def test_ages_in_months_weeks_and_days() -> None:
    months = {c.description: c.expected for c in boundary_cases(LEAVES["threshold-age-months"],
                                                                 date(2027, 3, 31))}
    # 31 March minus 6 months is 30 September: 6 months old on as_of.
    assert months["age in months 6 (born 2026-09-30, 6 months old on as_of; on the bound, "
                  "inclusive)"] is MET
    assert months["age in months 5 (born 2026-10-01, 6 months old the day after as_of; "
                  "one step below the bound)"] is NOT_MET
    days = {c.record.birth_date: c.expected for c in boundary_cases(LEAVES["threshold-age-days"],
                                                                     AS_OF)}
    assert days[PartialDate(2026, 10, 30)] is NOT_MET  # 28 days old
    assert days[PartialDate(2026, 10, 31)] is MET  # 27 days old


def test_born_on_29_february_turns_18_on_28_february_in_a_common_year() -> None:
    cases = [c for c in boundary_cases(Threshold(Age(), ">=", 18), AS_OF)
             if str(c.record.birth_date).endswith("02-29")]
    by_day = {c.as_of: c.expected for c in cases if str(c.record.birth_date) == "2009-02-29"
              or str(c.record.birth_date) == "2008-02-29"}
    assert by_day[date(2026, 2, 27)] is NOT_MET
    assert by_day[date(2026, 2, 28)] is MET
    assert by_day[date(2026, 3, 1)] is MET
    for case in cases:
        assert Threshold(Age(), ">=", 18).decide(case.record, case.as_of) is case.expected


# -- window edges ------------------------------------------------------------------


def test_washout_window_edges() -> None:
    labels = _labels(LEAVES["washout-month"])
    assert labels["exposure ATC:L01 on the window's first day (2026-10-27)"] is NOT_MET
    assert labels["exposure ATC:L01 the day before the window opens (2026-10-26)"] is MET
    assert labels["exposure ATC:L01 on as_of (2026-11-27)"] is NOT_MET
    assert labels["exposure ATC:L01 the day after as_of (2026-11-28, not yet happened)"] is MET
    assert labels["exposure ATC:L01 ongoing since 30 days before the window"] is NOT_MET
    assert labels["exposure ATC:L01 dated only to the month the window opens (2026-10)"] \
        is UNKNOWN
    assert labels["no exposure recorded and the exposures history not declared complete "
                  "(missing fact)"] is UNKNOWN


def test_month_windows_get_month_end_and_29_february_variants() -> None:
    cases = boundary_cases(LEAVES["washout-month"], AS_OF)
    days = {c.as_of for c in cases}
    assert {date(2026, 11, 30), date(2028, 2, 29), date(2028, 3, 31)} <= days
    first = {c.as_of: c for c in cases if "on the window's first day" in c.description}
    assert "(2028-02-29)" in first[date(2028, 3, 31)].description  # 31 March - 1 month
    assert "(2028-01-29)" in first[date(2028, 2, 29)].description


def test_day_windows_need_no_calendar_variants() -> None:
    assert {c.as_of for c in boundary_cases(LEAVES["washout-days"], AS_OF)} == {AS_OF}


def test_lookback_counts_events_when_more_than_one_is_needed() -> None:
    labels = _labels(LEAVES["lookback-twice"])
    assert labels["1 ongoing conditions of ICD10:B15 and condition ICD10:B15 on as_of "
                  "(2026-11-27)"] is MET
    assert labels["1 ongoing conditions of ICD10:B15 and no condition of infections recorded, "
                  "conditions history complete through as_of"] is NOT_MET


def test_an_empty_code_set_cannot_give_cases() -> None:
    from trialrules import TrialRulesError

    with pytest.raises(TrialRulesError, match="empty"):
        boundary_cases(Washout(CodeSet("nothing"), Span(days=1)), AS_OF)


# -- flags and categories -----------------------------------------------------------


def test_flag_cases() -> None:
    assert _labels(Flag("consent")) == {"flag consent true": MET, "flag consent false": NOT_MET,
                                        "flag consent not recorded (missing fact)": UNKNOWN}
    assert _labels(Flag("pregnant", expected=False))["flag pregnant false"] is MET


def test_assumed_false_flag_probes_its_condition() -> None:
    cases = boundary_cases(LEAVES["flag-assumed"], AS_OF)
    by_sex = {c.record.sex: c.expected for c in cases if "pregnant" not in c.record.flags}
    assert by_sex["male"] is NOT_MET  # taken as not pregnant
    assert by_sex["female"] is UNKNOWN
    assert by_sex[None] is UNKNOWN


def test_one_of_cases_cover_in_out_and_missing() -> None:
    labels = _labels(LEAVES["one-of-codes"])
    assert labels["ms_course RRMS (in the set)"] is MET
    assert labels["ms_course other (not in the set)"] is NOT_MET
    assert labels["no ms_course recorded (missing fact)"] is UNKNOWN
    sexes = _labels(LEAVES["one-of-sex"])
    assert sexes["sex male (not in it)"] is NOT_MET
    assert sexes["sex other (not in it)"] is NOT_MET
    assert sexes["sex recorded as 'unknown' (missing fact)"] is UNKNOWN
    assert _labels(LEAVES["one-of-numbers"])["edss_pyramidal 2 (not in the set)"] is NOT_MET


# -- combinators: MC/DC ---------------------------------------------------------------


def _leaf_ids(criterion: Criterion) -> set[str | None]:
    return {c.criterion_id for c in boundary_cases(criterion, AS_OF)}


@pytest.mark.parametrize("name", ["all-of", "any-of", "not", "implies", "at-least", "nested",
                                  "shared-history", "assumed-inside"])
def test_every_leaf_independently_flips_the_tree(name: str) -> None:
    tree = TREES[name]
    cases = boundary_cases(tree, AS_OF)
    probes = {c.criterion_id for c in cases}
    for probe in probes:
        mine = [c for c in cases if c.criterion_id == probe and c.as_of == AS_OF]
        outcomes = {c.expected for c in mine}
        if probe is not None and probe.endswith(".if"):
            # An assume-false condition decides between "taken as false" and UNKNOWN.
            assert len(outcomes) >= 2, f"{name}: {probe} never changes the tree"
        else:
            assert {MET, NOT_MET} <= outcomes, f"{name}: {probe} never decides the tree"


def test_mcdc_pairs_differ_only_in_the_probed_leafs_facts() -> None:
    tree = AllOf(Range("edss", 3, 6, id="edss"), Flag("consent", id="consent"))
    cases = boundary_cases(tree, AS_OF)
    on = next(c for c in cases if c.description.startswith("edss 3 (on the low"))
    off = next(c for c in cases if c.description.startswith("edss 2.5"))
    assert (on.expected, off.expected) == (MET, NOT_MET)
    assert on.record.flags == off.record.flags == {"consent": True}
    assert on.record.observations != off.record.observations
    consent = {c.description: c.expected for c in cases if c.criterion_id == "consent"}
    assert consent == {"flag consent true": MET, "flag consent false": NOT_MET,
                       "flag consent not recorded (missing fact)": UNKNOWN}


def test_any_of_sets_the_other_alternatives_not_met() -> None:
    cases = boundary_cases(PROTOCOL.criterion("inclusion.4"), AS_OF)
    on = next(c for c in cases if c.description.startswith("edss_cerebellar 3 (on the bound"))
    assert on.expected is MET
    assert {o.code: o.value for o in on.record.observations}["edss_pyramidal"] < 3
    assert next(c.criterion_id for c in cases) == "inclusion.4.1"


def test_implies_shows_both_sides() -> None:
    cases = boundary_cases(PROTOCOL.criterion("inclusion.6"), AS_OF)
    ids = {c.criterion_id for c in cases}
    assert ids == {"inclusion.6.1", "inclusion.6.2.1", "inclusion.6.2.2"}
    # With the flags false, the antecedent alone decides: a prior cytotoxic agent fails it.
    ante = {c.description: c.expected for c in cases if c.criterion_id == "inclusion.6.1"}
    code = _leaves.representative(CYTOTOXIC_AGENTS)
    assert ante[f"exposure {code} ten years before as_of, ended"] is NOT_MET
    assert ante[f"exposure {code} the day after as_of (2026-11-28, not yet happened)"] is MET


def test_kleene_dead_end_is_documented_in_the_case() -> None:
    # A Placeholder is never MET, so inside AllOf the range can only decide NOT_MET vs UNKNOWN.
    cases = boundary_cases(TREES["with-placeholder"], AS_OF)
    edss = [c for c in cases if c.criterion_id == "1"]
    assert {c.expected for c in edss} == {NOT_MET, UNKNOWN}
    assert all("(with 2 UNKNOWN)" in c.description for c in edss)


def test_a_shared_source_is_read_consistently() -> None:
    tree = TREES["shared-source"]
    labels = {c.description: c.expected for c in boundary_cases(tree, AS_OF)}
    assert labels["edss 5 (on the bound, exclusive)"] is NOT_MET
    assert labels["edss 4.5 (one step below the bound)"] is MET
    assert labels["edss 6 (on the high bound, inclusive) (with 2 NOT_MET)"] is NOT_MET


def test_overlapping_code_sets_do_not_read_each_others_events() -> None:
    cases = boundary_cases(TREES["overlapping-codes"], AS_OF)
    assert cases
    for case in cases:
        assert TREES["overlapping-codes"].decide(case.record, case.as_of) is case.expected


def test_internal_helpers_behave() -> None:
    assert _leaves.representative(CodeSet("x", codes=["ATC:B"], prefixes=["ATC:A"])) == "ATC:B"
    assert boundaries.protocol_criterion(PROTOCOL).id == "NCT06228781"
    assert _leaves.as_of_variants(None, AS_OF) == []


def test_module_doctests() -> None:
    for module in (trialrules.testing, boundaries, assertions):
        failed, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert failed == 0, module.__name__


def test_lookback_ever_has_no_window_start_cases() -> None:
    labels = _labels(Lookback(CodeSet("c", prefixes=["ICD10:C"]), on="conditions"))
    assert not any("window's first day" in d for d in labels)
    assert labels["condition ICD10:C ten years before as_of, ended"] is MET


def test_any_of_with_a_shared_flag() -> None:
    cases = boundary_cases(AnyOf(Flag("a"), Flag("a", expected=False)), AS_OF)
    assert {c.expected for c in cases} == {MET, UNKNOWN}


def test_boundary_cases_of_a_protocol_cover_every_criterion_and_hold() -> None:
    from datetime import date as _date

    from trialrules.protocols import get as _get
    from trialrules.testing import boundary_cases as _cases

    protocol = _get("NCT06228781")
    cases = _cases(protocol, _date(2027, 3, 31))
    assert {c.target for c in cases} == {c.id for c in protocol.criteria}
    for case in cases:
        assert case.target is not None
        assert protocol.evaluate(case.record, case.as_of).outcome(case.target) is case.expected, str(case)
