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

__all__ = ["LineEncoder", "decision_line", "encode_decision", "encode_error", "encode_result",
           "error_line", "result_line"]

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


#: How many criterion parts a :class:`LineEncoder` keeps before starting afresh.
_MAX_PARTS = 4096


class LineEncoder:
    """The ``--format json`` and ``--format decisions`` lines of one run, written part by part.

    The bytes are :func:`encode_result`'s and :func:`encode_decision`'s (tests compare them);
    what differs is the work: a line is assembled from the JSON text of its parts, and the
    part of a criterion is encoded once for what it is made of (node id, outcome, reason,
    missing facts) and reused while that recurs (a batch shares the nodes that depend only
    on the criterion and a few facts: most of them). The parts are keyed by text, not by
    node, so the encoder keeps no explanation alive: what it holds is bounded, made of
    strings, and costs the garbage collector nothing (docs/performance.md). It lives as
    long as one run.
    """

    __slots__ = ("_deciding", "_parts")

    def __init__(self) -> None:
        # (node id, outcome, reason, missing) -> the part's JSON text.
        self._parts: dict[tuple[str | None, str, str, tuple[str, ...]], str] = {}
        self._deciding: dict[tuple[str, ...], str] = {}

    def result(self, r: ProtocolResult) -> str:
        """One ``--format json`` line, with its line end."""
        parts = self._parts
        unknown = Outcome.UNKNOWN
        texts = []
        for e in r.inclusion + r.exclusion:
            outcome = e.outcome
            key = (e.id, outcome._value_, e.reason, e.all_missing() if outcome is unknown else ())
            text = parts.get(key)
            if text is None:
                if len(parts) >= _MAX_PARTS:
                    parts.clear()
                text = parts[key] = _part(*key)
            texts.append(text)
        return (f'{{"id": {_ENCODE(r.patient)}, "determination": '
                f'{_ENCODE(r.determination._value_)}, "criteria": [{", ".join(texts)}]}}\n')

    def decision(self, r: Decision | ProtocolResult) -> str:
        """One ``--format decisions`` line, with its line end."""
        deciding = r.deciding if isinstance(r, Decision) else tuple(e.id for e in r.deciding)
        text = self._deciding.get(deciding)  # type: ignore[arg-type]
        if text is None:
            text = _ENCODE(list(deciding))
            if len(self._deciding) < _MAX_PARTS:
                self._deciding[deciding] = text  # type: ignore[index]
        return (f'{{"id": {_ENCODE(r.patient)}, "determination": '
                f'{_ENCODE(r.determination._value_)}, "deciding": {text}}}\n')


def _part(node_id: str | None, outcome: str, reason: str, missing: tuple[str, ...]) -> str:
    """One criterion of a ``--format json`` line: the JSON text of its entry in result_line."""
    return (f'{{"id": {_ENCODE(node_id)}, "outcome": {_ENCODE(outcome)}, '
            f'"reason": {_ENCODE(reason)}, "missing": {_ENCODE(list(missing))}}}')
