"""A protocol: inclusion and exclusion criteria, and the determination they give (docs/design.md)."""

from .protocol import Protocol, ProtocolResult

__all__ = ["Protocol", "ProtocolResult"]
