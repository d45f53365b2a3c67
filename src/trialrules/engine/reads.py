"""What a criterion reads from a record: the facts test generators must set or leave alone."""

from __future__ import annotations

from typing import Any

import attrs

from ..values.codes import CodeSet

__all__ = ["Reads"]


def _frozen(value: Any) -> frozenset[Any]:
    return frozenset(value)


@attrs.frozen
class Reads:
    """The facts a criterion looks at; ``a | b`` is what either reads.

    ``observations`` are observation codes, ``flags`` flag names, ``events``
    pairs of (history, code set) with history ``conditions`` or ``exposures``;
    ``birth_date`` and ``sex`` say whether those are read.

    >>> both = Reads(flags={"consent"}) | Reads(sex=True)
    >>> both.flags, both.sex
    (frozenset({'consent'}), True)
    """

    observations: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    flags: frozenset[str] = attrs.field(default=frozenset(), converter=_frozen)
    events: frozenset[tuple[str, CodeSet]] = attrs.field(default=frozenset(), converter=_frozen)
    birth_date: bool = False
    sex: bool = False

    def __or__(self, other: object) -> Reads:
        if not isinstance(other, Reads):
            return NotImplemented
        return Reads(self.observations | other.observations, self.flags | other.flags,
                     self.events | other.events, self.birth_date or other.birth_date,
                     self.sex or other.sex)

    @property
    def histories(self) -> frozenset[str]:
        """The event histories read (``conditions``, ``exposures``)."""
        return frozenset(h for h, _ in self.events)
