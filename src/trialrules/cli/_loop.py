"""The screening loop of ``trialrules screen``, shared by one process and the ``--jobs`` workers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from ..formats.records import LoadError
from ..protocol.protocol import Protocol, ProtocolResult
from ..tools.batch import Decision, screen
from ..tools.progress import progress
from ..values.records import Record
from ..values.text import escape

if TYPE_CHECKING:
    from ..tools.report import Tally

__all__ = ["Checked", "screen_into"]


def screen_into(protocol: Protocol, as_of: date, items: Iterable[Any], writer: Any,
                tally: Tally | None, say: Callable[[str], None], *,
                progress_enabled: bool | None = False,
                explain: bool | Literal["deciding"] | None = None,
                kept: Any = None, details: Any = None,
                counts: list[int] | None = None) -> tuple[int, int]:
    """Screen ``items`` into ``writer`` (and ``tally``); returns (screened, bad).

    ``explain`` defaults to what the writer needs; ``kept`` and ``details`` are the HTML
    output's record keeper and report details (one process only). ``counts`` (screened,
    bad) is kept up to date as it goes, for a caller interrupted by a closed pipe.
    """
    counts = [0, 0] if counts is None else counts
    results: Iterable[ProtocolResult | Decision | LoadError] = screen(
        protocol, items, as_of, explain=writer.explain if explain is None else explain)
    for item in progress(results if tally is None else tally.track(results),
                         enabled=progress_enabled):
        record = kept.next() if kept is not None else None
        if isinstance(item, LoadError):
            counts[1] += 1
            say(f"trialrules: {item}")
            writer.error(item)
        else:
            counts[0] += 1
            if details is not None and isinstance(record, Record) and isinstance(
                    item, ProtocolResult):
                details.add(record, item)
            writer.result(item)
    return counts[0], counts[1]


class Checked:
    """The input, passed through with warnings: an id seen before (screened again, never
    silently), and names that match the protocol's only up to case.

    A ``--jobs`` worker passes ``ids``: each record's (line, id) goes there, in order, for
    the main process to :meth:`check` against every id read before.
    """

    def __init__(self, protocol: Protocol, items: Iterable[tuple[int, Any]],
                 tally: Tally | None, say: Callable[[str], None], *,
                 ids: Callable[[tuple[int, str]], None] | None = None) -> None:
        from ..tools.lint import NameCase  # here: only screening needs it

        self.items = items
        self.tally = tally
        self.say = say
        self.ids = ids
        self.names = NameCase(protocol)
        self.seen: dict[str, int] = {}
        self.duplicates = 0

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        names, say = self.names, self.say
        for line, item in self.items:
            if isinstance(item, Record):
                if self.ids is None:
                    self.check(line, item.id)
                else:
                    self.ids((line, item.id))
                for warning in names.warnings(item):
                    say(escape(f"trialrules: warning: line {line}, patient {item.id!r}: "
                               f"{warning}"))
            yield line, item

    def check(self, line: int, pid: str) -> None:
        """Warn when ``pid`` was read before, on another line."""
        first = self.seen.setdefault(pid, line)
        if first != line:
            self.duplicates += 1
            if self.tally is not None:
                self.tally.duplicate()
            self.say(escape(f"trialrules: warning: line {line}: patient {pid!r} was already "
                            f"read on line {first}; screened again"))
