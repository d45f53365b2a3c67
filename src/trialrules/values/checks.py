"""Checks and constants every reader and constructor shares, written once.

Codes look like ``SYSTEM:CODE``; text fields are at most ``MAX_TEXT``
characters of valid Unicode; whole numbers in JSON are exact only within
``MAX_EXACT_INT``; spans count ``SPAN_UNITS``. The strict JSON helpers refuse
duplicate keys and the NaN/Infinity constants Python's ``json`` accepts.
"""

from __future__ import annotations

import re
from typing import Any, Final

from .domains import is_number
from .errors import InvalidDocument
from .text import has_surrogate

__all__ = [
    "CODE_RE",
    "MAX_EXACT_INT",
    "MAX_TEXT",
    "SPAN_UNITS",
    "BadConstant",
    "DuplicateKey",
    "fail",
    "has_surrogate",
    "no_duplicates",
    "num",
    "read_bool",
    "read_list",
    "read_number",
    "read_object",
    "read_string",
    "read_text",
    "read_whole",
    "reject_constant",
]

#: A code written ``SYSTEM:CODE`` (``ATC:L01``, ``ICD10:C50.9``).
CODE_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*:\S+\Z")
#: Labels, names, codes and other strings are at most this many characters.
MAX_TEXT: Final = 10_000
#: Whole numbers beyond this are not exact as JSON numbers (IEEE doubles).
MAX_EXACT_INT: Final = 2**53
#: The units of a calendar span, largest first.
SPAN_UNITS: Final = ("years", "months", "weeks", "days")



def num(value: Any) -> str:
    """Numbers as a clinician writes them: 3, 6.5 (not 3.0).

    >>> num(3.0), num(6.5), num(7)
    ('3', '6.5', '7')
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class DuplicateKey(ValueError):
    """A JSON object names the same key twice (``args[0]`` is the key)."""


class BadConstant(ValueError):
    """A JSON document holds NaN or Infinity (``args[0]`` is the constant)."""

    def __str__(self) -> str:
        return f"{self.args[0]} is not a JSON number"


def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for ``json``: an object, refusing a repeated key (the first key,
    in the order written, that repeats an earlier one of the same object)."""
    out = dict(pairs)
    if len(out) == len(pairs):
        return out  # no key was given twice (the common case, decided in C)
    out = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out


def reject_constant(name: str) -> Any:
    """``parse_constant`` for ``json``: NaN and Infinity are not numbers a record may hold."""
    raise BadConstant(name)


# -- strict reading of plain JSON data, errors naming the JSON path ------------


def _safe(value: Any) -> Any:
    """The value for an error message; a container too deep to print is summarized."""
    if isinstance(value, int) and value.bit_length() > 128:
        return value  # repr() refuses past 4300 digits; the message shows its size instead
    try:
        repr(value)
    except RecursionError:
        return f"<{type(value).__name__} nested too deeply to show>"
    return value


def fail(path: str, value: Any, expected: str) -> InvalidDocument:
    """The error for a bad value at a JSON path."""
    return InvalidDocument(path, _safe(value), expected)


def key_segment(key: str) -> str:
    """A key as a path segment: printable and short, whatever the document holds."""
    text = key if key.isprintable() else ascii(key)[1:-1]
    return text if len(text) <= 40 else text[:37] + "..."


def json_type(value: Any) -> str:
    """A JSON value's type in words (``an object``, ``a list``)."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false",
             type(None): "null", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def read_object(value: Any, path: str, required: frozenset[str], optional: frozenset[str],
                what: str) -> dict[str, Any]:
    """A JSON object with exactly these keys (required ones present, no others)."""
    if not isinstance(value, dict):
        raise fail(path, value, f"{what} (a JSON object), not {json_type(value)}")
    for key in value:
        if not isinstance(key, str):
            raise fail(path, key, "string keys")
        if key not in required and key not in optional:
            allowed = ", ".join(sorted(required | optional))
            raise fail(f"{path}.{key_segment(key)}", value[key],
                       f"no such key in {what}; the keys are {allowed}")
    for key in sorted(required):
        if key not in value:
            raise fail(f"{path}.{key}", None, f"a value: {what} requires {key!r}")
    return value


def read_string(value: Any, path: str, what: str, *, empty: bool = True) -> str:
    """Any string (labels, display texts), or any non-empty one with ``empty=False``."""
    if not isinstance(value, str) or (not empty and not value):
        raise fail(path, value, what)
    if len(value) > MAX_TEXT:
        raise fail(path, value, f"a string of at most {MAX_TEXT} characters")
    if has_surrogate(value):  # "\ud800" in JSON: not text, cannot be written as UTF-8
        raise fail(path, value, "valid Unicode text (no lone surrogates)")
    return value


def read_text(value: Any, path: str, what: str = "a non-empty string") -> str:
    """A string with something other than white space in it."""
    if not isinstance(value, str) or not value.strip():
        raise fail(path, value, what)
    return read_string(value, path, what)


def read_number(value: Any, path: str) -> int | float:
    """A finite number, exact in JSON."""
    if not is_number(value):
        raise fail(path, value, "a finite number (not true/false, not a string)")
    if isinstance(value, int) and abs(value) > MAX_EXACT_INT:
        raise fail(path, value, "a whole number within ±2**53 (larger ones are not exact "
                                "in JSON)")
    return value  # type: ignore[no-any-return]


def read_bool(value: Any, path: str) -> bool:
    """True or false."""
    if not isinstance(value, bool):
        raise fail(path, value, "true or false")
    return value


def read_whole(value: Any, path: str, least: int) -> int:
    """A whole number >= ``least``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise fail(path, value, f"a whole number >= {least}")
    return value


def read_list(value: Any, path: str, what: str) -> list[Any]:
    """A JSON list (``what`` names its items)."""
    if not isinstance(value, list):
        raise fail(path, value, f"a list of {what}, not {json_type(value)}")
    return value
