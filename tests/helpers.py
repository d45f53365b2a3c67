"""Shared example values and helpers for tests (hypothesis strategies live in ``strategies``).

The usual reference date, outcome shorthands, the code set most examples use,
and loading a script that is not a package module (docs scripts, benchmarks).
The NCT06228781 patient builder is ``nct_records``; the testing toolkit's
catalogue of criteria is ``_toolkit_catalog``.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

from trialrules import CodeSet, Outcome

#: The usual reference date: an ordinary day, away from month ends and leap days.
AS_OF = date(2026, 11, 27)
#: The same date as the CLI's ``--as-of`` takes it.
AS_OF_TEXT = AS_OF.isoformat()

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN

#: ATC L01, antineoplastic agents: the code set of most washout and lookback examples.
CYTOTOXIC = CodeSet("cytotoxic agents", prefixes=["ATC:L01"])


#: A minimal valid patient, as one line of a patients file (without the newline).
GOOD_LINE = '{"id": "P1", "birth_date": "1980-01-01", "sex": "female"}'


def load_script(path: Path, name: str, *, register: bool = False) -> ModuleType:
    """Import the Python file at ``path`` as module ``name``.

    ``register`` puts it in ``sys.modules`` first (attrs needs that for classes
    the script defines).
    """
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
