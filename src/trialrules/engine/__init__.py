"""The engine: the extension interface of criterion kinds, evaluation and explanation.

Everything a criterion kind (or value source) defined outside the package
needs is importable from here; docs/how-to/custom-kind.md walks through one.

- :class:`Criterion` / :class:`Source`: the bases a kind implements;
- :func:`register`: make a kind known by its JSON tag;
- :func:`meta` and the codecs in :mod:`trialrules.engine.codec`: declare fields once;
- :class:`Context`, :class:`Trace`: what ``judge(ctx, why)`` receives;
- :class:`Reads`: the facts a kind looks at;
- :class:`Finding`, :func:`finding`, :func:`declare`: lint findings of a kind.
"""

from . import codec
from .context import Context
from .criterion import Criterion
from .explanations import Evidence, Explanation
from .fields import meta
from .findings import ERROR, WARNING, Finding, declare, finding
from .reads import Reads
from .registry import kinds, register, sources, unregister
from .source import Reading, Source
from .trace import Memo, Trace, consult, explain, judge_child

__all__ = [
    "ERROR",
    "WARNING",
    "Context",
    "Criterion",
    "Evidence",
    "Explanation",
    "Finding",
    "Memo",
    "Reading",
    "Reads",
    "Source",
    "Trace",
    "codec",
    "consult",
    "declare",
    "explain",
    "finding",
    "judge_child",
    "kinds",
    "meta",
    "register",
    "sources",
    "unregister",
]
