"""Hypothesis strategies for hostile input: arbitrary JSON, valid patient objects, mutations.

A different concern from ``strategies`` (which builds trialrules *values*:
records, criteria, protocols): this module builds *documents*, i.e. JSON as a
file or a careless caller may hold it, to fuzz the loaders. Shared by the
fuzzing, determinism, nothing-lost and protocol-document tests. The ``FUZZ``
settings come from a profile registered here, so the number of examples the
loaders see is explicit: ``fuzz-ci`` when HYPOTHESIS_PROFILE=ci (as .ci/run
sets it), ``fuzz-dev`` otherwise.
"""

from __future__ import annotations

import math
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("fuzz-ci", max_examples=500, deadline=None,
                          suppress_health_check=_HEALTH)
settings.register_profile("fuzz-dev", max_examples=150, deadline=None,
                          suppress_health_check=_HEALTH)
settings.register_profile("fuzz-light-ci", max_examples=200, deadline=None,
                          suppress_health_check=_HEALTH)
settings.register_profile("fuzz-light-dev", max_examples=60, deadline=None,
                          suppress_health_check=_HEALTH)
_CI = os.environ.get("HYPOTHESIS_PROFILE") == "ci"
#: The settings every loader-fuzzing test of the patient and protocol loaders runs under.
FUZZ = settings.get_profile("fuzz-ci" if _CI else "fuzz-dev")
#: Fewer examples, for the importers' fuzz tests (whose inputs are costly to generate).
FUZZ_LIGHT = settings.get_profile("fuzz-light-ci" if _CI else "fuzz-light-dev")

# ---------------------------------------------------------------- arbitrary JSON

#: Python floats a JSON reader can produce, including the non-standard NaN and ±Infinity.
floats = st.floats(allow_nan=True, allow_infinity=True)
#: Integers from tiny to huge (well past 2**53 and 4300 digits' worth of bits is not needed).
integers = st.integers() | st.sampled_from([2**53, 2**53 + 1, -(2**63), 10**30, 10**400])
#: Text including every plane, lone surrogates (json.loads makes them from "\ud800"),
#: control characters and long strings.
texts = (st.text(max_size=20)
         | st.text(st.characters(codec=None, exclude_categories=()), max_size=10)
         | st.sampled_from(["", " ", "\t", "\ud800", "a\nb", "\u2028", "\ufeff", "x" * 10_001,
                            "٢٠٢٧", "2027-02-30", "0000-01-01", "2027-13", "患者", "é"]))
scalars = st.none() | st.booleans() | integers | floats | texts


def json_values(keys: st.SearchStrategy[str] = texts, leaves: int = 15
                ) -> st.SearchStrategy[Any]:
    """Any JSON value (plus NaN and ±Infinity), nested, with keys drawn from ``keys``."""
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=leaves,
    )


arbitrary_json = json_values()
#: Any JSON value that strict JSON text can hold (no NaN or ±Infinity), small and shallow:
#: what a mistaken (rather than hostile) document may hold anywhere.
strict_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6)

# ------------------------------------------------------------ schema-shaped junk

TOP_KEYS = ["id", "birth_date", "sex", "observations", "conditions", "exposures", "flags",
            "complete"]
ITEM_KEYS = ["code", "value", "date", "unit", "onset", "start", "end", "note"]
schema_keys = st.sampled_from(TOP_KEYS + ITEM_KEYS + ["edss", "exposures", "x"]) | texts
schema_json = json_values(schema_keys)


@st.composite
def shaped_junk(draw: st.DrawFn) -> dict[str, Any]:
    """A patient-shaped object whose values are arbitrary: reaches deep into the loader."""
    out: dict[str, Any] = {"id": draw(st.sampled_from(["P1", "Pé"]) | texts)}
    for key in draw(st.lists(st.sampled_from(TOP_KEYS[1:]), unique=True)):
        if key in ("observations", "conditions", "exposures"):
            out[key] = draw(st.lists(st.dictionaries(schema_keys, schema_json, max_size=5)
                                     | schema_json, max_size=3))
        elif key in ("flags", "complete"):
            out[key] = draw(st.dictionaries(schema_keys, schema_json, max_size=3) | schema_json)
        else:
            out[key] = draw(schema_json)
    return out


# ------------------------------------------------------------ valid patient objects

def _date_text(year: int, month: int, day: int, precision: int) -> str:
    return [f"{year:04d}", f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}-{day:02d}"][precision]


dates = st.builds(_date_text, st.integers(1900, 2030), st.integers(1, 12), st.integers(1, 28),
                  st.integers(0, 2))
codes_cond = st.sampled_from(["ICD10:C50.9", "ICD10:B20", "ICD10:G35", "ICD10:B00.1",
                              "SNOMED:24700007"])
codes_expo = st.sampled_from(["ATC:L01DB07", "ATC:L01AA01", "ATC:L04AA23", "ATC:N02BE01"])
OBS_VALUES = {
    "edss": st.sampled_from([x / 2 for x in range(21)]),
    "edss_pyramidal": st.integers(0, 6),
    "edss_cerebellar": st.integers(0, 5),
    "weight": st.floats(30, 200, allow_nan=False).map(lambda v: round(v, 1)),
    "smoker": st.booleans(),
    "hla": st.sampled_from(["DRB1*15:01", "DRB1*03:01"]),
}
FLAGS = ["ms_diagnosis_confirmed", "disease_activity", "hepatic_inflammation_or_fibrosis",
         "myelodysplasia_or_cytopenia", "organ_impairment", "life_expectancy_limited",
         "pregnancy_or_risk", "able_to_consent", "bone_marrow_normal", "cytogenetics_normal"]


@st.composite
def observations(draw: st.DrawFn) -> dict[str, Any]:
    code = draw(st.sampled_from(sorted(OBS_VALUES)))
    out = {"code": code, "value": draw(OBS_VALUES[code]), "date": draw(dates)}
    if draw(st.booleans()) and code == "weight":
        out["unit"] = "kg"
    return out


@st.composite
def events(draw: st.DrawFn, begin: str, codes: st.SearchStrategy[str]) -> dict[str, Any]:
    first = draw(st.builds(_date_text, st.integers(1990, 2026), st.integers(1, 12),
                           st.integers(1, 28), st.integers(0, 2)))  # partial dates too
    out: dict[str, Any] = {"code": draw(codes), begin: first}
    end = draw(st.none() | st.just(first) | st.just("2026-12-31"))
    if end is not None or draw(st.booleans()):
        out["end"] = end
    if draw(st.booleans()):
        out["note"] = draw(st.sampled_from(["from the referral letter", "患者の記録", "x\ny"]))
    return out


@st.composite
def patients(draw: st.DrawFn, id: st.SearchStrategy[str] | None = None) -> dict[str, Any]:
    """A valid patient object (the loader must accept it)."""
    out: dict[str, Any] = {"id": draw(id if id is not None else st.sampled_from(
        ["P1", "P-002", "Pé", "患者-3", "x" * 200]))}
    if draw(st.booleans()):
        out["birth_date"] = draw(st.builds(_date_text, st.integers(1930, 2005),
                                           st.integers(1, 12), st.integers(1, 28),
                                           st.integers(0, 2)))
    if draw(st.booleans()):
        out["sex"] = draw(st.sampled_from(["female", "male", "other", "unknown"]))
    for key, strategy in (("observations", observations()),
                          ("conditions", events("onset", codes_cond)),
                          ("exposures", events("start", codes_expo))):
        if draw(st.booleans()):
            out[key] = draw(st.lists(strategy, max_size=4))
    if draw(st.booleans()):
        out["flags"] = draw(st.dictionaries(st.sampled_from(FLAGS), st.booleans(), max_size=6))
    if draw(st.booleans()):
        out["complete"] = draw(st.dictionaries(
            st.sampled_from(["observations", "conditions", "exposures"]),
            st.sampled_from(["2026-11-27", "2026-11", "2027",
                             {"from": "2015-01-01", "through": "2026-11-27"},
                             {"through": "2026-11"},
                             [{"from": "2018-04-02", "through": "2027"},
                              {"from": "2015-01", "through": "2018-03-31"}]]), max_size=3))
    return out


# ------------------------------------------------------------ wrong values by path kind

_NOT_STRING = st.none() | st.booleans() | integers | floats | st.just([]) | st.just({}) \
    | st.just(["2027-01-01"]) | st.just({"date": "2027"})
BAD_DATES = ["0000-01-01", "2027-02-30", "2027-13", "2027-00", "2027-1-1", "27-01-01",
             "2027-01-01T00:00", "2027/01/01", " 2027", "2027 ", "٢٠٢٧", "", "2027-02-29",
             "10000-01-01", "-2027", "2027-01-32", "yesterday", "\ud800", "2027-03-01/2027-02-01",
             "2027-02-30/2027-03-01", "2027-01-01/", "0000-01-01/2027-01-01"]
BAD_NAMES = ["", " ", "\t", "a\nb", "a\x00b", "a\u2028b", "\ud800", "x" * 10_001]

WRONG: dict[str, st.SearchStrategy[Any]] = {
    "id": _NOT_STRING.filter(lambda v: v is not None) | st.sampled_from([*BAD_NAMES, "x" * 201]),
    "date": _NOT_STRING.filter(lambda v: v is not None) | st.sampled_from(BAD_DATES),
    "optional_date": _NOT_STRING.filter(lambda v: v is not None) | st.sampled_from(BAD_DATES),
    "sex": _NOT_STRING.filter(lambda v: v is not None)
    | st.sampled_from(["Female", "f", "", "woman", "\ud800"]),
    "edss": st.sampled_from([True, False, math.nan, math.inf, -math.inf, -0.5, 10.5, 6.3,
                             1e308, -1e308, 10**30, 2**53 + 1, "4.5", None, [], {}, [4.5],
                             {"value": 4.5}]),
    "fs": st.sampled_from([True, 1.5, -1, 7, "3", None, math.nan, 10**400]),
    "free_value": st.sampled_from([math.nan, math.inf, -math.inf, None, [], {}, [1],
                                   2**53 + 1, -(2**63), 10**400, "", " ", "\ud800",
                                   "x" * 10_001]),
    "obs_code": _NOT_STRING | st.sampled_from(BAD_NAMES),
    "event_code": _NOT_STRING | st.sampled_from(
        [*BAD_NAMES, "nocolon", "ICD10: C50", ":C50", "ICD10:", "ICD10:C50 9", "é:1"]),
    "unit": _NOT_STRING.filter(lambda v: v is not None) | st.sampled_from(BAD_NAMES),
    "note": _NOT_STRING.filter(lambda v: v is not None)
    | st.sampled_from(["", " ", "\ud800", "x" * 10_001]),
    "flag": st.sampled_from([1, 0, "true", "false", None, 1.0, math.nan, [], {}, [True]]),
    "list": st.sampled_from([None, {}, "a", 1, True, {"code": "edss"}, math.nan]),
    "item": st.sampled_from([None, [], "a", 1, True, math.inf, [{"code": "edss"}]]),
    "mapping": st.sampled_from([None, [], "a", 1, True, [["a", True]]]),
}


def paths(patient: dict[str, Any]) -> list[tuple[str, tuple[Any, ...], str]]:
    """Every mutable place in a valid patient: (field path, key path, kind of value)."""
    out: list[tuple[str, tuple[Any, ...], str]] = [("id", ("id",), "id")]
    if "birth_date" in patient:
        out.append(("birth_date", ("birth_date",), "date"))
    if "sex" in patient:
        out.append(("sex", ("sex",), "sex"))
    for key in ("observations", "conditions", "exposures"):
        if key not in patient:
            continue
        out.append((key, (key,), "list"))
        for i, item in enumerate(patient[key]):
            where = f"{key}[{i}]"
            out.append((where, (key, i), "item"))
            if key == "observations":
                code = item["code"]
                kind = ("edss" if code == "edss" else "fs" if code.startswith("edss_")
                        else "free_value")
                out += [(f"{where}.code", (key, i, "code"), "obs_code"),
                        (f"{where}.value", (key, i, "value"), kind),
                        (f"{where}.date", (key, i, "date"), "date")]
                if "unit" in item:
                    out.append((f"{where}.unit", (key, i, "unit"), "unit"))
            else:
                begin = "onset" if key == "conditions" else "start"
                out += [(f"{where}.code", (key, i, "code"), "event_code"),
                        (f"{where}.{begin}", (key, i, begin), "date")]
                if item.get("end") is not None:
                    out.append((f"{where}.end", (key, i, "end"), "optional_date"))
                if "note" in item:
                    out.append((f"{where}.note", (key, i, "note"), "note"))
    if "flags" in patient:
        out.append(("flags", ("flags",), "mapping"))
        out += [(f"flags.{name}", ("flags", name), "flag") for name in patient["flags"]]
    if "complete" in patient:
        out.append(("complete", ("complete",), "mapping"))
        out += [(f"complete.{name}", ("complete", name), "date") for name in patient["complete"]]
    return out


def set_at(data: dict[str, Any], keys: tuple[Any, ...], value: Any) -> None:
    """Replace the value at a key path, in place."""
    target: Any = data
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value


def deep_list(depth: int, leaf: Any = 1) -> Any:
    """``[[[...leaf...]]]`` nested ``depth`` levels, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def deep_dict(depth: int, leaf: Any = 1) -> Any:
    """``{"a": {"a": ...}}`` nested ``depth`` levels, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


@st.composite
def permuted(draw: st.DrawFn, patient: dict[str, Any]) -> dict[str, Any]:
    """The same patient with every list and every object's keys in another order."""

    def reorder(obj: dict[str, Any]) -> dict[str, Any]:
        return {key: obj[key] for key in draw(st.permutations(list(obj)))}

    out: dict[str, Any] = {}
    for key, value in reorder(patient).items():
        if isinstance(value, list):
            value = [reorder(item) for item in draw(st.permutations(value))]
        elif isinstance(value, dict):
            value = reorder(value)
        out[key] = value
    return out
