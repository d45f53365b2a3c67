"""Units (UCUM): conversion to the domain's unit, exact at boundaries, clear errors.

The oracle is a hand-written table of UCUM definitions (signed off against the
UCUM specification's base-unit factors: 1 [lb_av] = 453.59237 g, 1 [oz_av] =
1/16 [lb_av], 1 L = 1 dm3), with Fractions: it never calls the code under test.
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import MET, NOT_MET
from trialrules import Domain, InvalidRecord, Observation, Record, Threshold
from trialrules.values import units
from trialrules.values.errors import MissingExtra
from trialrules.values.units import exact, format_number, to_domain_unit

#: (factor to the base unit, dimension) per UCUM code: g, L and mol are the bases.
ORACLE: dict[str, tuple[Fraction, str]] = {
    "g": (Fraction(1), "mass"),
    "mg": (Fraction(1, 1000), "mass"),
    "kg": (Fraction(1000), "mass"),
    "[lb_av]": (Fraction("453.59237"), "mass"),
    "[oz_av]": (Fraction("453.59237") / 16, "mass"),
    "mg/dL": (Fraction(1, 1000) / Fraction(1, 10), "mass/volume"),
    "g/L": (Fraction(1), "mass/volume"),
    "mg/L": (Fraction(1, 1000), "mass/volume"),
    "ug/mL": (Fraction(1, 10**6) / Fraction(1, 1000), "mass/volume"),
    "g/dL": (Fraction(10), "mass/volume"),
    "mmol/L": (Fraction(1, 1000), "substance/volume"),
    "umol/L": (Fraction(1, 10**6), "substance/volume"),
    "mol/L": (Fraction(1), "substance/volume"),
}
GLUCOSE_MOLAR_MASS = Fraction("180.156")


def oracle(value: Fraction, unit: str, target: str, molar_mass: Fraction | None) -> Fraction:
    (f_src, d_src), (f_dst, d_dst) = ORACLE[unit], ORACLE[target]
    out = value * f_src / f_dst
    if d_src == d_dst:
        return out
    assert molar_mass is not None
    return out * molar_mass if d_src.startswith("substance") else out / molar_mass


def _compatible(unit: str, target: str) -> bool:
    a, b = ORACLE[unit][1], ORACLE[target][1]
    return a == b or {a, b} == {"mass/volume", "substance/volume"}


PAIRS = [(u, t) for u in ORACLE for t in ORACLE if _compatible(u, t)]
DECIMALS = st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False)


@given(st.sampled_from(PAIRS), DECIMALS)
def test_conversion_matches_the_ucum_table_exactly(pair: tuple[str, str], text: Decimal) -> None:
    unit, target = pair
    domain = Domain(0, 10**12, unit=target, molar_mass=180.156)
    value = float(text)  # as a JSON number arrives
    got = to_domain_unit(value, unit, domain, "observations[0]")
    want = Fraction(text) if unit == target else oracle(Fraction(text), unit, target,
                                                        GLUCOSE_MOLAR_MASS)
    assert exact(got) == want


@given(st.sampled_from(PAIRS), DECIMALS)
def test_there_and_back_is_the_identity(pair: tuple[str, str], text: Decimal) -> None:
    unit, target = pair
    there = Domain(0, 10**12, unit=target, molar_mass=180.156)
    back = Domain(0, 10**12, unit=unit, molar_mass=180.156)
    converted = to_domain_unit(float(text), unit, there, "o")
    assert exact(to_domain_unit(exact(converted), target, back, "o")) == Fraction(text)


def test_exactly_at_the_bound_in_another_unit() -> None:
    # 135.117 mg/dL of glucose is exactly 7.5 mmol/L (135.117 / 180.156 * 10).
    domain = {"glu": Domain(0, 100, name="glucose", unit="mmol/L", molar_mass=180.156)}
    as_of = date(2027, 3, 10)

    def outcome(operator: str, mg_dl: float) -> object:
        record = Record("P1", observations=[Observation("glu", mg_dl, "2027-03-02",
                                                        unit="mg/dL")])
        return Threshold("glu", operator, 7.5).decide(record, as_of, domains=domain)

    assert outcome("<=", 135.117) is MET        # exactly on the bound
    assert outcome("<", 135.117) is NOT_MET
    assert outcome("<", 135.116) is MET         # a thousandth below
    assert outcome("<=", 135.118) is NOT_MET    # a thousandth above
    assert outcome(">=", 135.117) is MET


def test_avoirdupois_pound_is_exact() -> None:
    weight = {"weight": Domain(0, 500, unit="kg")}
    record = Record("P1", observations=[Observation("weight", 16, "2027-03-02", unit="[oz_av]")])
    assert Threshold("weight", ">=", 0.45359237).decide(record, date(2027, 3, 10),
                                                        domains=weight) is MET
    assert Threshold("weight", ">", 0.45359237).decide(record, date(2027, 3, 10),
                                                       domains=weight) is NOT_MET


GLUCOSE = Domain(0, 1000, name="fasting glucose", unit="mg/dL", molar_mass=180.156)


def test_explanation_shows_the_value_as_recorded_and_converted() -> None:
    record = Record("P1", observations=[Observation("glu", 7.5, "2027-03-02", unit="mmol/L")])
    result = Threshold("glu", "<", 126).evaluate(record, date(2027, 3, 10), domains={"glu": GLUCOSE})
    assert result.outcome is NOT_MET
    assert result.reason == ("fasting glucose 7.5 mmol/L (135.1 mg/dL) on 2027-03-02 is not "
                             "below 126 mg/dL (< 126)")
    assert result.evidence[0].value == 7.5  # the recorded fact, not the converted number


def test_same_unit_reads_as_recorded() -> None:
    record = Record("P1", observations=[Observation("glu", 98, "2027-03-02", unit="mg/dL")])
    result = Threshold("glu", "<", 126).evaluate(record, date(2027, 3, 10), domains={"glu": GLUCOSE})
    assert result.reason == "fasting glucose 98 mg/dL on 2027-03-02 is below 126 mg/dL (< 126)"


def test_the_latest_value_wins_after_conversion() -> None:
    # The safety bug of issue 13: mixed units, and the latest in mmol/L is above 126 mg/dL.
    record = Record("P1", observations=[
        Observation("glu", 100, "2027-02-01", unit="mg/dL"),
        Observation("glu", 7.5, "2027-03-02", unit="mmol/L"),
    ])
    assert Threshold("glu", "<", 126).decide(record, date(2027, 3, 10),
                                             domains={"glu": GLUCOSE}) is NOT_MET


@pytest.mark.parametrize(("unit", "domain", "words"), [
    (None, GLUCOSE, "a unit convertible to mg/dL (the domain of fasting glucose)"),
    ("mmol/L", Domain(0, 1000, unit="mg/dL"),
     "a unit convertible to mg/dL (give the molar mass of the analyte in g/mol"),
    ("kg", GLUCOSE, "kg measures [mass], mg/dL measures [mass] / [length] ** 3"),
    ("mg/dl ", GLUCOSE, "a unit convertible to mg/dL (a UCUM code, case-sensitive: "
     "'mg/dl ' is not one; the domain of fasting glucose)"),
    ("milligrams", GLUCOSE, "a UCUM code"),
    ("MG/DL", GLUCOSE, "a UCUM code"),
    ("Cel", Domain(0, 50, unit="K"), "'Cel' is a temperature scale with an offset"),
])
def test_unconvertible_units_are_bad_input(unit: str | None, domain: Domain, words: str) -> None:
    record = Record("P7", observations=[Observation("edss_x", 1, "2027-01-01"),
                                        Observation("glu", 7.5, "2027-03-02", unit=unit)])
    with pytest.raises(InvalidRecord, match="expected") as info:
        Threshold("glu", "<", 126).decide(record, date(2027, 3, 10), domains={"glu": domain})
    assert info.value.field == "observations[1].unit"
    assert info.value.patient == "P7"
    assert info.value.value == unit
    assert words in info.value.allowed


def test_a_value_off_the_domain_after_conversion_names_both() -> None:
    record = Record("P1", observations=[Observation("glu", 70, "2027-03-02", unit="mmol/L")])
    with pytest.raises(InvalidRecord) as info:
        Threshold("glu", "<", 126).decide(record, date(2027, 3, 10), domains={"glu": GLUCOSE})
    assert info.value.field == "observations[0].value"
    assert info.value.allowed.endswith("; 70 mmol/L is 1261.1 mg/dL")


def test_a_missing_extra_is_an_error_never_a_skipped_conversion(
        monkeypatch: pytest.MonkeyPatch) -> None:
    same = Record("P1", observations=[Observation("glu", 98, "2027-03-02", unit="mg/dL")])
    other = Record("P1", observations=[Observation("glu", 7.5, "2027-03-02", unit="mmol/L")])
    criterion = Threshold("glu", "<", 126)
    as_of = date(2027, 3, 10)
    with_library = criterion.decide(same, as_of, domains={"glu": GLUCOSE})
    monkeypatch.setattr(units, "_LOADED", [])
    monkeypatch.setitem(sys.modules, "ucumvert", None)  # as if not installed
    # The same unit as the domain's needs no library: the same answer either way.
    assert criterion.decide(same, as_of, domains={"glu": GLUCOSE}) is with_library is MET
    with pytest.raises(MissingExtra, match=r"pip install 'trialrules\[units\]'") as info:
        criterion.decide(other, as_of, domains={"glu": GLUCOSE})
    assert info.value.extra == "units"
    assert isinstance(info.value, ImportError)


@pytest.mark.parametrize(("value", "text"), [
    (Fraction(135117, 1000), "135.1"), (Fraction(12596, 100), "125.96"), (Fraction(126), "126"),
    (Fraction(-5), "-5"), (Fraction(5, 2), "2.5"), (Fraction(2000, 3), "666.7"), (6.5, "6.5"),
    (3.0, "3"), (Fraction(1, 3), "0.3333"),
])
def test_numbers_are_shown_as_a_clinician_writes_them(value: Fraction | float, text: str) -> None:
    assert format_number(value) == text


def test_per_hour_to_per_minute_is_an_exact_ratio() -> None:
    rate = Domain(0, 1000, unit="/min")
    assert to_domain_unit(120, "/h", rate, "o") == 2
    assert to_domain_unit(1, "/d", rate, "o") == Fraction(1, 1440)
