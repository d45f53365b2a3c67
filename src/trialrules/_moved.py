"""0.1.0's module paths, kept working: importing one gives the module it became, with a
DeprecationWarning (the CHANGELOG lists each move; they will go in a later minor version).

``trialrules.lint`` and ``trialrules.diff`` are also the functions of those names, so their
old modules come as callable modules: ``trialrules.lint(protocol)`` still lints after
``import trialrules.lint``, as it did in 0.1.0.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType
from typing import Any, Final

__all__ = ["MOVED", "install"]

#: Old module path -> the module it is now. A prefix ending in "." moves a whole package.
MOVED: Final = {
    "trialrules.io": "trialrules.formats",
    "trialrules.io.records": "trialrules.formats.records",
    "trialrules.io.protocols": "trialrules.formats.protocols",
    "trialrules.io.schema": "trialrules.formats.schema",
    "trialrules.schemas": "trialrules.formats.schemas",
    "trialrules.fhir": "trialrules.formats.fhir",
    "trialrules.ctgov": "trialrules.formats.ctgov",
    "trialrules.batch": "trialrules.tools.batch",
    "trialrules.report": "trialrules.tools.report",
    "trialrules.dask": "trialrules.tools.dask",
    "trialrules.describe": "trialrules.tools.describe",
    "trialrules.progress": "trialrules.tools.progress",
    "trialrules.lint": "trialrules.tools.lint",
    "trialrules.diff": "trialrules.tools.diff",
    "trialrules.codes": "trialrules.values.codes",
    "trialrules.dates": "trialrules.values.dates",
    "trialrules.domains": "trialrules.values.domains",
    "trialrules.errors": "trialrules.values.errors",
    "trialrules.outcomes": "trialrules.values.outcomes",
    "trialrules.records": "trialrules.values.records",
    "trialrules.criterion": "trialrules.engine.criterion",
    "trialrules.explanations": "trialrules.engine.explanations",
    "trialrules.criteria": "trialrules.kinds.criteria",
    "trialrules.combinators": "trialrules.kinds.combinators",
    "trialrules.sources": "trialrules.kinds.sources",
}

#: Old modules that share their name with a function of the package (see the docstring).
_CALLABLE: Final = {"trialrules.lint": "lint", "trialrules.diff": "diff"}


class _CallableModule(ModuleType):
    """A moved module that is also its function (``trialrules.lint(protocol)``)."""

    _function: Any

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function(*args, **kwargs)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the old paths only; every other import goes on to Python's own finders."""

    def find_spec(self, fullname: str, path: Any, target: Any = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=fullname
                                              == "trialrules.io")

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(f"{spec.name} is {new} since trialrules 0.2; import it from there",
                      DeprecationWarning, stacklevel=4)
        module = importlib.import_module(new)
        if spec.name not in _CALLABLE:
            # Python sets the module's __spec__ to this one next; exec_module puts its own
            # back (importlib.resources and reload read it).
            spec.loader_state = module.__spec__
            return module
        alias = _CallableModule(spec.name, module.__doc__)
        alias.__dict__.update({k: v for k, v in vars(module).items()
                               if k not in ("__name__", "__spec__", "__loader__")})
        alias._function = getattr(module, _CALLABLE[spec.name])
        return alias

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module was imported under its new path. Its own spec is put
        back in place of the old path's."""
        spec = module.__spec__
        if spec is not None and spec.loader_state is not None:
            module.__spec__ = spec.loader_state


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
