"""The command line's HTML pages: the report with its example patients, and patient timelines."""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from ..formats.records import LoadError
from ..protocol.protocol import Protocol, ProtocolResult
from ..values.records import Record
from ._common import UsageError

if TYPE_CHECKING:
    from ..tools.report import FeasibilityReport


def require() -> None:
    """A usage error, before any screening, when Jinja2 (the ``html`` extra) is missing."""
    from ..tools.html import HtmlUnavailable
    from ..tools.html import require as check

    try:
        check()
    except HtmlUnavailable as exc:
        raise UsageError(str(exc)) from None


class Kept:
    """The records handed to ``screen``, given back one per result, in order.

    ``screen`` yields exactly one result (or LoadError) per item, in input order,
    so the record of the result just received is the oldest one kept.
    """

    def __init__(self) -> None:
        self._queue: deque[Record | LoadError] = deque()
        self.last: Record | LoadError | None = None

    def watch(self, items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            record = item[1] if isinstance(item, tuple) else item
            self._queue.append(record)
            yield item

    def next(self) -> Record | LoadError:
        self.last = self._queue.popleft()
        return self.last


def select(items: Iterable[tuple[int, Record | LoadError]], ids: list[str] | None,
           limit: int | None) -> Iterator[tuple[int, Record | LoadError]]:
    """Only the patients named by ``--id`` (any order), and at most ``--limit`` records."""
    wanted = None if not ids else set(ids)
    found: set[str] = set()
    taken = 0
    for item in items:
        if limit is not None and taken >= limit:
            break
        if wanted is not None:
            pid = item[1].id
            if pid not in wanted:
                continue
            found.add(pid)
        taken += 1
        yield item
    for pid in ids or ():
        if pid not in found:
            print(f"trialrules: no patient with id {pid!r} in the input", file=sys.stderr)


class HtmlPatients:
    """``screen --format html``: one page of the screened patients' timelines, on stdout."""

    def __init__(self, protocol: Protocol, as_of: date, source: str, kept: Kept,
                 out: IO[str]) -> None:
        self.protocol, self.as_of, self.source, self.kept, self.out = (
            protocol, as_of, source, kept, out)
        self.patients: list[tuple[Record, ProtocolResult]] = []
        self.errors: list[LoadError] = []

    def result(self, r: ProtocolResult) -> None:
        record = self.kept.last
        assert isinstance(record, Record), "a result comes from a record"
        self.patients.append((record, r))

    def error(self, e: LoadError) -> None:
        self.errors.append(e)

    def close(self) -> None:
        from ..tools.html import patients_html

        self.out.write(patients_html(self.protocol, self.as_of, self.patients,
                                     source=self.source, errors=self.errors))
        self.out.flush()


def patients_path(report: Path) -> Path:
    """Where the report's example patients go: ``report.html`` -> ``report.patients.html``."""
    return report.with_name(report.stem + ".patients.html")


def write_report(report: FeasibilityReport, protocol: Protocol, path: Path, source: str,
                 details: Any) -> None:
    """The HTML report at ``path`` and its example patients' page beside it."""
    from ..tools.html import patients_html, report_html

    examples = patients_path(path)
    page = report_html(report, protocol, source=source, details=details,
                       patients_href=quote(examples.name))
    patients = patients_html(protocol, report.as_of, details.chosen, source=source,
                             details=details,
                             title=f"Example patients of the {protocol.id} feasibility report")
    try:
        path.write_text(page, encoding="utf-8")
        examples.write_text(patients, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report to {str(exc.filename)!r}: "
                         f"{exc.strerror}") from None
    print(f"trialrules: feasibility report written to {path} and its example patients to "
          f"{examples}", file=sys.stderr)
