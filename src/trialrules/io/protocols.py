"""Protocol documents (JSON): reading and writing whole protocols."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidDocument
from ..protocol import Protocol

__all__ = ["load_protocol_file"]


def load_protocol_file(path: str | Path) -> Protocol:
    """Read a protocol document from a JSON file."""
    raise InvalidDocument("$", str(path), "a protocol document (not supported yet)")
