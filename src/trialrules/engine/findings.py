"""Lint findings: the codes a kind's ``lint`` hook and the protocol linter report.

A kind reports findings about its own node (``Criterion.lint``); the
protocol-wide checks (duplicates, contradictions) live in
:mod:`trialrules.tools.lint`. Codes are declared here once, with their
severity and meaning; a kind defined elsewhere declares its own with
:func:`declare`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from ..values.text import escape

__all__ = ["CODES", "ERROR", "WARNING", "Finding", "declare", "finding"]

ERROR: Final = "error"
WARNING: Final = "warning"

_CODES: dict[str, tuple[str, str]] = {
    "duplicate-criterion": (WARNING, "two top-level criteria are the same rule"),
    "empty-range": (ERROR, "a range or threshold no value in its domain can satisfy"),
    "always-met-bound": (WARNING, "a range or threshold every value in its domain satisfies"),
    "bound-outside-domain": (WARNING, "a bound lies outside its value's declared domain"),
    "value-outside-domain": (WARNING, "a OneOf value is not in the declared domain"),
    "zero-length-window": (ERROR, "a washout or recency window of zero length"),
    "contradiction": (ERROR, "a rule an inclusion requires is one that excludes"),
    "undeclared-domain": (WARNING, "a numeric observation code has no declared domain"),
    "empty-code-set": (ERROR, "a code set that matches no code"),
    "placeholders": (WARNING, "criteria not yet encoded (Placeholder)"),
    "code-system-absent": (WARNING, "no code of a code set's systems appears in the input"),
    "case-only-name": (WARNING, "two names of the protocol differ only in upper and lower case"),
    "range-gap": (WARNING, "ranges joined by 'or' on one value leave values between them "
                           "uncovered"),
    "unregistered-kind": (ERROR, "a criterion or value source of a class not registered "
                                 "(it cannot be written, diffed or given boundary cases)"),
}


class _Codes(Mapping[str, tuple[str, str]]):
    """Every finding code, its severity and what it means (read-only)."""

    def __getitem__(self, key: str) -> tuple[str, str]:
        return _CODES[key]

    def __iter__(self) -> Any:
        return iter(list(_CODES))

    def __len__(self) -> int:
        return len(_CODES)


#: Every finding code, its severity and what it means.
CODES: Final[Mapping[str, tuple[str, str]]] = _Codes()


def declare(code: str, severity: str, meaning: str) -> None:
    """Declare a finding code (a kind defined outside the package may add its own)."""
    _severity(None, None, severity)
    known = _CODES.get(code)
    if known is not None and known != (severity, meaning):
        raise ValueError(f"finding code {code!r} is already declared as {known}")
    _CODES[code] = (severity, meaning)


def _severity(_: Any, __: Any, value: Any) -> None:
    if value not in (ERROR, WARNING):
        raise ValueError(f"severity {value!r} must be 'error' or 'warning'")


def _ids(value: Any) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Finding:
    """One lint finding: a code (see ``CODES``), its severity, the criterion ids, a message."""

    code: str
    severity: str = attrs.field(validator=_severity)
    criteria: tuple[str, ...] = attrs.field(converter=_ids)
    message: str

    @property
    def is_error(self) -> bool:
        """True for errors (they fail ``trialrules lint``)."""
        return self.severity == ERROR

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable keys."""
        return {"code": self.code, "severity": self.severity, "criteria": list(self.criteria),
                "message": self.message}

    def __str__(self) -> str:
        where = f" [{', '.join(self.criteria)}]" if self.criteria else ""
        return escape(f"{self.severity} {self.code}{where}: {self.message}")


def finding(code: str, criteria: list[str], message: str) -> Finding:
    """A finding of a declared code (its severity comes from the declaration)."""
    if code not in _CODES:
        raise ValueError(f"finding code {code!r} is not declared; declare it first "
                         "(trialrules.engine.findings.declare)")
    return Finding(code, _CODES[code][0], tuple(criteria), message)
