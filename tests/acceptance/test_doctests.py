"""Run the ``>>>`` examples in every trialrules module's docstrings as doctests.

A module that cannot be imported because an optional extra is not installed is
skipped (named in the skip reason), never failed: the core suite must pass with
only the runtime dependencies and the test extras.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

import trialrules

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(trialrules.__path__, prefix="trialrules.")
    if not info.name.endswith(".__main__")   # importing it runs the program
)


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing = getattr(exc, "name", None) or ""
        if missing and not missing.startswith("trialrules"):
            pytest.skip(f"{name} needs the optional package {missing!r}")
        raise


def _examples(module: ModuleType) -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [t for t in finder.find(module, module.__name__) if t.examples]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = _import(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in _examples(module):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def test_public_entry_points_have_examples() -> None:
    """The doctests exist: the package and the main entry points show an example."""
    names = {t.name for name in ("trialrules", "trialrules.kinds.range", "trialrules.kinds.washout",
                                 "trialrules.kinds.lookback", "trialrules.values.dates",
                                 "trialrules.kinds.combinators.all_of",
                                 "trialrules.protocol.protocol")
             for t in _examples(importlib.import_module(name))}
    for entry in ("trialrules", "trialrules.kinds.range.Range", "trialrules.kinds.washout.Washout",
                  "trialrules.kinds.lookback.Lookback", "trialrules.values.dates.Span",
                  "trialrules.values.dates.PartialDate", "trialrules.kinds.combinators.all_of.AllOf",
                  "trialrules.protocol.protocol.Protocol"):
        assert entry in names, f"{entry} has no >>> example"
