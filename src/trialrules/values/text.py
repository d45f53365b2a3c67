"""Text that reaches a terminal or a spreadsheet: names checked, output escaped.

Ids, codes and names come from files other people write. A control character
(ESC, CR, LF, the other C0 and C1 codes) or a bidirectional override in one
can rewrite a terminal line or forge one, so names holding them are refused
at load (:func:`name_problem`) and every text rendering escapes them
(:func:`escape`). A CSV cell that starts like a formula is neutralised
(:func:`csv_cell`, OWASP's rule for CSV injection).

>>> escape("inclusion.1\\x1b[2J")
'inclusion.1\\\\x1b[2J'
>>> csv_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["UNSAFE", "csv_cell", "escape", "has_surrogate", "name_problem"]

#: Characters no rendering shows raw: C0 and C1 controls, DEL, line and paragraph
#: separators, and the bidirectional marks, embeddings, overrides and isolates
#: (Unicode TR9; "Trojan Source", CVE-2021-42574).
UNSAFE: Final = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                           "\u2066-\u2069]")

#: Lone UTF-16 surrogates: Python strings may hold them (JSON ``"\ud800"``), UTF-8 cannot.
_SURROGATE: Final = re.compile("[\ud800-\udfff]")

#: What OWASP lists as the first characters of a spreadsheet formula.
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _escaped(match: re.Match[str]) -> str:
    return ascii(match.group())[1:-1]  # Python's own escapes: \n, \r, \t, \x1b, \u202e


def escape(text: str) -> str:
    r"""``text`` with every :data:`UNSAFE` character written as Python writes it in a string
    literal (``\n``, ``\x1b``, ``\u202e``).

    Printable text, tabs excepted, is returned unchanged (and fast).
    """
    if text.isprintable() or not UNSAFE.search(text):
        return text
    return UNSAFE.sub(_escaped, text)


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (not text: it cannot be written as UTF-8)."""
    return _SURROGATE.search(text) is not None


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a name (id, code, flag, code-set name), or None if it can.

    A name never holds :data:`UNSAFE` characters or a lone surrogate (it could not be
    written out as UTF-8), and never starts or ends with whitespace: ``"edss "`` would
    silently never match ``"edss"``.
    """
    if value.isprintable() and value == value.strip():
        return None  # the common case: UNSAFE characters and surrogates are unprintable
    if UNSAFE.search(value):
        return "control characters, line breaks or bidirectional overrides"
    if _SURROGATE.search(value):
        return "lone surrogates (such as \\ud800)"
    if value != value.strip():
        return "spaces at the start or end"
    return None


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run: one starting with ``=``, ``+``, ``-``, ``@``, tab
    or carriage return gets a leading ``'`` (OWASP, "CSV Injection")."""
    return "'" + text if text.startswith(_FORMULA_START) else text
