"""End-to-end smoke test: the bundled protocol on one patient."""

from __future__ import annotations

from datetime import date

from trialrules import Determination, Outcome, Record
from trialrules.formats.records import record_from_dict
from trialrules.protocols import get


def test_eligible_patient_is_eligible() -> None:
    record = record_from_dict({
        "id": "P1", "birth_date": "1980-05-17", "sex": "female",
        "observations": [{"code": "edss", "value": 4.5, "date": "2026-10-02"},
                         {"code": "edss_pyramidal", "value": 3, "date": "2026-10-02"}],
        "flags": {"ms_diagnosis_confirmed": True, "disease_activity": True,
                  "hepatic_inflammation_or_fibrosis": False,
                  "myelodysplasia_or_cytopenia": False, "organ_impairment": False,
                  "life_expectancy_limited": False, "pregnancy_or_risk": False,
                  "able_to_consent": True},
        "complete": {"exposures": "2026-11-27", "conditions": "2026-11-27"},
    })
    result = get("NCT06228781").evaluate(record, date(2026, 11, 27))
    assert result.determination is Determination.ELIGIBLE, str(result)
    assert result.outcome("inclusion.6") is Outcome.MET


def test_empty_record_needs_review() -> None:
    result = get("NCT06228781").evaluate(Record("P0"), date(2026, 11, 27))
    assert result.determination is Determination.NEEDS_REVIEW
    assert "birth date" in result.missing
