"""Issue 13, item by item, as an acceptance tester reads it (black box).

Every expected value here comes from the issue's wording and a hand oracle in
this file (calendar arithmetic, completed years, exact decimals via Fraction
from the decimal text, and brute force over the possible worlds of partial
dates), never from the code under test.
"""

from __future__ import annotations

import calendar
import itertools
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialrules import (
    Age,
    Anchored,
    AnyObservation,
    AnyOf,
    Change,
    CodeSet,
    Condition,
    Criterion,
    Domain,
    Exposure,
    ExposureDays,
    Flag,
    InvalidRecord,
    Lookback,
    Not,
    Observation,
    Outcome,
    PartialDate,
    Protocol,
    Range,
    Record,
    ReferenceMultiple,
    Span,
    Threshold,
    lint,
)
from trialrules.formats.fhir import record_from_bundle
from trialrules.formats.records import record_from_dict, record_to_dict
from trialrules.formats.schemas import patient_schema, protocol_schema
from trialrules.tools.diff import diff
from trialrules.values.records import NOT_KNOWN_IF_ENDED

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2027, 3, 31)
DAY = timedelta(days=1)

GLUCOSE = Domain(0, 1000, name="fasting glucose", unit="mg/dL", molar_mass=180.156)
GLUCOSE_NO_MOLAR_MASS = Domain(0, 1000, name="fasting glucose", unit="mg/dL")
GLUCOSE_MMOL = Domain(0, 60, name="fasting glucose", unit="mmol/L", molar_mass=180.156)
WEIGHT = Domain(0, 500, name="weight", unit="kg")
STEROIDS = CodeSet("systemic corticosteroids", prefixes=["ATC:H02"])
RELAPSE = CodeSet("clinical MS relapse", codes=["SNOMED:58487002"])
DMT = CodeSet("disease-modifying therapies", prefixes=["ATC:L04AA", "ATC:L03AB"])

#: Reasons checked by hand below (every reason ``evaluate`` sees is checked as it comes).
REASONS: list[str] = []


# --- hand oracles -------------------------------------------------------------------------

def months_before(day: date, months: int) -> date:
    """Calendar months back, the day clamped to the month's end (31 March - 1 month = 28 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def completed_years(born: date, on: date) -> int:
    """Completed years; born 29 February, the birthday is 28 February in common years."""
    birthday_day = born.day
    if (born.month, born.day) == (2, 29) and not calendar.isleap(on.year):
        birthday_day = 28
    return on.year - born.year - ((on.month, on.day) < (born.month, birthday_day))


def days_of(text: str) -> list[date]:
    """Every day a date written as YYYY, YYYY-MM or YYYY-MM-DD may be."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return [date(*parts)]
    if len(parts) == 2:
        last = calendar.monthrange(parts[0], parts[1])[1]
        return [date(parts[0], parts[1], d) for d in range(1, last + 1)]
    first = date(parts[0], 1, 1)
    return [first + timedelta(days=k) for k in range(366 if calendar.isleap(parts[0]) else 365)]


def dec(text: str) -> Fraction:
    """A decimal written as text, exactly."""
    return Fraction(text)


def evaluate(criterion: Criterion, record: Record, as_of: date = AS_OF,
             domains: dict[str, Domain] | None = None) -> tuple[Outcome, str, tuple[str, ...]]:
    """Outcome, reason and missing facts of one criterion in a protocol (ids as shipped)."""
    protocol = Protocol("T", "t", inclusion=[criterion], domains=domains or {})
    node = protocol.evaluate(record, as_of).inclusion[0]
    decided = criterion.decide(record, as_of, domains=domains or {})
    assert decided is node.outcome, (decided, node.outcome)
    for text in _all_reasons(node):  # item 9: dates, never the word as_of
        assert not re.search(r"\bas_of\b", text), text
    return node.outcome, node.reason, tuple(node.missing)


def _all_reasons(node: Any) -> Iterator[str]:
    yield node.reason
    for child in node.children:
        yield from _all_reasons(child)


def verdict(results: set[bool], absent_possible: bool = False) -> Outcome:
    """Possible-worlds rule: decided only when every world agrees."""
    if absent_possible or len(results) != 1:
        return UNKNOWN
    return MET if results == {True} else NOT_MET


# --- 1. units (UCUM) ---------------------------------------------------------------------

def glucose(value: float, unit: str | None, day: str = "2027-03-02", *,
            code: str = "glu") -> Observation:
    return Observation(code, value, day, unit=unit)


def test_1_the_issue_example_reads_both_values() -> None:
    record = Record("P1", observations=[glucose(7.5, "mmol/L")])
    outcome, reason, _ = evaluate(Threshold("glu", "<", 126), record,
                                  domains={"glu": GLUCOSE})
    assert outcome is NOT_MET  # the safety bug: 7.5 mmol/L is 135.117 mg/dL
    assert "fasting glucose 7.5 mmol/L (135.1 mg/dL) on 2027-03-02 is not below 126 mg/dL" \
        in reason


@pytest.mark.parametrize(("mmol", "bound", "op", "want"), [
    # 7.5 mmol/L * 180.156 g/mol = 1351.17 mg/L = 135.117 mg/dL exactly.
    ("7.5", "135.117", ">=", MET), ("7.5", "135.117", ">", NOT_MET),
    ("7.5", "135.117", "<=", MET), ("7.5", "135.118", "<", MET),
    ("7", "126.1092", ">=", MET), ("7", "126.1092", ">", NOT_MET),
    ("6.99", "126", "<", MET),  # 125.929... mg/dL
])
def test_1_mmol_to_mg_is_exact(mmol: str, bound: str, op: str, want: Outcome) -> None:
    record = Record("P1", observations=[glucose(float(mmol), "mmol/L")])
    outcome, _, _ = evaluate(Threshold("glu", op, float(bound)), record, domains={"glu": GLUCOSE})
    assert outcome is want


@pytest.mark.parametrize(("mg", "op", "bound", "want"), [
    ("135.117", ">=", "7.5", MET), ("135.117", ">", "7.5", NOT_MET),
    ("135.117", "<=", "7.5", MET), ("0", "<=", "0", MET), ("0", ">", "0", NOT_MET),
    ("90.078", ">=", "5", MET), ("90.078", "<", "5", NOT_MET),
])
def test_1_mg_to_mmol_the_other_way_is_exact(mg: str, op: str, bound: str,
                                            want: Outcome) -> None:
    record = Record("P1", observations=[glucose(float(mg), "mg/dL")])
    outcome, reason, _ = evaluate(Threshold("glu", op, float(bound)), record,
                                  domains={"glu": GLUCOSE_MMOL})
    assert outcome is want
    assert f"{mg} mg/dL" in reason
    assert "mmol/L" in reason


def test_1_mixed_units_the_latest_wins_after_conversion() -> None:
    record = Record("P1", observations=[glucose(100, "mg/dL", "2027-02-01"),
                                        glucose(7.5, "mmol/L", "2027-03-02")])
    assert evaluate(Threshold("glu", "<", 126), record, domains={"glu": GLUCOSE})[0] is NOT_MET
    record = Record("P1", observations=[glucose(7.5, "mmol/L", "2027-02-01"),
                                        glucose(100, "mg/dL", "2027-03-02")])
    assert evaluate(Threshold("glu", "<", 126), record, domains={"glu": GLUCOSE})[0] is MET


def _bad_unit(unit: str | None, domain: Domain) -> InvalidRecord:
    record = Record("P9", observations=[glucose(90, "mg/dL", "2027-01-01", code="other"),
                                        glucose(90, "mg/dL", "2027-01-02", code="other"),
                                        glucose(7.5, unit)])
    with pytest.raises(InvalidRecord) as info:
        Threshold("glu", "<", 126).decide(record, AS_OF, domains={"glu": domain})
    err = info.value
    assert err.field == "observations[2].unit"
    assert err.patient == "P9"
    assert err.value == unit
    assert "observations[2].unit" in str(err)
    assert "P9" in str(err)
    return err


@pytest.mark.parametrize("domain", [GLUCOSE_NO_MOLAR_MASS,
                                    Domain(0, 1000, unit="mg/dL")])
def test_1_molar_without_a_molar_mass_is_bad_input(domain: Domain) -> None:
    err = _bad_unit("mmol/L", domain)
    assert "'mmol/L'" in str(err)
    assert "expected a unit convertible to mg/dL (give the molar mass" in str(err)
    assert err.allowed.startswith("a unit convertible to mg/dL (give the molar mass")


@pytest.mark.parametrize(("unit", "words"), [
    ("furlongs", "not one"),          # not UCUM
    ("MG/DL", "not one"),             # UCUM is case-sensitive
    ("kg", "measures"),               # another dimension
    ("mmol/kg", "convertible to mg/dL"),
    ("/min", "convertible to mg/dL"),
    ("Cel", "convertible to mg/dL"),
    (None, "convertible to mg/dL"),   # missing, where the domain has one
])
def test_1_unconvertible_units_are_bad_input(unit: str | None, words: str) -> None:
    err = _bad_unit(unit, GLUCOSE)
    assert err.allowed.startswith("a unit convertible to mg/dL")
    assert words in err.allowed


def test_1_a_missing_unit_is_bad_input_even_when_the_value_would_pass() -> None:
    record = Record("P1", observations=[glucose(98, None)])
    with pytest.raises(InvalidRecord, match=r"observations\[0\]\.unit"):
        Threshold("glu", "<", 126).decide(record, AS_OF, domains={"glu": GLUCOSE})


def test_1_incompatible_units_in_one_series_raise_for_the_value_read() -> None:
    weights = [Observation("weight", 60, "2027-01-05", unit="kg"),
               Observation("weight", 63, "2027-03-20", unit="mg/dL")]
    record = Record("P1", observations=weights)
    with pytest.raises(InvalidRecord, match=r"observations\[1\]\.unit"):
        Range(Change("weight", Span(months=3), relative=True), -5, 5).decide(
            record, AS_OF, domains={"weight": WEIGHT})
    with pytest.raises(InvalidRecord, match=r"observations\[1\]\.unit"):
        Threshold("weight", ">", 50).decide(record, AS_OF, domains={"weight": WEIGHT})


def test_1_pounds_are_exact() -> None:
    # 1 [lb_av] = 0.45359237 kg exactly (UCUM); 100 lb = 45.359237 kg.
    record = Record("P1", observations=[Observation("weight", 100, "2027-03-02",
                                                    unit="[lb_av]")])
    dom = {"weight": WEIGHT}
    assert evaluate(Threshold("weight", ">=", 45.359237), record, domains=dom)[0] is MET
    assert evaluate(Threshold("weight", ">", 45.359237), record, domains=dom)[0] is NOT_MET
    assert evaluate(Threshold("weight", "<", 45.359238), record, domains=dom)[0] is MET


@pytest.mark.parametrize(("value", "unit", "op", "bound", "want"), [
    (-2500, "umol/L", "<=", -2.5, MET), (-2500, "umol/L", "<", -2.5, NOT_MET),
    (-2.5, "mmol/L", "==", -2.5, None), (0, "umol/L", ">=", 0, MET), (0, "umol/L", ">", 0, NOT_MET),
])
def test_1_negative_and_zero_values_convert(value: int, unit: str, op: str, bound: float,
                                            want: Outcome | None) -> None:
    base_excess = {"be": Domain(-30, 30, name="base excess", unit="mmol/L")}
    record = Record("P1", observations=[Observation("be", value, "2027-03-02", unit=unit)])
    if want is None:
        criterion: Criterion = Range("be", -2.5, -2.5)
        want = MET
    else:
        criterion = Threshold("be", op, bound)
    assert evaluate(criterion, record, domains=base_excess)[0] is want


def test_1_json_patient_file_carries_unit_and_range() -> None:
    data = {"id": "P1", "observations": [
        {"code": "alt", "value": 130, "unit": "U/L", "date": "2027-03-02",
         "reference_range": {"low": 7, "high": 40}},
        {"code": "glu", "value": 7.5, "unit": "mmol/L", "date": "2027-03-02"}],
        "dates": {"informed_consent": "2027-03"}}
    record = record_from_dict(data)
    assert record.observations[0].unit == "U/L"
    assert (record.observations[0].reference_range.low,  # type: ignore[union-attr]
            record.observations[0].reference_range.high) == (7, 40)  # type: ignore[union-attr]
    assert record.dates["informed_consent"] == PartialDate(2027, 3)
    again = record_from_dict(json.loads(json.dumps(record_to_dict(record))))
    assert again == record


def _fhir_bundle(quantity: dict[str, Any], ranges: list[dict[str, Any]] | None) -> dict[str, Any]:
    obs: dict[str, Any] = {
        "resourceType": "Observation", "id": "o1", "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "1742-6"}]},
        "effectiveDateTime": "2027-03-02", "valueQuantity": quantity}
    if ranges is not None:
        obs["referenceRange"] = ranges
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1980-01-01"}},
        {"resource": obs}]}


UCUM = "http://unitsofmeasure.org"


def test_1_2_fhir_code_feeds_the_unit_and_reference_range_maps() -> None:
    bundle = _fhir_bundle({"value": 130, "unit": "U/l (display)", "system": UCUM, "code": "U/L"},
                          [{"low": {"value": 7, "system": UCUM, "code": "U/L"},
                            "high": {"value": 40, "system": UCUM, "code": "U/L"}}])
    record = record_from_bundle(bundle)
    [obs] = record.observations
    assert obs.value == 130
    assert obs.unit == "U/L"
    assert obs.reference_range is not None
    assert (obs.reference_range.low, obs.reference_range.high) == (7, 40)
    alt = Threshold(ReferenceMultiple("LOINC:1742-6"), ">", 3)
    assert evaluate(alt, record)[0] is MET  # 130 / 40 = 3.25
    # Only a high limit: the upper multiple still works, the lower one is UNKNOWN.
    record = record_from_bundle(_fhir_bundle(
        {"value": 120, "system": UCUM, "code": "U/L"},
        [{"high": {"value": 40, "system": UCUM, "code": "U/L"}}]))
    assert record.observations[0].reference_range.low is None  # type: ignore[union-attr]
    assert evaluate(alt, record)[0] is NOT_MET  # exactly 3 is not above 3
    low = Threshold(ReferenceMultiple("LOINC:1742-6", limit="low"), "<", 1)
    outcome, _, missing = evaluate(low, record)
    assert outcome is UNKNOWN
    assert "reference_range.low" in " ".join(missing)


# --- 2. reference ranges ------------------------------------------------------------------

def alt(value: float, rng: dict[str, Any] | None, day: str = "2027-03-02") -> Record:
    return Record("P1", observations=[Observation("alt", value, day, unit="U/L",
                                                  reference_range=rng)])


@pytest.mark.parametrize(("value", "high", "op", "k", "want"), [
    (120, 40, ">", 3, NOT_MET), (120, 40, ">=", 3, MET), (120.1, 40, ">", 3, MET),
    (119.9, 40, ">=", 3, NOT_MET), (0.3, 0.1, ">=", 3, MET), (0.3, 0.1, ">", 3, NOT_MET),
    (5, 40, "<", 0.125, NOT_MET), (5, 40, "<=", 0.125, MET),
])
def test_2_multiple_of_the_upper_limit_is_exact(value: float, high: float, op: str, k: float,
                                               want: Outcome) -> None:
    ratio = dec(repr(value)) / dec(repr(high))
    assert (want is MET) == {">": ratio > dec(repr(k)), ">=": ratio >= dec(repr(k)),
                             "<": ratio < dec(repr(k)), "<=": ratio <= dec(repr(k))}[op]
    outcome, reason, _ = evaluate(Threshold(ReferenceMultiple("alt"), op, k),
                                  alt(value, {"low": None, "high": high}))
    assert outcome is want
    assert "upper limit" in reason


@pytest.mark.parametrize("rng", [None, {"low": 7, "high": None}])
def test_2_no_upper_limit_is_unknown_naming_the_missing_range(rng: dict[str, Any] | None) -> None:
    outcome, reason, missing = evaluate(Threshold(ReferenceMultiple("alt"), ">", 3),
                                        alt(500, rng))
    assert outcome is UNKNOWN
    assert any("reference_range" in m and "upper limit" in m for m in missing)
    assert "reference range" in reason
    assert not reason.startswith("no the ")


def test_2_lower_limit() -> None:
    rng = {"low": 2, "high": 7.5}
    record = Record("P1", observations=[Observation("neut", 0.9, "2027-03-02",
                                                    reference_range=rng)])
    assert evaluate(Threshold(ReferenceMultiple("neut", limit="low"), "<", 0.5),
                    record)[0] is MET  # 0.45
    assert evaluate(Threshold(ReferenceMultiple("neut", limit="low"), "<", 0.45),
                    record)[0] is NOT_MET
    outcome, _, _missing = evaluate(Threshold(ReferenceMultiple("neut", limit="low"), "<", 0.5),
                                   alt(1, {"low": None, "high": 40}))
    assert outcome is UNKNOWN


def test_2_the_latest_observation_with_its_own_range() -> None:
    record = Record("P1", observations=[
        Observation("alt", 500, "2027-01-02", unit="U/L", reference_range={"high": 40}),
        Observation("alt", 100, "2027-03-02", unit="U/L", reference_range={"high": 30})])
    # 100 / 30 = 3.33 > 3, whatever the older value was.
    assert evaluate(Threshold(ReferenceMultiple("alt"), ">", 3), record)[0] is MET


# --- 3. cumulative exposure ---------------------------------------------------------------

def steroid(start: str, end: str | None) -> Exposure:
    return Exposure("ATC:H02AB06", start, end)


def exposure_record(spans: list[tuple[str, str | None]], complete: str | None) -> Record:
    return Record("P1", exposures=[Exposure("ATC:H02AB06", a, NOT_KNOWN_IF_ENDED)
                                   if b == "unknown" else steroid(a, b) for a, b in spans],
                  complete={"exposures": complete} if complete else {})


def day_count_oracle(spans: list[tuple[str, str | None]], start: date,
                     as_of: date) -> tuple[int, int]:
    """(least, most) distinct days of [start, as_of] over every possible world."""
    choices = []
    for a, b in spans:
        starts = days_of(a)
        if b == "unknown":  # not known whether or when it ended: any day from its start on
            choices.append([(s, e) for s in starts
                            for e in [s + DAY * k for k in range(max(0, (as_of - s).days) + 1)]])
            continue
        ends: list[date | None] = [None] if b is None else list(days_of(b))
        choices.append([(s, e) for s in starts for e in ends if e is None or s <= e])
    counts = set()
    for world in itertools.product(*choices):
        covered = set()
        for s, e in world:
            last = as_of if e is None else min(e, as_of)
            d = max(s, start)
            while d <= last:
                covered.add(d)
                d += DAY
        counts.add(len(covered))
    return min(counts), max(counts)


def over_28(record: Record, as_of: date = AS_OF) -> tuple[Outcome, str, tuple[str, ...]]:
    return evaluate(Threshold(ExposureDays(STEROIDS, Span(months=6)), ">", 28), record, as_of)


@pytest.mark.parametrize(("spans", "complete", "days", "want"), [
    # The issue's two examples: 30 observed is > 28 even when the history is incomplete.
    ([("2027-01-01", "2027-01-30")], None, 30, MET),
    ([("2027-01-01", "2027-01-20")], None, 20, UNKNOWN),
    ([("2027-01-01", "2027-01-20")], "2027-03-31", 20, NOT_MET),
    # Both ends included: 1-28 January is 28 days, 1-29 is 29.
    ([("2027-01-01", "2027-01-28")], "2027-03-31", 28, NOT_MET),
    ([("2027-01-01", "2027-01-29")], "2027-03-31", 29, MET),
    # Overlaps count once: 1-20 and 10-29 January is 29 days, not 40.
    ([("2027-01-01", "2027-01-20"), ("2027-01-10", "2027-01-29")], "2027-03-31", 29, MET),
    ([("2027-01-01", "2027-01-20"), ("2027-01-10", "2027-01-28")], "2027-03-31", 28, NOT_MET),
    # Touching courses: 1-14 and 15-28 January are 28 days.
    ([("2027-01-01", "2027-01-14"), ("2027-01-15", "2027-01-28")], "2027-03-31", 28, NOT_MET),
    # No end: ongoing through as_of (4-31 March is 28 days, 3-31 is 29).
    ([("2027-03-04", None)], "2027-03-31", 28, NOT_MET),
    ([("2027-03-03", None)], "2027-03-31", 29, MET),
    # The window opens on 30 September 2026 (31 March - 6 months): 30 Sep - 28 Oct is 29 days.
    ([("2026-09-01", "2026-10-28")], "2027-03-31", 29, MET),
    ([("2026-09-01", "2026-10-27")], "2027-03-31", 28, NOT_MET),
    ([("2026-09-01", "2026-09-29")], "2027-03-31", 0, NOT_MET),  # ends the day before
    ([("2026-09-01", "2026-09-30")], "2027-03-31", 1, NOT_MET),  # ends on the first day
    # Starting after as_of: invisible.
    ([("2027-04-01", None)], "2027-03-31", 0, NOT_MET),
    ([("2027-03-31", None)], "2027-03-31", 1, NOT_MET),
])
def test_3_exposure_days(spans: list[tuple[str, str | None]], complete: str | None, days: int,
                         want: Outcome) -> None:
    start = months_before(AS_OF, 6)
    assert start == date(2026, 9, 30)
    assert day_count_oracle(spans, start, AS_OF) == (days, days)
    outcome, reason, missing = over_28(exposure_record(spans, complete))
    assert outcome is want
    assert (f"{days} days" if days != 1 else "1 day of") in reason
    assert "2026-09-30 to 2027-03-31" in reason
    if want is UNKNOWN:
        assert any("complete.exposures" in m for m in missing)


def test_3_leap_day_window() -> None:
    # As of 29 February 2028, 6 months back is 29 August 2027; 1 month back is 29 January.
    as_of = date(2028, 2, 29)
    assert months_before(as_of, 6) == date(2027, 8, 29)
    record = exposure_record([("2027-08-01", "2027-09-25")], "2028-02-29")
    # 29 Aug - 25 Sep 2027 = 3 + 25 = 28 days.
    assert over_28(record, as_of)[0] is NOT_MET
    record = exposure_record([("2027-08-01", "2027-09-26")], "2028-02-29")
    assert over_28(record, as_of)[0] is MET
    month = Threshold(ExposureDays(STEROIDS, Span(months=1)), ">=", 32)
    full = exposure_record([("2028-01-01", None)], "2028-02-29")  # 29 Jan - 29 Feb: 32 days
    assert evaluate(month, full, as_of)[0] is MET
    assert evaluate(Threshold(ExposureDays(STEROIDS, Span(months=1)), ">", 32), full,
                    as_of)[0] is NOT_MET


@pytest.mark.parametrize(("spans", "k"), [
    ([("2027-01", "2027-01-31")], 28), ([("2027-01", "2027-02")], 28),
    ([("2026-09", "2026-10-15")], 10), ([("2027-02", None)], 28),
    ([("2027-01-05", "2027-02")], 28), ([("2027-02-01", "2027-02")], 27),
])
def test_3_partial_dates_decide_only_when_every_count_agrees(
        spans: list[tuple[str, str | None]], k: int) -> None:
    start = months_before(AS_OF, 6)
    least, most = day_count_oracle(spans, start, AS_OF)
    want = verdict({c > k for c in (least, most)})
    outcome, reason, _ = evaluate(Threshold(ExposureDays(STEROIDS, Span(months=6)), ">", k),
                                  exposure_record(spans, "2027-03-31"))
    assert outcome is want, (least, most)
    if least != most:
        assert f"{least} to {most} days" in reason


_MONTHS = ["2026-12", "2027-01", "2027-02"]


@st.composite
def _spans(draw: st.DrawFn) -> list[tuple[str, str | None]]:
    out = []
    for _ in range(draw(st.integers(1, 2))):
        first = date(2026, 12, 1) + timedelta(days=draw(st.integers(0, 100)))
        length = draw(st.integers(0, 40))
        last = first + timedelta(days=length)
        a, b = first.isoformat(), last.isoformat()
        coarse = draw(st.sampled_from(["none", "start", "end", "ongoing", "unknown"]))
        if coarse == "start":
            a = a[:7]
        elif coarse == "end":
            b = b[:7]
        out.append((a, None if coarse == "ongoing" else "unknown" if coarse == "unknown" else b))
    return out


@settings(max_examples=60)
@given(_spans(), st.integers(0, 60), st.booleans())
def test_3_exposure_days_against_possible_worlds(spans: list[tuple[str, str | None]], k: int,
                                                 complete: bool) -> None:
    as_of = date(2027, 2, 28)
    start = months_before(as_of, 2)  # 28 December 2026
    least, most = day_count_oracle(spans, start, as_of)
    if not complete:
        most = (as_of - start).days + 1
    want = verdict({c > k for c in range(least, most + 1)})
    record = exposure_record(spans, "2027-02-28" if complete else None)
    got = Threshold(ExposureDays(STEROIDS, Span(months=2)), ">", k).decide(record, as_of)
    assert got is want, (least, most)


# --- 4, 8. change over a window, exact ----------------------------------------------------

def weights(*values: tuple[Any, str], unit: str = "kg") -> Record:
    return Record("P1", observations=[Observation("weight", v, d, unit=unit)
                                      for v, d in values])


STABLE = Range(Change("weight", Span(months=3), relative=True), -5, 5)


@pytest.mark.parametrize(("first", "last", "want"), [
    ("60", "63", MET), ("100", "95", MET), ("60", "63.000001", NOT_MET),
    ("100", "94.99", NOT_MET), ("0.3", "0.315", MET), ("0.1", "0.105", MET),
    ("10.1", "10.605", MET), ("10.1", "10.6051", NOT_MET), ("0.7", "0.665", MET),
    ("1.1", "1.155", MET), ("33.3", "34.965", MET), ("33.3", "31.635", MET),
])
def test_4_8_relative_change_is_exact(first: str, last: str, want: Outcome) -> None:
    change = (dec(last) - dec(first)) / dec(first) * 100
    assert (want is MET) == (-5 <= change <= 5)
    record = weights((float(first), "2027-01-05"), (float(last), "2027-03-20"))
    outcome, reason, _ = evaluate(STABLE, record, domains={"weight": WEIGHT})
    assert outcome is want
    assert "2027-01-05" in reason
    assert "2027-03-20" in reason
    if change in (5, -5):
        assert f"({'+' if change > 0 else ''}{int(change)} %)" in reason


def test_4_the_issue_example_and_its_window_edges() -> None:
    start = months_before(AS_OF, 3)
    assert start == date(2026, 12, 31)
    dom = {"weight": WEIGHT}
    # On the window's first day and on as_of: both count.
    assert evaluate(STABLE, weights((60, "2026-12-31"), (63, "2027-03-31")),
                    domains=dom)[0] is MET
    # The day before the window: one value left, UNKNOWN.
    outcome, reason, missing = evaluate(STABLE, weights((60, "2026-12-30"), (63, "2027-03-31")),
                                        domains=dom)
    assert outcome is UNKNOWN
    assert missing
    assert "no two observations" not in reason
    assert "is recorded" in reason
    # The day after as_of is not seen: the change is 60 -> 62, not 60 -> 70.
    record = weights((60, "2027-01-05"), (62, "2027-03-31"), (70, "2027-04-01"))
    assert evaluate(STABLE, record, domains=dom)[0] is MET
    # Latest minus earliest, whatever the list order and the values between.
    record = weights((63, "2027-03-20"), (50, "2027-02-01"), (60, "2027-01-05"))
    assert evaluate(STABLE, record, domains=dom)[0] is MET


@pytest.mark.parametrize("values", [[], [(60, "2027-01-05")]])
def test_4_fewer_than_two_values_is_unknown(values: list[tuple[int, str]]) -> None:
    outcome, _, missing = evaluate(STABLE, weights(*values), domains={"weight": WEIGHT})
    assert outcome is UNKNOWN
    assert missing


def test_4_a_first_value_of_zero_has_no_relative_change() -> None:
    record = Record("P1", observations=[Observation("score", 0, "2027-01-05"),
                                        Observation("score", 3, "2027-03-05")])
    rel = Threshold(Change("score", Span(months=3), relative=True), ">", 0)
    outcome, reason, missing = evaluate(rel, record)
    assert outcome is UNKNOWN
    assert missing
    assert "no a " not in reason
    # The absolute change is defined: +3.
    assert evaluate(Range(Change("score", Span(months=3)), 3, 3), record)[0] is MET


@pytest.mark.parametrize(("first", "last", "op", "bound", "want"), [
    (3.5, 4.5, ">=", 1.0, MET), (3.5, 4.0, ">=", 1.0, NOT_MET), (4.5, 3.5, ">=", 1.0, NOT_MET),
    (4.5, 3.5, "<=", -1.0, MET), (0.1, 0.3, ">=", 0.2, MET), (0.2, 0.3, "<=", 0.1, MET),
])
def test_4_absolute_change_edss(first: float, last: float, op: str, bound: float,
                                want: Outcome) -> None:
    record = Record("P1", observations=[Observation("score", first, "2026-05-01"),
                                        Observation("score", last, "2027-03-01")])
    assert evaluate(Threshold(Change("score", Span(months=12)), op, bound), record)[0] is want


def test_4_edss_window_edges_and_leap_day() -> None:
    crit = Threshold(Change("edss", Span(months=12)), ">=", 1.0)
    for day, want in (("2026-03-31", MET), ("2026-03-30", UNKNOWN)):
        record = Record("P1", observations=[Observation("edss", 3.5, day),
                                            Observation("edss", 4.5, "2027-03-01")])
        assert evaluate(crit, record)[0] is want
    # As of 28 February 2029, 12 months back is 28 February 2028 (not 29).
    as_of = date(2029, 2, 28)
    assert months_before(as_of, 12) == date(2028, 2, 28)
    for day, want in (("2028-02-28", MET), ("2028-02-27", UNKNOWN)):
        record = Record("P1", observations=[Observation("edss", 3.5, day),
                                            Observation("edss", 4.5, "2029-01-01")])
        assert evaluate(crit, record, as_of)[0] is want


def test_4_change_converts_units_first() -> None:
    # 60 kg then 138.8918 [lb_av] = 63.0000... kg: 138.89183 lb is 63.00000181... kg.
    record = Record("P1", observations=[
        Observation("weight", 60, "2027-01-05", unit="kg"),
        Observation("weight", 132.27735731092654, "2027-03-20", unit="[lb_av]")])
    lb_in_kg = dec("132.27735731092654") * dec("0.45359237")
    change = (lb_in_kg - 60) / 60 * 100
    assert -5 <= change <= 5
    assert evaluate(STABLE, record, domains={"weight": WEIGHT})[0] is MET
    heavy = Record("P1", observations=[Observation("weight", 60, "2027-01-05", unit="kg"),
                                       Observation("weight", 140, "2027-03-20", unit="[lb_av]")])
    # 140 lb = 63.5029318 kg: +5.838 %.
    assert evaluate(STABLE, heavy, domains={"weight": WEIGHT})[0] is NOT_MET


def change_oracle(obs: list[tuple[str, str]], start: date, as_of: date, relative: bool,
                  test: Any) -> Outcome:
    """Possible worlds: every day each value may have been taken on."""
    results: set[bool] = set()
    absent = False
    undefined = False
    for world in itertools.product(*[days_of(d) for _, d in obs]):
        inside = [(day, dec(v)) for (v, _), day in zip(obs, world, strict=True)
                  if start <= day <= as_of]
        if len(inside) < 2:
            absent = True
            continue
        lo = min(d for d, _ in inside)
        hi = max(d for d, _ in inside)
        firsts = [k for k, (d, _) in enumerate(inside) if d == lo]
        lasts = [k for k, (d, _) in enumerate(inside) if d == hi]
        for i in firsts:
            for j in lasts:
                if i == j:
                    continue
                a, b = inside[i][1], inside[j][1]
                if relative:
                    if a == 0:
                        undefined = True
                        continue
                    results.add(test((b - a) / a * 100))
                else:
                    results.add(test(b - a))
    return verdict(results, absent or undefined)


_VALUES = st.sampled_from(["0", "0.1", "0.2", "0.3", "57", "60", "60.6", "63", "63.01", "66"])
_DAYS = st.sampled_from(["2026-12", "2026-12-30", "2026-12-31", "2027-01-15", "2027-02",
                         "2027-03-31", "2027-04-01", "2027-03"])


@settings(max_examples=80)
@given(st.lists(st.tuples(_VALUES, _DAYS), min_size=0, max_size=3).filter(
    # At most 31 * 31 worlds, so the brute force stays fast.
    lambda obs: sum(len(d) == 7 for _, d in obs) <= 2), st.booleans(),
       st.sampled_from([-5, 0, 5, 0.1]))
def test_4_8_change_against_possible_worlds(obs: list[tuple[str, str]], relative: bool,
                                            bound: float) -> None:
    start = months_before(AS_OF, 3)
    b = dec(repr(bound))
    want = change_oracle(obs, start, AS_OF, relative, lambda c: c <= b)
    record = Record("P1", observations=[Observation("w", float(v), d) for v, d in obs])
    got = Threshold(Change("w", Span(months=3), relative=relative), "<=", bound).decide(
        record, AS_OF)
    assert got is want


# --- 5. any observation in a window; nothing recorded -------------------------------------

ACTIVE = AnyObservation(Threshold("gd", ">=", 1), Span(months=3))


def mri(*values: tuple[int, str], complete: str | None = None) -> Record:
    return Record("P1", observations=[Observation("gd", v, d) for v, d in values],
                  complete={"observations": complete} if complete else {})


@pytest.mark.parametrize(("values", "complete", "want"), [
    ([(0, "2027-03-01"), (2, "2027-01-10")], None, MET),
    ([(2, "2026-12-31")], None, MET),                   # the window's first day
    ([(0, "2027-03-01")], None, UNKNOWN),               # none passes, not complete
    ([(0, "2027-03-01")], "2027-03-31", NOT_MET),       # complete through as_of
    ([(0, "2027-03-01")], "2027-03-30", UNKNOWN),       # complete only to the day before
    ([(0, "2027-03-01")], "2027-04-30", NOT_MET),
    ([(2, "2026-12-30")], "2027-03-31", NOT_MET),       # the day before the window
    ([(2, "2027-04-01")], "2027-03-31", NOT_MET),       # the day after as_of
    ([(2, "2026-12")], "2027-03-31", UNKNOWN),          # may be 31 December
    ([(2, "2026-12"), (1, "2027-02-01")], "2027-03-31", MET),
    ([], "2027-03-31", NOT_MET),
    ([], None, UNKNOWN),
])
def test_5_any_observation(values: list[tuple[int, str]], complete: str | None,
                           want: Outcome) -> None:
    outcome, reason, missing = evaluate(ACTIVE, mri(*values, complete=complete))
    assert outcome is want
    if want is NOT_MET:
        assert "complete through" in reason
    if want is UNKNOWN:
        assert missing
        assert "(s)" not in reason


@pytest.mark.parametrize("complete", [None, "2027-03-31", "2027-03-30"])
def test_5_nothing_recorded_is_consistent_across_histories(complete: str | None) -> None:
    full = complete is not None and date.fromisoformat(complete) >= AS_OF
    want = NOT_MET if full else UNKNOWN
    record = Record("P1", complete=dict.fromkeys(("observations", "conditions", "exposures"), complete)
                    if complete else {})
    assert evaluate(Threshold("edss", "<", 6), record)[0] is want
    # Fewer than two values: UNKNOWN even in a complete history (the change is undefined).
    assert evaluate(Range(Change("weight", Span(months=3)), -5, 5), record)[0] is UNKNOWN
    assert evaluate(Lookback(RELAPSE, Span(months=12)), record)[0] is want
    assert evaluate(Lookback(STEROIDS, Span(months=12), on="exposures"), record)[0] is want
    assert evaluate(ACTIVE, record)[0] is want
    assert evaluate(Threshold(ReferenceMultiple("alt"), ">", 3), record)[0] is want


# --- 6. anchor dates ----------------------------------------------------------------------

ADULT_AT_CONSENT = Anchored("informed_consent", Threshold(Age(), ">=", 18))


def consent(born: str, signed: str | None) -> Record:
    return Record("P1", birth_date=born, dates={"informed_consent": signed} if signed else {})


def test_6_missing_anchor_names_it() -> None:
    outcome, reason, missing = evaluate(ADULT_AT_CONSENT, consent("2000-01-01", None))
    assert outcome is UNKNOWN
    assert "dates.informed_consent" in missing
    assert "informed_consent" in reason
    other = Record("P1", birth_date="2000-01-01", dates={"randomisation": "2027-01-01"})
    assert evaluate(ADULT_AT_CONSENT, other)[1:] == (reason, missing)


@pytest.mark.parametrize(("born", "signed"), [
    ("2009-03-20", "2027-03-20"), ("2009-03-20", "2027-03-19"), ("2009-03-20", "2027-03-21"),
    ("2009-03-20", "2027-03"), ("2009-03-20", "2027-04"), ("2009-03-20", "2027-02"),
    ("2009-03-20", "2027"), ("2008-02-29", "2026-02-28"), ("2008-02-29", "2026-02-27"),
    ("2008-02-29", "2026-02"), ("2008-02-29", "2026-03"), ("2010-02-28", "2028-02-29"),
    ("2009-03-31", "2027-04"),
])
def test_6_age_at_consent_against_every_possible_day(born: str, signed: str) -> None:
    # The reference date (as_of) is far from the anchor: the anchor decides.
    results = {completed_years(date.fromisoformat(born), day) >= 18 for day in days_of(signed)}
    outcome, _, missing = evaluate(ADULT_AT_CONSENT, consent(born, signed), date(2030, 1, 1))
    assert outcome is verdict(results)
    if outcome is UNKNOWN:
        assert any("informed_consent" in m for m in missing)


def test_6_partial_birth_and_anchor() -> None:
    # Born March 2009, consent April 2027: 18 on every pair of days.
    for born, signed in (("2009-03", "2027-04"), ("2009-03", "2027-03"), ("2009", "2027-12")):
        results = {completed_years(b, s) >= 18 for b in days_of(born) for s in days_of(signed)}
        got = ADULT_AT_CONSENT.decide(consent(born, signed), AS_OF)
        assert got is verdict(results), (born, signed)


def test_6_windows_follow_the_anchor() -> None:
    relapse_before_consent = Anchored("informed_consent",
                                      Lookback(RELAPSE, Span(months=12), starting=True))
    record = Record("P1", conditions=[Condition("SNOMED:58487002", "2026-01-15", "2026-01-30")],
                    dates={"informed_consent": "2027-01-15"}, complete={"conditions": "2027-03-31"})
    assert evaluate(relapse_before_consent, record)[0] is MET  # 12 months before 15 Jan 2027
    record = Record("P1", conditions=[Condition("SNOMED:58487002", "2026-01-14", "2026-01-30")],
                    dates={"informed_consent": "2027-01-15"}, complete={"conditions": "2027-03-31"})
    assert evaluate(relapse_before_consent, record)[0] is NOT_MET


# --- 7. counting codes and onsets ---------------------------------------------------------

def relapses(*spans: tuple[str, str | None], complete: str | None = "2027-03-31") -> Record:
    return Record("P1", conditions=[Condition("SNOMED:58487002", a, b) for a, b in spans],
                  complete={"conditions": complete} if complete else {})


RECENT = Lookback(RELAPSE, Span(months=12), starting=True)


def test_7_an_old_open_relapse_does_not_start_in_the_window() -> None:
    old = relapses(("2024-03-31", None))
    assert evaluate(RECENT, old)[0] is NOT_MET
    assert evaluate(Lookback(RELAPSE, Span(months=12)), old)[0] is MET  # it overlaps
    assert evaluate(RECENT, relapses(("2024-03-31", None), complete=None))[0] is UNKNOWN


@pytest.mark.parametrize(("onset", "want"), [
    ("2026-03-31", MET), ("2026-03-30", NOT_MET), ("2027-03-31", MET), ("2027-04-01", NOT_MET),
    ("2026-03", UNKNOWN), ("2026-04", MET), ("2027-03", MET), ("2026-02", NOT_MET),
])
def test_7_onset_window_edges(onset: str, want: Outcome) -> None:
    start = months_before(AS_OF, 12)
    assert start == date(2026, 3, 31)
    results = {start <= d <= AS_OF for d in days_of(onset)}
    assert verdict(results) is want
    assert evaluate(RECENT, relapses((onset, None)))[0] is want


@st.composite
def _onsets(draw: st.DrawFn) -> list[str]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        day = date(2026, 2, 1) + timedelta(days=draw(st.integers(0, 450)))
        out.append(day.isoformat() if draw(st.booleans()) else day.isoformat()[:7])
    return out


@settings(max_examples=60)
@given(_onsets(), st.integers(1, 3), st.booleans())
def test_7_starting_against_possible_worlds(onsets: list[str], k: int, complete: bool) -> None:
    start = months_before(AS_OF, 12)
    results = set()
    onsets = sorted(set(onsets))  # the same event recorded twice counts once (semantics §3)
    for world in itertools.product(*[days_of(o) for o in onsets]):
        results.add(sum(start <= d <= AS_OF for d in world) >= k)
    want = (MET if results == {True} else UNKNOWN) if not complete else verdict(results)
    record = relapses(*[(o, None) for o in onsets], complete="2027-03-31" if complete else None)
    got = Lookback(RELAPSE, Span(months=12), starting=True, at_least=k).decide(record, AS_OF)
    assert got is want


def test_7_distinct_codes() -> None:
    two = Lookback(DMT, None, on="exposures", at_least=2, count="codes")
    same = Record("P1", exposures=[Exposure("ATC:L04AA27", "2020-01-01", "2021-01-01"),
                                   Exposure("ATC:L04AA27", "2022-01-01", "2023-01-01")],
                  complete={"exposures": "2027-03-31"})
    assert evaluate(two, same)[0] is NOT_MET
    assert evaluate(Lookback(DMT, None, on="exposures", at_least=2), same)[0] is MET
    other = Record("P1", exposures=[Exposure("ATC:L04AA27", "2020-01-01", "2021-01-01"),
                                    Exposure("ATC:L03AB07", "2022-01-01", "2023-01-01")])
    outcome, reason, _ = evaluate(two, other)
    assert outcome is MET
    assert "ATC:L04AA27" in reason
    assert "ATC:L03AB07" in reason
    incomplete = Record("P1", exposures=same.exposures)
    assert evaluate(two, incomplete)[0] is UNKNOWN
    # A code outside the set is not counted.
    outside = Record("P1", exposures=[*same.exposures, Exposure("ATC:L01AA01", "2024-01-01",
                                                                "2024-02-01")],
                     complete={"exposures": "2027-03-31"})
    assert evaluate(two, outside)[0] is NOT_MET


# --- 9. explanations ----------------------------------------------------------------------

def test_9_counts_are_plural_and_list_every_counted_event() -> None:
    crit = Lookback(RELAPSE, Span(months=24), at_least=2)
    record = relapses(("2025-01-05", "2025-01-05"), ("2025-06-02", "2025-06-02"),
                      ("2026-02-11", "2026-02-11"), ("2024-01-01", "2024-01-01"),
                      complete=None)
    outcome, reason, _ = evaluate(crit, record, date(2026, 3, 1))
    assert outcome is MET
    assert reason.startswith("3 conditions of clinical MS relapse")
    for day in ("2025-01-05", "2025-06-02", "2026-02-11"):
        assert day in reason
    assert "2024-01-01" not in reason
    assert reason.index("2025-01-05") < reason.index("2025-06-02") < reason.index("2026-02-11")
    assert reason.endswith(": SNOMED:58487002 on 2025-01-05, 2025-06-02, 2026-02-11")
    one = relapses(("2025-06-02", "2025-06-02"), complete=None)
    assert evaluate(Lookback(RELAPSE, Span(months=24)), one, date(2026, 3, 1))[1].startswith(
        "1 condition of clinical MS relapse")


def test_9_a_flag_text_is_used() -> None:
    flag = Flag("bone_marrow_normal", text="bone marrow morphology is normal")
    for value in (True, False):
        reason = evaluate(flag, Record("P1", flags={"bone_marrow_normal": value}))[1]
        assert "bone marrow morphology is normal" in reason
    assert "bone marrow morphology is normal" in evaluate(flag, Record("P1"))[1]


def test_9_not_met_lookbacks_cite_the_completeness() -> None:
    protocol = Protocol("T", "t", exclusion=[Lookback(RELAPSE, Span(months=12))])
    node = protocol.evaluate(relapses(("2020-01-01", "2020-01-10")), AS_OF).exclusion[0]
    assert node.outcome is NOT_MET
    assert "complete through 2027-03-31" in node.reason
    assert any(e.path == "complete.conditions" for e in node.evidence)
    REASONS.append(node.reason)


def test_9_lint_finds_the_gap_between_ranges() -> None:
    two_hour = {"g2": Domain(0, 1000, name="OGTT 2-hour glucose", unit="mg/dL",
                             molar_mass=180.156)}
    protocol = Protocol("T", "t", inclusion=[AnyOf(Range("g2", 140, 199),
                                                   Threshold("g2", ">", 200))], domains=two_hour)
    gaps = [f for f in lint(protocol) if f.code == "range-gap"]
    assert len(gaps) == 1
    assert "(199, 200]" in str(gaps[0])
    closed = Protocol("T", "t", inclusion=[AnyOf(Range("g2", 140, 199),
                                                 Threshold("g2", ">=", 199))], domains=two_hour)
    assert not [f for f in lint(closed) if f.code == "range-gap"]


def test_9_no_reason_shows_as_of() -> None:
    """Every ``evaluate`` above checks its reasons; here the ones built by hand, and a few
    reasons of each new kind on an empty and on a full record."""
    for criterion in NEW_KINDS:
        for record in (Record("P1"), relapses(("2026-06-01", None)),
                       Record("P1", complete={"observations": "2027-03-31"})):
            evaluate(criterion, record)
    offenders = [r for r in REASONS if re.search(r"\bas_of\b", r)]
    assert not offenders


# --- 10. CQL ------------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["docs/semantics.md", "docs/concepts.md"])
def test_10_docs_say_the_rule_is_stricter_than_cql(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    assert "@2000-01 <= @2000-01-31" in text
    assert "stricter" in text
    assert not re.search(r"CQL's uncertainty rule", text)


# --- 11. everything each kind needs -------------------------------------------------------

NEW_KINDS: list[Criterion] = [
    Threshold(ReferenceMultiple("alt"), ">", 3),
    Threshold(ExposureDays(STEROIDS, Span(months=6)), ">", 28),
    Range(Change("weight", Span(months=3), relative=True), -5, 5),
    ACTIVE,
    ADULT_AT_CONSENT,
    Lookback(RELAPSE, Span(months=12), starting=True),
    Lookback(DMT, None, on="exposures", at_least=2, count="codes"),
]


@pytest.mark.parametrize("criterion", NEW_KINDS, ids=repr)
def test_11_json_round_trip_english_diff_and_lint(criterion: Criterion) -> None:
    data = criterion.to_dict()
    assert Criterion.from_dict(json.loads(json.dumps(data))) == criterion
    text = criterion.describe()
    assert text
    assert "as_of" not in text
    protocol = Protocol("T", "t", inclusion=[criterion])
    lint(protocol)
    again = Protocol("T", "t", inclusion=[Not(criterion)])
    assert str(diff(protocol, again)).strip()


def test_11_schemas_list_the_new_kinds_and_fields() -> None:
    text = json.dumps(protocol_schema())
    for tag in ("reference_multiple", "exposure_days", "change", "any_observation",
                "anchored", "starting", "molar_mass"):
        assert f'"{tag}"' in text, tag
    patient = patient_schema()
    assert "dates" in patient["properties"]
    obs = json.dumps(patient)
    assert '"unit"' in obs
    assert '"reference_range"' in obs


@pytest.mark.parametrize("tag", ["reference_multiple", "exposure_days", "change",
                                 "any_observation", "anchored"])
def test_11_docs_have_an_example_of_each(tag: str) -> None:
    docs = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    assert f'"kind": "{tag}"' in docs or f"{_class(tag)}(" in docs


def _class(tag: str) -> str:
    return "".join(part.title() for part in tag.split("_"))


# --- the tutorial protocol ----------------------------------------------------------------

TUTORIAL = ROOT / "docs" / "examples" / "nct00763412.json"


def _flags(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("kind") == "flag":
            yield node["name"]
        for value in node.values():
            yield from _flags(value)
    elif isinstance(node, list):
        for value in node:
            yield from _flags(value)


def test_tutorial_encodes_the_three_criteria_from_data() -> None:
    doc = json.loads(TUTORIAL.read_text(encoding="utf-8"))
    protocol = Protocol.from_dict(doc)
    assert [c.id for c in protocol.inclusion] == [f"inclusion.{i}" for i in range(1, 6)]
    assert [c.id for c in protocol.exclusion] == [f"exclusion.{i}" for i in range(1, 7)]
    inc3, inc4 = doc["inclusion"][2], doc["inclusion"][3]
    exc4 = doc["exclusion"][3]
    for node in (inc3, inc4, exc4):
        assert not list(_flags(node))
    text3 = json.dumps(inc3)
    assert "ogtt_fasting_glucose" in text3
    assert "ogtt_2h_glucose" in text3
    for code in ("ogtt_fasting_glucose", "ogtt_2h_glucose"):
        assert doc["domains"][code]["unit"] == "mg/dL"
        assert doc["domains"][code]["molar_mass"] == pytest.approx(180.156)
    assert doc["domains"]["weight"]["unit"] == "kg"
    assert inc4["source"] == {"kind": "change", "code": "weight", "span": {"months": 3},
                              "relative": True}
    assert (inc4["kind"], inc4["low"], inc4["high"]) == ("range", -5, 5)
    assert inc4.get("low_inclusive", True)
    assert inc4.get("high_inclusive", True)
    assert exc4["source"]["kind"] == "exposure_days"
    assert exc4["source"]["codes"]["prefixes"] == ["ATC:H02"]
    assert exc4["source"]["span"] == {"months": 6}
    assert (exc4["operator"], exc4["bound"]) == (">", 28)


def _patient(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "T1", "birth_date": "2008-01-15",
        "conditions": [{"code": "ICD10:E84.0", "onset": "2008-03"}],
        "flags": {"cf_confirmed_by_sweat_test": True, "exocrine_pancreatic_insufficiency": True,
                  "reproducible_spirometry": True, "liver_dysfunction": False,
                  "glucose_or_repaglinide_interacting_medication": False},
        "complete": {"conditions": "2027-03-31", "exposures": "2027-03-31"},
        "observations": [
            {"code": "ogtt_fasting_glucose", "value": 6.9, "unit": "mmol/L", "date": "2027-03-02"},
            {"code": "ogtt_2h_glucose", "value": 8.5, "unit": "mmol/L", "date": "2027-03-02"},
            {"code": "weight", "value": 60, "unit": "kg", "date": "2027-01-05"},
            {"code": "weight", "value": 63, "unit": "kg", "date": "2027-03-20"}],
        "exposures": [{"code": "ATC:H02AB06", "start": "2027-01-01", "end": "2027-01-28"}]}
    base.update(extra)
    return base


def test_tutorial_protocol_from_the_command_line(tmp_path: Path) -> None:
    # 6.9 mmol/L = 124.31 mg/dL < 126; 8.5 mmol/L = 153.13 mg/dL in 140-199; +5 % weight;
    # 28 days of H02: not more than 28. Every inclusion met, no exclusion met.
    patients = [_patient()]
    over = _patient(id="T2")
    over["exposures"] = [{"code": "ATC:H02AB06", "start": "2027-01-01", "end": "2027-01-29"}]
    patients.append(over)
    high = _patient(id="T3")
    high["observations"][0] = {"code": "ogtt_fasting_glucose", "value": 7.0, "unit": "mmol/L",
                               "date": "2027-03-02"}  # 126.1092 mg/dL: not below 126
    patients.append(high)
    gap = _patient(id="T4")
    gap["observations"][1] = {"code": "ogtt_2h_glucose", "value": 200, "unit": "mg/dL",
                              "date": "2027-03-02"}  # in neither 140-199 nor > 200
    patients.append(gap)
    heavy = _patient(id="T5")
    heavy["observations"][3] = {"code": "weight", "value": 63.01, "unit": "kg",
                                "date": "2027-03-20"}
    patients.append(heavy)
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in patients), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "trialrules.cli", "screen", str(path),
                           "--protocol", str(TUTORIAL), "--as-of", "2027-03-31",
                           "--format", "json", "--no-progress"],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = {row["id"]: row for row in map(json.loads, done.stdout.splitlines())}
    assert rows["T1"]["determination"] == "eligible"
    assert rows["T2"]["determination"] == "ineligible"
    assert rows["T3"]["determination"] == "ineligible"
    assert rows["T4"]["determination"] == "ineligible"
    assert rows["T5"]["determination"] == "ineligible"
    ids = [c["id"] for c in rows["T1"]["criteria"]]
    assert ids == [f"inclusion.{i}" for i in range(1, 6)] + [f"exclusion.{i}" for i in range(1, 7)]
    reasons = {c["id"]: c["reason"] for c in rows["T3"]["criteria"]}
    assert "7 mmol/L (126.1 mg/dL)" in reasons["inclusion.3"]


def test_the_downstream_example_does_not_code_a_relapse_as_g35() -> None:
    for path in (ROOT / "docs").rglob("*"):
        if path.suffix not in (".py", ".md", ".json"):
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"(?i)relapse[^\n]{0,80}G35|G35[^\n]{0,80}relapse", text):
            pytest.fail(f"{path}: {match.group(0)}")


def test_11_the_shipped_files_validate_against_the_schemas() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from trialrules.formats.schema import schema_errors

    assert schema_errors(json.loads(TUTORIAL.read_text(encoding="utf-8"))) == []
    validator = jsonschema.Draft202012Validator(patient_schema())
    lines = (ROOT / "docs" / "examples" / "nct00763412-patients.jsonl").read_text(
        encoding="utf-8").splitlines()
    patient = {"id": "P", "dates": {"informed_consent": "2027-03"}, "observations": [
        {"code": "glu", "value": 7.5, "unit": "mmol/L", "date": "2027-03-02",
         "reference_range": {"low": 3.9, "high": None}}]}
    for data in [*map(json.loads, lines), patient]:
        assert not list(validator.iter_errors(data))


def test_7_starting_on_the_reference_date_itself() -> None:
    today = Lookback(RELAPSE, Span(), starting=True)
    assert "starting on the reference date" in today.describe()
    outcome, reason, _ = evaluate(today, relapses(("2027-03-31", None)))
    assert outcome is MET
    assert "starting on 2027-03-31" in reason
    assert evaluate(today, relapses(("2027-03-30", None)))[0] is NOT_MET
    assert evaluate(today, relapses(("2027-03", None)))[0] is UNKNOWN


def test_1_a_bad_unit_line_reads_as_the_issue_writes_it(tmp_path: Path) -> None:
    doc = json.loads(TUTORIAL.read_text(encoding="utf-8"))
    del doc["domains"]["ogtt_fasting_glucose"]["molar_mass"]
    protocol = tmp_path / "protocol.json"
    protocol.write_text(json.dumps(doc), encoding="utf-8")
    patient = _patient()
    patient["observations"] = [patient["observations"][k] for k in (2, 3, 0, 1)]
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(patient) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "trialrules.cli", "screen", str(path),
                           "--protocol", str(protocol), "--as-of", "2027-03-31", "--no-progress"],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 1
    assert ("line 1, patient 'T1': observations[2].unit: got 'mmol/L'; expected a unit "
            "convertible to mg/dL (give the molar mass") in done.stderr


@pytest.mark.parametrize(("as_of", "first_day"), [
    (date(2028, 5, 31), date(2028, 2, 29)),   # 3 months before a month end, leap year
    (date(2027, 5, 31), date(2027, 2, 28)),
    (date(2027, 5, 30), date(2027, 2, 28)),
    (date(2027, 5, 28), date(2027, 2, 28)),
    (date(2027, 5, 27), date(2027, 2, 27)),
])
def test_4_change_window_at_month_ends(as_of: date, first_day: date) -> None:
    assert months_before(as_of, 3) == first_day
    dom = {"weight": WEIGHT}
    inside = weights((60, first_day.isoformat()), (63, as_of.isoformat()))
    outside = weights(((60, (first_day - DAY).isoformat())), (63, as_of.isoformat()))
    assert evaluate(STABLE, inside, as_of, dom)[0] is MET
    assert evaluate(STABLE, outside, as_of, dom)[0] is UNKNOWN


@pytest.mark.parametrize(("as_of", "days"), [
    (date(2027, 5, 31), 32),  # 30 April to 31 May
    (date(2027, 3, 31), 32),  # 28 February to 31 March
    (date(2028, 3, 31), 32),  # 29 February to 31 March (leap year)
    (date(2028, 3, 29), 30),  # 29 February to 29 March
    (date(2028, 3, 1), 30),   # 1 February to 1 March 2028
])
def test_3_one_month_of_days_at_month_ends(as_of: date, days: int) -> None:
    start = months_before(as_of, 1)
    assert (as_of - start).days + 1 == days
    record = exposure_record([("2020-01-01", None)], as_of.isoformat())
    exactly = Range(ExposureDays(STEROIDS, Span(months=1)), days, days)
    assert evaluate(exactly, record, as_of)[0] is MET


def test_4_fewer_than_two_reads_right() -> None:
    dom = {"weight": WEIGHT}
    reason = evaluate(STABLE, weights(), domains=dom)[1]
    assert reason.startswith("no observation of weight in the 3 months before 2027-03-31 "
                             "(2026-12-31 to 2027-03-31) is recorded (a change needs two)")
    reason = evaluate(STABLE, weights((60, "2027-01-05")), domains=dom)[1]
    assert reason.startswith("only 1 observation of weight in the 3 months before 2027-03-31 "
                             "(2026-12-31 to 2027-03-31) is recorded (a change needs two)")
