"""``trialrules screen --jobs N``: screen chunks of lines in worker processes, output in order.

The main process hands chunks of consecutive lines to a pool of worker
processes and writes each chunk's output as soon as it and every chunk before it
are done, so the output, the bad-line messages and their line numbers are those
of one process. A regular file is cut into byte ranges at line starts (each
with its first line's number, as the Dask partitions are): the main process
only counts line ends and each worker reads its own range. Standard input (or
a pipe) is read by the main process and its lines (bytes, never parsed here) are
shipped. At most ``2 * jobs`` chunks are in flight, each at most
``_CHUNK_LINES`` lines or ``_CHUNK_BYTES`` bytes (plus one line), so memory stays
bounded however long the input is. Each worker gets the protocol once, when it
starts.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import IO, Any

import attrs

# _bounded_lines: the reader's own length-bounded line splitter, so both paths read alike.
from ..formats.records import MAX_LINE_LENGTH, LoadError, LoadMemo, _bounded_lines, read_jsonl
from ..protocol.protocol import Protocol
from ..tools.dask import Partition, partitions, read_partition
from ..tools.progress import progress
from ..tools.report import FeasibilityReport, Tally, merge
from ..values.records import Record
from ._loop import Checked, screen_into

__all__ = ["cores", "numbered_lines", "screen_parallel"]

_CHUNK_LINES = 500
_CHUNK_BYTES = 1 << 20


def cores() -> int:
    """The cores this process may run on (``--jobs 0``)."""
    getter = getattr(os, "sched_getaffinity", None)
    if getter is not None:
        return max(1, len(getter(0)))
    return max(1, os.cpu_count() or 1)


class _Lines:
    """Consecutive raw lines of a JSON-lines input, the first numbered ``first``."""

    __slots__ = ("first", "lines")

    def __init__(self, first: int, lines: list[Any]) -> None:
        self.first, self.lines = first, lines


def numbered_lines(stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    """The raw lines of a stream, numbered (length-bounded as the one-process reader reads)."""
    return enumerate(_bounded_lines(stream, MAX_LINE_LENGTH), 1)


def _chunks(items: Iterable[tuple[int, Any]]) -> Iterator[list[Any]]:
    """Groups of items to screen: runs of raw lines joined into one _Lines; parsed items as is."""
    chunk: list[Any] = []
    size = count = 0
    for number, item in items:
        if isinstance(item, Record | LoadError):  # already parsed (FHIR input)
            chunk.append((number, item))
        else:  # a raw line (bytes, or a too-long line's stand-in)
            if chunk and isinstance(chunk[-1], _Lines):
                chunk[-1].lines.append(item)
            else:
                chunk.append(_Lines(number, [item]))
            size += len(item) if isinstance(item, bytes) else 0
        count += 1
        if count >= _CHUNK_LINES or size >= _CHUNK_BYTES:
            yield chunk
            chunk, size, count = [], 0, 0
    if chunk:
        yield chunk


#: This worker process's job, set once when the process starts (by ``_start``).
_JOB: dict[str, Any] = {}


def _start(protocol: Protocol, as_of: date, how: str, kind: Any, report: bool) -> None:
    # One loader memo for the worker's share of this run (the pieces of one read); it goes
    # with the worker when the run ends.
    _JOB.update(protocol=protocol, as_of=as_of, how=how, kind=kind, report=report,
                memo=LoadMemo())


def _items(chunk: list[Any], protocol: Protocol) -> Iterator[tuple[int, Any]]:
    for part in chunk:
        if isinstance(part, _Lines):
            yield from read_jsonl(part.lines, domains=protocol.domains, first_line=part.first,
                                  memo=_JOB["memo"])
        elif isinstance(part, Partition):  # a byte range of the input file: read it here
            yield from read_partition(part, protocol.domains, memo=_JOB["memo"])
        else:
            yield part


def _work(chunk: list[Any]) -> tuple[str, list[Any], Any, FeasibilityReport | None, int, int]:
    """Screen one chunk: its output text, stderr events in order (messages, and (line, id)
    of each record for the main process's duplicate check), writer state, report, counts."""
    protocol: Protocol = _JOB["protocol"]
    as_of: date = _JOB["as_of"]
    out = io.StringIO()
    writer = _JOB["kind"](protocol, as_of, _JOB["how"], out, header=False)
    tally = Tally(protocol, as_of) if _JOB["report"] else None
    messages: list[Any] = []
    checked = Checked(protocol, _items(chunk, protocol), None, messages.append,
                      ids=messages.append)
    good, bad = screen_into(protocol, as_of, iter(checked), writer, tally, messages.append)
    return (out.getvalue(), messages, writer.state(),
            None if tally is None else tally.report(), good, bad)


def _context() -> Any:
    """How to start the workers: "fork" on Linux when this process runs one thread (the command
    line: the workers start at once with everything imported), else "spawn" (a fresh
    interpreter each, which imports trialrules; never a fork of a threaded process)."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def screen_parallel(protocol: Protocol, as_of: date, how: str, kind: Any,
                    items: Iterable[tuple[int, Any]], jobs: int, *, report: bool, writer: Any,
                    say: Callable[[str], None], progress_enabled: bool | None,
                    checked: Checked, counts: list[int],
                    path: str | None = None) -> FeasibilityReport | None:
    """Screen ``items`` on ``jobs`` processes into ``writer``; returns the report (with
    ``report``). ``checked`` finds repeated ids across chunks; ``counts`` (screened, bad)
    is kept up to date as chunks are written. With ``path`` (a regular JSON-lines file,
    the same input as ``items``) the workers read byte ranges of it and ``items`` is not
    read."""
    context = _context()
    totals = counts
    parts: list[FeasibilityReport] = []  # the running sum of the chunks' reports
    out = writer.out

    def finished() -> Iterator[None]:
        with context.Pool(jobs, initializer=_start,
                          initargs=(protocol, as_of, how, kind, report)) as pool:
            pending: deque[Any] = deque()
            chunks: Iterable[list[Any]] = _chunks(items) if path is None else (
                [part] for part in partitions(path, blocksize=_CHUNK_BYTES))
            for chunk in chunks:
                pending.append(pool.apply_async(_work, (chunk,)))
                while len(pending) > 2 * jobs:
                    yield from emit(pending.popleft().get())
            while pending:
                yield from emit(pending.popleft().get())

    def emit(done: tuple[str, list[str], Any, FeasibilityReport | None, int, int]
             ) -> Iterator[None]:
        text, messages, state, part, good, bad = done
        for message in messages:
            if isinstance(message, tuple):
                checked.check(*message)
            else:
                say(message)
        out.write(text)
        writer.absorb(state)
        if part is not None:
            parts[:] = [merge([*parts, part])]
        totals[0] += good
        totals[1] += bad
        for _ in range(good + bad):
            yield None

    for _ in progress(finished(), enabled=progress_enabled):
        pass
    if not report:
        return None
    total = parts[0] if parts else FeasibilityReport.empty(protocol, as_of)
    return attrs.evolve(total, duplicate_ids=total.duplicate_ids + checked.duplicates)
