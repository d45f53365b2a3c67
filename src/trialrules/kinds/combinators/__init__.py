"""Combinators: AllOf, AnyOf, Not, Implies and AtLeast, with Kleene semantics (docs/design.md).

Each is one module; this package re-exports them.
"""

from .all_of import AllOf
from .anchored import Anchored
from .any_of import AnyOf
from .at_least import AtLeast
from .implies import Implies
from .not_ import Not

__all__ = ["AllOf", "Anchored", "AnyOf", "AtLeast", "Implies", "Not"]
