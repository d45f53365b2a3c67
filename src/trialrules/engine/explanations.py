"""Explanations: the tree of results an evaluation returns, and its views.

An explanation mirrors the criterion tree. Each node holds a stable id, the
protocol's own words, the outcome, a one-sentence reason naming the values,
dates and bounds used, the evidence (facts with dates) and, when UNKNOWN, the
facts that would decide it. Rendering is separate from the data.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..values.outcomes import Outcome
from ..values.text import escape

__all__ = ["Evidence", "Explanation", "render"]


@attrs.frozen
class Evidence:
    """One recorded fact an outcome rests on, with where it sits in the record."""

    path: str
    code: str | None = None
    value: Any = None
    date: str | None = None
    end: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable keys (absent parts are null)."""
        return {"path": self.path, "code": self.code, "value": self.value,
                "date": self.date, "end": self.end}

    def __str__(self) -> str:
        text = self.path
        if self.code is not None:
            text += f" {self.code}"
        if self.value is not None:
            text += f" = {self.value!r}"
        if self.date is not None:
            text += f" on {self.date}" if self.end is None else f" from {self.date} to {self.end}"
        return text


@attrs.frozen
class Explanation:
    """The result of one criterion node, with its children's results."""

    id: str | None
    kind: str
    outcome: Outcome
    reason: str
    label: str | None = None
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()
    children: tuple[Explanation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data; keys are stable and always present."""
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "evidence": [e.to_dict() for e in self.evidence],
            "missing": list(self.missing),
            "children": [c.to_dict() for c in self.children],
        }

    def all_missing(self) -> tuple[str, ...]:
        """Missing facts of this node and below, each once, in tree order."""
        seen: dict[str, None] = dict.fromkeys(self.missing)
        for child in self.children:
            seen.update(dict.fromkeys(child.all_missing()))
        return tuple(seen)

    def find(self, node_id: str) -> Explanation | None:
        """The node with this id, searching depth first."""
        if self.id == node_id:
            return self
        for child in self.children:
            hit = child.find(node_id)
            if hit is not None:
                return hit
        return None

    def __str__(self) -> str:
        return render(self)


_MARK = {Outcome.MET: "MET", Outcome.NOT_MET: "NOT MET", Outcome.UNKNOWN: "UNKNOWN"}


def render(explanation: Explanation, indent: int = 0) -> str:
    """Readable text: one line per node, indented by depth, with evidence and missing facts."""
    lines: list[str] = []
    _render(explanation, indent, lines)
    return "\n".join(lines)


def _render(node: Explanation, depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    head = f"{pad}[{_MARK[node.outcome]}]"
    if node.id:
        head += f" {node.id}"
    if node.label:
        head += f" {node.label}"
    # Each line is escaped whole: a control character or line break in a label, id or code
    # is shown as an escape, never sent to the terminal (trialrules.values.text).
    lines.append(escape(head))
    lines.append(escape(f"{pad}    {node.reason}"))
    lines.extend(escape(f"{pad}    evidence: {fact}") for fact in node.evidence)
    lines.extend(escape(f"{pad}    missing: {need}") for need in node.missing)
    for child in node.children:
        _render(child, depth + 1, lines)
