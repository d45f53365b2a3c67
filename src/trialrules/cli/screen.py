"""``trialrules screen``: screen every patient in a file and say why."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..engine.explanations import Explanation
from ..formats.records import LoadError, read_jsonl
from ..protocol.protocol import Protocol, ProtocolResult
from ..tools.batch import Decision
from ..tools.output import LineEncoder, encode_error, result_line
from ..tools.progress import available as progress_available
from ..values.errors import TrialRulesError
from ..values.outcomes import Determination
from ..values.text import csv_cell, escape
from . import _html
from ._common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    UsageError,
    add_as_of,
    add_protocol,
    load_protocol,
    open_input,
    resolve_as_of,
    silence_stdout,
    utf8_arg,
)
from ._loop import Checked, screen_into

if TYPE_CHECKING:
    from ..tools.report import FeasibilityReport

__all__ = ["INPUT_FORMATS", "read_input", "register", "result_line", "run"]

#: The ``--input-format`` choices.
INPUT_FORMATS = ("jsonl", "fhir", "omop")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "screen", help="screen patients (JSON lines) against a protocol",
        description="Screen every patient in PATIENTS (JSON lines; '-' for stdin) against a "
                    "protocol as of a date. Exit status: 0 all screened, 1 some lines bad "
                    "(the rest screened), 2 usage error or unreadable protocol or input, "
                    "3 internal error, 130 interrupted. When the output pipe closes early "
                    "(| head), 1 if a bad line had been reported by then, else 0.")
    parser.add_argument("patients", metavar="PATIENTS.jsonl")
    add_as_of(parser)
    add_protocol(parser)
    parser.add_argument("--format", choices=("text", "json", "csv", "decisions", "html"),
                        default="text",
                        help="output format (default: text); decisions: JSON lines of id, "
                             "determination and deciding criteria only (the fastest); html: one "
                             "page of the patients' explanations and timelines (needs "
                             "trialrules[html], and --id or --limit)")
    parser.add_argument("--id", action="append", type=utf8_arg, metavar="ID", default=None,
                        help="screen only the patient with this id (repeat for several)")
    parser.add_argument("--limit", type=_positive, metavar="N", default=None,
                        help="screen only the first N records of the input")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, default="jsonl",
                        help="jsonl: patient JSON lines (default); fhir: a FHIR R4 Bundle file, "
                             "a folder of Bundle files or a bulk-export NDJSON folder; omop: an "
                             "OMOP CDM v5.4 folder of CSV files or DuckDB database file "
                             "(needs trialrules[omop])")
    parser.add_argument("--report", metavar="PATH", default=None,
                        help="also write the feasibility (attrition) report: JSON to PATH and a "
                             "readable table to PATH with the suffix .txt; a PATH ending in .html "
                             "writes one HTML page instead, and its example patients' timelines "
                             "beside it as NAME.patients.html (needs trialrules[html])")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on stderr (needs trialrules[progress]; default: only "
                             "when stderr is a terminal)")
    parser.add_argument("--jobs", type=_jobs_arg, default=1, metavar="N",
                        help="screen in N worker processes (default 1; 0: one per core); the "
                             "output, bad lines and report are the same as with one (--id, "
                             "--limit and HTML output screen in one process)")
    parser.set_defaults(run=run)


def _jobs_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (0 means one "
                                         "per core)")
    return value


def read_input(args: argparse.Namespace, protocol: Protocol, stack: contextlib.ExitStack, *,
               raw: bool = False) -> Iterator[tuple[int, Any]]:
    """The patients to screen, as (position, Record or LoadError), per ``--input-format``.

    ``raw``: JSON lines come as (line number, the line's bytes) for worker processes to parse.
    """
    if getattr(args, "input_format", "jsonl") == "fhir":
        from ..formats.fhir import read_fhir

        if args.patients == "-" or not Path(args.patients).exists():
            raise UsageError(f"cannot read {args.patients!r}: --input-format fhir needs a file "
                             "or folder")
        return read_fhir(args.patients, vocabulary=protocol.vocabulary, domains=protocol.domains,
                         on_warning=_warn)
    if getattr(args, "input_format", "jsonl") == "omop":
        from ..formats.omop import hide_password, read_omop

        if args.patients == "-" or not (Path(args.patients).exists()
                                        or args.patients.startswith(("postgresql://",
                                                                     "postgres://"))):
            raise UsageError(f"cannot read {args.patients!r}: --input-format omop needs a folder "
                             "of OMOP CDM CSV files, a DuckDB database file or a postgresql:// "
                             "URL")
        try:
            return read_omop(args.patients, vocabulary=protocol.vocabulary,
                             domains=protocol.domains)
        except TrialRulesError as exc:
            shown = hide_password(args.patients)
            raise UsageError(f"cannot read {shown!r} as OMOP CDM: {exc}") from None
    stream = stack.enter_context(open_input(args.patients))
    if raw:
        from ._jobs import numbered_lines

        return numbered_lines(stream)
    return read_jsonl(stream, domains=protocol.domains)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value


def _warn(message: str) -> None:
    """A warning line on standard error (a resource an importer left out, and why)."""
    print(escape(f"trialrules: warning: {message}"), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    protocol = load_protocol(args.protocol)
    as_of, how = resolve_as_of(args.as_of)
    html_report = args.report is not None and Path(args.report).suffix.lower() == ".html"
    if args.format == "html" or html_report:
        _html.require()
    if args.format == "html" and not args.id and args.limit is None:
        raise UsageError("--format html draws one timeline per patient: choose the patients "
                         "with --id ID (repeatable) or --limit N")
    report_paths = None if html_report else _report_paths(args.report)
    if report_paths is not None:
        _check_writable(report_paths)  # before screening, not after the whole file
    elif html_report:
        _check_writable((Path(args.report),))
    details = None
    if html_report:
        from ..tools.html import ReportDetails

        details = ReportDetails(protocol, as_of)
    kept = _html.Kept() if details is not None or args.format == "html" else None
    if args.progress and not progress_available():
        print("trialrules: no progress bar: install trialrules[progress] (tqdm)", file=sys.stderr)
    jobs = getattr(args, "jobs", 1)
    if jobs == 0:
        from ._jobs import cores

        jobs = cores()
    if kept is not None or args.id or args.limit is not None:
        jobs = 1  # these keep each record beside its result, in this process
    tally = None
    if jobs == 1 and (report_paths or html_report):
        from ..tools.report import Tally  # only with --report

        tally = Tally(protocol, as_of)
    good = bad = 0
    with contextlib.ExitStack() as stack:
        # An unreadable input is a usage error before any output.
        items = read_input(args, protocol, stack, raw=jobs > 1)
        if args.id or args.limit is not None:
            items = _html.select(items, args.id, args.limit)
        checked = Checked(protocol, items, tally, _say)
        items = iter(checked)
        if kept is not None:
            items = kept.watch(items)
        print(f"trialrules: screening against {_cell(protocol.id)} as of {as_of.isoformat()} ({how})",
              file=sys.stderr)
        writer: Any
        if args.format == "html" and kept is not None:
            writer = _html.HtmlPatients(protocol, as_of, args.patients, kept, sys.stdout)
        else:
            writer = _WRITERS[args.format](protocol, as_of, how, sys.stdout)
        report: FeasibilityReport | None = None
        counts = [0, 0]
        try:
            if jobs > 1:
                from ._jobs import screen_parallel

                # A regular file: the workers read byte ranges of it themselves.
                path = args.patients if (getattr(args, "input_format", "jsonl") == "jsonl"
                                         and args.patients != "-"
                                         and Path(args.patients).is_file()) else None
                report = screen_parallel(
                    protocol, as_of, how, _WRITERS[args.format], checked.items, jobs,
                    report=report_paths is not None, writer=writer, say=_say,
                    progress_enabled=args.progress, checked=checked, counts=counts,
                    path=path)
            else:
                # An HTML report shows explanations, whatever the format needs.
                explain = True if details is not None else getattr(writer, "explain", True)
                screen_into(protocol, as_of, items, writer, tally, _say,
                            progress_enabled=args.progress, explain=explain, kept=kept,
                            details=details, counts=counts)
                report = None if tally is None else tally.report()
            writer.close()
        except BrokenPipeError:
            # The reader went away (`| head`): stop, and still say whether lines were bad.
            good, bad = counts
            silence_stdout()
            print(f"trialrules: output closed early; {good + bad} records read so far: {good} "
                  f"screened, {bad} bad", file=sys.stderr)
            return EXIT_BAD_INPUT if bad else EXIT_OK
    good, bad = counts
    # Blank lines are not records: they are skipped and not counted.
    print(f"trialrules: {good + bad} records read: {good} screened, {bad} bad",
          file=sys.stderr)
    if checked.duplicates:
        print(f"trialrules: warning: {checked.duplicates} records repeat an id seen before "
              "(each was screened)", file=sys.stderr)
    if report is not None and details is not None:
        _html.write_report(report, protocol, Path(args.report), args.patients, details)
    elif report is not None and report_paths is not None:
        _write_report(report, *report_paths)
    return EXIT_BAD_INPUT if bad else EXIT_OK


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _check_writable(paths: tuple[Path, ...]) -> None:
    """Fail now, not after screening everything, if a report file cannot be written."""
    for path in paths:
        existed = path.exists()
        try:
            with open(path, "ab"):
                pass
        except OSError as exc:
            raise UsageError(f"cannot write the report to {str(path)!r}: {exc.strerror}") from None
        if not existed:
            path.unlink()


def _cell(text: str) -> str:
    """Text for one tab-separated cell: tabs, line breaks and other controls escaped."""
    return escape(text)


def _report_paths(spec: str | None) -> tuple[Path, Path] | None:
    """``--report PATH``: the JSON goes to PATH, the table to PATH with the suffix .txt."""
    if spec is None:
        return None
    path = Path(spec)
    if spec.strip() in ("", "-"):
        raise UsageError(f"--report {spec!r}: give a file path for the JSON report "
                         "(e.g. report.json); the table is written beside it")
    if path.suffix.lower() == ".txt":
        raise UsageError(f"--report {spec!r}: give the JSON path (e.g. report.json); the "
                         "table is written beside it with the suffix .txt")
    return path, path.with_suffix(".txt")


def _write_report(report: FeasibilityReport, json_path: Path, text_path: Path) -> None:
    try:
        json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
        text_path.write_text(report.render() + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report to {str(exc.filename)!r}: "
                         f"{exc.strerror}") from None
    print(f"trialrules: feasibility report written to {json_path} and {text_path}",
          file=sys.stderr)


def _verdict(result: ProtocolResult | Decision) -> str:
    return result.determination.value.upper().replace("_", " ")


def _grouped(explanations: tuple[Explanation, ...]) -> str:
    """``id: reason`` pairs; criteria with the same reason (exclusions 2 and 4) share one."""
    reasons: dict[str, list[str]] = {}
    for e in explanations:
        reasons.setdefault(e.reason, []).append(e.id or "")
    return "; ".join(f"{', '.join(ids)}: {reason}" for reason, ids in reasons.items())


class _Text:
    """One line per patient (id, determination, deciding criteria), then a summary."""

    # The lines show only the criteria a determination rests on: only those are explained.
    explain = "deciding"

    def __init__(self, protocol: Protocol, as_of: date, how: str, out: IO[str], *,
                 header: bool = True) -> None:
        self.protocol, self.out = protocol, out
        self.counts: Counter[str] = Counter()
        self.excluded: Counter[str] = Counter()
        self.undecided: Counter[str] = Counter()
        self.errors = 0
        if header:
            out.write(f"Screening against {_cell(protocol.id)} as of {as_of.isoformat()} ({how})\n")

    def result(self, r: ProtocolResult | Decision) -> None:
        self.counts[r.determination.value] += 1
        if isinstance(r, Decision):  # explain="deciding": the deciding nodes are r.explained
            deciding, undecided = r.deciding, r.undecided
            shown = r.explained
            death_undecided = r.death_undecided
        else:
            deciding = tuple(e.id or "" for e in r.deciding)
            undecided = tuple(e.id or "" for e in r.undecided)
            shown = r.deciding if r.determination is Determination.INELIGIBLE else r.undecided
            death_undecided = r.death_undecided
        for cid in deciding:
            self.excluded[cid] += 1
        for cid in undecided:
            self.undecided[cid] += 1
        if r.determination is Determination.INELIGIBLE:
            # A patient who surely died by as_of is ineligible for that alone: say so first.
            dead = r.death if r.death is not None and not r.death_undecided else None
            detail = "; ".join(part for part in (dead, _grouped(shown)) if part)
        elif r.determination is Determination.NEEDS_REVIEW:
            # ProtocolResult.missing: the undecided criteria's missing facts, each once.
            missing: dict[str, None] = {}
            for e in shown:
                missing.update(dict.fromkeys(e.all_missing()))
            if death_undecided:
                missing["exact date of death"] = None
            # A death date straddling as_of alone leaves no criterion undecided.
            detail = "; ".join(part for part in (
                f"undecided {', '.join(undecided)}" if undecided else "",
                f"needs {'; '.join(missing)}") if part)
        else:
            detail = "every inclusion met, no exclusion met"
        self.out.write(f"{_cell(r.patient)}\t{_verdict(r)}\t{_cell(detail)}\n")

    def error(self, e: LoadError) -> None:
        self.errors += 1
        reason = f"line {e.line}: {(e.field + ': ') if e.field else ''}{e.reason}"
        self.out.write(f"{_cell(e.id or '?')}\tERROR\t{_cell(reason)}\n")

    def state(self) -> Any:
        """What the summary counts so far (for merging a worker's part, ``--jobs``)."""
        return self.counts, self.excluded, self.undecided, self.errors

    def absorb(self, state: Any) -> None:
        """Add a worker's :meth:`state` to this writer's."""
        counts, excluded, undecided, errors = state
        self.counts.update(counts)
        self.excluded.update(excluded)
        self.undecided.update(undecided)
        self.errors += errors

    def close(self) -> None:
        total = sum(self.counts.values())
        self.out.write("\nSummary\n")
        self.out.write(f"  patients screened: {total}; bad lines: {self.errors}\n")
        for d in Determination:
            self.out.write(f"  {d.value}: {self.counts[d.value]}\n")
        self.out.write("  patients per criterion (excluded / undecided):\n")
        for c in self.protocol.criteria:
            cid = c.id or ""
            self.out.write(f"    {_cell(cid)}: {self.excluded[cid]} / {self.undecided[cid]}\n")


class _Stateless:
    """A writer whose output needs nothing but the lines themselves."""

    explain = True

    def __init__(self, protocol: Protocol, as_of: date, how: str, out: IO[str], *,
                 header: bool = True) -> None:
        self.out = out

    def state(self) -> Any:
        return None

    def absorb(self, state: Any) -> None:
        pass

    def close(self) -> None:
        self.out.flush()


class _Json(_Stateless):
    """JSON lines: each patient's full result (one object a line), bad lines as errors."""

    def __init__(self, protocol: Protocol, as_of: date, how: str, out: IO[str], *,
                 header: bool = True) -> None:
        super().__init__(protocol, as_of, how, out)
        self.encode: Callable[[Any], str] = self.encoder(LineEncoder())

    @staticmethod
    def encoder(lines: LineEncoder) -> Callable[[Any], str]:
        return lines.result

    def result(self, r: ProtocolResult | Decision) -> None:
        self.out.write(self.encode(r))

    def error(self, e: LoadError) -> None:
        self.out.write(encode_error(e))


class _Decisions(_Json):
    """JSON lines of id, determination and deciding criteria: no explanation is built."""

    explain = False

    @staticmethod
    def encoder(lines: LineEncoder) -> Callable[[Any], str]:
        return lines.decision


class _Csv(_Stateless):
    """One row of outcomes per patient: light decisions suffice (no explanation is built)."""

    explain = False

    def __init__(self, protocol: Protocol, as_of: date, how: str, out: IO[str], *,
                 header: bool = True) -> None:
        super().__init__(protocol, as_of, how, out)
        self.ids = [c.id or "" for c in protocol.criteria]
        self.writer = csv.writer(out, lineterminator="\n")
        if header:
            self.writer.writerow([csv_cell(c) for c in ("id", "determination", *self.ids, "error")])

    def result(self, r: Decision | ProtocolResult) -> None:
        # Both list the protocol's top-level criteria in protocol order, as self.ids.
        outcomes = r.outcomes if isinstance(r, Decision) else [e.outcome for e in r.criteria]
        self.writer.writerow([csv_cell(r.patient), r.determination._value_,
                              *(o._value_ for o in outcomes), ""])

    def error(self, e: LoadError) -> None:
        reason = f"line {e.line}: {(e.field + ': ') if e.field else ''}{e.reason}"
        self.writer.writerow([csv_cell(e.id or ""), "error", *([""] * len(self.ids)),
                              csv_cell(reason)])


_WRITERS: dict[str, Any] = {"text": _Text, "json": _Json, "csv": _Csv, "decisions": _Decisions}
