"""trialrules: clinical-trial eligibility criteria as composable, explainable code.

>>> from datetime import date
>>> from trialrules import Range, Record, Observation
>>> edss = Range("edss", 3, 6, id="inclusion.3")
>>> patient = Record("P1", observations=[Observation("edss", 6.5, "2026-10-02")])
>>> print(edss.evaluate(patient, date(2026, 11, 27)).reason)
EDSS 6.5 on 2026-10-02 is not between 3 and 6 (both inclusive)
"""

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
