"""Criteria of every leaf kind and combinator, for the testing toolkit's own tests."""

from __future__ import annotations

from datetime import date

from helpers import AS_OF, CYTOTOXIC
from trialrules import (
    Age,
    AllOf,
    AnyObservation,
    AnyOf,
    AtLeast,
    Change,
    CodeSet,
    Criterion,
    ExposureDays,
    Flag,
    Implies,
    Latest,
    Lookback,
    Not,
    OneOf,
    Placeholder,
    Range,
    Sex,
    Span,
    Threshold,
    Washout,
)

MITOXANTRONE = CodeSet("mitoxantrone", codes=["ATC:L01DB07"])
INFECTION = CodeSet("infections", prefixes=["ICD10:B20", "ICD10:B15"])
CANCER = CodeSet("malignancy", prefixes=["ICD10:C"])
STEROIDS = CodeSet("systemic corticosteroids", prefixes=["ATC:H02"])

#: One criterion per leaf kind and variant.
LEAVES: dict[str, Criterion] = {
    "range": Range("edss", 3, 6),
    "range-exclusive": Range("edss", 3, 6, low_inclusive=False, high_inclusive=False),
    "range-no-domain": Range("hba1c", 6.5, 8.0),
    "range-age": Range(Age(), 18, 60),
    "range-at-domain-edge": Range("edss", 0, 2),
    "threshold-ge": Threshold("edss_pyramidal", ">=", 3),
    "threshold-gt": Threshold("edss_pyramidal", ">", 3),
    "threshold-le": Threshold("edss_cerebellar", "<=", 2),
    "threshold-lt": Threshold("edss_cerebellar", "<", 2),
    "threshold-age": Threshold(Age(), "<", 65),
    "threshold-age-months": Threshold(Age(unit="months"), ">=", 6),
    "range-age-weeks": Range(Age(unit="weeks"), 2, 10),
    "threshold-age-days": Threshold(Age(unit="days"), "<", 28),
    "threshold-recent": Threshold(Latest("edss", within=Span(months=3)), "<=", 5.5),
    "one-of-sex": OneOf(Sex(), ["female"]),
    "one-of-codes": OneOf("ms_course", ["RRMS", "SPMS"]),
    "one-of-numbers": OneOf("edss_pyramidal", [0, 1]),
    "flag": Flag("consent"),
    "flag-false": Flag("pregnant", expected=False),
    "flag-assumed": Flag("pregnant", assume_false_if=OneOf(Sex(), ["male"])),
    "washout-month": Washout(CYTOTOXIC, Span(months=1)),
    "washout-days": Washout(MITOXANTRONE, Span(days=14)),
    "lookback-ever": Lookback(CYTOTOXIC, on="exposures"),
    "lookback-current": Lookback(INFECTION, Span()),
    "lookback-years": Lookback(CANCER, Span(years=5)),
    "lookback-twice": Lookback(INFECTION, Span(months=6), at_least=2),
    "lookback-codes": Lookback(CYTOTOXIC, Span(years=2), on="exposures", at_least=2,
                               count="codes"),
    "lookback-starting": Lookback(INFECTION, Span(months=12), starting=True),
    "lookback-starting-twice": Lookback(INFECTION, Span(weeks=6), starting=True, at_least=2),
    "exposure-days": Threshold(ExposureDays(STEROIDS, Span(months=6)), ">", 28),
    "change-relative": Range(Change("weight", Span(months=3), relative=True), -5, 5),
    "change": Threshold(Change("edss", Span(weeks=26)), ">=", 1),
    "any-observation": AnyObservation(Threshold("edss_pyramidal", ">=", 3), Span(months=3)),
    "placeholder": Placeholder("Evidence of current disease activity"),
}

L = LEAVES

#: Combinators, nested trees, shared sources and Kleene dead ends.
TREES: dict[str, Criterion] = {
    "all-of": AllOf(L["range"], L["flag"], L["washout-month"]),
    "any-of": AnyOf(Threshold("edss_cerebellar", ">=", 3), L["threshold-ge"]),
    "not": Not(L["washout-month"]),
    "implies": Implies(L["lookback-ever"], Flag("marrow_normal") & Flag("cytogenetics_normal")),
    "at-least": AtLeast(2, L["flag"], L["range-age"], L["one-of-sex"]),
    "nested": (L["range"] | L["threshold-ge"]) & ~L["lookback-current"],
    "shared-source": Range("edss", 3, 6) & Threshold("edss", "<", 5),
    "shared-history": AllOf(L["lookback-ever"], L["washout-month"]),
    "overlapping-codes": AnyOf(Lookback(CYTOTOXIC, Span(years=1), on="exposures"),
                               Washout(MITOXANTRONE, Span(days=14))),
    "same-leaf-twice": AnyOf(L["flag"], Not(Not(L["flag"]))),
    "with-placeholder": AllOf(L["range"], L["placeholder"]),
    "assumed-inside": AllOf(L["flag-assumed"], L["range-age"]),
}

ALL: dict[str, Criterion] = {**LEAVES, **TREES}

#: Reference dates: an ordinary day, month ends, 29 February, 1 March.
AS_OFS = (AS_OF, date(2027, 3, 31), date(2028, 2, 29), date(2027, 3, 1),
          date(2026, 1, 31))
