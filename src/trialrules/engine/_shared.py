"""Explanations shared across evaluations: frozen nodes that recur across a population.

A flag recorded as false, a washout with nothing in its window and a complete
history, a group whose parts are all such shared nodes: their explanation is the
same value for many patients. Building it once and handing out the same frozen
object saves the work and the memory; equality, hashing and output are unchanged.
"""

from __future__ import annotations

from typing import Any, Final

from .explanations import Explanation

__all__: list[str] = []

#: Shared explanations by key; a key starts with id(criterion), and the entry holds the
#: criterion, so that id is not reused while the entry exists. Entries are never removed.
_BY_KEY: dict[tuple[Any, ...], tuple[object, Explanation]] = {}
#: ids of the shared explanations (alive while held above, so an id here is that object).
_IDS: set[int] = set()
_MAX: Final = 20_000


def recall(criterion: object, key: tuple[Any, ...]) -> Explanation | None:
    """The shared explanation for this key, if one was remembered for this very criterion."""
    hit = _BY_KEY.get(key)
    if hit is not None and hit[0] is criterion:
        return hit[1]
    return None


def remember(criterion: object, key: tuple[Any, ...], explanation: Explanation) -> Explanation:
    """Keep ``explanation`` for ``key`` (while there is room) and return it."""
    if len(_BY_KEY) < _MAX and key not in _BY_KEY:
        _BY_KEY[key] = (criterion, explanation)
        _IDS.add(id(explanation))
    return explanation


def all_shared(explanations: tuple[Explanation, ...]) -> bool:
    """Whether every one of these is a shared explanation (so their ids identify them)."""
    ids = _IDS
    for e in explanations:  # noqa: SIM110 (a plain loop: no generator on this hot path)
        if id(e) not in ids:
            return False
    return True
