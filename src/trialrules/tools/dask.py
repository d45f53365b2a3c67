"""Screening on a Dask cluster: a bag of records, or the JSON-lines files of a folder.

Needs the ``dask`` extra (``pip install 'trialrules[dask]'``). Each partition is
screened by :func:`trialrules.tools.batch.screen` on a worker and tallied into a
:class:`~trialrules.tools.report.FeasibilityReport`; the partition reports are summed,
which gives exactly the report of a single-process run (see docs/dask.md).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ..engine.context import check_as_of
from ..formats.records import LoadError, read_jsonl
from ..protocol.protocol import Protocol, ProtocolResult
from .batch import Decision, screen
from .report import FeasibilityReport, merge

#: A ``dask.bag.Bag`` (Dask's own annotations are partial, so it is typed loosely here).
Bag = Any

__all__ = ["files", "screen_bag", "screen_files", "screen_population"]

Result = ProtocolResult | Decision | LoadError


_MISSING = "trialrules.tools.dask needs Dask: pip install 'trialrules[dask]'"


def _bags() -> Any:
    """The ``dask.bag`` module, or an ImportError that says which extra to install."""
    try:
        import dask.bag
    except ImportError:  # pragma: no cover - the extra is part of the test install
        raise ImportError(_MISSING) from None
    return dask.bag


def _compute() -> Any:
    """``dask.compute``, or an ImportError that says which extra to install."""
    try:
        from dask.base import compute
    except ImportError:  # pragma: no cover - the extra is part of the test install
        raise ImportError(_MISSING) from None
    return compute


def _screen_partition(items: Iterable[Any], protocol: Protocol, as_of: date,
                      explain: bool) -> list[Result]:
    return list(screen(protocol, items, as_of, explain=explain))


def _screen_file_partition(paths: Iterable[str], protocol: Protocol, as_of: date,
                           explain: bool) -> list[Result]:
    out: list[Result] = []
    for path in paths:
        with open(path, "rb") as stream:
            out.extend(screen(protocol, read_jsonl(stream, domains=protocol.domains), as_of,
                              explain=explain))
    return out


def _report_partition(results: Iterable[Result], protocol: Protocol,
                      as_of: date) -> FeasibilityReport:
    return FeasibilityReport.of(protocol, as_of, results)


def _with_report(results: Bag, protocol: Protocol, as_of: date) -> tuple[Bag, Any]:
    report = results.reduction(
        functools.partial(_report_partition, protocol=protocol, as_of=as_of), merge)
    return results, report


def screen_bag(protocol: Protocol, bag: Bag, as_of: date, *,
               explain: bool = True) -> tuple[Bag, Any]:
    """Screen a bag of Records, patient dicts or ``(line, item)`` pairs, lazily.

    Returns the bag of results (ProtocolResult, or Decision with ``explain=False``,
    or LoadError) and a lazy FeasibilityReport; compute both together
    (``dask.compute(results, report)``) so each partition is screened once.
    Line numbers of load errors count within a partition unless the items are
    ``(line, item)`` pairs.
    """
    check_as_of(as_of)
    results = bag.map_partitions(_screen_partition, protocol, as_of, explain)
    return _with_report(results, protocol, as_of)


def files(folder: str | Path, pattern: str = "*.jsonl") -> list[str]:
    """The JSON-lines files of a folder matching ``pattern``, in name order."""
    found = sorted(str(p) for p in Path(folder).glob(pattern) if p.is_file())
    if not found:
        raise FileNotFoundError(f"no {pattern} files in {str(folder)!r}")
    return found


def screen_files(protocol: Protocol, paths: str | Path | Sequence[str | Path], as_of: date, *,
                 explain: bool = True, pattern: str = "*.jsonl") -> tuple[Bag, Any]:
    """Screen JSON-lines files (a folder, or a list of paths), one partition per file.

    Workers open the files themselves, so the paths must be readable where
    they run (a shared file system). Results come in file name order, then
    line order; load errors carry their line number within their file.
    """
    check_as_of(as_of)
    names = files(paths, pattern) if isinstance(paths, str | Path) else [str(p) for p in paths]
    bag = _bags().from_sequence(names, npartitions=max(1, len(names)))
    results = bag.map_partitions(_screen_file_partition, protocol, as_of, explain)
    return _with_report(results, protocol, as_of)


def screen_population(protocol: Protocol, source: Bag | str | Path | Sequence[str | Path],
                      as_of: date, *, explain: bool = True
                      ) -> tuple[list[Result], FeasibilityReport]:
    """Screen a bag or JSON-lines files on the current Dask scheduler and collect everything.

    Uses the active ``distributed.Client`` if one exists (else Dask's local
    scheduler). Returns every result, in order, and the merged report; for
    populations whose results do not fit in memory, use :func:`screen_bag` or
    :func:`screen_files` and write the results bag out instead.
    """
    compute = _compute()

    if hasattr(source, "map_partitions"):
        results, report = screen_bag(protocol, source, as_of, explain=explain)
    else:
        results, report = screen_files(protocol, source, as_of, explain=explain)
    out, total = compute(results, report)  # one pass: the report reuses the results
    return list(out), total
