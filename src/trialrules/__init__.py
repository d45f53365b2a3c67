"""trialrules: clinical-trial eligibility criteria as composable, explainable code.

>>> from datetime import date
>>> from trialrules import Range, Record, Observation
>>> edss = Range("edss", 3, 6, id="inclusion.3")
>>> patient = Record("P1", observations=[Observation("edss", 6.5, "2026-10-02")])
>>> print(edss.evaluate(patient, date(2026, 11, 27)).reason)
EDSS 6.5 on 2026-10-02 is not between 3 and 6 (both inclusive)
"""

from .batch import screen
from .codes import CodeSet, icd10_range
from .combinators import AllOf, AnyOf, AtLeast, Implies, Not
from .criteria import Flag, Lookback, OneOf, Placeholder, Range, Threshold, Washout
from .criterion import Criterion
from .dates import PartialDate, Span, parse_date
from .domains import STANDARD_DOMAINS, Domain
from .errors import InvalidCriterion, InvalidDocument, InvalidRecord, TrialRulesError
from .explanations import Evidence, Explanation, render
from .outcomes import Determination, Outcome
from .protocol import Protocol, ProtocolResult
from .records import Condition, Exposure, Observation, Record
from .report import FeasibilityReport
from .sources import Age, Latest, Sex, Source

__version__ = "0.1.0"

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
    "icd10_range",
    "parse_date",
    "render",
    "screen",
]
