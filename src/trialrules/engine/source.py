"""The value source base: where a value criterion's value comes from (age, sex, an observation).

A source kind is, like a criterion kind, one registered frozen attrs class
with a ``kind`` tag and declared fields, and ONE reading method,
``read(ctx, explain)``: the possible values and what is missing, plus (when
``explain`` is true) the texts and evidence an explanation shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, ClassVar, NamedTuple

import attrs

from ..values.domains import Domain
from .codec import source_to_dict
from .context import Context
from .explanations import Evidence
from .fields import field_repr
from .reads import Reads

__all__ = ["Reading", "Source"]


class Reading(NamedTuple):
    """What a source found: the values it could be, whether it might be absent, and why.

    ``values`` holds every value the fact could take given partial dates; an
    empty tuple with ``missing`` set means nothing was recorded. ``precise``
    names the fact that would pick one value when the possible values disagree.
    ``texts`` (one per value) and ``evidence`` are filled when explaining; when
    ``values`` is a ``range`` (a run of whole numbers such as the possible ages),
    one text stands for the whole run. With no values and ``missing`` set, a
    text (when given) says in words what was found instead ("only 1 observation
    of weight ... is recorded (a change needs two)").
    """

    values: Sequence[Any]
    texts: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    missing: str | None = None
    precise: str | None = None
    #: True when the source has checked that every value is a finite number (a value
    #: checked against a numeric domain, a whole number of years), so a numeric
    #: criterion need not check each again.
    numbers: bool = False


@attrs.frozen(repr=False)
class Source:
    """Base of value sources; concrete ones are registered frozen attrs classes."""

    _role: ClassVar[str] = "source"
    #: The JSON tag of the source (``"latest"``).
    kind: ClassVar[str]
    #: How documents write it, for error messages (``{"kind": "sex"}``).
    example: ClassVar[str]
    #: What it is, for error messages (``a sex source``).
    what: ClassVar[str]

    def read(self, ctx: Context, explain: bool = True) -> Reading:
        """The possible values on ``ctx``; with ``explain``, also their texts and evidence."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement read(ctx, explain), the one reading "
            "method of a value source (docs/how-to/custom-kind.md)")

    def describe(self, domains: Mapping[str, Domain] | None = None) -> str:
        """What the value is, in words (``latest EDSS``)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement describe()")

    # -- the testing toolkit's hooks (boundary cases, the case deck, records_for) -----------

    def missing_facts(self) -> Mapping[Any, Any] | None:
        """The facts of a record (keyed as in ``trialrules.testing.facts``) in which this
        source has nothing recorded: its "missing fact" boundary case, where a criterion on
        it is UNKNOWN. None: it reads a value from any record (a count of what is
        recorded reads 0 from none), so it has no such case."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement missing_facts(), the facts in which it "
            "has nothing recorded (needed for boundary cases; docs/how-to/custom-kind.md)")

    def value_facts(self, value: Any, as_of: date) -> Mapping[Any, Any] | None:
        """The facts of a record in which this source reads exactly ``value`` on ``as_of``
        (None: no record can make it read that value); the boundary values are chosen
        from the criterion's bounds and this source's domain."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement value_facts(value, as_of), the facts "
            "in which it reads a value (needed for boundary cases; docs/how-to/custom-kind.md)")

    def domain(self, domains: Mapping[str, Domain] | None = None) -> Domain | None:
        """The declared domain of this source's values, if any."""
        return None

    def unit_in(self, domains: Mapping[str, Domain] | None = None) -> str | None:
        """The UCUM unit every value is converted to (an observation domain's), if any;
        bounds are shown with it."""
        return None

    def reads(self) -> Reads:
        """The facts of a record this source looks at."""
        raise NotImplementedError(f"{type(self).__name__} does not implement reads()")

    def short_repr(self) -> str:
        """The repr inside a criterion's repr (a bare code string where that reads back)."""
        return repr(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, from the declared fields."""
        return source_to_dict(self)

    def __repr__(self) -> str:
        return field_repr(self)
