"""trialrules: clinical-trial eligibility criteria as composable, explainable code.

>>> from datetime import date
>>> from trialrules import Range, Record, Observation
>>> edss = Range("edss", 3, 6, id="inclusion.3")
>>> patient = Record("P1", observations=[Observation("edss", 6.5, "2026-10-02")])
>>> print(edss.evaluate(patient, date(2026, 11, 27)).reason)
EDSS 6.5 on 2026-10-02 is not between 3 and 6 (both inclusive)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Imported with the package, as before: every criterion kind and value source (they register
# themselves), and the protocol-document reader Protocol.from_dict forwards to (docs/design.md,
# section 2). The rest of the public names are imported on first use.
from . import kinds as _kinds  # noqa: F401
from ._moved import install as _install_moved
from .formats import protocols as _protocols  # noqa: F401

_install_moved()  # 0.1.0's module paths (trialrules.io.protocols, ...) keep working

if TYPE_CHECKING:
    from .engine.criterion import Criterion
    from .engine.explanations import Evidence, Explanation, render
    from .kinds.combinators import AllOf, Anchored, AnyOf, AtLeast, Implies, Not
    from .kinds.criteria import (
        AnyObservation,
        Flag,
        Lookback,
        OneOf,
        Placeholder,
        Range,
        Threshold,
        Washout,
    )
    from .kinds.sources import Age, Change, ExposureDays, Latest, ReferenceMultiple, Sex, Source
    from .protocol.protocol import Protocol, ProtocolResult
    from .tools.batch import screen
    from .tools.diff import diff
    from .tools.lint import lint
    from .tools.report import FeasibilityReport
    from .values.codes import CodeSet, icd10_range
    from .values.dates import PartialDate, Span, parse_date
    from .values.domains import STANDARD_DOMAINS, Domain
    from .values.errors import (
        InvalidCriterion,
        InvalidDocument,
        InvalidRecord,
        MissingExtra,
        TrialRulesError,
    )
    from .values.outcomes import Determination, Outcome
    from .values.records import Condition, Exposure, Observation, Record, ReferenceRange
    from .values.version import __version__

#: Each public name and the module it comes from: imported on first use (PEP 562), so a
#: command that needs a few modules does not import all of them (startup time).
_WHERE: dict[str, str] = {
    "Criterion": ".engine.criterion",
    "Evidence": ".engine.explanations",
    "Explanation": ".engine.explanations",
    "render": ".engine.explanations",
    "AllOf": ".kinds.combinators",
    "Anchored": ".kinds.combinators",
    "AnyOf": ".kinds.combinators",
    "AtLeast": ".kinds.combinators",
    "Implies": ".kinds.combinators",
    "Not": ".kinds.combinators",
    "AnyObservation": ".kinds.criteria",
    "Flag": ".kinds.criteria",
    "Lookback": ".kinds.criteria",
    "OneOf": ".kinds.criteria",
    "Placeholder": ".kinds.criteria",
    "Range": ".kinds.criteria",
    "Threshold": ".kinds.criteria",
    "Washout": ".kinds.criteria",
    "Age": ".kinds.sources",
    "Change": ".kinds.sources",
    "ExposureDays": ".kinds.sources",
    "Latest": ".kinds.sources",
    "ReferenceMultiple": ".kinds.sources",
    "Sex": ".kinds.sources",
    "Source": ".kinds.sources",
    "Protocol": ".protocol.protocol",
    "ProtocolResult": ".protocol.protocol",
    "screen": ".tools.batch",
    "diff": ".tools.diff",
    "lint": ".tools.lint",
    "FeasibilityReport": ".tools.report",
    "CodeSet": ".values.codes",
    "icd10_range": ".values.codes",
    "PartialDate": ".values.dates",
    "Span": ".values.dates",
    "parse_date": ".values.dates",
    "Domain": ".values.domains",
    "STANDARD_DOMAINS": ".values.domains",
    "InvalidCriterion": ".values.errors",
    "InvalidDocument": ".values.errors",
    "InvalidRecord": ".values.errors",
    "MissingExtra": ".values.errors",
    "TrialRulesError": ".values.errors",
    "Determination": ".values.outcomes",
    "Outcome": ".values.outcomes",
    "Condition": ".values.records",
    "Exposure": ".values.records",
    "Observation": ".values.records",
    "Record": ".values.records",
    "ReferenceRange": ".values.records",
    "__version__": ".values.version",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value  # later look-ups are plain attributes
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "STANDARD_DOMAINS",
    "Age",
    "AllOf",
    "Anchored",
    "AnyObservation",
    "AnyOf",
    "AtLeast",
    "Change",
    "CodeSet",
    "Condition",
    "Criterion",
    "Determination",
    "Domain",
    "Evidence",
    "Explanation",
    "Exposure",
    "ExposureDays",
    "FeasibilityReport",
    "Flag",
    "Implies",
    "InvalidCriterion",
    "InvalidDocument",
    "InvalidRecord",
    "Latest",
    "Lookback",
    "MissingExtra",
    "Not",
    "Observation",
    "OneOf",
    "Outcome",
    "PartialDate",
    "Placeholder",
    "Protocol",
    "ProtocolResult",
    "Range",
    "Record",
    "ReferenceMultiple",
    "ReferenceRange",
    "Sex",
    "Source",
    "Span",
    "Threshold",
    "TrialRulesError",
    "Washout",
    "__version__",
    "diff",
    "icd10_range",
    "lint",
    "parse_date",
    "render",
    "screen",
]
