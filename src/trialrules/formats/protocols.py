"""Protocol documents (JSON): every criterion, code set and protocol as plain data and back.

A document is a JSON object with ``"trialrules": 1`` (the format version), the
protocol's id, title, inclusion and exclusion criteria, and optionally its own
value domains and vocabulary. Reading is strict: an unknown key, a wrong type
or a value a criterion would refuse raises :class:`~trialrules.InvalidDocument`
naming the JSON path (``$.inclusion[2].low``), the value and what was expected.
Writing is stable (sorted keys, defaults left out), so protocol files diff
cleanly in version control.

>>> from trialrules import Range
>>> criterion_to_dict(Range("edss", 3, 6, id="inclusion.3"))
{'kind': 'range', 'source': {'kind': 'latest', 'code': 'edss'}, 'low': 3, 'high': 6, 'id': 'inclusion.3'}
>>> criterion_from_dict({"kind": "range", "source": {"kind": "age"}, "low": 18, "high": 60})
Range(Age(), 18, 60)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from ..engine.codec import (
    MAX_DEPTH,
    Reader,
    codeset_to_dict,
    criterion_to_dict,
    source_to_dict,
    span_to_dict,
)
from ..engine.criterion import Criterion
from ..protocol import protocol as _protocol
from ..protocol.protocol import FORMAT_VERSION, Protocol
from ..values.checks import (
    BadConstant,
    DuplicateKey,
    fail,
    json_type,
    key_segment,
    no_duplicates,
    reject_constant,
)
from ..values.codes import CodeSet
from ..values.domains import Domain
from ..values.errors import InvalidCriterion, InvalidDocument

__all__ = [
    "FORMAT_VERSION",
    "MAX_BYTES",
    "MAX_DEPTH",
    "codeset_from_dict",
    "codeset_to_dict",
    "criterion_from_dict",
    "criterion_to_dict",
    "dump_protocol",
    "load_protocol_file",
    "parse_document",
    "parse_protocol",
    "protocol_from_dict",
    "protocol_to_dict",
    "source_to_dict",
    "span_to_dict",
]

#: JSON values nest at most this deep anywhere in a document.
MAX_NESTING: Final = 2 * MAX_DEPTH + 8
#: A protocol document is at most this many bytes.
MAX_BYTES: Final = 5_000_000

_TOP: Final = frozenset({"trialrules", "$schema", "id", "title", "inclusion", "exclusion",
                         "domains", "vocabulary"})
_DOMAIN_KEYS: Final = frozenset({"low", "high", "step", "name", "unit", "molar_mass"})
_fail = fail
_key = key_segment
_what = json_type


# -- writing ------------------------------------------------------------------


def protocol_to_dict(protocol: Protocol) -> dict[str, Any]:
    """A protocol document: format version, id, title, criteria, and non-standard domains.

    Domains equal to the standard ones (``STANDARD_DOMAINS``) are left out; a
    reader adds them back.
    """
    return protocol.to_dict()


def dump_protocol(protocol: Protocol) -> str:
    """The protocol as JSON text: sorted keys, two-space indent, UTF-8 text, final newline.

    The same protocol always gives the same text, so files diff cleanly.
    """
    return json.dumps(protocol_to_dict(protocol), sort_keys=True, indent=2,
                      ensure_ascii=False) + "\n"


# -- reading ------------------------------------------------------------------


class _Reader(Reader):
    """Reads one protocol document: the criteria (the engine's reader) and what surrounds them."""

    def __init__(self, base: Path | None = None) -> None:
        super().__init__()
        #: The folder a code set's relative ``file`` is read from (the document's folder).
        self.base = base

    def codeset(self, value: Any, path: str) -> CodeSet:
        """A code set listed inline, or named by a value-set ``file``, or including one."""
        listed = CodeSet.from_dict(value, path,
                                   more=frozenset({"file", "valueset", "vocabulary"}))
        loaded = self.valueset_file(value, path, listed.name)
        return listed if loaded is None else listed.union(loaded, name=listed.name)

    def valueset_file(self, data: dict[str, Any], path: str, name: str) -> CodeSet | None:
        """The value set a code set names by ``file`` (relative to the document) or includes
        as ``valueset`` (a FHIR ValueSet or an OHDSI concept set expression), if any."""
        from .valuesets import InvalidValueSet, codeset_from_document, load_codeset

        if "file" in data and "valueset" in data:
            raise _fail(f"{path}.valueset", "...", "either file or valueset, not both")
        vocabulary = None
        if "vocabulary" in data:
            if "file" not in data and "valueset" not in data:
                raise _fail(f"{path}.vocabulary", data["vocabulary"],
                            "no vocabulary folder without a file or valueset (an OHDSI concept "
                            "set expression) to resolve with it")
            vocabulary = self.path(data["vocabulary"], f"{path}.vocabulary",
                                   "a folder path (a non-empty string)")
        try:
            if "valueset" in data:
                return codeset_from_document(data["valueset"], name=name, vocabulary=vocabulary,
                                             where=f"{path}.valueset")
            if "file" not in data:
                return None
            file = self.path(data["file"], f"{path}.file", "a file path (a non-empty string)")
            return load_codeset(file, name=name, vocabulary=vocabulary)
        except InvalidValueSet as exc:
            raise _fail(f"{path}.{'valueset' if 'valueset' in data else 'file'}", exc.value,
                        f"a usable value set ({exc.path}: expected {exc.expected})") from None
        except OSError as exc:
            raise _fail(f"{path}.file", data.get("file"),
                        f"a readable value-set file ({exc.strerror or exc}; a relative path is "
                        f"read from the protocol document's folder)") from None

    def path(self, value: Any, path: str, expected: str) -> Path:
        """A path named in the document; a relative one is read from the document's folder."""
        given = Path(self.text(value, path, expected))
        if not given.is_absolute() and self.base is not None:
            return self.base / given
        return given

    def domain(self, value: Any, path: str) -> Domain:
        data = self.obj(value, path, frozenset({"low", "high"}),
                        _DOMAIN_KEYS - {"low", "high"}, "a value domain")
        # The JSON forms here (numbers, text); what a domain allows is Domain's to check, and
        # its errors name the field, so only the path is added.
        low = self.number(data["low"], f"{path}.low")
        high = self.number(data["high"], f"{path}.high")
        step, name = data.get("step"), data.get("name")
        unit, molar_mass = data.get("unit"), data.get("molar_mass")
        if step is not None:
            self.number(step, f"{path}.step")
        if molar_mass is not None:
            self.number(molar_mass, f"{path}.molar_mass")
        try:
            return Domain(low, high, step=step,
                          name=None if name is None else self.text(name, f"{path}.name"),
                          unit=None if unit is None else self.text(unit, f"{path}.unit"),
                          molar_mass=molar_mass)
        except InvalidCriterion as exc:
            raise _fail(f"{path}.{exc.field}" if exc.field else path, exc.value,
                        exc.allowed or str(exc)) from None

    # the document

    def protocol(self, value: Any) -> Protocol:
        if not isinstance(value, dict):
            raise _fail("$", value, f"a protocol document (a JSON object), not {_what(value)}")
        version = value.get("trialrules")
        if "trialrules" not in value:
            raise _fail("$.trialrules", None,
                        f'the format version, e.g. "trialrules": {FORMAT_VERSION} '
                        "(is this a trialrules protocol document?)")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise _fail("$.trialrules", version, "a format version: a whole number >= 1")
        if version > FORMAT_VERSION:
            from ..values.version import __version__

            raise _fail("$.trialrules", version,
                        f"format version {FORMAT_VERSION} or older: this trialrules "
                        f"({__version__}) cannot read a newer format; upgrade trialrules")
        data = self.obj(value, "$", frozenset({"trialrules", "id", "title"}),
                        _TOP - {"trialrules", "id", "title"}, "a protocol document")
        if "$schema" in data:
            self.text(data["$schema"], "$.$schema", "a schema URI string")
        pid = self.text(data["id"], "$.id", "a protocol id such as 'NCT06228781'")
        title = self.text(data["title"], "$.title", "a protocol title")
        sections: dict[str, list[Criterion]] = {}
        for section in ("inclusion", "exclusion"):
            listed = self.listing(data.get(section, []), f"$.{section}", "criteria")
            sections[section] = [self.criterion(c, f"$.{section}[{i}]")
                                 for i, c in enumerate(listed)]
        for section, criteria in sections.items():
            # An unnamed criterion gets "inclusion.3": that id must be free.
            for i, c in enumerate(criteria):
                auto = f"{section}.{i + 1}"
                if c.id is None and auto in self.ids:
                    raise _fail(f"$.{section}[{i}]", auto,
                                f"an explicit id, since the id it would get, {auto!r}, is "
                                f"already used at {self.ids[auto]}")
        domains = {}
        raw_domains = data.get("domains", {})
        if not isinstance(raw_domains, dict):
            raise _fail("$.domains", raw_domains, "an object of observation codes to domains")
        for code, dom in raw_domains.items():
            self.text(code, "$.domains", "observation codes as keys")
            domains[code] = self.domain(dom, f"$.domains.{_key(code)}")
        vocabulary = {}
        raw_vocab = data.get("vocabulary", {})
        if not isinstance(raw_vocab, dict):
            raise _fail("$.vocabulary", raw_vocab, "an object of names to lists of codes")
        for name, codes in raw_vocab.items():
            self.text(name, "$.vocabulary", "names as keys")
            # Each code is Protocol's to check (its error names vocabulary.NAME[i]).
            vocabulary[name] = self.listing(codes, f"$.vocabulary.{_key(name)}",
                                            "codes written SYSTEM:CODE")
        try:
            return Protocol(pid, title, inclusion=sections["inclusion"],
                            exclusion=sections["exclusion"], domains=domains,
                            vocabulary=vocabulary)
        except InvalidCriterion as exc:
            if exc.field is not None:  # the field of the document it names: add the path
                raise _fail(f"$.{exc.field}", exc.value, exc.allowed or str(exc)) from None
            raise _fail("$", pid, f"a valid protocol: {exc}") from None


def criterion_from_dict(data: Any, path: str = "$") -> Criterion:
    """A criterion tree from its plain-data form; errors name the JSON path under ``path``."""
    _check_nesting(data, path)
    criterion: Criterion = _Reader().criterion(data, path)
    return criterion


def codeset_from_dict(data: Any, path: str = "$") -> CodeSet:
    """A code set from ``{"name": ..., "prefixes": [...], "codes": [...]}``."""
    return _Reader().codeset(data, path)


def protocol_from_dict(data: Any, *, base: str | Path | None = None) -> Protocol:
    """A protocol from a parsed document, checking every key and value.

    >>> p = protocol_from_dict({"trialrules": 1, "id": "DEMO", "title": "Demo",
    ...     "inclusion": [{"kind": "range", "source": {"kind": "age"}, "low": 18, "high": 60}]})
    >>> p.inclusion[0]
    Range(Age(), 18, 60, id='inclusion.1')
    """
    _check_nesting(data, "$")
    return _Reader(None if base is None else Path(base)).protocol(data)


_protocol.install_reader(protocol_from_dict)


def _check_nesting(data: Any, path: str) -> None:
    """Refuse absurdly deep values up front, without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise InvalidDocument(path, "...", f"JSON nested at most {MAX_NESTING} levels deep")
        children: Any = value.values() if isinstance(value, dict) else (
            value if isinstance(value, list) else ())
        for child in children:
            seen += 1
            if seen > MAX_BYTES:  # a cyclic or enormous in-memory value
                raise InvalidDocument(path, "...", f"a document of at most {MAX_BYTES} values")
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))


def parse_protocol(text: str | bytes, *, base: str | Path | None = None) -> Protocol:
    """A protocol from JSON text; also refuses duplicate keys, NaN and oversize documents.

    A code set's relative ``file`` is read from ``base`` (else the working directory)."""
    return protocol_from_dict(parse_document(text), base=base)


def parse_document(text: str | bytes) -> Any:
    """Strictly parsed JSON (no duplicate keys, NaN, oversize or over-deep input), not yet
    checked as a protocol: what ``trialrules validate`` checks against the schema."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise InvalidDocument("$", f"{len(text)} bytes", f"a document of at most {MAX_BYTES} bytes")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidDocument("$", f"byte 0x{text[exc.start]:02x} at offset {exc.start}",
                                  "UTF-8 text") from None
    if len(text) > MAX_BYTES:
        raise InvalidDocument("$", f"{len(text)} characters",
                              f"a document of at most {MAX_BYTES} bytes")
    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=reject_constant)
    except DuplicateKey as exc:
        raise InvalidDocument("$", exc.args[0], "each key at most once per object") from None
    except BadConstant as exc:
        raise InvalidDocument("$", exc.args[0], "finite JSON numbers (no NaN or Infinity)") from None
    except json.JSONDecodeError as exc:
        raise InvalidDocument("$", f"line {exc.lineno} column {exc.colno}",
                              f"valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InvalidDocument("$", "...", f"JSON nested at most {MAX_NESTING} levels deep") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise InvalidDocument("$", "...", f"valid JSON ({str(exc).split(';')[0][:80]})") from None
    _check_nesting(data, "$")
    return data


def load_protocol_file(path: str | Path) -> Protocol:
    """Read a protocol document from a JSON file (``OSError`` if it cannot be read)."""
    with open(path, "rb") as stream:
        raw = stream.read(MAX_BYTES + 1)
    return parse_protocol(raw, base=Path(path).parent)

