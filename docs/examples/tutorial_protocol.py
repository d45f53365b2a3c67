"""The tutorial's protocol: NCT00763412, encoded step by step from its registry text.

docs/tutorial.md shows this file piece by piece (the ``--8<--`` markers name
the pieces), and tests/acceptance/test_docs_examples.py imports it and checks every
criterion at its boundaries. Run it to see one patient screened:

    python docs/examples/tutorial_protocol.py
"""

from __future__ import annotations

from datetime import date

# --8<-- [start:imports]
from trialrules import (
    Age,
    CodeSet,
    Domain,
    Flag,
    Lookback,
    Placeholder,
    Protocol,
    Range,
    Span,
    Threshold,
)
from trialrules.kinds.sources import Change, ExposureDays

# --8<-- [end:imports]

# --8<-- [start:skeleton]
# Step 1: every registry criterion as a placeholder that carries its own text.
INCLUSION_TEXT = [
    "Male or females 12 -24 years old",
    "Diagnosis of Cystic Fibrosis by sweat test with exocrine pancreatic insufficiency",
    "Must have a glucose pattern by Oral Glucose Tolerance Test with fasting blood "
    "glucose <126 mg/dl and 2 hour: 140 - 199 mg/dl or >200 mg/dl.",
    "Weight must be stable within 5% for 3 months prior to initiation visit",
    "Must be able to reproducibly perform spirometry based on American Thoracic Society "
    "guidelines",
]
EXCLUSION_TEXT = [
    "Patients receiving growth hormone therapy or taking insulin",
    "Patients with evidence of liver dysfunction",
    "Patients who are status-post lung or liver transplantation",
    "Patients who have received systemic steroids for more than 28 days during the 6 months "
    "prior to the study",
    "Patients with active ABPA on steroids",
    "Patients taking medications that affect glucose metabolism or contraindicated with "
    "repaglinide",
]

SKELETON = Protocol(
    "NCT00763412",
    "Pilot and Feasibility Study for the Treatment of Pre-diabetes in Patients With "
    "Cystic Fibrosis",
    inclusion=[Placeholder(text) for text in INCLUSION_TEXT],
    exclusion=[Placeholder(text) for text in EXCLUSION_TEXT],
)
# --8<-- [end:skeleton]

# --8<-- [start:age]
# Step 2, inclusion 1: completed years on the reference date, both ends included.
AGE_12_TO_24 = Range(Age(), 12, 24, label=INCLUSION_TEXT[0])
# --8<-- [end:age]

# --8<-- [start:glucose]
# Step 3, inclusion 3: two values from the oral glucose tolerance test (OGTT), tested in
# mg/dL; a value recorded in mmol/L is converted through glucose's molar mass (180.156 g/mol).
GLUCOSE_DOMAINS = {
    "ogtt_fasting_glucose": Domain(0, 1000, name="OGTT fasting glucose", unit="mg/dL",
                                   molar_mass=180.156),
    "ogtt_2h_glucose": Domain(0, 1000, name="OGTT 2-hour glucose", unit="mg/dL",
                              molar_mass=180.156),
}
FASTING_BELOW_126 = Threshold("ogtt_fasting_glucose", "<", 126)
TWO_HOUR_IMPAIRED = Range("ogtt_2h_glucose", 140, 199) | Threshold("ogtt_2h_glucose", ">", 200)
GLUCOSE_PATTERN = (FASTING_BELOW_126 & TWO_HOUR_IMPAIRED).with_label(INCLUSION_TEXT[2])
# --8<-- [end:glucose]

# --8<-- [start:weight]
# Step 4, inclusion 4: the relative change of weight (in kg) over the 3 months before the
# reference date, from the earliest to the latest weighing, within -5 % to 5 % inclusive.
WEIGHT_DOMAIN = {"weight": Domain(0, 500, name="weight", unit="kg")}
WEIGHT_STABLE = Range(Change("weight", Span(months=3), relative=True), -5, 5,
                      label=INCLUSION_TEXT[3])
# --8<-- [end:weight]

# --8<-- [start:steroids]
# Step 5, exclusion 4: more than 28 distinct days of systemic corticosteroid exposure in the
# 6 months before the reference date (overlapping courses count once).
SYSTEMIC_STEROIDS = CodeSet("systemic corticosteroids", prefixes=["ATC:H02"])
STEROID_DAYS = ExposureDays(SYSTEMIC_STEROIDS, Span(months=6))
LONG_STEROID_COURSE = Threshold(STEROID_DAYS, ">", 28, label=EXCLUSION_TEXT[3])
# --8<-- [end:steroids]

# --8<-- [start:codesets]
# Step 6: the remaining criteria. Code sets name clinical ideas once.
CYSTIC_FIBROSIS = CodeSet("cystic fibrosis", prefixes=["ICD10:E84"])
GROWTH_HORMONE_OR_INSULIN = CodeSet("growth hormone or insulin",
                                    prefixes=["ATC:H01AC", "ATC:A10A"])
LUNG_OR_LIVER_TRANSPLANT = CodeSet("lung or liver transplant status",
                                   prefixes=["ICD10:Z94.2", "ICD10:Z94.4"])
ABPA = CodeSet("allergic bronchopulmonary aspergillosis", prefixes=["ICD10:B44.8"])
# --8<-- [end:codesets]

# --8<-- [start:protocol]
PROTOCOL = Protocol(
    "NCT00763412",
    "Pilot and Feasibility Study for the Treatment of Pre-diabetes in Patients With "
    "Cystic Fibrosis",
    inclusion=[
        AGE_12_TO_24,
        (Lookback(CYSTIC_FIBROSIS) & Flag("cf_confirmed_by_sweat_test")
         & Flag("exocrine_pancreatic_insufficiency")).with_label(INCLUSION_TEXT[1]),
        GLUCOSE_PATTERN,
        WEIGHT_STABLE,
        Flag("reproducible_spirometry", label=INCLUSION_TEXT[4]),
    ],
    exclusion=[
        Lookback(GROWTH_HORMONE_OR_INSULIN, Span(), on="exposures", label=EXCLUSION_TEXT[0]),
        Flag("liver_dysfunction", label=EXCLUSION_TEXT[1]),
        Lookback(LUNG_OR_LIVER_TRANSPLANT, label=EXCLUSION_TEXT[2]),
        LONG_STEROID_COURSE,
        (Lookback(ABPA, Span()) & Lookback(SYSTEMIC_STEROIDS, Span(), on="exposures")
         ).with_label(EXCLUSION_TEXT[4]),
        Flag("glucose_or_repaglinide_interacting_medication", label=EXCLUSION_TEXT[5]),
    ],
    domains={**GLUCOSE_DOMAINS, **WEIGHT_DOMAIN},
)
# --8<-- [end:protocol]


def main() -> None:
    # --8<-- [start:screen]
    from trialrules.formats.records import record_from_dict

    patient = record_from_dict({
        "id": "CF-014", "birth_date": "2010-06-30", "sex": "female",
        "observations": [
            {"code": "ogtt_fasting_glucose", "value": 5.4, "unit": "mmol/L", "date": "2026-11-02"},
            {"code": "ogtt_2h_glucose", "value": 162, "unit": "mg/dL", "date": "2026-11-02"},
            {"code": "weight", "value": 52.0, "unit": "kg", "date": "2026-09-01"},
            {"code": "weight", "value": 53.5, "unit": "kg", "date": "2026-11-20"},
        ],
        "conditions": [{"code": "ICD10:E84.0", "onset": "2010-09"}],
        "exposures": [{"code": "ATC:H02AB06", "start": "2026-08-01", "end": "2026-08-10"}],
        "flags": {"cf_confirmed_by_sweat_test": True, "exocrine_pancreatic_insufficiency": True,
                  "reproducible_spirometry": True, "liver_dysfunction": False,
                  "glucose_or_repaglinide_interacting_medication": False},
        "complete": {"conditions": "2026-11-27", "exposures": "2026-11-27"},
    }, domains=PROTOCOL.domains)
    result = PROTOCOL.evaluate(patient, date(2026, 11, 27))
    print(result.determination)
    # --8<-- [end:screen]


if __name__ == "__main__":
    main()
