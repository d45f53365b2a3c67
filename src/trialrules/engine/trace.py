"""The explanation trace: how one evaluation method both decides and explains.

A kind implements one method, ``judge(ctx, why)``. Deciding calls it with
``why=None``; explaining passes a :class:`Trace` for the node, and the method
records its reason, evidence and missing facts on it (``why.because(...)``)
and evaluates its sub-criteria through it (``why.child(...)``). It is the same
code either way, so the outcome of ``decide`` and the outcome in an
explanation cannot drift apart.

:class:`Memo` holds what the evaluations of one batch share (one set of
criteria, one ``as_of``): window starts, rendered phrases and explanation
nodes that recur across patients. It lives in the evaluation or batch object
and goes away with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..values.outcomes import Outcome
from .explanations import Evidence, Explanation

if TYPE_CHECKING:
    from .context import Context
    from .criterion import Criterion

__all__ = ["Memo", "Trace", "consult", "explain", "judge_child"]

#: Shared explanation nodes a memo keeps at most (a bound on memory for huge batches).
_MAX_NODES = 20_000

T = TypeVar("T")

_blank = object.__new__


class Memo:
    """Work the evaluations of one batch share; made per evaluation or batch, never global.

    ``values`` maps keys (tuples starting with a name) to computed values;
    ``plans`` and ``derived`` hold what a criterion or source works out once
    from its own fields and the evaluation's constants (:meth:`plan`) or from
    its fields alone (:meth:`derive`); ``nodes`` keeps
    explanation nodes that depend only on the criterion and a few facts (a
    flag recorded as false, an empty window with a complete history), so each
    is built once per batch. The memo holds the criteria its keys name, so
    their identities stay valid while it lives.
    """

    __slots__ = ("_shared", "derived", "nodes", "plans", "starts", "texts", "values")

    def __init__(self) -> None:
        self.values: dict[Any, Any] = {}
        self.plans: dict[int, tuple[Any, ...]] = {}
        self.derived: dict[int, tuple[Any, Any]] = {}
        #: Window starts by the span's id: (span, as_of, first day) (Context.window_start).
        self.starts: dict[int, tuple[Any, Any, Any]] = {}
        #: Date texts by the date's id: (date, text) (Context.text_of).
        self.texts: dict[int, tuple[Any, str]] = {}
        self.nodes: dict[tuple[Any, ...], tuple[object, Explanation]] = {}
        self._shared: set[int] = set()

    def derive(self, owner: Any, make: Callable[[Any], T]) -> T:
        """What ``owner`` derives from its own fields alone: ``make(owner)``, made once per
        batch. Keyed by the owner's identity; the entry holds the owner, so the id stays
        its own."""
        held = self.derived.get(id(owner))
        if held is not None and held[0] is owner:
            found: T = held[1]
            return found
        made = make(owner)
        self.derived[id(owner)] = (owner, made)
        return made

    def plan(self, owner: Any, ctx: Context, make: Callable[[Any, Context], T]) -> T:
        """What ``owner`` (a criterion or source) derives from its fields and the
        evaluation's constants (``as_of``, domains, vocabulary): ``make(owner, ctx)``,
        worked out once per batch.

        Keyed by the owner's identity; the entry holds the owner and those constants,
        so the id stays the owner's and a context with other constants gets its own.
        ``make`` must read nothing of the record.
        """
        held = self.plans.get(id(owner))
        if (held is not None and held[0] is owner and held[1] is ctx.domains
                and held[2] is ctx.vocabulary and held[3] == ctx.as_of):
            found: T = held[4]
            return found
        made = make(owner, ctx)
        self.plans[id(owner)] = (owner, ctx.domains, ctx.vocabulary, ctx.as_of, made)
        return made

    def value(self, key: Any, make: Callable[[], Any]) -> Any:
        """The value for ``key``, computed by ``make()`` the first time."""
        values = self.values
        found = values.get(key)
        if found is None:
            found = values[key] = make()
        return found

    def recall(self, criterion: object, key: tuple[Any, ...]) -> Explanation | None:
        hit = self.nodes.get(key)
        if hit is not None and hit[0] is criterion:
            return hit[1]
        return None

    def keep(self, criterion: object, key: tuple[Any, ...], node: Explanation) -> None:
        if len(self.nodes) < _MAX_NODES and key not in self.nodes:
            self.nodes[key] = (criterion, node)
            self._shared.add(id(node))

    def all_shared(self, nodes: list[Explanation]) -> bool:
        """Whether every node is one this memo keeps (so their identities name them)."""
        shared = self._shared
        for node in nodes:  # noqa: SIM110 (a plain loop: no generator on this hot path)
            if id(node) not in shared:
                return False
        return True


class Trace:
    """One node's explanation while its criterion is judged: reason, evidence, missing, children.

    Made by :func:`explain` for the node it explains (``ctx``, ``criterion``, ``node_id``).
    """

    ctx: Context
    criterion: Criterion
    node_id: str | None
    # Plain attributes with class-level defaults: a node sets only what it uses (this
    # object is made for every node of every explanation, so a leaf makes nothing more).
    reason: str = ""
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()
    #: The children's nodes so far, in order (a tuple: a leaf allocates none).
    children: tuple[Explanation, ...] = ()
    node: Explanation | None = None
    key: tuple[Any, ...] | None = None

    def because(self, reason: str, evidence: tuple[Evidence, ...] = (),
                missing: tuple[str, ...] = ()) -> None:
        """Record why the node has its outcome: one sentence, the facts used, the facts missing."""
        self.reason = reason
        self.evidence = evidence
        self.missing = missing

    def child(self, criterion: Criterion, index: int) -> Outcome:
        """Evaluate sub-criterion number ``index`` (from 1) as a child node of this one."""
        node_id = criterion.id
        if node_id is None:
            parent = self.node_id
            node_id = f"{parent}.{index}" if parent else str(index)
        node = explain(criterion, self.ctx, node_id)
        self.children += (node,)
        return node.outcome

    def recall(self, *key: Any) -> bool:
        """Whether the node for ``key`` is already known in this batch (then it is reused).

        Call it when the explanation depends only on the criterion, its node id
        and ``key``; otherwise the node built now is kept under that key. A node its
        kind's ``shared_key`` keyed already was looked up before judging: False.
        """
        if self.key is not None:
            return False
        criterion = self.criterion
        full = (id(criterion), self.node_id, *key)
        hit = self.ctx.shared.nodes.get(full)  # Memo.recall, inlined: every shared node passes
        if hit is not None and hit[0] is criterion:
            self.node = hit[1]
            return True
        self.key = full
        return False

    def recall_children(self) -> bool:
        """:meth:`recall` keyed by the children, when every child is a shared node."""
        shared = self.ctx.shared._shared
        children = self.children
        for node in children:
            if id(node) not in shared:
                return False
        return self.recall(*map(id, children))


def explain(criterion: Criterion, ctx: Context, node_id: str | None) -> Explanation:
    """Judge ``criterion`` with tracing on: its explanation node under ``node_id``.

    A kind that names the facts its node depends on (``Criterion.shared_key``) gets the
    node this batch already built for them, without judging again.
    """
    key = None
    if criterion.keyed:
        facts = criterion.shared_key(ctx)
        if facts is not None:
            key = (id(criterion), node_id, *facts)
            hit = ctx.shared.nodes.get(key)
            if hit is not None and hit[0] is criterion:
                return hit[1]
    why = _blank(Trace)  # no __init__ to run: three attributes, the rest class defaults
    why.ctx = ctx
    why.criterion = criterion
    why.node_id = node_id
    if key is not None:
        why.key = key
    outcome = criterion.judge(ctx, why)
    node = why.node
    if node is not None:
        return node
    node = Explanation(node_id, type(criterion).__name__, outcome, why.reason, criterion.label,
                       why.evidence, why.missing, why.children)
    if why.key is not None:
        ctx.shared.keep(criterion, why.key, node)
    return node


def judge_child(ctx: Context, why: Trace | None, criterion: Criterion, index: int) -> Outcome:
    """A sub-criterion's outcome: judged directly when deciding, as a child node when explaining."""
    if why is None:
        return criterion.judge(ctx, None)
    return why.child(criterion, index)


def consult(ctx: Context, why: Trace | None,
            criterion: Criterion) -> tuple[Outcome, Explanation | None]:
    """A criterion a node depends on but does not show as a child (its explanation, if tracing)."""
    if why is None:
        return criterion.judge(ctx, None), None
    node = explain(criterion, ctx, None)
    return node.outcome, node
