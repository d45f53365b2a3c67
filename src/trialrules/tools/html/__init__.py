"""HTML pages: the feasibility report and patient timelines, each one self-contained file.

Both pages are Jinja2 templates (autoescaping on) shipped with the package;
charts are inline SVG drawn by the templates from geometry computed here, and
every value from the input (ids, labels, codes, reasons) goes through the
template's escaping. A page has no script and loads nothing: its
Content-Security-Policy forbids both, so it opens from a ``file://`` URL and
prints as it shows. Jinja2 is the optional extra ``html``; without it the
functions here raise :class:`HtmlUnavailable`, which says how to install it.

>>> from datetime import date
>>> from trialrules.protocols import get
>>> from trialrules.tools.report import FeasibilityReport
>>> p = get("NCT06228781")
>>> page = report_html(FeasibilityReport.of(p, date(2027, 3, 31), []), p, source="none")
>>> page.startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from ...formats.records import LoadError
from ...protocol.protocol import Protocol, ProtocolResult
from ...values.errors import TrialRulesError
from ...values.outcomes import Outcome
from ...values.records import Record
from ...values.version import __version__
from ..report import FeasibilityReport
from . import _timeline

if TYPE_CHECKING:
    import jinja2

__all__ = ["INSTALL", "HtmlUnavailable", "ReportDetails", "patients_html", "report_html"]

#: The command that installs what the pages need.
INSTALL: Final = "pip install 'trialrules[html]'"

_OUTCOMES: Final = (Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN)


class HtmlUnavailable(TrialRulesError, ImportError):
    """The HTML pages need Jinja2, the optional extra ``html``, and it is not installed."""


def require() -> None:
    """Raise :class:`HtmlUnavailable` unless the pages can be made (check before screening)."""
    _jinja()


def _jinja() -> Any:
    try:
        import jinja2
    except ImportError:
        raise HtmlUnavailable(
            f"HTML pages need Jinja2, which is not installed; install it with: {INSTALL}") from None
    return jinja2


def visible(value: Any) -> Any:
    """Text with every unprintable character shown as an escape (ESC as ``\\x1b``).

    Line breaks, control characters and bidirectional overrides (U+202E) in an
    id or a label would otherwise break lines or reorder what a reader sees; the
    text output of ``screen`` shows them the same way.

    >>> visible("P\\u202e1\\r\\n")
    'P\\\\u202e1\\\\r\\\\n'
    """
    if not isinstance(value, str) or hasattr(value, "__html__") or value.isprintable():
        return value  # markup the templates made (a macro's output) is already escaped
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in value)


def _environment() -> jinja2.Environment:
    j2 = _jinja()
    env: jinja2.Environment = j2.Environment(
        loader=j2.PackageLoader("trialrules.tools.html", "templates"),
        autoescape=True,  # every page is HTML; nothing is ever marked safe by hand
        undefined=j2.StrictUndefined,
        finalize=visible,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["px"] = _px
    env.filters["pct"] = _pct
    env.filters["outcome_text"] = _outcome_text
    env.filters["determination_text"] = lambda d: d.value.upper().replace("_", " ")
    env.globals["version"] = __version__
    env.globals["outcomes"] = _OUTCOMES
    return env


def _px(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _outcome_text(outcome: Outcome | str) -> str:
    value = outcome.value if isinstance(outcome, Outcome) else outcome
    return value.upper().replace("_", " ")


class ReportDetails:
    """What the HTML report shows beyond the counts, gathered while screening.

    For each top-level criterion and outcome, the first ``per_cell`` patients
    (in input order) as examples, kept with their records so that their
    timelines can be drawn; and, for each criterion, how many patients left
    UNKNOWN by it need each missing fact. Memory is bounded by the examples.
    """

    __slots__ = ("_index", "as_of", "cells", "chosen", "missing", "per_cell", "protocol")

    def __init__(self, protocol: Protocol, as_of: date, *, per_cell: int = 3) -> None:
        self.protocol = protocol
        self.as_of = as_of
        self.per_cell = per_cell
        n = len(protocol.criteria)
        #: Example patients, in the order they were first chosen.
        self.chosen: list[tuple[Record, ProtocolResult]] = []
        #: (criterion position, outcome) -> positions in ``chosen``.
        self.cells: dict[tuple[int, Outcome], list[int]] = {}
        #: Per criterion: missing fact -> patients whose UNKNOWN outcome needs it.
        self.missing: list[Counter[str]] = [Counter() for _ in range(n)]
        self._index: dict[int, int] = {}

    def add(self, record: Record, result: ProtocolResult) -> None:
        """Count one screened patient (the record and its result)."""
        place: int | None = None
        for i, node in enumerate(result.criteria):
            outcome = node.outcome
            if outcome is Outcome.UNKNOWN:
                self.missing[i].update(node.all_missing())
            cell = self.cells.setdefault((i, outcome), [])
            if len(cell) < self.per_cell:
                if place is None:
                    place = len(self.chosen)
                    self.chosen.append((record, result))
                cell.append(place)

    def top_missing(self, index: int, n: int = 5) -> list[tuple[str, int]]:
        """The ``n`` facts most often missing for criterion ``index`` (ties in text order)."""
        return sorted(self.missing[index].items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def report_html(report: FeasibilityReport, protocol: Protocol, *, source: str,
                details: ReportDetails | None = None, patients_href: str | None = None) -> str:
    """The feasibility report as one HTML page; its numbers are ``report.to_dict()``'s.

    ``source`` names the input screened; ``details`` adds example patients and
    missing facts; ``patients_href`` is the page holding the examples' timelines
    (the counts link to it).
    """
    if report.protocol != protocol.id:
        raise ValueError(f"the report is of {report.protocol!r}, the protocol {protocol.id!r}")
    data = report.to_dict()
    criteria = list(zip(protocol.criteria, report.criteria, strict=True))
    ranked = sorted((i for i, (_, c) in enumerate(criteria) if c.unknown),
                    key=lambda i: (-criteria[i][1].unknown, i))[:5]
    total = report.screened
    funnel = [("(screened)", total, total, None)] + [
        (c.id, c.remaining, c.certain, i) for i, c in enumerate(report.criteria)]
    return _environment().get_template("report.html.j2").render(
        report=report, data=data, protocol=protocol, source=source, details=details,
        patients_href=patients_href, criteria=criteria, ranked=ranked, funnel=funnel,
        total=total, geometry=_bars(total, [f[1] for f in funnel]),
        det_geometry=_bars(total, [report.eligible, report.ineligible, report.needs_review]))


def _bars(total: int, values: Sequence[int]) -> list[float]:
    """Bar widths (of 500 units) for counts of ``total``."""
    return [round(500 * v / total, 1) if total else 0.0 for v in values]


def patients_html(protocol: Protocol, as_of: date,
                  patients: Iterable[tuple[Record, ProtocolResult]], *, source: str,
                  errors: Sequence[LoadError] = (), details: ReportDetails | None = None,
                  title: str | None = None) -> str:
    """One page of patients: each one's explanation tree beside the timeline of their facts.

    ``details`` (the report's examples) adds an index from each criterion's
    outcome to the example patients; ``errors`` lists records that could not be
    screened.
    """
    items = []
    for record, result in patients:
        if result.as_of != as_of or result.protocol != protocol.id:
            raise ValueError(f"result for {result.patient!r} is of {result.protocol} as of "
                             f"{result.as_of}, not {protocol.id} as of {as_of}")
        items.append((record, result, _timeline.timeline(protocol, record, result)))
    return _environment().get_template("patients.html.j2").render(
        protocol=protocol, as_of=as_of, source=source, patients=items, errors=errors,
        details=details, title=title, layout=_timeline)

