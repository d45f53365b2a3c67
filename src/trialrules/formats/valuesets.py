"""Code sets from the files terminology services and OHDSI tools write.

- a FHIR R4 **ValueSet** (JSON): ``expansion.contains`` (nested entries
  included), or, when there is no expansion, ``compose.include`` with explicit
  ``concept`` lists (and ``compose.exclude`` the same way). Anything that needs a
  terminology server (a ``filter``, a whole code system, another ``valueSet``) is
  refused with a message saying to expand the value set first;
- an OHDSI **ATLAS concept set expression** (``{"items": [...]}``, or the concept
  set export that wraps it in ``"expression"``): each item's concept with its
  ``VOCABULARY_ID`` and ``CONCEPT_CODE``, ``isExcluded`` and
  ``includeDescendants``. Descendants come from a CONCEPT_ANCESTOR table (and
  their codes from CONCEPT), read from a vocabulary folder when one is given;
  without it an item with descendants is an error;
- a **CSV code list** with a header ``system,code`` (and optionally ``display``):
  ``system`` is a FHIR system URI or OID, or one of the short prefixes.

Every code becomes an exact ``SYSTEM:CODE`` member (no prefix matching) through
the one table of systems, :mod:`trialrules.formats.systems`, and the set records
where it came from in :attr:`CodeSet.source`. The rules are in docs/fhir.md.

>>> vs = {"resourceType": "ValueSet", "name": "Colon", "expansion": {"contains": [
...     {"system": "http://snomed.info/sct", "code": "93761005", "display": "colon cancer",
...      "contains": [{"system": "http://snomed.info/sct", "code": "109838007"}]}]}}
>>> sorted(codeset_from_valueset(vs).codes)
['SNOMED:109838007', 'SNOMED:93761005']
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from ..values.codes import CodeSet
from ..values.errors import InvalidCriterion, InvalidDocument
from .systems import PREFIXES, system_prefix, vocabulary_prefix

__all__ = [
    "MAX_VALUESET_BYTES",
    "InvalidValueSet",
    "codeset_from_atlas",
    "codeset_from_csv",
    "codeset_from_document",
    "codeset_from_valueset",
    "load_codeset",
]

#: A value-set file is at most this many bytes (a large VSAC expansion is a few MB).
MAX_VALUESET_BYTES: Final = 50_000_000
#: Nested ``contains`` entries go at most this deep.
_MAX_DEPTH: Final = 64
_NEEDS_SERVER: Final = ("expand the value set first (a terminology server's $expand, or VSAC's "
                        "expansion download) and load the expansion")


class InvalidValueSet(InvalidDocument):
    """A value-set, concept-set or code-list file that cannot become a code set.

    ``path`` names the file and the place in it (``malignancy.json: $.compose.include[0]``).
    """


def _fail(where: str, path: str, value: Any, expected: str) -> InvalidValueSet:
    return InvalidValueSet(f"{where}: {path}" if where else path, value, expected)


def _code(where: str, path: str, system: Any, code: Any) -> str:
    """``SYSTEM:CODE`` from a system URI and a code, both checked."""
    if not isinstance(system, str) or not system or any(c.isspace() for c in system):
        raise _fail(where, f"{path}.system", system, "a code system URI without whitespace")
    if not isinstance(code, str) or not code or any(c.isspace() for c in code):
        raise _fail(where, f"{path}.code", code, "a code (a non-empty string without whitespace)")
    full = f"{system_prefix(system)}:{code}"
    try:
        CodeSet("x", codes=[full])
    except InvalidCriterion:
        raise _fail(where, f"{path}.system", system,
                    "a system whose short name or URI can prefix a code") from None
    return full


def _name(data: Mapping[str, Any], name: str | None, fallback: str) -> str:
    if name is not None:
        return name
    for key in ("title", "name", "id"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return fallback


# -- FHIR ValueSet -------------------------------------------------------------


def codeset_from_valueset(valueset: Mapping[str, Any], *, name: str | None = None,
                          where: str = "") -> CodeSet:
    """A code set from a FHIR R4 ValueSet resource (parsed JSON).

    The expansion is used when there is one (``abstract`` entries, which only
    group others, are left out; ``inactive`` codes are kept, since older records
    carry them); otherwise the ``compose`` with explicit concept lists. ``name``
    defaults to the ValueSet's title, name or id; ``where`` names the file in errors.
    """
    if not isinstance(valueset, Mapping) or valueset.get("resourceType") != "ValueSet":
        got = valueset.get("resourceType") if isinstance(valueset, Mapping) else valueset
        raise _fail(where, "$.resourceType", got, '"ValueSet" (a FHIR R4 ValueSet resource)')
    url = valueset.get("url")
    version = valueset.get("version")
    ident = (f"{url}|{version}" if isinstance(url, str) and isinstance(version, str)
             else url if isinstance(url, str) else None)
    expansion = valueset.get("expansion")
    if expansion is not None:
        if not isinstance(expansion, Mapping):
            raise _fail(where, "$.expansion", expansion, "an object")
        contains = expansion.get("contains", [])
        codes = list(_contains(where, contains, "$.expansion.contains", 0))
        _whole(where, expansion, contains)
        how = "expansion"
    else:
        compose = valueset.get("compose")
        if not isinstance(compose, Mapping):
            raise _fail(where, "$.compose", compose,
                        "an expansion or a compose: the ValueSet lists no codes")
        included = _compose(where, compose.get("include"), "$.compose.include", required=True)
        excluded = set(_compose(where, compose.get("exclude", []), "$.compose.exclude",
                                required=False))
        codes = [c for c in included if c not in excluded]
        how = "compose"
    source = "FHIR ValueSet" + (f" {ident}" if ident else "")
    source += f" ({how}{', ' + where if where else ''})"
    return CodeSet(_name(valueset, name, "value set"), codes=codes, source=source)


def _whole(where: str, expansion: Mapping[str, Any], contains: Any) -> None:
    """A page of a paged expansion (``offset`` past 0, or fewer entries than ``total``) would
    silently lose the codes of the other pages: refused."""
    offset = expansion.get("offset", 0)
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise _fail(where, "$.expansion.offset", offset, "a whole number >= 0")
    total = expansion.get("total")
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        raise _fail(where, "$.expansion.total", total, "a whole number >= 0")
    entries = _count(contains)
    if offset or (total is not None and total > entries):
        raise _fail(where, "$.expansion", f"entries {offset + 1} to {offset + entries} of "
                    f"{total if total is not None else '?'}",
                    "the whole expansion: this is one page of a paged $expand; expand again "
                    "without count/offset (or join the pages) and load that")


def _count(items: Any) -> int:
    """Entries of an expansion, nested ones included (what FHIR's ``total`` counts)."""
    if not isinstance(items, list):
        return 0
    return sum(1 + _count(i.get("contains")) for i in items if isinstance(i, Mapping))


def _contains(where: str, items: Any, path: str, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        raise _fail(where, path, "...", f"contains nested at most {_MAX_DEPTH} levels deep")
    if not isinstance(items, list):
        raise _fail(where, path, items, "a list of expansion entries")
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            raise _fail(where, here, item, "an expansion entry (an object)")
        abstract = item.get("abstract", False)
        if not isinstance(abstract, bool):
            raise _fail(where, f"{here}.abstract", abstract, "true or false")
        if item.get("code") is not None and not abstract:
            yield _code(where, here, item.get("system"), item.get("code"))
        elif item.get("code") is None and item.get("system") is not None and "contains" not in item:
            raise _fail(where, f"{here}.code", None, "a code for an entry that names a system")
        if "contains" in item:
            yield from _contains(where, item["contains"], f"{here}.contains", depth + 1)


def _compose(where: str, items: Any, path: str, *, required: bool) -> list[str]:
    if not isinstance(items, list) or (required and not items):
        raise _fail(where, path, items, "a non-empty list of include entries" if required
                    else "a list of exclude entries")
    out: list[str] = []
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            raise _fail(where, here, item, "an include entry (an object)")
        if item.get("filter"):
            raise _fail(where, f"{here}.filter", item["filter"],
                        f"explicit concept lists: a filter needs a terminology server; "
                        f"{_NEEDS_SERVER}")
        if item.get("valueSet"):
            raise _fail(where, f"{here}.valueSet", item["valueSet"],
                        f"explicit concept lists: another value set needs resolving; "
                        f"{_NEEDS_SERVER}")
        concepts = item.get("concept")
        if concepts is None:
            raise _fail(where, f"{here}.concept", None,
                        f"an explicit concept list: without one the entry means every code of "
                        f"{item.get('system')!r}; {_NEEDS_SERVER}")
        if not isinstance(concepts, list):
            raise _fail(where, f"{here}.concept", concepts, "a list of concepts")
        for j, concept in enumerate(concepts):
            if not isinstance(concept, Mapping):
                raise _fail(where, f"{here}.concept[{j}]", concept, "a concept (an object)")
            out.append(_code(where, f"{here}.concept[{j}]", item.get("system"),
                             concept.get("code")))
    return out


# -- OHDSI ATLAS concept set expression -----------------------------------------


def _upper_keys(value: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).upper(): v for k, v in value.items()}


def codeset_from_atlas(expression: Mapping[str, Any], *, name: str | None = None,
                       vocabulary: str | Path | None = None, where: str = "") -> CodeSet:
    """A code set from an OHDSI ATLAS concept set expression (parsed JSON).

    Accepts ``{"items": [...]}`` or a concept set export ``{"name", "expression":
    {"items": [...]}}``. Each item's concept gives ``CONCEPT_ID``, ``VOCABULARY_ID``
    and ``CONCEPT_CODE`` (keys in any case). Included concepts (with their
    descendants when ``includeDescendants``) minus excluded ones (likewise) become
    exact codes. ``vocabulary`` is a folder holding the OMOP vocabulary tables
    ``CONCEPT_ANCESTOR.csv`` and ``CONCEPT.csv`` (Athena's tab-separated files, or
    comma-separated); it is needed only when an item includes descendants.
    """
    if not isinstance(expression, Mapping):
        raise _fail(where, "$", expression, "a concept set expression (a JSON object)")
    outer = expression
    if "expression" in expression and "items" not in expression:
        expression = expression["expression"]
        if not isinstance(expression, Mapping):
            raise _fail(where, "$.expression", expression, "a concept set expression object")
        base = "$.expression.items"
    else:
        base = "$.items"
    items = expression.get("items")
    if not isinstance(items, list):
        raise _fail(where, base, items, "a list of concept set items")
    known: dict[int, str] = {}  # concept_id -> SYSTEM:CODE
    wanted: list[tuple[int, bool, bool]] = []  # (concept_id, excluded, descendants)
    for i, item in enumerate(items):
        here = f"{base}[{i}]"
        if not isinstance(item, Mapping):
            raise _fail(where, here, item, "a concept set item (an object)")
        flags = {}
        for key in ("isExcluded", "includeDescendants", "includeMapped"):
            flag = item.get(key, False)
            if not isinstance(flag, bool):
                raise _fail(where, f"{here}.{key}", flag, "true or false")
            flags[key] = flag
        if flags["includeMapped"]:
            raise _fail(where, f"{here}.includeMapped", True,
                        "false: mapped concepts need CONCEPT_RELATIONSHIP; resolve the concept "
                        "set in ATLAS (its included source codes) or list them as items")
        concept = item.get("concept")
        if not isinstance(concept, Mapping):
            raise _fail(where, f"{here}.concept", concept, "a concept (an object)")
        c = _upper_keys(concept)
        cid = c.get("CONCEPT_ID")
        if not isinstance(cid, int) or isinstance(cid, bool):
            raise _fail(where, f"{here}.concept.CONCEPT_ID", cid, "a whole number")
        vocab, code = c.get("VOCABULARY_ID"), c.get("CONCEPT_CODE")
        if vocab is not None or code is not None:
            if not isinstance(vocab, str) or not vocab.strip():
                raise _fail(where, f"{here}.concept.VOCABULARY_ID", vocab, "a vocabulary id")
            known[cid] = _code(where, f"{here}.concept", vocabulary_prefix(vocab), code)
        wanted.append((cid, flags["isExcluded"], flags["includeDescendants"]))
    descendants: dict[int, set[int]] = {}
    need = {cid for cid, _, with_desc in wanted if with_desc}
    unknown = {cid for cid, _, _ in wanted if cid not in known}
    if need or unknown:
        if vocabulary is None:
            what = (f"concept {min(need)} includes descendants" if need
                    else f"concept {min(unknown)} has no VOCABULARY_ID/CONCEPT_CODE")
            raise _fail(where, base, f"{what}",
                        "a vocabulary folder with CONCEPT_ANCESTOR.csv and CONCEPT.csv "
                        "(vocabulary=... / --vocabulary) to resolve it, or items that list "
                        "every concept with includeDescendants false")
        folder = Path(vocabulary)
        if need:
            descendants = _ancestors(folder, need)
        ids = set(unknown)
        for found in descendants.values():
            ids |= found - known.keys()
        known.update(_concept_codes(folder, ids))
    included: set[int] = set()
    excluded: set[int] = set()
    for cid, is_excluded, with_desc in wanted:
        members = {cid} | (descendants.get(cid, set()) if with_desc else set())
        (excluded if is_excluded else included).update(members)
    chosen = included - excluded
    missing = sorted(chosen - known.keys())
    if missing:
        raise _fail(where, base, missing[:5],
                    "concepts present in CONCEPT.csv (their vocabulary and code are needed)")
    source = "OHDSI concept set" + (f" {where}" if where else "")
    if need:
        source += f" (descendants from {Path(vocabulary).name if vocabulary else '?'})"
    return CodeSet(_name(outer, name, "concept set"), codes=[known[c] for c in chosen],
                   source=source)


def _table(folder: Path, name: str) -> Iterator[dict[str, str]]:
    path = folder / f"{name}.csv"
    if not path.is_file():
        raise _fail(str(folder), name, str(path), f"the OMOP vocabulary table {name}.csv")
    with open(path, newline="", encoding="utf-8") as stream:
        head = stream.readline()
        delimiter = "\t" if head.count("\t") > head.count(",") else ","
        header = [h.strip().lower() for h in next(csv.reader([head], delimiter=delimiter))]
        for row in csv.reader(stream, delimiter=delimiter):
            yield dict(zip(header, row, strict=False))


def _ancestors(folder: Path, ancestors: set[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {a: {a} for a in ancestors}
    for row in _table(folder, "CONCEPT_ANCESTOR"):
        try:
            ancestor = int(row["ancestor_concept_id"])
        except (KeyError, ValueError):
            raise _fail(str(folder), "CONCEPT_ANCESTOR.csv", row,
                        "columns ancestor_concept_id and descendant_concept_id") from None
        if ancestor in out:
            out[ancestor].add(int(row["descendant_concept_id"]))
    return out


def _concept_codes(folder: Path, ids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    if not ids:
        return out
    for row in _table(folder, "CONCEPT"):
        try:
            cid = int(row["concept_id"])
        except (KeyError, ValueError):
            raise _fail(str(folder), "CONCEPT.csv", row,
                        "columns concept_id, vocabulary_id and concept_code") from None
        if cid in ids:
            out[cid] = _code(str(folder), f"CONCEPT.csv concept {cid}",
                             vocabulary_prefix(row["vocabulary_id"]), row["concept_code"])
    return out


# -- CSV code list ------------------------------------------------------------------


def codeset_from_csv(text: str | Iterable[str], *, name: str, where: str = "") -> CodeSet:
    """A code set from a CSV code list with a header ``system,code`` (``display`` optional);
    without a header when the first line is already a code (its system a URI or a prefix).

    ``system`` is a FHIR system URI or OID (mapped through the systems table) or a
    short prefix such as ``SNOMED``; an unknown short name is an error (it would
    never match), an unknown URI is kept as it is, as the FHIR importer keeps it.

    >>> codeset_from_csv("system,code,display\\nSNOMED,93761005,colon cancer\\n", name="colon")
    CodeSet('colon', codes=['SNOMED:93761005'], source='CSV code list')
    """
    lines = io.StringIO(text) if isinstance(text, str) else text
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise _fail(where, "line 1", "", "a header line: system,code[,display]")
    columns = [h.strip().lower() for h in header]
    rows: Iterable[list[str]] = reader
    first = 2
    if columns and (":" in columns[0] or header[0].strip() in PREFIXES):
        # No header: the first line is already a code (its system is a URI or a prefix).
        columns = ["system", "code", "display"][:max(2, min(len(header), 3))]
        rows = itertools.chain([header], reader)
        first = 1
    elif columns[:2] != ["system", "code"] or len(columns) > 3 or (
            len(columns) == 3 and columns[2] != "display"):
        raise _fail(where, "line 1", ",".join(header),
                    "the header system,code or system,code,display (or no header: a first line "
                    "whose system is a URI or a short name)")
    codes = []
    for number, row in enumerate(rows, start=first):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 2 or len(row) > len(columns):
            raise _fail(where, f"line {number}", ",".join(row),
                        f"{len(columns)} columns: {','.join(columns)}")
        system, code = row[0].strip(), row[1].strip()
        if ":" not in system and system not in PREFIXES:
            raise _fail(where, f"line {number}.system", system,
                        f"a system URI or one of {', '.join(sorted(PREFIXES))}")
        codes.append(_code(where, f"line {number}", system, code))
    return CodeSet(name, codes=codes, source=f"CSV code list{' ' + where if where else ''}")


# -- files --------------------------------------------------------------------------


def codeset_from_document(data: Any, *, name: str | None = None,
                          vocabulary: str | Path | None = None, where: str = "") -> CodeSet:
    """A code set from parsed JSON: a FHIR ValueSet or an ATLAS concept set expression."""
    if isinstance(data, Mapping) and data.get("resourceType") == "ValueSet":
        return codeset_from_valueset(data, name=name, where=where)
    if isinstance(data, Mapping) and ("items" in data or "expression" in data):
        return codeset_from_atlas(data, name=name, vocabulary=vocabulary, where=where)
    raise _fail(where, "$", data if not isinstance(data, Mapping) else data.get("resourceType"),
                'a FHIR ValueSet ("resourceType": "ValueSet") or an OHDSI concept set '
                'expression ({"items": [...]})')


def load_codeset(path: str | Path, *, name: str | None = None,
                 vocabulary: str | Path | None = None) -> CodeSet:
    """A code set from a file: ``.csv`` is a code list, ``.json`` a FHIR ValueSet or an ATLAS
    concept set expression (told apart by content). A CSV set is named after the file
    unless ``name`` is given. ``OSError`` if the file cannot be read."""
    path = Path(path)
    where = path.name
    with open(path, "rb") as stream:
        raw = stream.read(MAX_VALUESET_BYTES + 1)
    if len(raw) > MAX_VALUESET_BYTES:
        raise _fail(where, "$", f"over {MAX_VALUESET_BYTES} bytes",
                    f"a file of at most {MAX_VALUESET_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(where, "$", f"byte 0x{raw[exc.start]:02x} at offset {exc.start}",
                    "UTF-8 text") from None
    if path.suffix.lower() == ".csv":
        return codeset_from_csv(text, name=name or path.stem, where=where)
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _fail(where, "$", str(exc)[:60], "valid JSON (or a .csv code list)") from None
    return codeset_from_document(data, name=name, vocabulary=vocabulary, where=where)
