"""Public Synthea patients with cancer (tests/data/fhir/synthea-cancer) against NCT06228781.

With the shipped value sets, the registry's "malignant tumor currently or within
the last 5 years" (exclusion 5) excludes the patients whose SNOMED CT cancer is
ongoing or ended within 5 years, instead of leaving them UNKNOWN; the carcinoma
in situ and the unspecified prostate neoplasm stay outside the malignancy set.
Expected outcomes are read off each bundle's Condition (codes, clinicalStatus,
onset and abatement dates), as listed in tests/data/README.md.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from trialrules import Determination, Lookback, Outcome
from trialrules.formats.fhir import record_from_bundle
from trialrules.protocols import get
from trialrules.protocols.nct06228781 import CYTOTOXIC_AGENTS, MALIGNANCY
from trialrules.values.codes import CodeSet, icd10_range

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir" / "synthea-cancer"
LUIS = DATA / "Luis_Miguel_Delarosa_f118c1b4-27e0-4de5-bc04-b51e14ea5bbd.json"
DARIN = DATA / "Darin_Skiles_31c343e9-5d7f-444e-9be4-56b1a6ec6146.json"
ANDY = DATA / "Andy_Schaden_d630c6ca-046c-470a-8f3a-4dbc3850e7ae.json"
AS_OF = date(2022, 6, 1)
PROTOCOL = get("NCT06228781")


def _exclusion5(path: Path, as_of: date = AS_OF) -> Outcome:
    result = PROTOCOL.evaluate(record_from_bundle(path), as_of)
    return next(e for e in result.exclusion if e.id == "exclusion.5").outcome


def test_ongoing_colon_cancer_is_excluded() -> None:
    # 109838007 overlapping malignant neoplasm of colon, active since 2021-02-23
    result = PROTOCOL.evaluate(record_from_bundle(LUIS), AS_OF)
    assert _exclusion5(LUIS) is Outcome.MET
    assert result.determination is Determination.INELIGIBLE
    assert "exclusion.5" in {e.id for e in result.deciding}


def test_the_registry_definition_alone_left_it_unknown() -> None:
    # The ICD-10 reference set (no SNOMED CT codes) cannot see the SNOMED-coded cancer.
    icd_only = CodeSet("malignant tumours", prefixes=icd10_range("ICD10", "C00", "C97"))
    record = record_from_bundle(LUIS)
    assert Lookback(icd_only, PROTOCOL.exclusion[4].span).evaluate(
        record, AS_OF).outcome is Outcome.UNKNOWN


def test_cancer_ended_within_five_years_is_excluded_and_not_after() -> None:
    # 93761005 primary malignant neoplasm of colon, 2017-02-02 to 2018-06-27 (resolved)
    assert _exclusion5(DARIN, date(2023, 6, 27)) is Outcome.MET       # 5 years to the day
    assert _exclusion5(DARIN, date(2023, 6, 28)) is not Outcome.MET   # the day after: not seen
    assert _exclusion5(DARIN, AS_OF) is Outcome.MET


def test_in_situ_and_unspecified_prostate_neoplasms_are_not_malignancy() -> None:
    # 126906006 neoplasm of prostate, 92691004 carcinoma in situ of prostate (ICD-10 D07.5)
    assert "SNOMED:126906006" not in MALIGNANCY
    assert "SNOMED:92691004" not in MALIGNANCY
    assert _exclusion5(ANDY) is Outcome.UNKNOWN


def test_antineoplastic_products_count_as_cytotoxic_exposure() -> None:
    # Luis: oxaliplatin 1736776 (ATC L01XA03) authored 2021-03-18; Andy: docetaxel 1860480
    # (L01CD02) authored 2000-03-10. Inclusion 6's "previously received" is then MET.
    assert "RXNORM:1736776" in CYTOTOXIC_AGENTS
    assert "RXNORM:1860480" in CYTOTOXIC_AGENTS
    for path in (LUIS, ANDY):
        inclusion6 = PROTOCOL.inclusion[5]
        antecedent = inclusion6.children[0]
        assert antecedent.evaluate(record_from_bundle(path), AS_OF).outcome is Outcome.MET
    # leucovorin (V03AF03) and leuprolide (L02AE02) are not cytotoxic agents
    assert "RXNORM:1803932" not in CYTOTOXIC_AGENTS
    assert "RXNORM:752899" not in CYTOTOXIC_AGENTS
