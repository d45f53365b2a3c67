"""The benchmark workload: generated MS patients with realistic histories, as JSON objects.

Deterministic for a seed. Each patient has a dated EDSS series with functional
system scores, a multiple sclerosis diagnosis and a few other conditions
(infections, malignancies, common comorbidities), disease-modifying and
sometimes cytotoxic exposures, the protocol's flags, and declared history
completeness; a few dates are partial (year or year-month) and a few facts are
missing, so every determination occurs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

#: The fixed reference date of every benchmark run.
AS_OF = date(2027, 3, 1)

_OTHER_CONDITIONS = ["ICD10:I10", "ICD10:E11.9", "ICD10:F32.1", "ICD10:J45.9", "ICD10:M54.5",
                     "ICD10:E03.9", "ICD10:K21.9"]
_INFECTIONS = ["ICD10:B00.9", "ICD10:B02.9", "ICD10:B18.1", "ICD10:B20", "ICD10:A51.0",
               "ICD10:B27.0"]
_MALIGNANCIES = ["ICD10:C50.9", "ICD10:C43.9", "ICD10:C18.7", "ICD10:C73"]
_DMTS = ["ATC:L04AA31", "ATC:L04AA23", "ATC:L04AA27", "ATC:L03AB07", "ATC:L04AA36",
         "ATC:N07XX09"]
_CYTOTOXICS = ["ATC:L01DB07", "ATC:L01AA01"]
_FLAGS_TRUE = ["ms_diagnosis_confirmed", "disease_activity", "able_to_consent"]
_FLAGS_FALSE = ["hepatic_inflammation_or_fibrosis", "myelodysplasia_or_cytopenia",
                "organ_impairment", "life_expectancy_limited", "pregnancy_or_risk"]


def _day(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randrange(max(1, (hi - lo).days + 1)))


def _text(rng: random.Random, d: date, partial: float = 0.04) -> str:
    """ISO text of ``d``; now and then only the year-month or the year, as records hold them."""
    roll = rng.random()
    if roll < partial / 2:
        return f"{d.year:04d}"
    if roll < partial:
        return f"{d.year:04d}-{d.month:02d}"
    return d.isoformat()


def patient(i: int, rng: random.Random, as_of: date = AS_OF) -> dict[str, Any]:
    """One generated patient object (the patient JSON format)."""
    out: dict[str, Any] = {"id": f"P{i:07d}"}
    age_days = rng.randrange(14 * 365, 72 * 365)
    birth = as_of - timedelta(days=age_days)
    if rng.random() > 0.01:
        out["birth_date"] = birth.isoformat() if rng.random() > 0.03 else f"{birth.year:04d}"
    out["sex"] = rng.choices(["female", "male", "unknown"], [0.68, 0.31, 0.01])[0]
    # A dated EDSS series: one visit every 3-9 months, drifting on the 0.5 grid.
    observations = []
    visit = as_of - timedelta(days=rng.randrange(60, 5 * 365))
    edss = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0])
    pyramidal, cerebellar = rng.randrange(0, 4), rng.randrange(0, 4)
    while visit <= as_of + timedelta(days=60):
        edss = min(10.0, max(0.0, edss + rng.choice([-0.5, 0.0, 0.0, 0.5, 0.5, 1.0])))
        when = _text(rng, visit, 0.03)
        observations.append({"code": "edss", "value": edss, "date": when})
        if rng.random() < 0.7:
            pyramidal = min(6, max(0, pyramidal + rng.choice([-1, 0, 0, 1])))
            cerebellar = min(5, max(0, cerebellar + rng.choice([-1, 0, 0, 1])))
            observations.append({"code": "edss_pyramidal", "value": pyramidal, "date": when})
            observations.append({"code": "edss_cerebellar", "value": cerebellar, "date": when})
        visit += timedelta(days=rng.randrange(90, 270))
    rng.shuffle(observations)
    out["observations"] = observations
    # Conditions: MS itself, comorbidities, sometimes an infection or a malignancy.
    onset = _day(rng, birth + timedelta(days=16 * 365), as_of - timedelta(days=400))
    conditions: list[dict[str, Any]] = [{"code": "ICD10:G35", "onset": _text(rng, onset)}]
    for code in rng.sample(_OTHER_CONDITIONS, rng.randrange(0, 4)):
        conditions.append({"code": code, "onset": _text(rng, _day(rng, birth, as_of))})
    if rng.random() < 0.12:
        start = _day(rng, as_of - timedelta(days=3000), as_of)
        end = None if rng.random() < 0.5 else _day(rng, start, as_of + timedelta(days=90))
        conditions.append({"code": rng.choice(_INFECTIONS), "onset": _text(rng, start),
                           "end": None if end is None else _text(rng, end)})
    if rng.random() < 0.08:
        start = _day(rng, as_of - timedelta(days=5000), as_of)
        end = _day(rng, start, as_of + timedelta(days=30))
        conditions.append({"code": rng.choice(_MALIGNANCIES), "onset": _text(rng, start),
                           "end": _text(rng, end)})
    out["conditions"] = conditions
    # Exposures: one to three disease-modifying therapies, sometimes a cytotoxic agent.
    exposures: list[dict[str, Any]] = []
    start = onset
    for code in rng.sample(_DMTS, rng.randrange(1, 4)):
        start = _day(rng, start, as_of)
        end = _day(rng, start, as_of) if rng.random() < 0.7 else None
        exposures.append({"code": code, "start": _text(rng, start),
                          "end": None if end is None else _text(rng, end)})
    if rng.random() < 0.2:
        start = _day(rng, as_of - timedelta(days=2500), as_of)
        end = start + timedelta(days=rng.choice([0, 0, 30, 180]))
        exposures.append({"code": rng.choice(_CYTOTOXICS), "start": _text(rng, start),
                          "end": _text(rng, end)})
    out["exposures"] = exposures
    flags: dict[str, bool] = {}
    for name in _FLAGS_TRUE:
        if rng.random() > 0.03:
            flags[name] = rng.random() > 0.05
    for name in _FLAGS_FALSE:
        if name == "pregnancy_or_risk" and out["sex"] == "male" and rng.random() < 0.8:
            continue  # not asked of men: the protocol takes it as false
        if rng.random() > 0.03:
            flags[name] = rng.random() < 0.05
    if any(e["code"] in _CYTOTOXICS for e in exposures):
        flags["bone_marrow_normal"] = rng.random() > 0.2
        flags["cytogenetics_normal"] = rng.random() > 0.1
    out["flags"] = flags
    complete = {}
    if rng.random() > 0.05:
        complete["exposures"] = (as_of - timedelta(days=rng.choice([0] * 9 + [40]))).isoformat()
    if rng.random() > 0.05:
        complete["conditions"] = as_of.isoformat()
    out["complete"] = complete
    return out


def patients(n: int, seed: int = 20270301, as_of: date = AS_OF) -> Iterator[dict[str, Any]]:
    """``n`` generated patients, lazily."""
    rng = random.Random(seed)
    for i in range(1, n + 1):
        yield patient(i, rng, as_of)


def lines(n: int, seed: int = 20270301) -> Iterator[str]:
    """``n`` generated patients as JSON lines (with newlines)."""
    for p in patients(n, seed):
        yield json.dumps(p) + "\n"


if __name__ == "__main__":  # `python benchmarks/workload.py N` writes N JSON lines to stdout
    import sys

    for text in lines(int(sys.argv[1]) if len(sys.argv) > 1 else 10):
        sys.stdout.write(text)
