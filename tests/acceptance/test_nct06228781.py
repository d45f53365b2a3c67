"""NCT06228781 as encoded: registry text, code sets, domains, and every rule at its boundaries.

The scenario table holds, for each of the 16 criteria, cases that make it MET,
NOT_MET and UNKNOWN, at the edges of the rule in docs/nct06228781.md (birthdays,
29 February, EDSS 3/6, FS 3, the first day of the one-month window and the day
before, month ends, the 5-year edge, an infection ending on as_of).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from helpers import MET, NOT_MET, UNKNOWN
from nct_records import AS_OF, CRITERIA, condition, exposure, outcome, patient
from trialrules import Determination, InvalidRecord, Outcome, Span
from trialrules.formats.records import record_from_dict
from trialrules.protocols import get
from trialrules.protocols.nct06228781 import (
    CYTOTOXIC_AGENTS,
    INFECTIONS,
    MALIGNANCY,
    PROTOCOL,
)

# The registry's own wording (ClinicalTrials.gov NCT06228781), typos and the
# duplicated exclusion included, copied here so the test does not read the encoding.
REGISTRY_TEXT = {
    "inclusion.1": "Age 18-60 years;",
    "inclusion.2": "Diagnosed multiple sclerosis with relapses or progression and sustained "
                   "accumulated impairment by a neurologist expert in the field;",
    "inclusion.3": "EDSS score of 3-6 (including 3 and 6);",
    "inclusion.4": "EDSS cerebellar functional score ≥ 3 or EDSS pyramidal functional score ≥3;",
    "inclusion.5": "Evidence of current disease activity;",
    "inclusion.6": "If a patient has previously received a cytotoxic agent (mitoxantrone, "
                   "cyclophosphamide etc.) they must have normal bone marrow morphology and "
                   "cytogenetics before being considered eligible for this study ;",
    "inclusion.7": "No evidence of hepatic inflammation or fibrosis;",
    "exclusion.1": "Patients with evidence of myelodysplasia or other non-autoimmune cytopenia;",
    "exclusion.2": "Patients having received a cytotoxic agent within one month of enrolling in "
                   "this study;",
    "exclusion.3": "Patient with any active or chronic infection (herpes simplex virus, "
                   "varicella-zoster virus, cytomegalovirus, EB virus, human immunodeficiency "
                   "virus, hepatitis virus, syphilis, etc.);",
    "exclusion.4": "Patients having received a cytotoxic agent within one month of enrolling in "
                   "this study;",
    "exclusion.5": "Patients with a malignant tumor currently or within the last 5 years;",
    "exclusion.6": "Patients with cardiac, renal, pulmonary, hepatic or other organ impairment;",
    "exclusion.7": "Patients whose life expectancy is severely limited by another conditions;",
    "exclusion.8": "Pregnancy or risk of pregnancy;",
    "exclusion.9": "Patients unable to give written informed consent in accordance with research "
                   "ethics board guidelines.",
}


# --- the protocol's shape -----------------------------------------------------------------

def test_bundled_by_id_case_insensitively() -> None:
    assert get("NCT06228781") is PROTOCOL
    assert get("nct06228781") is PROTOCOL
    assert PROTOCOL.title == ("Autologous Hematopoietic Stem Cell Transplantation for Refractory "
                              "Multiple Sclerosis")


def test_ids_in_registry_order_with_registry_text() -> None:
    assert [c.id for c in PROTOCOL.inclusion] == [f"inclusion.{i}" for i in range(1, 8)]
    assert [c.id for c in PROTOCOL.exclusion] == [f"exclusion.{i}" for i in range(1, 10)]
    assert {c.id: c.label for c in PROTOCOL.criteria} == REGISTRY_TEXT


def test_exclusions_2_and_4_are_the_same_rule() -> None:
    assert PROTOCOL.criterion("exclusion.2").anonymous() == \
        PROTOCOL.criterion("exclusion.4").anonymous()


@pytest.mark.parametrize(("code", "inside"), [
    ("ATC:L01", True), ("ATC:L01DB07", True), ("ATC:L01AA01", True), ("ATC:L01XC", True),
    ("ATC:L02BG03", False), ("ATC:L04AA23", False), ("ATC:L0", False), ("ICD10:L01", False),
])
def test_cytotoxic_agents_are_atc_l01(code: str, inside: bool) -> None:
    assert (code in CYTOTOXIC_AGENTS) is inside


_INFECTION_CATEGORIES = ["B00", "B01", "B02", "B25", "B27", "B20", "B21", "B22", "B23", "B24",
                         "B15", "B16", "B17", "B18", "B19", "A50", "A51", "A52", "A53"]


@pytest.mark.parametrize("category", _INFECTION_CATEGORIES)
def test_infection_set_holds_each_named_category(category: str) -> None:
    assert f"ICD10:{category}" in INFECTIONS
    assert f"ICD10:{category}.9" in INFECTIONS


@pytest.mark.parametrize("category", ["B03", "B14", "B26", "B28", "A49", "A54", "B99", "J06"])
def test_infection_set_stops_at_its_edges(category: str) -> None:
    assert f"ICD10:{category}" not in INFECTIONS


def test_infection_set_is_exactly_the_named_categories() -> None:
    # ICD-10 (WHO) and ICD-10-CM share the categories; SNOMED CT is listed code by code.
    for system in ("ICD10", "ICD10CM"):
        assert {p for p in INFECTIONS.prefixes if p.startswith(system + ":")} == {
            f"{system}:{c}" for c in _INFECTION_CATEGORIES}
    assert INFECTIONS.prefixes <= {f"{s}:{c}" for s in ("ICD10", "ICD10CM")
                                   for c in _INFECTION_CATEGORIES}
    assert all(code.startswith("SNOMED:") for code in INFECTIONS.codes)


def test_malignancy_is_c00_to_c97() -> None:
    assert {p for p in MALIGNANCY.prefixes if p.startswith("ICD10:")} == {
        f"ICD10:C{n:02d}" for n in range(98)}
    assert all(code.startswith("SNOMED:") for code in MALIGNANCY.codes)
    for code, inside in [("ICD10:C00", True), ("ICD10:C50.9", True), ("ICD10:C97", True),
                         ("ICD10:D00", False), ("ICD10:D05.1", False), ("ICD10:C98", False)]:
        assert (code in MALIGNANCY) is inside, code


@pytest.mark.parametrize(("code", "allowed", "refused"), [
    ("edss", [0, 0.5, 3, 3.0, 6, 6.5, 10], [-0.5, 6.3, 10.5, True, "4"]),
    ("edss_cerebellar", [0, 3, 3.0, 5], [-1, 2.5, 6, False]),
    ("edss_pyramidal", [0, 3, 6], [-1, 2.5, 7, True]),
])
def test_observation_domains(code: str, allowed: list[Any], refused: list[Any]) -> None:
    domain = PROTOCOL.domains[code]
    assert all(domain.contains(v) for v in allowed)
    assert not any(domain.contains(v) for v in refused)


def test_an_off_domain_value_stored_directly_is_refused_when_read() -> None:
    from trialrules import Observation, Record

    record = Record("X", observations=[Observation("edss", 6.3, "2027-01-01")])
    with pytest.raises(InvalidRecord, match=r"observations\[0\]\.value.*steps of 0\.5"):
        PROTOCOL.evaluate(record, AS_OF)


def test_birth_after_as_of_is_bad_input() -> None:
    with pytest.raises(InvalidRecord, match="birth_date"):
        outcome("inclusion.1", patient(birth_date="2027-04-01"))


# --- one scenario per criterion and outcome, at the rule's edges ---------------------------

L01DB07, L01AA01, NATALIZUMAB = "ATC:L01DB07", "ATC:L01AA01", "ATC:L04AA23"
MARROW_OK = {"bone_marrow_normal": True, "cytogenetics_normal": True}
NO_HISTORY = {"complete": None}


def _s(cid: str, expected: Outcome, name: str, data: dict[str, Any],
       as_of: date = AS_OF) -> Any:
    return pytest.param(cid, expected, data, as_of, id=f"{cid}-{expected.value}-{name}")


def _washout(cid: str) -> list[Any]:
    """exclusion.2 and exclusion.4: a cytotoxic agent in [as_of - 1 month, as_of], or ongoing."""
    return [
        _s(cid, MET, "dose on window's first day 28 Feb (as_of 31 Mar)",
           patient(exposures=[exposure(L01DB07, "2027-02-28", "2027-02-28")])),
        _s(cid, MET, "dose on as_of", patient(exposures=[exposure(L01DB07, "2027-03-31",
                                                                  "2027-03-31")])),
        _s(cid, MET, "ongoing since last year",
           patient(exposures=[exposure(L01AA01, "2026-06-01", None)])),
        _s(cid, MET, "course spanning the window's first day",
           patient(exposures=[exposure(L01AA01, "2027-01-01", "2027-03-05")])),
        _s(cid, MET, "leap year: window opens 29 Feb",
           patient(exposures=[exposure(L01DB07, "2028-02-29", "2028-02-29")],
                   complete={"exposures": "2028-03-31"}), date(2028, 3, 31)),
        _s(cid, MET, "as_of 30 Mar: window opens 28 Feb",
           patient(exposures=[exposure(L01DB07, "2027-02-28", "2027-02-28")]),
           date(2027, 3, 30)),
        _s(cid, NOT_MET, "dose the day before the window (27 Feb)",
           patient(exposures=[exposure(L01DB07, "2027-02-27", "2027-02-27")])),
        _s(cid, NOT_MET, "leap year: dose 28 Feb, window opens 29 Feb",
           patient(exposures=[exposure(L01DB07, "2028-02-28", "2028-02-28")],
                   complete={"exposures": "2028-03-31"}), date(2028, 3, 31)),
        _s(cid, NOT_MET, "no exposure, history complete", patient()),
        _s(cid, NOT_MET, "dose after as_of is invisible",
           patient(exposures=[exposure(L01DB07, "2027-04-01", "2027-04-01")])),
        _s(cid, NOT_MET, "non-cytotoxic drug in the window",
           patient(exposures=[exposure(NATALIZUMAB, "2027-03-01", None)])),
        _s(cid, UNKNOWN, "no exposure, history not declared complete", patient(**NO_HISTORY)),
        _s(cid, UNKNOWN, "history complete only to the day before as_of",
           patient(complete={"exposures": "2027-03-30", "conditions": "2027-03-31"})),
        _s(cid, UNKNOWN, "dose dated only to the month straddling the window's start",
           patient(exposures=[exposure(L01AA01, "2027-02", "2027-02")])),
        _s(cid, UNKNOWN, "course ended on a day of February not recorded",
           patient(exposures=[exposure(L01AA01, "2026-12-01", "2027-02")])),
    ]


SCENARIOS = [
    # inclusion.1: age 18-60 inclusive, completed years on as_of
    _s("inclusion.1", MET, "18th birthday on as_of", patient(birth_date="2009-03-31")),
    _s("inclusion.1", MET, "eve of the 61st birthday", patient(birth_date="1966-04-01")),
    _s("inclusion.1", MET, "29 Feb birthday counts on 28 Feb in a common year",
       patient(birth_date="2008-02-29"), date(2026, 2, 28)),
    _s("inclusion.1", MET, "29 Feb birthday in a leap year", patient(birth_date="2008-02-29"),
       date(2028, 2, 29)),
    _s("inclusion.1", MET, "birth month known, every day gives 18",
       patient(birth_date="2009-03")),
    _s("inclusion.1", NOT_MET, "day before the 18th birthday", patient(birth_date="2009-04-01")),
    _s("inclusion.1", NOT_MET, "61st birthday", patient(birth_date="1966-03-31")),
    _s("inclusion.1", NOT_MET, "29 Feb birthday, 27 Feb of a common year: still 17",
       patient(birth_date="2008-02-29"), date(2026, 2, 27)),
    _s("inclusion.1", NOT_MET, "61st birthday of someone born 29 Feb (as_of 28 Feb)",
       patient(birth_date="1964-02-29"), date(2025, 2, 28)),
    _s("inclusion.1", UNKNOWN, "no birth date", patient(birth_date=None)),
    _s("inclusion.1", UNKNOWN, "birth year only: 60 or 61", patient(birth_date="1966")),
    _s("inclusion.1", UNKNOWN, "birth month straddles the 18th birthday",
       patient(birth_date="2009-03"), date(2027, 3, 15)),
    # inclusion.2: flag ms_diagnosis_confirmed
    _s("inclusion.2", MET, "flag true", patient()),
    _s("inclusion.2", NOT_MET, "flag false", patient(flags={"ms_diagnosis_confirmed": False})),
    _s("inclusion.2", UNKNOWN, "flag absent", patient(flags={"ms_diagnosis_confirmed": None})),
    # inclusion.3: latest edss within 3-6 inclusive
    _s("inclusion.3", MET, "EDSS 3", patient(obs={"edss": 3})),
    _s("inclusion.3", MET, "EDSS 6", patient(obs={"edss": 6})),
    _s("inclusion.3", MET, "EDSS 6.0 as a float", patient(obs={"edss": 6.0})),
    _s("inclusion.3", MET, "the latest counts, not the worst",
       patient(obs={"edss": [(6.5, "2026-01-01"), (4, "2027-02-15")]})),
    _s("inclusion.3", NOT_MET, "EDSS 2.5", patient(obs={"edss": 2.5})),
    _s("inclusion.3", NOT_MET, "EDSS 6.5", patient(obs={"edss": 6.5})),
    _s("inclusion.3", NOT_MET, "EDSS 0", patient(obs={"edss": 0})),
    _s("inclusion.3", NOT_MET, "EDSS 10", patient(obs={"edss": 10})),
    _s("inclusion.3", NOT_MET, "the latest counts: 6.5 after 4",
       patient(obs={"edss": [(4, "2026-01-01"), (6.5, "2027-03-31")]})),
    _s("inclusion.3", UNKNOWN, "no EDSS", patient(obs={"edss": None})),
    _s("inclusion.3", UNKNOWN, "only an EDSS dated after as_of",
       patient(obs={"edss": [(4, "2027-04-01")]})),
    _s("inclusion.3", UNKNOWN, "a month-dated EDSS may be the latest, and disagrees",
       patient(obs={"edss": [(4.5, "2027-02-15"), (6.5, "2027-02")]})),
    # inclusion.4: latest edss_cerebellar >= 3 or latest edss_pyramidal >= 3
    _s("inclusion.4", MET, "pyramidal 3", patient(obs={"edss_pyramidal": 3})),
    _s("inclusion.4", MET, "cerebellar 3, pyramidal unknown",
       patient(obs={"edss_cerebellar": 3, "edss_pyramidal": None})),
    _s("inclusion.4", MET, "pyramidal 6, cerebellar unknown",
       patient(obs={"edss_pyramidal": 6, "edss_cerebellar": None})),
    _s("inclusion.4", NOT_MET, "both 2", patient(obs={"edss_pyramidal": 2})),
    _s("inclusion.4", NOT_MET, "both 0", patient(obs={"edss_pyramidal": 0, "edss_cerebellar": 0})),
    _s("inclusion.4", UNKNOWN, "cerebellar 2, pyramidal unknown",
       patient(obs={"edss_pyramidal": None})),
    _s("inclusion.4", UNKNOWN, "neither recorded",
       patient(obs={"edss_pyramidal": None, "edss_cerebellar": None})),
    # inclusion.5: flag disease_activity
    _s("inclusion.5", MET, "flag true", patient()),
    _s("inclusion.5", NOT_MET, "flag false", patient(flags={"disease_activity": False})),
    _s("inclusion.5", UNKNOWN, "flag absent", patient(flags={"disease_activity": None})),
    # inclusion.6: prior cytotoxic exposure (on or before as_of) implies normal marrow and cytogenetics
    _s("inclusion.6", MET, "no exposure, history complete", patient()),
    _s("inclusion.6", MET, "prior exposure, both normal",
       patient(flags=MARROW_OK, exposures=[exposure(L01DB07, "2020-01-10", "2020-06-10")])),
    _s("inclusion.6", MET, "both normal, history unknown", patient(flags=MARROW_OK, **NO_HISTORY)),
    _s("inclusion.6", MET, "non-cytotoxic exposure only",
       patient(exposures=[exposure(NATALIZUMAB, "2020-01-10", None)])),
    _s("inclusion.6", MET, "cytotoxic exposure only after as_of",
       patient(exposures=[exposure(L01DB07, "2027-04-01", "2027-04-01")])),
    _s("inclusion.6", NOT_MET, "prior exposure, abnormal marrow",
       patient(flags={"bone_marrow_normal": False, "cytogenetics_normal": True},
               exposures=[exposure(L01AA01, "2023-01-15", "2023-07-15")])),
    _s("inclusion.6", NOT_MET, "prior exposure, abnormal cytogenetics",
       patient(flags={"bone_marrow_normal": True, "cytogenetics_normal": False},
               exposures=[exposure(L01AA01, "2001", "2001")])),
    _s("inclusion.6", NOT_MET, "exposure starting on as_of counts as received",
       patient(flags={"bone_marrow_normal": False},
               exposures=[exposure(L01AA01, "2027-03-31", None)])),
    _s("inclusion.6", UNKNOWN, "prior exposure, marrow not recorded",
       patient(exposures=[exposure(L01DB07, "2024-05-10", "2024-11-10")])),
    _s("inclusion.6", UNKNOWN, "prior exposure, cytogenetics not recorded",
       patient(flags={"bone_marrow_normal": True},
               exposures=[exposure(L01DB07, "2024-05-10", "2024-11-10")])),
    _s("inclusion.6", UNKNOWN, "history not complete, flags absent", patient(**NO_HISTORY)),
    _s("inclusion.6", UNKNOWN, "abnormal marrow, but was there an exposure?",
       patient(flags={"bone_marrow_normal": False}, **NO_HISTORY)),
    # inclusion.7: flag hepatic_inflammation_or_fibrosis is false
    _s("inclusion.7", MET, "flag false", patient()),
    _s("inclusion.7", NOT_MET, "flag true",
       patient(flags={"hepatic_inflammation_or_fibrosis": True})),
    _s("inclusion.7", UNKNOWN, "flag absent",
       patient(flags={"hepatic_inflammation_or_fibrosis": None})),
    # exclusion.1: flag myelodysplasia_or_cytopenia
    _s("exclusion.1", MET, "flag true", patient(flags={"myelodysplasia_or_cytopenia": True})),
    _s("exclusion.1", NOT_MET, "flag false", patient()),
    _s("exclusion.1", UNKNOWN, "flag absent",
       patient(flags={"myelodysplasia_or_cytopenia": None})),
    # exclusion.2 / exclusion.4: see _washout
    *_washout("exclusion.2"),
    # exclusion.3: an infection of the set current on as_of (no end, or end on/after as_of)
    _s("exclusion.3", MET, "HIV, ongoing", patient(conditions=[condition("ICD10:B20", "2019-06",
                                                                        None)])),
    _s("exclusion.3", MET, "EBV ends on as_of",
       patient(conditions=[condition("ICD10:B27.0", "2027-03-01", "2027-03-31")])),
    _s("exclusion.3", MET, "herpes simplex began on as_of",
       patient(conditions=[condition("ICD10:B00.1", "2027-03-31", None)])),
    _s("exclusion.3", MET, "syphilis ends after as_of",
       patient(conditions=[condition("ICD10:A51.3", "2027-03-01", "2027-04-15")])),
    _s("exclusion.3", MET, "chronic hepatitis C, partial onset",
       patient(conditions=[condition("ICD10:B18.2", "2015", None)])),
    _s("exclusion.3", NOT_MET, "zoster ended the day before as_of",
       patient(conditions=[condition("ICD10:B02.9", "2027-02-01", "2027-03-30")])),
    _s("exclusion.3", NOT_MET, "no condition, history complete", patient()),
    _s("exclusion.3", NOT_MET, "mumps (B26) is not in the set",
       patient(conditions=[condition("ICD10:B26.9", "2027-03-20", None)])),
    _s("exclusion.3", NOT_MET, "infection beginning after as_of",
       patient(conditions=[condition("ICD10:B20", "2027-04-01", None)])),
    _s("exclusion.3", UNKNOWN, "no condition, history not complete", patient(**NO_HISTORY)),
    _s("exclusion.3", UNKNOWN, "hepatitis B ended on an unrecorded day of March",
       patient(conditions=[condition("ICD10:B18.1", "2020-04", "2027-03")])),
    _s("exclusion.3", UNKNOWN, "ended the day before, history not complete",
       patient(conditions=[condition("ICD10:B02.9", "2027-02-01", "2027-03-30")], **NO_HISTORY)),
    *_washout("exclusion.4"),
    # exclusion.5: malignancy current on as_of or overlapping the 5 years before it
    _s("exclusion.5", MET, "ongoing", patient(conditions=[condition("ICD10:C50.9", "2026-01",
                                                                   None)])),
    _s("exclusion.5", MET, "ended on the window's first day",
       patient(conditions=[condition("ICD10:C50.9", "2018-05", "2022-03-31")])),
    _s("exclusion.5", MET, "diagnosed on as_of",
       patient(conditions=[condition("ICD10:C43.9", "2027-03-31", None)])),
    _s("exclusion.5", MET, "leap as_of 29 Feb 2028: ended 28 Feb 2023",
       patient(conditions=[condition("ICD10:C50.9", "2020", "2023-02-28")],
               complete={"conditions": "2028-02-29"}), date(2028, 2, 29)),
    _s("exclusion.5", NOT_MET, "ended the day before the window",
       patient(conditions=[condition("ICD10:C50.9", "2018-05", "2022-03-30")])),
    _s("exclusion.5", NOT_MET, "leap as_of 29 Feb 2028: ended 27 Feb 2023",
       patient(conditions=[condition("ICD10:C50.9", "2020", "2023-02-27")],
               complete={"conditions": "2028-02-29"}), date(2028, 2, 29)),
    _s("exclusion.5", NOT_MET, "carcinoma in situ (D05) is not malignant here",
       patient(conditions=[condition("ICD10:D05.1", "2026-01", None)])),
    _s("exclusion.5", NOT_MET, "diagnosed after as_of",
       patient(conditions=[condition("ICD10:C50.9", "2027-04-01", None)])),
    _s("exclusion.5", UNKNOWN, "ended on an unrecorded day of the edge month",
       patient(conditions=[condition("ICD10:C43.9", "2017", "2022-03")])),
    _s("exclusion.5", UNKNOWN, "no condition, history not complete", patient(**NO_HISTORY)),
    # exclusion.6, exclusion.7: flags
    _s("exclusion.6", MET, "flag true", patient(flags={"organ_impairment": True})),
    _s("exclusion.6", NOT_MET, "flag false", patient()),
    _s("exclusion.6", UNKNOWN, "flag absent", patient(flags={"organ_impairment": None})),
    _s("exclusion.7", MET, "flag true", patient(flags={"life_expectancy_limited": True})),
    _s("exclusion.7", NOT_MET, "flag false", patient()),
    _s("exclusion.7", UNKNOWN, "flag absent", patient(flags={"life_expectancy_limited": None})),
    # exclusion.8: flag pregnancy_or_risk; a male without the flag is NOT_MET
    _s("exclusion.8", MET, "female, flag true", patient(flags={"pregnancy_or_risk": True})),
    _s("exclusion.8", MET, "male, flag recorded true: the flag decides",
       patient(sex="male", flags={"pregnancy_or_risk": True})),
    _s("exclusion.8", NOT_MET, "female, flag false", patient()),
    _s("exclusion.8", NOT_MET, "male, flag absent",
       patient(sex="male", flags={"pregnancy_or_risk": None})),
    _s("exclusion.8", NOT_MET, "male, flag false", patient(sex="male")),
    _s("exclusion.8", UNKNOWN, "female, flag absent", patient(flags={"pregnancy_or_risk": None})),
    _s("exclusion.8", UNKNOWN, "sex absent, flag absent",
       patient(sex=None, flags={"pregnancy_or_risk": None})),
    _s("exclusion.8", UNKNOWN, "sex 'unknown', flag absent",
       patient(sex="unknown", flags={"pregnancy_or_risk": None})),
    _s("exclusion.8", UNKNOWN, "sex 'other', flag absent",
       patient(sex="other", flags={"pregnancy_or_risk": None})),
    # exclusion.9: flag able_to_consent is false
    _s("exclusion.9", MET, "unable", patient(flags={"able_to_consent": False})),
    _s("exclusion.9", NOT_MET, "able", patient()),
    _s("exclusion.9", UNKNOWN, "flag absent", patient(flags={"able_to_consent": None})),
]


@pytest.mark.parametrize(("criterion_id", "expected", "data", "as_of"), SCENARIOS)
def test_scenario(criterion_id: str, expected: Outcome, data: dict[str, Any],
                  as_of: date) -> None:
    assert outcome(criterion_id, data, as_of) is expected


def test_scenarios_cover_every_criterion_and_outcome() -> None:
    covered = {(p.values[0], p.values[1]) for p in SCENARIOS}
    assert covered == {(c, o) for c in CRITERIA for o in Outcome}


@pytest.mark.parametrize(("criterion_id", "expected", "data", "as_of"), SCENARIOS)
def test_scenario_changes_only_what_it_names(criterion_id: str, expected: Outcome,
                                             data: dict[str, Any], as_of: date) -> None:
    """Each scenario varies the eligible base patient: a MET exclusion or a NOT_MET
    inclusion makes it INELIGIBLE, and the criterion is then among the deciding ones."""
    result = PROTOCOL.evaluate(record_from_dict(data), as_of)
    is_inclusion = criterion_id.startswith("inclusion")
    if expected is (NOT_MET if is_inclusion else MET):
        assert result.determination is Determination.INELIGIBLE
        assert criterion_id in [e.id for e in result.deciding]
    elif expected is UNKNOWN:
        assert criterion_id in [e.id for e in result.undecided]
        assert result.determination is not Determination.ELIGIBLE


def test_base_patient_is_eligible_and_explained() -> None:
    result = PROTOCOL.evaluate(record_from_dict(patient()), AS_OF)
    assert result.determination is Determination.ELIGIBLE, str(result)
    assert result.outcome("inclusion.3") is MET
    assert "EDSS 4.5 on 2027-02-15 is between 3 and 6" in result.inclusion[2].reason


def test_washout_window_of_one_month_before_31_march_starts_28_february() -> None:
    assert Span(months=1).before(date(2027, 3, 31)) == date(2027, 2, 28)
    assert Span(months=1).before(date(2028, 3, 31)) == date(2028, 2, 29)


def test_exclusion_8_reason_says_why_a_male_is_not_met() -> None:
    data = patient(sex="male", flags={"pregnancy_or_risk": None})
    result = PROTOCOL.evaluate(record_from_dict(data), AS_OF)
    (explanation,) = [e for e in result.exclusion if e.id == "exclusion.8"]
    assert "taken as false" in explanation.reason
    assert "sex male" in explanation.reason


def test_partial_birth_date_asks_for_the_exact_birth_date() -> None:
    result = PROTOCOL.evaluate(record_from_dict(patient(birth_date="1966")), AS_OF)
    assert result.missing == ("exact birth date (birth_date)",)
    assert "may or may not be between 18 and 60" in result.inclusion[0].reason


def test_an_undeclared_exposure_history_is_asked_for_once() -> None:
    result = PROTOCOL.evaluate(record_from_dict(patient(**NO_HISTORY)), AS_OF)
    assert [e.id for e in result.undecided] == [
        "inclusion.6", "exclusion.2", "exclusion.3", "exclusion.4", "exclusion.5"]
    assert result.missing == (
        "exposures history complete through 2027-03-31 (complete.exposures)",
        "flag bone_marrow_normal", "flag cytogenetics_normal",
        "conditions history complete through 2027-03-31 (complete.conditions)")
