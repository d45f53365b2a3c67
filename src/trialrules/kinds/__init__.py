"""Criterion kinds and value sources, each one module built on the engine (docs/design.md).

Importing this package registers every built-in kind and source.
"""

from . import combinators, criteria, sources

__all__ = ["combinators", "criteria", "sources"]
