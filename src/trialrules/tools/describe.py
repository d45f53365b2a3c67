"""A protocol as text for review: each criterion's registry wording beside the sentence
generated from its encoding, so a reviewer can check the code says what the protocol says.

>>> from trialrules.protocols import get
>>> print(describe_protocol(get("NCT06228781")).splitlines()[3:6])
['inclusion.1', '  registry: Age 18-60 years;', '  encoded:  age is between 18 and 60 (both inclusive)']
"""

from __future__ import annotations

from typing import Final

from ..engine.criterion import Criterion
from ..protocol.protocol import Protocol
from ..values.codes import CodeSet
from ..values.text import escape

__all__ = ["FORMATS", "code_sets", "describe_protocol"]

#: The output formats of :func:`describe_protocol`.
FORMATS: Final = ("text", "markdown")

_NO_LABEL: Final = "(no registry text)"


def describe_protocol(protocol: Protocol, format: str = "text") -> str:
    """Every criterion's id, registry text (label) and generated sentence, ending in a newline.

    ``format`` is ``"text"`` (one block per criterion) or ``"markdown"`` (a table
    per section: id | registry text | generated sentence).
    """
    if format == "text":
        return _text(protocol)
    if format == "markdown":
        return _markdown(protocol)
    raise ValueError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")


def _text(protocol: Protocol) -> str:
    lines = [f"{protocol.id}: {protocol.title}"]
    for heading, criteria in (("Inclusion criteria", protocol.inclusion),
                              ("Exclusion criteria", protocol.exclusion)):
        lines += ["", heading]
        if not criteria:
            lines.append("  (none)")
        for c in criteria:
            lines.append(c.id or "?")
            lines.append(f"  registry: {c.label if c.label is not None else _NO_LABEL}")
            lines.append(f"  encoded:  {c.describe(protocol.domains)}")
    sets = code_sets(protocol)
    if sets:
        lines += ["", "Code sets"]
        for codes in sets:
            lines.append(f"  {codes.name}: {_size(codes)} ({', '.join(sorted(codes.systems))}); "
                         f"from {_origin(codes)}")
    return "\n".join(escape(line) for line in lines) + "\n"


def code_sets(protocol: Protocol) -> list[CodeSet]:
    """Every distinct code set the protocol's criteria use, in protocol order."""
    found: dict[tuple[str, CodeSet], CodeSet] = {}

    def walk(node: Criterion) -> None:
        codes = getattr(node, "codes", None)
        if isinstance(codes, CodeSet):
            found.setdefault((codes.name, codes), codes)
        for child in node.children:
            walk(child)

    for criterion in protocol.criteria:
        walk(criterion)
    return list(found.values())


def _size(codes: CodeSet) -> str:
    n, p = len(codes.codes), len(codes.prefixes)
    exact = f"{n} code{'s' * (n != 1)}"
    return exact if not p else f"{p} prefix{'es' * (p != 1)} and {exact}"


def _origin(codes: CodeSet) -> str:
    return codes.source if codes.source is not None else "the protocol itself"


def _cell(text: str) -> str:
    """Table-safe Markdown: pipes escaped, line breaks flattened."""
    return escape(" ".join(text.replace("\\", "\\\\").replace("|", "\\|").split()))


def _markdown(protocol: Protocol) -> str:
    lines = [f"# {_cell(protocol.id)}: {_cell(protocol.title)}"]
    for heading, criteria in (("Inclusion criteria", protocol.inclusion),
                              ("Exclusion criteria", protocol.exclusion)):
        lines += ["", f"## {heading}", ""]
        if not criteria:
            lines.append("(none)")
            continue
        lines += ["| id | registry text | generated sentence |", "| --- | --- | --- |"]
        for c in criteria:
            label = c.label if c.label is not None else _NO_LABEL
            lines.append(f"| {_cell(c.id or '?')} | {_cell(label)} | "
                         f"{_cell(c.describe(protocol.domains))} |")
    sets = code_sets(protocol)
    if sets:
        lines += ["", "## Code sets", "", "| code set | size | systems | source |",
                  "| --- | --- | --- | --- |"]
        for codes in sets:
            lines.append(f"| {_cell(codes.name)} | {_cell(_size(codes))} | "
                         f"{_cell(', '.join(sorted(codes.systems)))} | {_cell(_origin(codes))} |")
    return "\n".join(lines) + "\n"
