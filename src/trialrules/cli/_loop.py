"""The screening loop of ``trialrules screen``, shared by one process and the ``--jobs`` workers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from ..formats.records import LoadError
from ..protocol.protocol import Protocol, ProtocolResult
from ..tools.batch import Decision, screen
from ..tools.progress import progress
from ..values.records import Record

if TYPE_CHECKING:
    from ..tools.report import Tally

__all__ = ["screen_into"]


def screen_into(protocol: Protocol, as_of: date, items: Iterable[Any], writer: Any,
                tally: Tally | None, say: Callable[[str], None], *,
                progress_enabled: bool | None = False, explain: bool | None = None,
                kept: Any = None, details: Any = None) -> tuple[int, int]:
    """Screen ``items`` into ``writer`` (and ``tally``); returns (screened, bad).

    ``explain`` defaults to what the writer needs; ``kept`` and ``details`` are the HTML
    output's record keeper and report details (one process only).
    """
    good = bad = 0
    results: Iterable[ProtocolResult | Decision | LoadError] = screen(
        protocol, items, as_of, explain=writer.explain if explain is None else explain)
    for item in progress(results if tally is None else tally.track(results),
                         enabled=progress_enabled):
        record = kept.next() if kept is not None else None
        if isinstance(item, LoadError):
            bad += 1
            say(f"trialrules: {item}")
            writer.error(item)
        else:
            good += 1
            if details is not None and isinstance(record, Record) and isinstance(
                    item, ProtocolResult):
                details.add(record, item)
            writer.result(item)
    return good, bad
