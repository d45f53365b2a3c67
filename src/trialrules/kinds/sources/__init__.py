"""Value sources: where a criterion's value comes from (age, sex, a latest observation).

Each source is one module; this package re-exports them and turns a bare
string into a source (:func:`as_source`).
"""

from __future__ import annotations

from typing import Any

from ...engine.source import Reading, Source
from ...values.errors import InvalidCriterion
from .age import AGE_UNITS, Age, age_in
from .change import Change
from .exposure_days import ExposureDays
from .latest import Latest
from .reference_multiple import ReferenceMultiple
from .sex import Sex

__all__ = ["AGE_UNITS", "Age", "Change", "ExposureDays", "Latest", "Reading", "ReferenceMultiple",
           "Sex", "Source", "age_in", "as_source"]


def as_source(value: Any) -> Source:
    """A source, or a string naming one: ``"age"``, ``"sex"``, else an observation code."""
    if isinstance(value, Source):
        return value
    if isinstance(value, str):
        if value == "age":
            return Age()
        if value == "sex":
            return Sex()
        return Latest(value)
    raise InvalidCriterion(
        f"source {value!r} is not a value source; use Age(), Sex(), Latest('code') "
        "or an observation code string",
        field="source", value=value, allowed="a value source")
