"""The same eligibility rule in two generic rule engines: json-logic-qubit and rule-engine.

They are two-valued and work on flat dicts, so each record is first flattened
(outside the timed loop, which favours the peers) into the facts the rule
reads, with None where the record cannot decide a fact; the rule then asks
for every fact to be known and to pass, which is what ELIGIBLE means.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from handwritten import CYTOTOXIC, INFECTIONS, MALIGNANCY, Handwritten, _age, _latest, _scan

from trialrules.values.records import Record

_FLAGS = ("ms_diagnosis_confirmed", "disease_activity", "bone_marrow_normal",
          "cytogenetics_normal", "hepatic_inflammation_or_fibrosis", "myelodysplasia_or_cytopenia",
          "organ_impairment", "life_expectancy_limited", "pregnancy_or_risk", "able_to_consent")


def flatten(record: Record, as_of: date) -> dict[str, Any]:
    """The facts the flat rule reads; None when the record cannot decide one."""
    hand = Handwritten(as_of)
    out: dict[str, Any] = {name: record.flags.get(name) for name in _FLAGS}
    b = record.birth_date
    if b is not None:
        youngest, oldest = _age(min(b.latest, as_of), as_of), _age(b.earliest, as_of)
        out["age"] = oldest if youngest == oldest else None
    else:
        out["age"] = None
    out["sex"] = record.sex
    for code in ("edss", "edss_pyramidal", "edss_cerebellar"):
        found = _latest(record, code, as_of)
        out[code] = found[0][0] if found and found[1] and len(set(found[0])) == 1 else None
    complete_x = hand_complete(record, "exposures", as_of)
    complete_c = hand_complete(record, "conditions", as_of)
    out["cytotoxic_ever"] = _fact(_scan(record.exposures, True, CYTOTOXIC, date.min, as_of),
                                  complete_x)
    out["cytotoxic_last_month"] = _fact(_scan(record.exposures, True, CYTOTOXIC, hand.month_ago,
                                              as_of), complete_x)
    out["infection_current"] = _fact(_scan(record.conditions, False, INFECTIONS, as_of, as_of),
                                     complete_c)
    out["malignancy_5y"] = _fact(_scan(record.conditions, False, MALIGNANCY,
                                       hand.five_years_ago, as_of), complete_c)
    return out


def hand_complete(record: Record, history: str, as_of: date) -> bool:
    when = record.complete.get(history)
    return when is not None and when.earliest >= as_of


def _fact(counts: tuple[int, int], complete: bool) -> bool | None:
    sure, maybe = counts
    if sure:
        return True
    if not maybe and complete:
        return False
    return None


JSON_LOGIC_RULE: dict[str, Any] = {"and": [
    {"<=": [18, {"var": "age"}, 60]},
    {"===": [{"var": "ms_diagnosis_confirmed"}, True]},
    {"<=": [3, {"var": "edss"}, 6]},
    {"or": [{">=": [{"var": "edss_cerebellar"}, 3]}, {">=": [{"var": "edss_pyramidal"}, 3]}]},
    {"===": [{"var": "disease_activity"}, True]},
    {"or": [{"===": [{"var": "cytotoxic_ever"}, False]},
            {"and": [{"===": [{"var": "bone_marrow_normal"}, True]},
                     {"===": [{"var": "cytogenetics_normal"}, True]}]}]},
    {"===": [{"var": "hepatic_inflammation_or_fibrosis"}, False]},
    {"===": [{"var": "myelodysplasia_or_cytopenia"}, False]},
    {"===": [{"var": "cytotoxic_last_month"}, False]},
    {"===": [{"var": "infection_current"}, False]},
    {"===": [{"var": "cytotoxic_last_month"}, False]},
    {"===": [{"var": "malignancy_5y"}, False]},
    {"===": [{"var": "organ_impairment"}, False]},
    {"===": [{"var": "life_expectancy_limited"}, False]},
    {"or": [{"===": [{"var": "pregnancy_or_risk"}, False]},
            {"and": [{"===": [{"var": "pregnancy_or_risk"}, None]},
                     {"===": [{"var": "sex"}, "male"]}]}]},
    {"===": [{"var": "able_to_consent"}, True]},
]}

RULE_ENGINE_TEXT = " and ".join([
    "age != null and age >= 18 and age <= 60",
    "ms_diagnosis_confirmed == true",
    "edss != null and edss >= 3 and edss <= 6",
    "((edss_cerebellar != null and edss_cerebellar >= 3)"
    " or (edss_pyramidal != null and edss_pyramidal >= 3))",
    "disease_activity == true",
    "(cytotoxic_ever == false or (bone_marrow_normal == true and cytogenetics_normal == true))",
    "hepatic_inflammation_or_fibrosis == false",
    "myelodysplasia_or_cytopenia == false",
    "cytotoxic_last_month == false",
    "infection_current == false",
    "cytotoxic_last_month == false",
    "malignancy_5y == false",
    "organ_impairment == false",
    "life_expectancy_limited == false",
    "(pregnancy_or_risk == false or (pregnancy_or_risk == null and sex == 'male'))",
    "able_to_consent == true",
])


def json_logic() -> Callable[[dict[str, Any]], bool] | None:
    """The rule as a json-logic-qubit call, or None when the package is absent."""
    try:
        from json_logic import jsonLogic
    except ImportError:
        return None
    rule = JSON_LOGIC_RULE
    return lambda facts: bool(jsonLogic(rule, facts))


def rule_engine() -> Callable[[dict[str, Any]], bool] | None:
    """The rule compiled once by rule-engine, or None when the package is absent."""
    try:
        import rule_engine as re_
    except ImportError:
        return None
    rule = re_.Rule(RULE_ENGINE_TEXT, context=re_.Context(default_value=None))
    return lambda facts: bool(rule.matches(facts))
