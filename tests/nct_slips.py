"""Twenty-nine slips a careless author makes in a copy of NCT06228781, written by hand.

Held back from the mutant generator (``trialrules.testing.mutants``): each is
built here from the protocol's constructors, not by the generator, and many
are slips the generator does not make at all (ages counted in days or months,
a forgotten upper bound, a history read from the wrong list, a whole ICD-10
sub-range or coding system left out). The committed deck must catch every one
(tests/testing/test_deck_slips.py), and so must the documented downstream
suite, which tests against that deck.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from trialrules import (
    Age,
    AllOf,
    CodeSet,
    Criterion,
    Flag,
    Implies,
    Latest,
    Lookback,
    Not,
    OneOf,
    Protocol,
    Range,
    Sex,
    Span,
    Threshold,
    Washout,
    icd10_range,
)
from trialrules.protocols.nct06228781 import CYTOTOXIC_AGENTS, INFECTIONS, MALIGNANCY, PROTOCOL


def swap(protocol: Protocol, criterion_id: str, new: Criterion) -> Protocol:
    """``protocol`` with one top-level criterion replaced (keeping its id and label)."""
    old = protocol.criterion(criterion_id)
    new = new.evolve(id=old.id, label=old.label)
    section = "inclusion" if criterion_id.startswith("inclusion") else "exclusion"
    items = [new if c.id == criterion_id else c for c in getattr(protocol, section)]
    return attrs.evolve(protocol, **{section: items})


def _without(codes: CodeSet, *prefixes: str) -> CodeSet:
    return CodeSet(codes.name, prefixes=codes.prefixes - set(prefixes), codes=codes.codes)


_HIV = [p for system in ("ICD10", "ICD10CM") for p in icd10_range(system, "B20", "B24")]
_CYTOTOXIC_L01A = CodeSet("cytotoxic agents", prefixes=["ATC:L01A"],
                          codes=CYTOTOXIC_AGENTS.codes)
_MARROW = Flag("bone_marrow_normal") & Flag("cytogenetics_normal")


def _cytotoxic_everywhere(codes: CodeSet) -> Callable[[Protocol], Protocol]:
    """The shared constant changed: every criterion that reads it sees the slip."""
    def apply(p: Protocol) -> Protocol:
        p = swap(p, "inclusion.6", Implies(Lookback(codes, on="exposures"), _MARROW))
        p = swap(p, "exclusion.2", Not(Washout(codes, Span(months=1))))
        return swap(p, "exclusion.4", Not(Washout(codes, Span(months=1))))
    return apply


#: (name, the slipped protocol)
SLIPS: list[tuple[str, Callable[[Protocol], Protocol]]] = [
    # inclusion 1: age 18-60
    ("age: 18 exclusive ('over 18')",
     lambda p: swap(p, "inclusion.1", Range(Age(), 18, 60, low_inclusive=False))),
    ("age in days ignoring leap days (18*365 to 61*365-1)",
     lambda p: swap(p, "inclusion.1", Range(Age(unit="days"), 18 * 365, 61 * 365 - 1))),
    ("age in months, 60 years as 720 months",
     lambda p: swap(p, "inclusion.1", Range(Age(unit="months"), 216, 720))),
    # inclusion 3: EDSS 3-6 inclusive
    ("EDSS 3 exclusive",
     lambda p: swap(p, "inclusion.3", Range("edss", 3, 6, low_inclusive=False))),
    ("EDSS 6 exclusive",
     lambda p: swap(p, "inclusion.3", Range("edss", 3, 6, high_inclusive=False))),
    ("EDSS upper bound forgotten (>= 3)",
     lambda p: swap(p, "inclusion.3", Threshold("edss", ">=", 3))),
    ("EDSS required within 3 months",
     lambda p: swap(p, "inclusion.3", Range(Latest("edss", within=Span(months=3)), 3, 6))),
    # inclusion 4: cerebellar >= 3 or pyramidal >= 3
    ("functional scores: and instead of or",
     lambda p: swap(p, "inclusion.4", AllOf(Threshold("edss_cerebellar", ">=", 3),
                                              Threshold("edss_pyramidal", ">=", 3)))),
    ("functional scores: cerebellar alternative forgotten",
     lambda p: swap(p, "inclusion.4", Threshold("edss_pyramidal", ">=", 3))),
    ("EDSS read from the pyramidal score's code",
     lambda p: swap(p, "inclusion.3", Range("edss_pyramidal", 3, 6))),
    # inclusion 6: previous cytotoxic agent -> normal marrow and cytogenetics
    ("cytotoxic rule inverted (marrow normal -> received cytotoxic)",
     lambda p: swap(p, "inclusion.6", Implies(_MARROW, Lookback(CYTOTOXIC_AGENTS,
                                                                on="exposures")))),
    ("cytotoxic rule: cytogenetics forgotten",
     lambda p: swap(p, "inclusion.6", Implies(Lookback(CYTOTOXIC_AGENTS, on="exposures"),
                                              Flag("bone_marrow_normal")))),
    ("cytotoxic rule: previous treatment only in the last 5 years",
     lambda p: swap(p, "inclusion.6", Implies(
         Lookback(CYTOTOXIC_AGENTS, Span(years=5), on="exposures"), _MARROW))),
    ("cytotoxic rule: reads conditions instead of exposures",
     lambda p: swap(p, "inclusion.6", Implies(Lookback(CYTOTOXIC_AGENTS), _MARROW))),
    # inclusion 7: no hepatic inflammation or fibrosis
    ("hepatic flag: 'No' forgotten",
     lambda p: swap(p, "inclusion.7", Flag("hepatic_inflammation_or_fibrosis"))),
    # exclusions 2 and 4: a cytotoxic agent within one month
    ("washout of 30 days instead of one month",
     lambda p: swap(p, "exclusion.2", Not(Washout(CYTOTOXIC_AGENTS, Span(days=30))))),
    ("washout of 31 days instead of one month",
     lambda p: swap(p, "exclusion.4", Not(Washout(CYTOTOXIC_AGENTS, Span(days=31))))),
    ("washout of 4 weeks instead of one month",
     lambda p: swap(p, "exclusion.2", Not(Washout(CYTOTOXIC_AGENTS, Span(weeks=4))))),
    ("washout negation forgotten (excludes the washed-out)",
     lambda p: swap(p, "exclusion.4", Washout(CYTOTOXIC_AGENTS, Span(months=1)))),
    ("cytotoxic set narrowed to L01A", _cytotoxic_everywhere(_CYTOTOXIC_L01A)),
    ("cytotoxic set without the RxNorm ingredients",
     _cytotoxic_everywhere(CodeSet("cytotoxic agents", prefixes=["ATC:L01"]))),
    # exclusion 3: active or chronic infection
    ("infections without B20-B24 (HIV)",
     lambda p: swap(p, "exclusion.3", Lookback(_without(INFECTIONS, *_HIV), Span()))),
    ("infections: ICD-10-CM codes forgotten",
     lambda p: swap(p, "exclusion.3", Lookback(CodeSet(
         INFECTIONS.name, prefixes=[c for c in INFECTIONS.prefixes if c.startswith("ICD10:")],
         codes=INFECTIONS.codes), Span()))),
    ("infections: 'current' coded as within the last month",
     lambda p: swap(p, "exclusion.3", Lookback(INFECTIONS, Span(months=1)))),
    # exclusion 5: malignancy currently or within 5 years
    ("malignancy lookback of 4 years 11 months",
     lambda p: swap(p, "exclusion.5", Lookback(MALIGNANCY, Span(years=4, months=11)))),
    ("malignancy lookback of 5 x 365 days",
     lambda p: swap(p, "exclusion.5", Lookback(MALIGNANCY, Span(days=5 * 365)))),
    ("malignancy: read from exposures instead of conditions",
     lambda p: swap(p, "exclusion.5", Lookback(MALIGNANCY, Span(years=5), on="exposures"))),
    ("malignancy: C97 left out of C00-C97",
     lambda p: swap(p, "exclusion.5", Lookback(_without(MALIGNANCY, "ICD10:C97", "ICD10CM:C97"),
                                               Span(years=5)))),
    # exclusion 8: pregnancy, taken as false for men
    ("pregnancy: taken as false for women instead of men",
     lambda p: swap(p, "exclusion.8", Flag("pregnancy_or_risk",
                                           assume_false_if=OneOf(Sex(), ["female"])))),
]

assert len(SLIPS) == 29, len(SLIPS)


def slipped(name: str) -> Protocol:
    """The bundled protocol with the named slip."""
    return dict(SLIPS)[name](PROTOCOL)
