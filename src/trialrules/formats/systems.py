"""Code systems: the one table from FHIR system URIs (and OMOP vocabulary ids) to the short
``SYSTEM:`` prefixes that :class:`~trialrules.CodeSet` codes and record facts use.

The FHIR importer, the value-set loaders and the OMOP reader all read this
table, so a code means the same thing whichever way it came in. The table is
printed in docs/fhir.md (FHIR URIs) and docs/omop.md (OMOP vocabularies).

>>> SYSTEMS["http://snomed.info/sct"], VOCABULARIES["RxNorm"]
('SNOMED', 'RXNORM')
>>> system_prefix("http://www.nlm.nih.gov/research/umls/rxnorm")
'RXNORM'
>>> system_prefix("http://acme.org/codes")
'http://acme.org/codes'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

__all__ = ["PREFIXES", "SYSTEMS", "VOCABULARIES", "system_prefix", "vocabulary_codes", "vocabulary_prefix"]

#: Well-known code system URIs (and their HL7 OIDs) mapped to the short names used in
#: ``SYSTEM:CODE`` codes. A system not listed keeps its URI: ``http://x.org/cs:123``.
SYSTEMS: Final[Mapping[str, str]] = {
    "http://hl7.org/fhir/sid/icd-10": "ICD10",
    "urn:oid:2.16.840.1.113883.6.3": "ICD10",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD10CM",
    "urn:oid:2.16.840.1.113883.6.90": "ICD10CM",
    "http://hl7.org/fhir/sid/icd-9-cm": "ICD9CM",
    "urn:oid:2.16.840.1.113883.6.103": "ICD9CM",
    "http://snomed.info/sct": "SNOMED",
    "urn:oid:2.16.840.1.113883.6.96": "SNOMED",
    "http://www.whocc.no/atc": "ATC",
    "urn:oid:2.16.840.1.113883.6.73": "ATC",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RXNORM",
    "urn:oid:2.16.840.1.113883.6.88": "RXNORM",
    "http://loinc.org": "LOINC",
    "urn:oid:2.16.840.1.113883.6.1": "LOINC",
    "http://hl7.org/fhir/sid/cvx": "CVX",
    "urn:oid:2.16.840.1.113883.12.292": "CVX",
    "http://hl7.org/fhir/sid/ndc": "NDC",
    "urn:oid:2.16.840.1.113883.6.69": "NDC",
}

#: OMOP CDM ``vocabulary_id`` values (the CONCEPT table) mapped to the same prefixes. A
#: vocabulary not listed keeps its id upper-cased with spaces as ``_``
#: (``"RxNorm Extension"`` -> ``RXNORM_EXTENSION``).
VOCABULARIES: Final[Mapping[str, str]] = {
    "ICD10": "ICD10",
    "ICD10CM": "ICD10CM",
    "ICD9CM": "ICD9CM",
    "SNOMED": "SNOMED",
    "ATC": "ATC",
    "RxNorm": "RXNORM",
    "LOINC": "LOINC",
    "CVX": "CVX",
    "NDC": "NDC",
}

#: Every short prefix the tables above produce.
PREFIXES: Final = frozenset(SYSTEMS.values()) | frozenset(VOCABULARIES.values())


def system_prefix(system: str) -> str:
    """The ``SYSTEM:`` prefix for a FHIR system URI or OID; an unlisted URI is kept as it is."""
    return SYSTEMS.get(system, system)


def vocabulary_prefix(vocabulary_id: str) -> str:
    """The ``SYSTEM:`` prefix for an OMOP ``vocabulary_id`` (``"RxNorm"`` -> ``"RXNORM"``).

    >>> vocabulary_prefix("RxNorm Extension")
    'RXNORM_EXTENSION'
    """
    found = VOCABULARIES.get(vocabulary_id)
    if found is not None:
        return found
    return "_".join(vocabulary_id.split()).upper()


def vocabulary_codes(vocabulary: Mapping[str, Iterable[str]] | None) -> dict[str, frozenset[str]]:
    """A protocol's names mapped to the SYSTEM:CODE codes that stand for them in FHIR or OMOP input."""
    if vocabulary is None:
        return {}
    out = {}
    for name, codes in vocabulary.items():
        if isinstance(codes, str):
            raise TypeError(f"vocabulary[{name!r}] must be a list of SYSTEM:CODE codes, not a string")
        out[name] = frozenset(codes)
    return out
