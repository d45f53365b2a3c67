"""trialrules: clinical-trial eligibility criteria as composable, explainable code.

>>> from datetime import date
>>> from trialrules import Range, Record, Observation
>>> edss = Range("edss", 3, 6, id="inclusion.3")
>>> patient = Record("P1", observations=[Observation("edss", 6.5, "2026-10-02")])
>>> print(edss.evaluate(patient, date(2026, 11, 27)).reason)
EDSS 6.5 on 2026-10-02 is not between 3 and 6 (both inclusive)
"""

import importlib
from typing import TYPE_CHECKING, Any

from . import formats as _formats  # noqa: F401  (the package only)
from .formats import protocols as _protocols  # noqa: F401  registers Protocol.from_dict's reader
from .values.version import __version__

#: Where each public name lives. Names are imported on first use (PEP 562), so the
#: command line starts without loading what its command does not need.
_EXPORTS: dict[str, str] = {
    "Criterion": ".engine.criterion",
    "Evidence": ".engine.explanations",
    "Explanation": ".engine.explanations",
    "render": ".engine.explanations",
    "AllOf": ".kinds.combinators",
    "AnyOf": ".kinds.combinators",
    "AtLeast": ".kinds.combinators",
    "Implies": ".kinds.combinators",
    "Not": ".kinds.combinators",
    "Flag": ".kinds.criteria",
    "Lookback": ".kinds.criteria",
    "OneOf": ".kinds.criteria",
    "Placeholder": ".kinds.criteria",
    "Range": ".kinds.criteria",
    "Threshold": ".kinds.criteria",
    "Washout": ".kinds.criteria",
    "Age": ".kinds.sources",
    "Latest": ".kinds.sources",
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
    "STANDARD_DOMAINS": ".values.domains",
    "Domain": ".values.domains",
    "InvalidCriterion": ".values.errors",
    "InvalidDocument": ".values.errors",
    "InvalidRecord": ".values.errors",
    "TrialRulesError": ".values.errors",
    "Determination": ".values.outcomes",
    "Outcome": ".values.outcomes",
    "Condition": ".values.records",
    "Exposure": ".values.records",
    "Observation": ".values.records",
    "Record": ".values.records",
}

if TYPE_CHECKING:
    from .engine.criterion import Criterion
    from .engine.explanations import Evidence, Explanation, render
    from .kinds.combinators import AllOf, AnyOf, AtLeast, Implies, Not
    from .kinds.criteria import Flag, Lookback, OneOf, Placeholder, Range, Threshold, Washout
    from .kinds.sources import Age, Latest, Sex, Source
    from .protocol.protocol import Protocol, ProtocolResult
    from .tools.batch import screen
    from .tools.diff import diff
    from .tools.lint import lint
    from .tools.report import FeasibilityReport
    from .values.codes import CodeSet, icd10_range
    from .values.dates import PartialDate, Span, parse_date
    from .values.domains import STANDARD_DOMAINS, Domain
    from .values.errors import InvalidCriterion, InvalidDocument, InvalidRecord, TrialRulesError
    from .values.outcomes import Determination, Outcome
    from .values.records import Condition, Exposure, Observation, Record


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'trialrules' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "STANDARD_DOMAINS",
    "Age",
    "AllOf",
    "AnyOf",
    "AtLeast",
    "CodeSet",
    "Condition",
    "Criterion",
    "Determination",
    "Domain",
    "Evidence",
    "Explanation",
    "Exposure",
    "FeasibilityReport",
    "Flag",
    "Implies",
    "InvalidCriterion",
    "InvalidDocument",
    "InvalidRecord",
    "Latest",
    "Lookback",
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
