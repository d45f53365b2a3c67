"""Value domains: the values an observation code may take, declared once.

A value off its domain is bad input and raises; it is never compared. EDSS
runs 0 to 10 in steps of 0.5 and its functional system (FS) scores are whole
numbers (Kurtzke 1983, Neurology 33:1444; pyramidal 0-6, cerebellar 0-5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from .errors import InvalidCriterion, InvalidRecord
from .units import format_number, to_domain_unit

__all__ = ["STANDARD_DOMAINS", "Domain", "is_number", "plain_zero"]


def plain_zero(value: Any) -> Any:
    """``-0.0`` as ``0.0`` (it equals 0 but would print as "-0.0"); anything else unchanged.

    >>> plain_zero(-0.0), plain_zero(-1.5), plain_zero(True)
    (0.0, -1.5, True)
    """
    if type(value) is float and value == 0.0:
        return 0.0
    return value


def is_number(value: Any) -> bool:
    """An int or a finite float, and never a bool (True is not an EDSS of 1)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _exact(value: int | float) -> Fraction:
    """The number as written (``0.1`` is one tenth), exactly: a Fraction never overflows a
    precision, where Decimal's ``%`` raises InvalidOperation past 28 digits of quotient."""
    return Fraction(Decimal(repr(value))) if isinstance(value, float) else Fraction(value)


def _check_unit(_: Any, __: Any, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()
                              or value != value.strip()):
        raise InvalidCriterion(f"Domain unit={value!r} must be a UCUM code such as 'mg/dL'",
                               field="unit", value=value,
                               allowed="a UCUM code such as 'mg/dL', or None")


def _check_number(name: str) -> Any:
    def check(_: Any, __: Any, value: Any) -> None:
        if value is not None and not is_number(value):
            raise InvalidCriterion(f"Domain {name}={value!r} must be a finite number",
                                   field=name, value=value, allowed="a finite number")

    return check


@attrs.frozen(repr=False)
class Domain:
    """The allowed values of a numeric observation: ``low``..``high`` on a grid of ``step``.

    >>> EDSS = Domain(0, 10, step=0.5, name="EDSS")
    >>> EDSS.contains(6.5), EDSS.contains(6.3)
    (True, False)
    """

    low: int | float = attrs.field(validator=_check_number("low"), converter=plain_zero)
    high: int | float = attrs.field(validator=_check_number("high"), converter=plain_zero)
    step: int | float | None = attrs.field(default=None, validator=_check_number("step"),
                                           kw_only=True)
    name: str | None = attrs.field(default=None, kw_only=True)
    #: The UCUM code every value is converted to before any test (``mg/dL``).
    unit: str | None = attrs.field(default=None, kw_only=True, validator=_check_unit)
    #: The analyte's molar mass in g/mol, where mass and substance units meet
    #: (glucose 180.156): ``mmol/L`` converts to ``mg/dL`` through it.
    molar_mass: int | float | None = attrs.field(default=None, kw_only=True,
                                                 validator=_check_number("molar_mass"))

    def __attrs_post_init__(self) -> None:
        if self.low > self.high:
            raise InvalidCriterion(f"Domain cannot have low={self.low!r} > high={self.high!r}",
                                   field="high", value=self.high,
                                   allowed=f"a number >= low ({self.low!r})")
        if self.step is not None and self.step <= 0:
            raise InvalidCriterion(f"Domain step={self.step!r} must be above 0", field="step",
                                   value=self.step, allowed="a number above 0, or None")
        if self.molar_mass is not None and self.molar_mass <= 0:
            raise InvalidCriterion(f"Domain molar_mass={self.molar_mass!r} must be above 0 (g/mol)",
                                   field="molar_mass", value=self.molar_mass,
                                   allowed="a number of g/mol above 0, or None")
        if self.molar_mass is not None and self.unit is None:
            raise InvalidCriterion("Domain molar_mass needs a unit: it converts values to the "
                                   "domain's unit, e.g. Domain(0, 1000, unit='mg/dL', "
                                   "molar_mass=180.156)", field="unit", value=None,
                                   allowed="a UCUM unit, which molar_mass converts values to")

    def contains(self, value: Any) -> bool:
        """True when value is a number inside the bounds and on the grid.

        A value converted from another unit is an exact Fraction; it is compared
        with the bounds as the decimals they were written as.
        """
        if isinstance(value, Fraction):
            return _exact(self.low) <= value <= _exact(self.high) and (
                self.step is None or (value - _exact(self.low)) % _exact(self.step) == 0)
        if not is_number(value) or not self.low <= value <= self.high:
            return False
        if self.step is None:
            return True
        # Exact decimal arithmetic: 0.1 + 0.2 steps must not drift off the grid.
        return (_exact(value) - _exact(self.low)) % _exact(self.step) == 0

    def describe(self) -> str:
        """What is allowed, in words: ``a number from 0 to 10 in steps of 0.5``."""
        unit = "" if self.unit is None else f" {self.unit}"
        if self.step is None:
            return f"a number from {self.low} to {self.high}{unit}"
        if self.step == 1 and isinstance(self.low, int):
            return f"a whole number from {self.low} to {self.high}{unit}"
        return f"a number from {self.low} to {self.high}{unit} in steps of {self.step}"

    def check(self, value: Any, field: str, patient: str | None = None) -> None:
        """Raise InvalidRecord unless ``value`` is in the domain."""
        if not self.contains(value):
            raise InvalidRecord(field, value, self.describe(), patient=patient)

    def value_of(self, value: Any, unit: str | None, field: str, patient: str | None = None,
                 code: str | None = None) -> Any:
        """``value`` recorded in ``unit``, converted to this domain's unit and checked.

        ``field`` is the observation's path (``observations[2]``); a bad unit is
        an error on ``field.unit``, a value off the domain one on ``field.value``.
        """
        converted = to_domain_unit(value, unit, self, field, patient)
        if not self.contains(converted):
            allowed = self.describe() + ("" if code is None else f" (for {code})")
            if converted is not value:
                allowed += f"; {format_number(value)} {unit} is {format_number(converted)} {self.unit}"
            raise InvalidRecord(f"{field}.value", value, allowed, patient=patient)
        return converted

    def __repr__(self) -> str:
        extras = "".join(
            f", {k}={getattr(self, k)!r}" for k in ("step", "name", "unit", "molar_mass")
            if getattr(self, k) is not None
        )
        return f"Domain({self.low!r}, {self.high!r}{extras})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, defaults left out."""
        out: dict[str, Any] = {"low": self.low, "high": self.high}
        for key in ("step", "name", "unit", "molar_mass"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


#: Domains of the scales the bundled protocols use (Kurtzke EDSS and FS scores).
STANDARD_DOMAINS: Mapping[str, Domain] = {
    "edss": Domain(0, 10, step=0.5, name="EDSS"),
    "edss_pyramidal": Domain(0, 6, step=1, name="EDSS pyramidal functional score"),
    "edss_cerebellar": Domain(0, 5, step=1, name="EDSS cerebellar functional score"),
    "edss_brainstem": Domain(0, 5, step=1, name="EDSS brainstem functional score"),
    "edss_sensory": Domain(0, 6, step=1, name="EDSS sensory functional score"),
    "edss_bowel_bladder": Domain(0, 6, step=1, name="EDSS bowel and bladder functional score"),
    "edss_visual": Domain(0, 6, step=1, name="EDSS visual functional score"),
    "edss_cerebral": Domain(0, 5, step=1, name="EDSS cerebral functional score"),
}
