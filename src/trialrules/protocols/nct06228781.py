"""NCT06228781: autologous HSCT for refractory multiple sclerosis (Tianjin Medical University).

Each criterion is labelled with the registry's own text, typos and the
duplicated exclusion (2 and 4) included; the encoding of each is stated in
docs and tested at its boundaries.
"""

from __future__ import annotations

from ..codes import CodeSet, icd10_range
from ..combinators import Implies, Not
from ..criteria import Flag, Lookback, OneOf, Range, Threshold, Washout
from ..dates import Span
from ..protocol import Protocol
from ..sources import Age, Sex

__all__ = ["CYTOTOXIC_AGENTS", "INFECTIONS", "MALIGNANCY", "PROTOCOL"]

#: "cytotoxic agent (mitoxantrone, cyclophosphamide etc.)": the "etc." makes it a
#: class, ATC L01 antineoplastic agents (mitoxantrone L01DB07, cyclophosphamide
#: L01AA01). Extend with ``CYTOTOXIC_AGENTS.union(...)``.
CYTOTOXIC_AGENTS = CodeSet("cytotoxic agents", prefixes=["ATC:L01"])

#: Exclusion 3's named infections, as ICD-10 categories: herpes simplex B00,
#: varicella-zoster B01-B02, cytomegalovirus B25, EBV mononucleosis B27,
#: HIV B20-B24, viral hepatitis B15-B19, syphilis A50-A53.
INFECTIONS = CodeSet(
    "active or chronic infections",
    prefixes=[
        "ICD10:B00", "ICD10:B01", "ICD10:B02", "ICD10:B25", "ICD10:B27",
        *icd10_range("ICD10", "B20", "B24"),
        *icd10_range("ICD10", "B15", "B19"),
        *icd10_range("ICD10", "A50", "A53"),
    ],
)

#: Malignant neoplasms, ICD-10 C00-C97.
MALIGNANCY = CodeSet("malignant tumours", prefixes=icd10_range("ICD10", "C00", "C97"))

_RECEIVED_CYTOTOXIC_WITHIN_ONE_MONTH = (
    "Patients having received a cytotoxic agent within one month of enrolling in this study;"
)

PROTOCOL = Protocol(
    "NCT06228781",
    "Autologous Hematopoietic Stem Cell Transplantation for Refractory Multiple Sclerosis",
    inclusion=[
        Range(Age(), 18, 60, id="inclusion.1", label="Age 18-60 years;"),
        Flag("ms_diagnosis_confirmed",
             text="a neurologist expert in the field has diagnosed multiple sclerosis with "
                  "relapses or progression and sustained accumulated impairment",
             id="inclusion.2",
             label="Diagnosed multiple sclerosis with relapses or progression and sustained "
                   "accumulated impairment by a neurologist expert in the field;"),
        Range("edss", 3, 6, id="inclusion.3", label="EDSS score of 3-6 (including 3 and 6);"),
        (Threshold("edss_cerebellar", ">=", 3) | Threshold("edss_pyramidal", ">=", 3)).with_id(
            "inclusion.4").with_label(
            "EDSS cerebellar functional score ≥ 3 or EDSS pyramidal functional score ≥3;"),
        Flag("disease_activity", text="there is evidence of current disease activity",
             id="inclusion.5", label="Evidence of current disease activity;"),
        Implies(
            Lookback(CYTOTOXIC_AGENTS, on="exposures"),
            Flag("bone_marrow_normal", text="bone marrow morphology is normal")
            & Flag("cytogenetics_normal", text="cytogenetics are normal"),
            id="inclusion.6",
            label="If a patient has previously received a cytotoxic agent (mitoxantrone, "
                  "cyclophosphamide etc.) they must have normal bone marrow morphology and "
                  "cytogenetics before being considered eligible for this study ;",
        ),
        Flag("hepatic_inflammation_or_fibrosis", expected=False,
             text="there is evidence of hepatic inflammation or fibrosis", id="inclusion.7",
             label="No evidence of hepatic inflammation or fibrosis;"),
    ],
    exclusion=[
        Flag("myelodysplasia_or_cytopenia",
             text="there is evidence of myelodysplasia or other non-autoimmune cytopenia",
             id="exclusion.1",
             label="Patients with evidence of myelodysplasia or other non-autoimmune cytopenia;"),
        Not(Washout(CYTOTOXIC_AGENTS, Span(months=1)), id="exclusion.2",
            label=_RECEIVED_CYTOTOXIC_WITHIN_ONE_MONTH),
        Lookback(INFECTIONS, Span(), id="exclusion.3",
                 label="Patient with any active or chronic infection (herpes simplex virus, "
                       "varicella-zoster virus, cytomegalovirus, EB virus, human "
                       "immunodeficiency virus, hepatitis virus, syphilis, etc.);"),
        Not(Washout(CYTOTOXIC_AGENTS, Span(months=1)), id="exclusion.4",
            label=_RECEIVED_CYTOTOXIC_WITHIN_ONE_MONTH),
        Lookback(MALIGNANCY, Span(years=5), id="exclusion.5",
                 label="Patients with a malignant tumor currently or within the last 5 years;"),
        Flag("organ_impairment",
             text="there is cardiac, renal, pulmonary, hepatic or other organ impairment",
             id="exclusion.6",
             label="Patients with cardiac, renal, pulmonary, hepatic or other organ impairment;"),
        Flag("life_expectancy_limited",
             text="life expectancy is severely limited by another condition", id="exclusion.7",
             label="Patients whose life expectancy is severely limited by another conditions;"),
        Flag("pregnancy_or_risk", assume_false_if=OneOf(Sex(), ["male"]),
             text="the patient is pregnant or at risk of pregnancy", id="exclusion.8",
             label="Pregnancy or risk of pregnancy;"),
        Flag("able_to_consent", expected=False,
             text="the patient is able to give written informed consent", id="exclusion.9",
             label="Patients unable to give written informed consent in accordance with research "
                   "ethics board guidelines."),
    ],
)
