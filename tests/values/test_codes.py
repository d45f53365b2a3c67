"""Code sets: prefix (hierarchy) and exact matching, union, values."""

from __future__ import annotations

import pickle

import pytest

from helpers import CYTOTOXIC
from trialrules import CodeSet, icd10_range

MALIGNANCY = CodeSet("malignant tumours", prefixes=icd10_range("ICD10", "C00", "C97"))


@pytest.mark.parametrize(("codes", "code", "hit"), [
    (CYTOTOXIC, "ATC:L01AA01", True),        # cyclophosphamide
    (CYTOTOXIC, "ATC:L01DB07", True),        # mitoxantrone
    (CYTOTOXIC, "ATC:L01", True),            # the prefix itself
    (CYTOTOXIC, "ATC:L0", False),            # a parent is not a member
    (CYTOTOXIC, "ATC:L02BG03", False),
    (CYTOTOXIC, "atc:l01aa01", False),       # matching is case-sensitive
    (CYTOTOXIC, "ICD10:L01", False),         # the system is part of the code
    (MALIGNANCY, "ICD10:C50.9", True),
    (MALIGNANCY, "ICD10:C97", True),
    (MALIGNANCY, "ICD10:D00", False),
    (CodeSet("HIV", codes=["SNOMED:86406008"]), "SNOMED:86406008", True),
    (CodeSet("HIV", codes=["SNOMED:86406008"]), "SNOMED:864060081", False),  # exact only
    (CYTOTOXIC, 42, False),
])
def test_membership(codes: CodeSet, code: object, hit: bool) -> None:
    assert (code in codes) is hit
    assert (code in codes) is hit     # the cached answer agrees


def test_union_and_or() -> None:
    both = CYTOTOXIC | CodeSet("rituximab", codes=["ATC:L04AA99"])
    assert "ATC:L04AA99" in both
    assert "ATC:L01AA01" in both
    assert "ATC:L04AA23" not in both
    assert both.name == "cytotoxic agents or rituximab"
    assert CYTOTOXIC.union(MALIGNANCY, name="either").name == "either"
    with pytest.raises(TypeError, match="only combine a CodeSet with a CodeSet"):
        CYTOTOXIC.union(["ATC:L04"])  # type: ignore[arg-type]


def test_code_set_is_a_value() -> None:
    "ATC:L01AA01" in CYTOTOXIC  # noqa: B015  (fills the cache, which must not count)
    copy = CodeSet("cytotoxic agents", prefixes=["ATC:L01"])
    assert copy == CYTOTOXIC
    assert hash(copy) == hash(CYTOTOXIC)
    back = pickle.loads(pickle.dumps(CYTOTOXIC))
    assert back == CYTOTOXIC
    assert "ATC:L01AA01" in back
    assert eval(repr(CYTOTOXIC)) == CYTOTOXIC
    assert repr(CYTOTOXIC) == "CodeSet('cytotoxic agents', prefixes=['ATC:L01'])"


def test_describe() -> None:
    assert CYTOTOXIC.describe() == "cytotoxic agents (ATC L01)"
    assert MALIGNANCY.describe() == "malignant tumours (ICD10 C00, ICD10 C01, ICD10 C02 and 95 more)"
    assert CodeSet("nothing").is_empty


def test_icd10_range() -> None:
    assert icd10_range("ICD10", "B20", "B24") == [f"ICD10:B2{n}" for n in range(5)]
    assert len(icd10_range("ICD10", "C00", "C97")) == 98
