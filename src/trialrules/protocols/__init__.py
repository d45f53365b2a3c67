"""Bundled protocols, by registry id."""

from __future__ import annotations

from collections.abc import Callable

from ..protocol.protocol import Protocol
from ..values.errors import TrialRulesError

__all__ = ["BUNDLED", "get"]


def _nct06228781() -> Protocol:
    from .nct06228781 import PROTOCOL

    return PROTOCOL


#: Bundled protocol ids and the functions that build them.
BUNDLED: dict[str, Callable[[], Protocol]] = {"NCT06228781": _nct06228781}


def get(protocol_id: str) -> Protocol:
    """A bundled protocol by its registry id (case-insensitive), e.g. ``"NCT06228781"``."""
    key = protocol_id.strip().upper()
    if key not in BUNDLED:
        raise TrialRulesError(
            f"no bundled protocol {protocol_id!r}; bundled: {', '.join(sorted(BUNDLED))}"
        )
    return BUNDLED[key]()
