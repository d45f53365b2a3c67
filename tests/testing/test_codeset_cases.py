"""Code-set cases: every listed code, the siblings just outside, another system."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import AS_OF, MET, NOT_MET
from trialrules import CodeSet, Lookback, Span, Washout
from trialrules.protocols.nct06228781 import INFECTIONS
from trialrules.testing._codeset_cases import (
    _step,
    codeset_cases,
    is_member,
    member_codes,
    other_system_code,
    sibling_codes,
)
from trialrules.testing._facts import build
from trialrules.testing.boundaries import Builder, _oracle

#: NCT06228781's registry definition of the cytotoxic set (the bundled set also unites the
#: shipped RxNorm value set, whose members these examples do not list).
CYTOTOXIC_AGENTS = CodeSet("cytotoxic agents", prefixes=["ATC:L01"],
                           codes=["RXNORM:3002", "RXNORM:7005"])


def test_steps_carry_like_an_odometer() -> None:
    assert _step("C09", +1) == "C10"
    assert _step("B00", -1) == "A99"
    assert _step("C7A", +1) == "C7B"
    assert _step("C50.9", +1) == "C51.0"
    assert _step("L01", -1) == "L00"
    assert _step("000", -1) is None


def test_siblings_of_the_infections_sit_just_outside_each_run() -> None:
    icd10 = CodeSet("icd10 infections", prefixes=[p for p in INFECTIONS.prefixes
                                                  if p.startswith("ICD10:")])
    # Hand-written from the registry's list: B00-B02, B15-B25 (B15-B19, B20-B24, B25),
    # B27, A50-A53.
    assert [code for code, _ in sibling_codes(icd10)] == [
        "ICD10:A49", "ICD10:A54", "ICD10:A99", "ICD10:B03", "ICD10:B14", "ICD10:B26",
        "ICD10:B28"]
    assert sibling_codes(CYTOTOXIC_AGENTS) == [
        ("ATC:L00", "just below prefix ATC:L01"), ("ATC:L02", "just above prefix ATC:L01")]


def test_members_and_another_system() -> None:
    assert member_codes(CYTOTOXIC_AGENTS) == [
        ("ATC:L01", "a listed prefix"), ("RXNORM:3002", "a listed code"),
        ("RXNORM:7005", "a listed code")]
    assert other_system_code(CYTOTOXIC_AGENTS) == ("ICD10:L01", "ATC:L01 written under another system")
    assert other_system_code(CodeSet("empty")) is None


CODES = st.from_regex(r"(ATC|ICD10|SNOMED):[A-C][0-9]{1,3}(\.[0-9])?", fullmatch=True)


@settings(max_examples=50, deadline=None)
@given(st.lists(CODES, max_size=4), st.lists(CODES, max_size=4), CODES)
def test_membership_read_from_the_lists_agrees_with_code_sets(prefixes: list[str],
                                                              codes: list[str], code: str) -> None:
    codeset = CodeSet("drawn", prefixes=prefixes, codes=codes)
    assert is_member(codeset, code) is (code in codeset)
    for sibling, _ in sibling_codes(codeset):
        assert not is_member(codeset, sibling)


def _code(facts: object) -> str:
    events = [v for k, v in facts.items() if k[0] == "events"]  # type: ignore[attr-defined]
    return str(events[0][0].code)


def _cases(leaf: object) -> list:
    builder = Builder()
    base = builder.leaf_cases(leaf, AS_OF)  # type: ignore[arg-type]
    return codeset_cases(leaf, AS_OF, base, _oracle)  # type: ignore[arg-type]


def test_a_lookback_gets_one_case_per_code_labelled_by_membership() -> None:
    leaf = Lookback(CYTOTOXIC_AGENTS, Span(years=1), on="exposures")
    cases = _cases(leaf)
    codes = {_code(c.facts): c.outcome for c in cases}
    assert codes == {"ATC:L01": MET, "RXNORM:3002": MET, "RXNORM:7005": MET,
                     "ATC:L00": NOT_MET, "ATC:L02": NOT_MET, "ICD10:L01": NOT_MET}
    assert all(c.as_of == AS_OF for c in cases)


def test_a_washout_flips_the_labels() -> None:
    cases = _cases(Washout(CodeSet("anti-CD20", codes=["ATC:L04AG08"]), Span(months=6)))
    labels = {_code(c.facts): c.outcome for c in cases}
    assert labels == {"ATC:L04AG08": NOT_MET, "ICD10:L04AG08": MET}


def test_cases_evaluate_to_their_labels() -> None:
    for leaf in (Lookback(INFECTIONS, Span()), Washout(CYTOTOXIC_AGENTS, Span(months=1)),
                 Lookback(CYTOTOXIC_AGENTS, on="exposures", at_least=2)):
        cases = _cases(leaf)
        assert cases
        for case in cases:
            assert leaf.decide(build(case.facts), case.as_of) is case.outcome, case.description

