"""The JSON-lines forms of screening output: one line per patient or bad line.

The bytes ``trialrules screen --format json`` and ``--format decisions`` write,
shared by the command line (one process or ``--jobs``) and by the Dask output
partitions (docs/dask.md), so every path writes the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from ..formats.records import LoadError
from ..protocol.protocol import ProtocolResult
from ..values.outcomes import Outcome
from .batch import Decision

__all__ = ["decision_line", "encode_decision", "encode_error", "encode_result", "error_line",
           "result_line"]

#: One encoder for every line (json.dumps with options builds a new one per call).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def result_line(r: ProtocolResult) -> dict[str, Any]:
    """The ``--format json`` form of one screening result."""
    # ``_value_`` is the documented enum attribute behind ``.value`` (a slow descriptor).
    unknown = Outcome.UNKNOWN
    return {
        "id": r.patient,
        "determination": r.determination._value_,
        "criteria": [{"id": e.id, "outcome": e.outcome._value_, "reason": e.reason,
                      "missing": list(e.all_missing()) if e.outcome is unknown else []}
                     for e in (*r.inclusion, *r.exclusion)],
    }


def decision_line(r: Decision | ProtocolResult) -> dict[str, Any]:
    """The ``--format decisions`` form: id, determination and the deciding criteria's ids.

    The deciding criteria are those that make the patient INELIGIBLE (inclusions
    NOT_MET, exclusions MET), in protocol order; empty for the other determinations.
    """
    deciding = r.deciding if isinstance(r, Decision) else [e.id for e in r.deciding]
    return {"id": r.patient, "determination": r.determination._value_,
            "deciding": list(deciding)}


def error_line(e: LoadError) -> dict[str, Any]:
    """The JSON-lines form of a bad line (every format of JSON lines shares it)."""
    return {"id": e.id, "line": e.line, "field": e.field, "error": e.reason}


def encode_result(r: ProtocolResult) -> str:
    """One ``--format json`` line, with its line end."""
    return _ENCODE(result_line(r)) + "\n"


def encode_decision(r: Decision | ProtocolResult) -> str:
    """One ``--format decisions`` line, with its line end."""
    return _ENCODE(decision_line(r)) + "\n"


def encode_error(e: LoadError) -> str:
    """One bad-line line, with its line end."""
    return _ENCODE(error_line(e)) + "\n"
