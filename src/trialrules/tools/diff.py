"""Differences between two versions of a protocol: what an amendment changed.

Criteria are matched by id. For a changed criterion each difference is named
by the node it is on (``exclusion.2.1``: the first child of exclusion 2) and
the field (``high``, ``high_inclusive``, ``span``, ``codes.prefixes``, ``label``).

>>> from trialrules.protocols import get
>>> old = get("NCT06228781")
>>> new = attrs.evolve(old, inclusion=[old.inclusion[2].evolve(high=6.5)])
>>> print(diff(old, new).changed[0])
inclusion.3: high 6 -> 6.5
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import attrs

from ..engine.criterion import Criterion
from ..engine.fields import specs
from ..formats.protocols import criterion_from_dict, criterion_to_dict
from ..protocol.protocol import Protocol
from ..values.checks import SPAN_UNITS
from ..values.dates import Span
from ..values.errors import TrialRulesError
from ..values.text import escape

__all__ = ["Change", "ProtocolDiff", "diff"]

_SPAN_KEYS: Final = frozenset(SPAN_UNITS)


#: Fields holding prose: always shown quoted.
_PROSE: Final = frozenset({"label", "text", "title", "codes.name"})


def _show(value: Any, quote: bool = False) -> str:
    """A field's value as a reviewer reads it: spans as "1 month", lists joined."""
    if quote and isinstance(value, str):
        return repr(value)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        if set(value) <= _SPAN_KEYS:
            return str(Span(**value))
        if value.get("kind") == "latest":
            within = f" within {Span(**value['within'])}" if "within" in value else ""
            return f"latest {value['code']}{within}"
        if value.get("kind") == "age" and set(value) <= {"kind", "unit"}:
            unit = value.get("unit", "years")
            return "age" if unit == "years" else f"age in {unit}"
        if set(value) == {"kind"}:
            return str(value["kind"])
        if "kind" in value:  # a whole sub-criterion that was added or removed
            try:
                return f'"{criterion_from_dict(value).describe()}"'
            except TrialRulesError:  # not a criterion (a source of a kind shown above or new)
                return json.dumps(value, sort_keys=True, ensure_ascii=True)

    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(value) if " " in value or not value else value
    return str(value)


@attrs.frozen
class Change:
    """One difference: on node ``path`` of criterion ``criterion``, ``field`` went old -> new.

    ``old`` and ``new`` are JSON-ready. Code set members also say which were
    ``added`` and ``removed``.
    """

    criterion: str
    path: str
    field: str
    old: Any
    new: Any

    @property
    def added(self) -> list[Any]:
        """Members in ``new`` but not in ``old`` (for list-valued fields)."""
        if isinstance(self.old, list) and isinstance(self.new, list):
            return [v for v in self.new if v not in self.old]
        return []

    @property
    def removed(self) -> list[Any]:
        """Members in ``old`` but not in ``new`` (for list-valued fields)."""
        if isinstance(self.old, list) and isinstance(self.new, list):
            return [v for v in self.old if v not in self.new]
        return []

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable keys."""
        out = {"criterion": self.criterion, "path": self.path, "field": self.field,
               "old": self.old, "new": self.new}
        if isinstance(self.old, list) and isinstance(self.new, list):
            out.update(added=self.added, removed=self.removed)
        return out

    def __str__(self) -> str:
        if isinstance(self.old, list) and isinstance(self.new, list):
            parts = [f"+{_show(v)}" for v in self.added] + [f"-{_show(v)}" for v in self.removed]
            return escape(f"{self.path}: {self.field} {' '.join(parts)}")
        quote = self.field in _PROSE
        return escape(f"{self.path}: {self.field} {_show(self.old, quote)} -> "
                      f"{_show(self.new, quote)}")


@attrs.frozen
class ProtocolDiff:
    """What changed from ``old`` to ``new``: criteria added, removed and changed, by id."""

    old: Protocol
    new: Protocol
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[Change, ...]

    @property
    def changed_ids(self) -> tuple[str, ...]:
        """Top-level ids of the changed criteria (protocol-level changes under ``$``), in order."""
        return tuple(dict.fromkeys(c.criterion for c in self.changed))

    def _by_criterion(self) -> dict[str, list[Change]]:
        """The changes grouped by top-level criterion id, in order (one pass)."""
        out: dict[str, list[Change]] = {}
        for change in self.changed:
            out.setdefault(change.criterion, []).append(change)
        return out

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: added and removed criteria in full, changes field by field."""
        old_index, new_index = _index(self.old), _index(self.new)

        def entry(protocol: Protocol, index: Mapping[str, tuple[str, Criterion]],
                  criterion_id: str) -> dict[str, Any]:
            section, criterion = index[criterion_id]
            return {"id": criterion_id, "section": section,
                    "description": criterion.describe(protocol.domains),
                    "criterion": criterion_to_dict(criterion)}

        changed = []
        for cid, changes in self._by_criterion().items():
            item: dict[str, Any] = {"id": cid, "changes": [c.to_dict() for c in changes]}
            if cid != "$":
                item["old_description"] = old_index[cid][1].describe(self.old.domains)
                item["new_description"] = new_index[cid][1].describe(self.new.domains)
            changed.append(item)
        return {
            "old": {"id": self.old.id, "title": self.old.title},
            "new": {"id": self.new.id, "title": self.new.title},
            "added": [entry(self.new, new_index, i) for i in self.added],
            "removed": [entry(self.old, old_index, i) for i in self.removed],
            "changed": changed,
        }

    def __str__(self) -> str:
        if not self:
            return f"no differences between {self.old.id} and {self.new.id}"
        old_index, new_index = _index(self.old), _index(self.new)
        lines = [f"{self.old.id} -> {self.new.id}"]
        for cid in self.removed:
            c = old_index[cid][1]
            lines.append(f"removed {cid}: {c.describe(self.old.domains)}")
        for cid in self.added:
            c = new_index[cid][1]
            lines.append(f"added {cid}: {c.describe(self.new.domains)}")
        for cid, changes in self._by_criterion().items():
            lines.append("changed protocol:" if cid == "$" else f"changed {cid}:")
            lines += [f"  {c}" for c in changes]
            if cid != "$":
                lines.append(f"  was: {old_index[cid][1].describe(self.old.domains)}")
                lines.append(f"  now: {new_index[cid][1].describe(self.new.domains)}")
        return "\n".join(escape(line) for line in lines)


def _index(protocol: Protocol) -> dict[str, tuple[str, Criterion]]:
    """Each top-level criterion by id, with its section: built once, so matching is linear."""
    out: dict[str, tuple[str, Criterion]] = {}
    for section, criteria in (("inclusion", protocol.inclusion), ("exclusion", protocol.exclusion)):
        for criterion in criteria:
            out[criterion.id or ""] = (section, criterion)
    return out


def diff(old: Protocol, new: Protocol) -> ProtocolDiff:
    """Compare two versions of a protocol criterion by criterion (matched by id)."""
    old_index, new_index = _index(old), _index(new)
    new_ids = [c.id or "" for c in new.criteria]
    old_ids = [c.id or "" for c in old.criteria]
    changes: list[Change] = []
    for field in ("id", "title"):
        if getattr(old, field) != getattr(new, field):
            changes.append(Change("$", "$", field, getattr(old, field), getattr(new, field)))
    for code in sorted(set(old.domains) | set(new.domains)):
        a, b = old.domains.get(code), new.domains.get(code)
        if a != b:
            changes.append(Change("$", "$", f"domains.{code}", None if a is None else a.to_dict(),
                                  None if b is None else b.to_dict()))
    for name in sorted(set(old.vocabulary) | set(new.vocabulary)):
        a, b = old.vocabulary.get(name), new.vocabulary.get(name)
        if a != b:
            changes.append(Change("$", "$", f"vocabulary.{name}", list(a or []), list(b or [])))
    for cid in new_ids:
        if cid not in old_index:
            continue
        (old_section, was), (new_section, now) = old_index[cid], new_index[cid]
        if old_section != new_section:
            changes.append(Change(cid, cid, "section", old_section, new_section))
        changes += _compare(cid, cid, was, now)
    return ProtocolDiff(
        old, new,
        added=tuple(i for i in new_ids if i not in old_index),
        removed=tuple(i for i in old_ids if i not in new_index),
        changed=tuple(changes),
    )


def _fields(criterion: Criterion) -> tuple[frozenset[str], dict[str, Any]]:
    """From the kind's declared fields: the keys holding sub-criteria (compared node by
    node) and the JSON of each default (a key a document leaves out compares as it)."""
    fields = specs(type(criterion))
    nested = frozenset(s.json for s in fields if s.codec.nested)
    defaults = {s.json: None if s.default is None else s.codec.dump(s.default)
                for s in fields if not s.required}
    return nested, defaults


def _compare(top: str, path: str, old: Criterion, new: Criterion) -> list[Change]:
    a, b = criterion_to_dict(old), criterion_to_dict(new)
    if a["kind"] != b["kind"]:
        return [Change(top, path, "kind", a["kind"], b["kind"])]
    nested, defaults = _fields(new)
    out: list[Change] = []
    for key in sorted((set(a) | set(b)) - nested - {"kind"}):
        x: Any = a.get(key, defaults.get(key))
        y: Any = b.get(key, defaults.get(key))
        if x == y:
            continue
        if key == "codes":
            for part in ("name", "prefixes", "codes"):
                empty = "" if part == "name" else []
                if x.get(part, empty) != y.get(part, empty):
                    out.append(Change(top, path, f"codes.{part}", x.get(part, empty),
                                      y.get(part, empty)))
        else:
            out.append(Change(top, path, key, x, y))
    old_kids, new_kids = _kids(old), _kids(new)
    for i in range(max(len(old_kids), len(new_kids))):
        if i >= len(new_kids):
            kid = old_kids[i]
            out.append(Change(top, _child_path(path, i, kid), "removed", criterion_to_dict(kid),
                              None))
        elif i >= len(old_kids):
            kid = new_kids[i]
            out.append(Change(top, _child_path(path, i, kid), "added", None,
                              criterion_to_dict(kid)))
        else:
            out += _compare(top, _child_path(path, i, new_kids[i]), old_kids[i], new_kids[i])
    return out


def _kids(criterion: Criterion) -> tuple[Criterion, ...]:
    return criterion.children


def _child_path(path: str, index: int, child: Criterion) -> str:
    return child.id or f"{path}.{index + 1}"
