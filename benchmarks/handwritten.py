"""NCT06228781's 16 criteria written by hand in plain Python: the benchmark's yardstick.

Same semantics as the library (three-valued, open world, partial dates as
intervals of days), on the same already-parsed ``Record`` objects, with no
explanation: True = MET, False = NOT_MET, None = UNKNOWN. Window starts are
computed once per as_of, as a careful programmer would.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta

if TYPE_CHECKING:  # only for annotations: benchmarks/compare.py runs it beside older trees
    from trialrules.values.records import Record

CYTOTOXIC = ("ATC:L01",)
INFECTIONS = ("ICD10:B00", "ICD10:B01", "ICD10:B02", "ICD10:B25", "ICD10:B27",
              *(f"ICD10:B{n}" for n in range(20, 25)), *(f"ICD10:B{n}" for n in range(15, 20)),
              *(f"ICD10:A{n}" for n in range(50, 54)))
MALIGNANCY = tuple(f"ICD10:C{n:02d}" for n in range(0, 98))


def _age(birth: date, on: date) -> int:
    years = on.year - birth.year
    month, day = birth.month, birth.day
    if month == 2 and day == 29 and not (on.year % 4 == 0 and (on.year % 100 != 0
                                                               or on.year % 400 == 0)):
        day = 28
    if (on.month, on.day) < (month, day):
        years -= 1
    return years


def _latest(record: Record, code: str, as_of: date) -> tuple[list[float], bool] | None:
    """Possible values of the latest observation, and whether one is dated for certain."""
    sure = []
    maybe = []
    for o in record.observations:
        if o.code != code:
            continue
        d = o.date
        if d.earliest > as_of:
            continue
        (sure if d.latest <= as_of else maybe).append(o)
    if not sure and not maybe:
        return None
    floor = max((o.date.earliest for o in sure), default=date.min)
    return [o.value for o in sure + maybe if o.date.latest >= floor], bool(sure)  # type: ignore[misc]


def _judge(found: tuple[list[float], bool] | None, low: float, high: float) -> bool | None:
    if found is None or not found[1]:
        return None
    hits = [low <= v <= high for v in found[0]]
    if all(hits):
        return True
    if not any(hits):
        return False
    return None


def _scan(events: tuple, exposure: bool, prefixes: tuple[str, ...], start: date,
          as_of: date) -> tuple[int, int]:
    """Events overlapping [start, as_of]: (certainly, possibly)."""
    sure = maybe = 0
    for e in events:
        if not e.code.startswith(prefixes):
            continue
        begin = e.start if exposure else e.onset
        end = e.end
        if begin.earliest > as_of or (end is not None and end.latest < start):
            continue
        if begin.latest <= as_of and (
                end is None or (end.year is not None and max(end.earliest, begin.earliest) >= start)
                or (end.year is None and begin.earliest >= start)):
            sure += 1
        else:
            maybe += 1
    return sure, maybe


def _complete(record: Record, history: str, as_of: date) -> bool:
    when = record.complete.get(history)
    return when is not None and when.earliest >= as_of


def _flag(record: Record, name: str, expected: bool) -> bool | None:
    value = record.flags.get(name)
    return None if value is None else value is expected


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


class Handwritten:
    """The 16 criteria for one fixed as_of (window starts computed once)."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self.month_ago = as_of - relativedelta(months=1)
        self.five_years_ago = as_of - relativedelta(years=5)
        self.inclusion = (self.i1, self.i2, self.i3, self.i4, self.i5, self.i6, self.i7)
        self.exclusion = (self.e1, self.e2, self.e3, self.e2, self.e5, self.e6, self.e7,
                          self.e8, self.e9)

    def i1(self, r: Record) -> bool | None:
        b = r.birth_date
        if b is None:
            return None
        youngest = _age(min(b.latest, self.as_of), self.as_of)
        oldest = _age(b.earliest, self.as_of)
        if youngest >= 18 and oldest <= 60:
            return True
        if oldest < 18 or youngest > 60:
            return False
        return None

    def i2(self, r: Record) -> bool | None:
        return _flag(r, "ms_diagnosis_confirmed", True)

    def i3(self, r: Record) -> bool | None:
        return _judge(_latest(r, "edss", self.as_of), 3, 6)

    def i4(self, r: Record) -> bool | None:
        return _or(_judge(_latest(r, "edss_cerebellar", self.as_of), 3, 99),
                   _judge(_latest(r, "edss_pyramidal", self.as_of), 3, 99))

    def i5(self, r: Record) -> bool | None:
        return _flag(r, "disease_activity", True)

    def i6(self, r: Record) -> bool | None:
        sure, maybe = _scan(r.exposures, True, CYTOTOXIC, date.min, self.as_of)
        if sure:
            ever: bool | None = True
        elif maybe == 0 and _complete(r, "exposures", self.as_of):
            return True  # never received one: the condition does not apply
        else:
            ever = None
        normal = _and(_flag(r, "bone_marrow_normal", True), _flag(r, "cytogenetics_normal", True))
        return _or(None if ever is None else not ever, normal)

    def i7(self, r: Record) -> bool | None:
        return _flag(r, "hepatic_inflammation_or_fibrosis", False)

    def e1(self, r: Record) -> bool | None:
        return _flag(r, "myelodysplasia_or_cytopenia", True)

    def e2(self, r: Record) -> bool | None:
        sure, maybe = _scan(r.exposures, True, CYTOTOXIC, self.month_ago, self.as_of)
        if sure:
            return True
        if maybe or not _complete(r, "exposures", self.as_of):
            return None
        return False

    def _lookback(self, r: Record, prefixes: tuple[str, ...], start: date) -> bool | None:
        sure, maybe = _scan(r.conditions, False, prefixes, start, self.as_of)
        if sure:
            return True
        if maybe == 0 and _complete(r, "conditions", self.as_of):
            return False
        return None

    def e3(self, r: Record) -> bool | None:
        return self._lookback(r, INFECTIONS, self.as_of)

    def e5(self, r: Record) -> bool | None:
        return self._lookback(r, MALIGNANCY, self.five_years_ago)

    def e6(self, r: Record) -> bool | None:
        return _flag(r, "organ_impairment", True)

    def e7(self, r: Record) -> bool | None:
        return _flag(r, "life_expectancy_limited", True)

    def e8(self, r: Record) -> bool | None:
        value = r.flags.get("pregnancy_or_risk")
        if value is None:
            return False if r.sex == "male" else None
        return value

    def e9(self, r: Record) -> bool | None:
        return _flag(r, "able_to_consent", False)

    def decide(self, r: Record) -> str:
        """The determination, stopping at the first criterion that excludes (like decide())."""
        undecided = False
        for criterion in self.inclusion:
            outcome = criterion(r)
            if outcome is False:
                return "ineligible"
            if outcome is None:
                undecided = True
        for criterion in self.exclusion:
            outcome = criterion(r)
            if outcome is True:
                return "ineligible"
            if outcome is None:
                undecided = True
        return "needs_review" if undecided else "eligible"

    def outcomes(self, r: Record) -> list[bool | None]:
        """Every criterion's outcome, in protocol order (for the agreement check)."""
        return [c(r) for c in self.inclusion + self.exclusion]
