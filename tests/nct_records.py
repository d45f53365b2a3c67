"""Shared builders for NCT06228781 tests: a fully eligible patient and variations of it."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from trialrules import Outcome
from trialrules.formats.records import record_from_dict
from trialrules.protocols.nct06228781 import PROTOCOL

#: The reference date of most scenarios: a month end, so the one-month washout
#: window starts on 28 February (the clamped day), not on a naive "31 February".
AS_OF = date(2027, 3, 31)

#: Every criterion of the protocol, in registry order.
CRITERIA = tuple(f"inclusion.{i}" for i in range(1, 8)) + tuple(
    f"exclusion.{i}" for i in range(1, 10))

_BASE: dict[str, Any] = {
    "id": "T1",
    "birth_date": "1980-05-17",
    "sex": "female",
    "observations": [
        {"code": "edss", "value": 4.5, "date": "2027-02-15"},
        {"code": "edss_pyramidal", "value": 3, "date": "2027-02-15"},
        {"code": "edss_cerebellar", "value": 2, "date": "2027-02-15"},
    ],
    "flags": {
        "ms_diagnosis_confirmed": True, "disease_activity": True,
        "hepatic_inflammation_or_fibrosis": False, "myelodysplasia_or_cytopenia": False,
        "organ_impairment": False, "life_expectancy_limited": False,
        "pregnancy_or_risk": False, "able_to_consent": True,
    },
    "complete": {"exposures": "2027-03-31", "conditions": "2027-03-31"},
}


def patient(**changes: Any) -> dict[str, Any]:
    """The eligible base patient with top-level keys replaced; ``None`` removes a key.

    ``flags`` are merged into the base flags (a flag set to ``None`` is removed);
    ``obs`` maps observation codes to a value (replacing the base one), ``None``
    (removing it) or a list of ``(value, date)`` pairs.
    """
    data = copy.deepcopy(_BASE)
    flags = changes.pop("flags", {})
    obs = changes.pop("obs", {})
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    for name, value in flags.items():
        if value is None:
            data["flags"].pop(name, None)
        else:
            data["flags"][name] = value
    for code, value in obs.items():
        data["observations"] = [o for o in data["observations"] if o["code"] != code]
        if value is None:
            continue
        pairs = value if isinstance(value, list) else [(value, "2027-02-15")]
        data["observations"] += [{"code": code, "value": v, "date": d} for v, d in pairs]
    return data


def outcome(criterion_id: str, data: dict[str, Any], as_of: date = AS_OF) -> Outcome:
    """One criterion's outcome for a patient object, checked against the explanation path."""
    record = record_from_dict(data)
    fast = PROTOCOL.outcomes(record, as_of)[criterion_id]
    explained = PROTOCOL.evaluate(record, as_of).outcome(criterion_id)
    assert fast is explained, (criterion_id, fast, explained)
    return fast


def exposure(code: str, start: str, end: str | None) -> dict[str, Any]:
    return {"code": code, "start": start, "end": end}


def condition(code: str, onset: str, end: str | None) -> dict[str, Any]:
    return {"code": code, "onset": onset, "end": end}
