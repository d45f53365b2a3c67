"""Leaf criteria: range, threshold, one-of, flag, washout, lookback, placeholder.

Each kind is one module of this package; this module re-exports them.
"""

from .any_observation import AnyObservation
from .flag import Flag
from .lookback import Lookback
from .one_of import OneOf
from .placeholder import Placeholder
from .range import Range
from .threshold import OPERATORS, Threshold
from .washout import Washout

__all__ = [
    "OPERATORS",
    "AnyObservation",
    "Flag",
    "Lookback",
    "OneOf",
    "Placeholder",
    "Range",
    "Threshold",
    "Washout",
]
