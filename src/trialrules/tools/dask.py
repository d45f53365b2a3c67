"""Screening on a Dask cluster: workers read their own partitions and write their own output.

Needs the ``dask`` extra (``pip install 'trialrules[dask]'``).
:func:`screen_to_files` is the scalable form: each partition (a JSON-lines
file, or a byte range of one) is read, screened and written as one output
file by the worker that runs it, and only its
:class:`~trialrules.tools.report.FeasibilityReport` (a few hundred bytes of counts)
goes back; the partition reports add up exactly to the report of a
single-process run. The protocol is shipped to each worker once. The bag forms
(:func:`screen_bag`, :func:`screen_population`) bring every result back to
the client, which is what they are for (see docs/dask.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any, Final, cast

import attrs

from ..engine.context import check_as_of
from ..formats.records import LoadError, LoadMemo, read_jsonl
from ..protocol.protocol import Protocol, ProtocolResult
from ..values.records import Record
from .batch import Decision, screen
from .output import LineEncoder, encode_error
from .report import FeasibilityReport, Tally, merge

#: A ``dask.bag.Bag`` (Dask's own annotations are partial, so it is typed loosely here).
Bag = Any

__all__ = ["BLOCKSIZE", "Partition", "files", "partitions", "read_partition", "screen_bag",
           "screen_files", "screen_population", "screen_to_files"]

Result = ProtocolResult | Decision | LoadError

#: Default largest byte range of one file a partition covers (64 MiB, about 40,000 patients).
BLOCKSIZE: Final = 64 * 1024 * 1024

_MISSING = "trialrules.tools.dask needs Dask: pip install 'trialrules[dask]'"


def _dask() -> Any:
    """The ``dask`` module, or an ImportError that says which extra to install."""
    try:
        import dask
        import dask.bag  # the bag forms need it loaded
    except ImportError:  # pragma: no cover - the extra is part of the test install
        raise ImportError(_MISSING) from None
    return dask


def _shipped(protocol: Protocol) -> Any:
    """The protocol as one graph input: scattered once to every worker when the scheduler in
    use is a ``distributed.Client``, else one Delayed key (never embedded in each task)."""
    dask = _dask()
    from dask.base import get_scheduler

    # Client.get (a bound method) when a distributed client schedules; untyped in dask.
    client = getattr(get_scheduler(), "__self__", None)  # type: ignore[no-untyped-call]
    if client is None or not hasattr(client, "scatter"):
        return dask.delayed(protocol, pure=True)
    return client.scatter(protocol, broadcast=True, hash=False)


@attrs.frozen
class Partition:
    """A piece of input one task screens: the bytes ``[start, stop)`` of a JSON-lines file.

    ``start`` is the first byte of a line and ``first_line`` that line's number in
    the file (1-based), so load errors name the same line numbers as a
    single-process run of the whole file; ``stop`` None means to the end.
    """

    path: str
    start: int = 0
    stop: int | None = None
    first_line: int = 1


def files(folder: str | Path, pattern: str = "*.jsonl") -> list[str]:
    """The JSON-lines files of a folder matching ``pattern``, in name order."""
    found = sorted(str(p) for p in Path(folder).glob(pattern) if p.is_file())
    if not found:
        raise FileNotFoundError(f"no {pattern} files in {str(folder)!r}")
    return found


def _paths(source: str | Path | Sequence[str | Path], pattern: str) -> list[str]:
    if isinstance(source, str | Path):
        return [str(source)] if Path(source).is_file() else files(source, pattern)
    return [str(p) for p in source]


def _splits(path: str, blocksize: int) -> list[Partition]:
    """Cut one file into byte ranges of about ``blocksize``, each starting at a line start.

    Reads the file once (counting line ends, at memory speed) to number each
    range's first line.
    """
    size = os.path.getsize(path)
    if size <= blocksize:
        return [Partition(path)]
    starts = [(0, 1)]
    target, lines, pos = blocksize, 0, 0
    with open(path, "rb") as stream:
        while target < size:
            buf = stream.read(1 << 20)
            if not buf:
                break
            offset = 0
            while pos + len(buf) > target:
                i = buf.find(b"\n", max(target - pos, offset))
                if i < 0:
                    break  # the line crossing the target ends in a later buffer
                lines += buf.count(b"\n", offset, i + 1)
                offset = i + 1
                if pos + offset >= size:
                    break
                starts.append((pos + offset, lines + 1))
                target = pos + offset + blocksize
            lines += buf.count(b"\n", offset)
            pos += len(buf)
    return [Partition(path, start, starts[i + 1][0] if i + 1 < len(starts) else None, first)
            for i, (start, first) in enumerate(starts)]


def partitions(source: str | Path | Sequence[str | Path], *, blocksize: int = BLOCKSIZE,
               pattern: str = "*.jsonl") -> list[Partition]:
    """The partitions of a file, a folder or a list of files, in order.

    Files come in the order given (a folder's in name order); a file larger than
    ``blocksize`` bytes is cut into byte ranges at line ends. Partition ``i`` is
    written to ``part-{i:05d}.jsonl`` by :func:`screen_to_files`.
    """
    if blocksize < 1:
        raise ValueError(f"blocksize={blocksize!r} must be a number of bytes >= 1")
    return [part for path in _paths(source, pattern) for part in _splits(path, blocksize)]


class _Range:
    """A binary file read line by line up to a byte offset (``readline`` is all the reader needs)."""

    def __init__(self, stream: Any, start: int, stop: int | None) -> None:
        stream.seek(start)
        self.stream, self.left = stream, None if stop is None else stop - start

    def readline(self, limit: int = -1) -> bytes:
        if self.left is None:
            line: bytes = self.stream.readline(limit)
            return line
        if self.left <= 0:
            return b""
        line = self.stream.readline(self.left if limit < 0 else min(limit, self.left))
        self.left -= len(line)
        return line


def read_partition(part: Partition, domains: Any = None, *,
                   memo: LoadMemo | None = None) -> Iterator[tuple[int, Record | LoadError]]:
    """The (line number, Record or LoadError) items of one partition, as
    :func:`~trialrules.formats.records.read_jsonl` reads the whole file (needs no Dask)."""
    with open(part.path, "rb") as stream:
        # The reader needs only readline(), which _Range has.
        yield from read_jsonl(cast(IO[bytes], _Range(stream, part.start, part.stop)),
                              domains=domains, first_line=part.first_line, memo=memo)


def output_name(index: int) -> str:
    """The output file of partition ``index``: ``part-00000.jsonl``, ``part-00001.jsonl``, ..."""
    return f"part-{index:05d}.jsonl"


def _screen_partition(protocol: Protocol, as_of: date, explain: bool, part: Partition,
                      out: str | None) -> FeasibilityReport:
    """On a worker: read one partition, write its results to ``out``, return its report."""
    tally = Tally(protocol, as_of)
    lines = LineEncoder()  # one per partition: it lives as long as this task
    encode = lines.result if explain else lines.decision
    results = tally.track(screen(protocol, read_partition(part, protocol.domains), as_of,
                                 explain=explain))
    if out is None:
        for _ in results:
            pass
        return tally.report()
    partial = out + ".partial"  # renamed when complete: a retried task starts afresh
    # The command line's stdout settings: UTF-8, "\n", backslash-escaped lone surrogates.
    with open(partial, "w", encoding="utf-8", errors="backslashreplace",
              newline="\n") as sink:
        write = sink.write
        for r in results:
            write(encode_error(r) if isinstance(r, LoadError) else encode(r))  # type: ignore[arg-type]
    os.replace(partial, out)
    return tally.report()


def screen_to_files(protocol: Protocol, source: str | Path | Sequence[str | Path],
                    as_of: date, output: str | Path | None, *, explain: bool = True,
                    blocksize: int = BLOCKSIZE, pattern: str = "*.jsonl",
                    compute: bool = True) -> Any:
    """Screen JSON-lines files on the current Dask scheduler; each worker writes its own output.

    ``source`` is a file, a folder (its ``pattern`` files in name order) or a list
    of files; see :func:`partitions` for how it is cut. Partition ``i`` is written
    to ``output/part-{i:05d}.jsonl`` in the bytes of ``trialrules screen
    --format json`` (``--format decisions`` with ``explain=False``): read in name
    order, the output files are that command's output on the input files one
    after the other. ``output=None`` writes nothing (the report only). Workers
    open the paths themselves, so input and output must be on a file system
    they share. Returns the merged report (with ``compute=False``, a lazy
    ``Delayed`` report to compute yourself); no result comes back to the client.
    """
    check_as_of(as_of)
    dask = _dask()
    parts = partitions(source, blocksize=blocksize, pattern=pattern)
    outs: list[str | None] = [None] * len(parts)
    if output is not None:
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("part-*.jsonl"):  # a shorter earlier run's tail must not remain
            old.unlink()
        outs = [str(folder / output_name(i)) for i in range(len(parts))]
    shipped = _shipped(protocol)
    task = dask.delayed(_screen_partition, pure=False)
    reports = [task(shipped, as_of, explain, part, out) for part, out in zip(parts, outs,
                                                                               strict=True)]
    report = dask.delayed(merge, pure=False)(reports)
    if not compute:
        return report
    (total,) = dask.compute(report)
    return total


# The bag forms: every result comes back to the client (or stays in a bag for you to write).


def _screen_items(items: Iterable[Any], protocol: Protocol, as_of: date,
                  explain: bool) -> list[Result]:
    return list(screen(protocol, items, as_of, explain=explain))


def _screen_file_items(paths: Iterable[str], protocol: Protocol, as_of: date,
                       explain: bool) -> list[Result]:
    out: list[Result] = []
    for path in paths:
        with open(path, "rb") as stream:
            out.extend(screen(protocol, read_jsonl(stream, domains=protocol.domains), as_of,
                              explain=explain))
    return out


def _report_items(results: Iterable[Result], protocol: Protocol,
                  as_of: date) -> list[FeasibilityReport]:
    return [FeasibilityReport.of(protocol, as_of, results)]


def _with_report(results: Bag, shipped: Any, as_of: date) -> tuple[Bag, Any]:
    reports = results.map_partitions(_report_items, shipped, as_of)
    return results, reports.reduction(merge, merge)


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
    shipped = _shipped(protocol)
    results = bag.map_partitions(_screen_items, shipped, as_of, explain)
    return _with_report(results, shipped, as_of)


def screen_files(protocol: Protocol, paths: str | Path | Sequence[str | Path], as_of: date, *,
                 explain: bool = True, pattern: str = "*.jsonl") -> tuple[Bag, Any]:
    """Screen JSON-lines files (a folder, or a list of paths) into a bag, one partition per file.

    Workers open the files themselves, so the paths must be readable where
    they run (a shared file system). Results come in file name order, then
    line order; load errors carry their line number within their file. To
    write the results where they are screened instead, use :func:`screen_to_files`.
    """
    check_as_of(as_of)
    names = files(paths, pattern) if isinstance(paths, str | Path) else [str(p) for p in paths]
    bag = _dask().bag.from_sequence(names, npartitions=max(1, len(names)))
    shipped = _shipped(protocol)
    results = bag.map_partitions(_screen_file_items, shipped, as_of, explain)
    return _with_report(results, shipped, as_of)


def screen_population(protocol: Protocol, source: Bag | str | Path | Sequence[str | Path],
                      as_of: date, *, explain: bool = True
                      ) -> tuple[list[Result], FeasibilityReport]:
    """Screen a bag or JSON-lines files on the current Dask scheduler and collect everything.

    Uses the active ``distributed.Client`` if one exists (else Dask's local
    scheduler). Returns every result, in order, and the merged report; this
    gathers every result on the client, so for large populations use
    :func:`screen_to_files`, which keeps the results on the workers.
    """
    if hasattr(source, "map_partitions"):
        results, report = screen_bag(protocol, source, as_of, explain=explain)
    else:
        results, report = screen_files(protocol, source, as_of, explain=explain)
    out, total = _dask().compute(results, report)  # one pass: the report reuses the results
    return list(out), total
