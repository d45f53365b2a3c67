"""Sex: administrative sex as recorded."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ...engine.context import Context
from ...engine.explanations import Evidence
from ...engine.reads import Reads
from ...engine.registry import register
from ...engine.source import Reading, Source
from ...values.domains import Domain

__all__ = ["Sex"]


@register
@attrs.frozen(repr=False)
class Sex(Source):
    """Administrative sex as recorded; "unknown" counts as not recorded.

    >>> Sex()
    Sex()
    """

    kind = "sex"
    example = '{"kind": "sex"}'
    what = "a sex source"

    def read(self, ctx: Context, explain: bool = True) -> Reading:
        sex = ctx.record.sex
        if sex is None or sex == "unknown":
            return Reading((), missing="sex")
        if not explain:
            return Reading((sex,))
        return Reading((sex,), (f"sex {sex}",), (Evidence("sex", value=sex),))

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        return "sex"

    def reads(self) -> Reads:
        return Reads(sex=True)
