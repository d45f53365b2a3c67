"""The boundary-case hook of a criterion kind: labelled fact fragments.

A kind defined outside the package gives the testing toolkit its boundary
cases with a ``leaf_cases(as_of, domains)`` method returning :class:`LeafCase`
values: each a fragment of a record (the facts the kind reads, keyed with the
functions below), the outcome it must give, and a description.
``boundary_cases``, ``records_for`` and the case deck combine them through
AllOf, AnyOf, Not and the rest (docs/how-to/custom-kind.md).

>>> from datetime import date
>>> from trialrules import Outcome
>>> LeafCase({flag_key("consent"): True}, Outcome.MET, "consent recorded as true",
...          date(2026, 1, 1)).outcome
Outcome.MET
"""

from __future__ import annotations

from ._facts import BIRTH, SEX, Facts, complete_key, events_key, flag_key, obs_key
from ._leaves import LeafCase

__all__ = ["BIRTH", "SEX", "Facts", "LeafCase", "complete_key", "events_key", "flag_key",
           "obs_key"]
