"""The registry of criterion kinds and value sources, by their JSON tag.

Every kind the library knows, built in or defined elsewhere, is registered
here once with :func:`register`; the protocol reader and writer, the JSON
Schema, ``diff`` and ``lint`` find kinds here, so nothing else lists them.

>>> from trialrules.engine.registry import kinds
>>> sorted(kinds())[:4]
['all_of', 'anchored', 'any_observation', 'any_of']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from ..values.errors import TrialRulesError

__all__ = ["RESERVED_TAGS", "is_registered", "kind_class", "kinds", "register", "source_class",
           "sources", "unregister"]

T = TypeVar("T", bound=type)

#: Registered criterion kinds and value sources by JSON tag, in registration order.
#: This is the extension point itself (what exists), not a cache of computed values.
_KINDS: dict[str, type] = {}
_SOURCES: dict[str, type] = {}
#: Names the protocol schema gives its own definitions (``$defs``), beside one per criterion
#: kind's tag: a kind may not take one (its entry would replace that definition).
RESERVED_TAGS: frozenset[str] = frozenset({
    "code", "codeset", "criteria", "criterion", "domain", "number", "source", "span", "text"})


def _table(cls: type) -> dict[str, type]:
    role = getattr(cls, "_role", None)
    if role == "criterion":
        return _KINDS
    if role == "source":
        return _SOURCES
    raise TrialRulesError(
        f"cannot register {cls.__name__}: it is neither a Criterion nor a Source subclass")


def register(cls: T) -> T:
    """Register a criterion kind or value source class under its ``kind`` tag (a decorator).

    The class must be a frozen attrs subclass of ``Criterion`` (or ``Source``)
    with a ``kind`` class attribute: the tag its JSON documents carry.
    Registering another class under a tag already taken is an error.
    """
    table = _table(cls)
    tag = cls.__dict__.get("kind")
    if not isinstance(tag, str) or not tag or not tag.replace("_", "a").isalnum() \
            or not tag[0].isalpha() or tag != tag.lower():
        raise TrialRulesError(
            f"{cls.__name__} needs a class attribute kind = 'snake_case_tag' (the JSON tag "
            f"of its documents), not {tag!r}")
    if "__attrs_attrs__" not in cls.__dict__:  # its own: a plain subclass inherits its base's
        raise TrialRulesError(f"{cls.__name__} must be an attrs class (@attrs.frozen) "
                              "so that its fields are declared")
    if table is _KINDS and tag in RESERVED_TAGS:
        raise TrialRulesError(
            f"{cls.__name__} cannot take the kind tag {tag!r}: the protocol schema names one "
            f"of its own definitions so (taken: {', '.join(sorted(RESERVED_TAGS))})")
    known = table.get(tag)
    if known is not None and known is not cls and (
            known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
        raise TrialRulesError(f"the kind {tag!r} is already registered to "
                              f"{known.__module__}.{known.__qualname__}")
    table[tag] = cls
    return cls


def unregister(cls: type) -> None:
    """Remove a registered class (for tests of kinds defined outside the package)."""
    table = _table(cls)
    tag = cls.__dict__.get("kind")
    if table.get(tag) is cls:  # type: ignore[arg-type]
        del table[tag]  # type: ignore[arg-type]


def is_registered(cls: type) -> bool:
    """Whether ``cls`` is the class registered under its own tag, or that class as it was
    before its module was reloaded (``importlib.reload`` makes a new class of the same
    module and name, which replaces it here; objects built before still hold the old one)."""
    tag = cls.__dict__.get("kind")
    found = _table(cls).get(tag) if isinstance(tag, str) else None
    return found is cls or (found is not None and (found.__module__, found.__qualname__)
                            == (cls.__module__, cls.__qualname__))


def kinds() -> Mapping[str, type]:
    """Every registered criterion kind by tag (a read-only view)."""
    return _View(_KINDS)


def sources() -> Mapping[str, type]:
    """Every registered value source by tag (a read-only view)."""
    return _View(_SOURCES)


def kind_class(tag: str) -> type | None:
    """The criterion class registered under ``tag``, if any."""
    return _KINDS.get(tag)


def source_class(tag: str) -> type | None:
    """The source class registered under ``tag``, if any."""
    return _SOURCES.get(tag)


class _View(Mapping[str, type]):
    __slots__ = ("_data",)

    def __init__(self, data: dict[str, type]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> type:
        return self._data[key]

    def __iter__(self) -> Any:
        return iter(list(self._data))

    def __len__(self) -> int:
        return len(self._data)
