"""NCT06228781: autologous HSCT for refractory multiple sclerosis (Tianjin Medical University).

Each criterion is labelled with the registry's own text, typos and the
duplicated exclusion (2 and 4) included; the encoding of each is stated in
docs and tested at its boundaries.
"""

from __future__ import annotations

from pathlib import Path

from ..formats.valuesets import load_codeset
from ..kinds.combinators import Implies, Not
from ..kinds.criteria import Flag, Lookback, OneOf, Range, Threshold, Washout
from ..kinds.sources import Age, Sex
from ..protocol.protocol import Protocol
from ..values.codes import CodeSet, icd10_range
from ..values.dates import Span

__all__ = ["CYTOTOXIC_AGENTS", "INFECTIONS", "MALIGNANCY", "PROTOCOL", "VALUESETS", "VOCABULARY"]

#: "cytotoxic agent (mitoxantrone, cyclophosphamide etc.)": the "etc." makes it a
#: class, ATC L01 antineoplastic agents (mitoxantrone L01DB07, cyclophosphamide
#: L01AA01), plus the RxNorm ingredients of the two named agents (RxNorm is not a
#: prefix hierarchy: products of these ingredients have their own RxCUIs, so a
#: FHIR feed coded at product level needs its own list). Sources: docs/fhir.md.
#: Extend with ``CYTOTOXIC_AGENTS.union(...)``.
#: The value-set files shipped beside this module (sources in valuesets/README.md).
VALUESETS = Path(__file__).parent / "valuesets"

#: The registry's definition (ATC L01 and the two named ingredients) is the reference; the
#: RxNorm products of L01 ingredients that Synthea records come from a ValueSet file.
CYTOTOXIC_AGENTS = CodeSet(
    "cytotoxic agents",
    prefixes=["ATC:L01"],
    codes=["RXNORM:3002",   # cyclophosphamide (ingredient)
           "RXNORM:7005"],  # mitoxantrone (ingredient)
    source="registry definition (ATC L01; nct06228781.py)",
).union(load_codeset(VALUESETS / "nct06228781-cytotoxic.json"), name="cytotoxic agents")

_ICD10_INFECTIONS = [
    "B00", "B01", "B02", "B25", "B27",
    *(c.split(":")[1] for c in icd10_range("ICD10", "B20", "B24")),
    *(c.split(":")[1] for c in icd10_range("ICD10", "B15", "B19")),
    *(c.split(":")[1] for c in icd10_range("ICD10", "A50", "A53")),
]

#: Exclusion 3's named infections, as ICD-10 (and ICD-10-CM) categories: herpes
#: simplex B00, varicella-zoster B01-B02, cytomegalovirus B25, EBV mononucleosis
#: B27, HIV B20-B24, viral hepatitis B15-B19, syphilis A50-A53; and as SNOMED CT
#: concepts (exact codes, not their descendants; list and sources in docs/fhir.md).
INFECTIONS = CodeSet(
    "active or chronic infections",
    prefixes=[f"{system}:{code}" for system in ("ICD10", "ICD10CM") for code in _ICD10_INFECTIONS],
    codes=[
        "SNOMED:88594005",   # herpes simplex
        "SNOMED:38907003",   # varicella
        "SNOMED:4740000",    # herpes zoster
        "SNOMED:28944009",   # cytomegalovirus infection
        "SNOMED:271558008",  # infectious mononucleosis (EBV)
        "SNOMED:86406008",   # human immunodeficiency virus infection
        "SNOMED:3738000",    # viral hepatitis
        "SNOMED:40468003",   # viral hepatitis type A
        "SNOMED:66071002",   # viral hepatitis type B
        "SNOMED:50711007",   # viral hepatitis type C
        "SNOMED:76272004",   # syphilis
    ],
    source="registry definition (ICD-10 categories, SNOMED CT list; nct06228781.py)",
).union(load_codeset(VALUESETS / "nct06228781-infections.json"),
        name="active or chronic infections")

#: Malignant neoplasms, ICD-10 (and ICD-10-CM) C00-C97, plus ICD-10-CM's C7A/C7B
#: neuroendocrine categories; and a documented SNOMED CT list (exact codes: the
#: general concept and common specific cancers, see docs/fhir.md).
MALIGNANCY = CodeSet(
    "malignant tumours",
    prefixes=[*icd10_range("ICD10", "C00", "C97"), *icd10_range("ICD10CM", "C00", "C97"),
              "ICD10CM:C7A", "ICD10CM:C7B"],
    codes=[
        "SNOMED:363346000",  # malignant neoplastic disease
        "SNOMED:254837009",  # malignant neoplasm of breast
        "SNOMED:93655004",   # malignant melanoma of skin
        "SNOMED:372003004",  # primary malignant neoplasm of pancreas
        "SNOMED:93854002",   # primary malignant neoplasm of large intestine
        "SNOMED:372014001",  # primary malignant neoplasm of stomach
        "SNOMED:93986008",   # primary malignant neoplasm of respiratory tract
        "SNOMED:93934004",   # primary malignant neoplasm of ovary
        "SNOMED:371973000",  # malignant neoplasm of uterus
        "SNOMED:271323007",  # malignant neoplasm of lip, oral cavity and/or pharynx
        "SNOMED:118601006",  # non-Hodgkin's lymphoma
        "SNOMED:118599009",  # Hodgkin's disease
        "SNOMED:109989006",  # multiple myeloma
        "SNOMED:91861009",   # acute myeloid leukaemia
        "SNOMED:91857003",   # acute lymphoblastic leukaemia
        "SNOMED:92818009",   # chronic myeloid leukaemia
        "SNOMED:92814006",   # chronic lymphocytic leukaemia
        "SNOMED:399326009",  # malignant neoplasm of urinary bladder
        "SNOMED:363518003",  # malignant neoplasm of kidney
        "SNOMED:363478007",  # malignant neoplasm of thyroid gland
        "SNOMED:363354003",  # malignant neoplasm of cervix uteri
        "SNOMED:363351006",  # malignant neoplasm of rectum
        "SNOMED:363402007",  # malignant neoplasm of oesophagus
        "SNOMED:25370001",   # hepatocellular carcinoma
        "SNOMED:428061005",  # malignant neoplasm of brain
        "SNOMED:254701007",  # basal cell carcinoma of skin
        "SNOMED:254651007",  # squamous cell carcinoma of skin
    ],
    source="registry definition (ICD-10 C00-C97, SNOMED CT list; nct06228781.py)",
).union(load_codeset(VALUESETS / "nct06228781-malignancy.json"), name="malignant tumours")

#: The protocol's observation names mapped to codes in other formats (FHIR). EDSS:
#: SNOMED CT 273554001 "Kurtzke multiple sclerosis rating scale"; no LOINC code for
#: the EDSS total or the functional-system scores was found (docs/fhir.md).
VOCABULARY = {"edss": ["SNOMED:273554001"]}

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
    vocabulary=VOCABULARY,
)
