"""The library's exceptions: one root, each mixed with the builtin it refines."""

from __future__ import annotations

import reprlib
from typing import Any

__all__ = [
    "InvalidCriterion",
    "InvalidDocument",
    "InvalidRecord",
    "MissingExtra",
    "TrialRulesError",
]

_MAX_VALUE_CHARS = 60


class _ShortRepr(reprlib.Repr):
    """reprlib with small limits, safe on hostile values (deep nesting, huge integers)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 2
        self.maxdict = self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 3
        self.maxstring = self.maxother = _MAX_VALUE_CHARS
        self.maxlong = 40

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:  # repr() of a huge int is slow, and refused past 4300 digits
            return f"<an integer of {x.bit_length()} bits>"
        return super().repr_int(x, level)

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            text = repr(x)
        except Exception:  # a value that cannot even be shown is still named by its type
            return f"<{type(x).__name__}>"
        return text[:_MAX_VALUE_CHARS]


_REPR = _ShortRepr()


def _short(value: Any) -> str:
    """A value's repr, cut short: messages name a value but never dump a record.

    Containers are shown two levels deep and three items wide, so a deeply
    nested or huge value (or a whole record passed where a field belongs)
    costs no more than a line.
    """
    try:
        text = _REPR.repr(value)
    except (RecursionError, ValueError):  # pragma: no cover - belt and braces
        text = f"<{type(value).__name__}>"
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


class TrialRulesError(Exception):
    """Root of every error trialrules raises on purpose."""


class InvalidCriterion(TrialRulesError, ValueError):
    """A criterion, code set, span or protocol was built with arguments that cannot work.

    The message says what is wrong and how to fix it. When one field is to
    blame, ``field`` names it (as the JSON key, e.g. ``high``), ``value`` holds
    the offending value and ``allowed`` says what would be accepted, so a
    document reader only adds the JSON path (``$.inclusion[2].high``).
    """

    def __init__(self, message: str, *, field: str | None = None, value: Any = None,
                 allowed: str | None = None) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_invalid_criterion, (str(self), self.field, self.value, self.allowed))


def _rebuild_invalid_criterion(message: str, field: str | None, value: Any,
                               allowed: str | None) -> InvalidCriterion:
    return InvalidCriterion(message, field=field, value=value, allowed=allowed)


class InvalidRecord(TrialRulesError, ValueError):
    """A patient record holds a value the library will not guess about.

    The message names the patient, the field (as a path such as
    ``observations[2].value``), the offending value and what was allowed; the
    same facts are kept as attributes for programs.
    """

    def __init__(
        self,
        field: str,
        value: Any,
        allowed: str,
        *,
        patient: str | None = None,
        line: int | None = None,
    ) -> None:
        self.patient = patient
        self.field = field
        self.value = value
        self.allowed = allowed
        self.line = line
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        # A hostile id is named, never dumped: cut short like any value.
        where.append(f"patient {_short(self.patient)}" if self.patient is not None else "patient ?")
        return f"{', '.join(where)}: {self.field} = {_short(self.value)}; expected {self.allowed}"

    def located(self, *, patient: str | None = None, line: int | None = None,
                prefix: str | None = None) -> InvalidRecord:
        """The same error with the patient, line or an outer field path filled in."""
        field = self.field
        if prefix:
            field = f"{prefix}.{field}" if not field.startswith("[") else f"{prefix}{field}"
        return InvalidRecord(
            field,
            self.value,
            self.allowed,
            patient=self.patient if patient is None else patient,
            line=self.line if line is None else line,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_invalid_record,
                (self.field, self.value, self.allowed, self.patient, self.line))


def _rebuild_invalid_record(field: str, value: Any, allowed: str, patient: str | None,
                            line: int | None) -> InvalidRecord:
    return InvalidRecord(field, value, allowed, patient=patient, line=line)


class InvalidDocument(TrialRulesError, ValueError):
    """A protocol (or other) document is malformed.

    ``path`` is the JSON path of the bad value, e.g. ``$.inclusion[2].low``.
    """

    def __init__(self, path: str, value: Any, expected: str) -> None:
        self.path = path
        self.value = value
        self.expected = expected
        super().__init__(f"{path} = {_short(value)}; expected {expected}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (InvalidDocument, (self.path, self.value, self.expected))


class MissingExtra(TrialRulesError, ImportError):
    """An optional extra that this input needs is not installed.

    Raised instead of skipping the work: the same input never gives another
    answer because of what is installed. ``extra`` names the extra to install.
    """

    def __init__(self, extra: str, needed_for: str) -> None:
        self.extra = extra
        self.needed_for = needed_for
        super().__init__(f"{needed_for} needs the optional '{extra}' extra: "
                         f"pip install 'trialrules[{extra}]'", name=extra)

    def __reduce__(self) -> tuple[Any, ...]:
        return (MissingExtra, (self.extra, self.needed_for))
