"""Batch screening: many records through one protocol, lazily, nothing lost."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from ._context import check_as_of
from .errors import InvalidRecord, TrialRulesError, _short
from .io.records import LoadError, record_from_dict
from .protocol import Protocol, ProtocolResult
from .records import Record

__all__ = ["screen"]


def screen(protocol: Protocol, records: Iterable[Record | Mapping[str, Any] | LoadError |
                                                   tuple[int, Any]],
           as_of: date) -> Iterator[ProtocolResult | LoadError]:
    """Screen records one at a time (constant memory); a bad one comes out as a LoadError.

    ``records`` may hold Records, parsed patient objects (dicts), LoadErrors
    from a reader, or ``(line, item)`` pairs as :func:`~trialrules.io.records.read_jsonl`
    yields them; the stream never stops on a bad record.
    """
    check_as_of(as_of)
    for position, item in enumerate(records, 1):
        line = position
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], int):
            line, item = item
        if isinstance(item, LoadError):
            yield item
            continue
        try:
            record = item if isinstance(item, Record) else record_from_dict(
                item, domains=protocol.domains, line=line)
            yield protocol.evaluate(record, as_of)
        except InvalidRecord as exc:
            yield LoadError(line, exc.patient, exc.field,
                            f"got {_short(exc.value)}; expected {exc.allowed}")
        except TrialRulesError as exc:
            yield LoadError(line, getattr(item, "id", None), None, str(exc))
