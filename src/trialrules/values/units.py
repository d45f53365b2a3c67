"""Units of measure (UCUM): every observation value is converted to its domain's unit.

An observation's ``unit`` is a UCUM code (``mg/dL``, ``mmol/L``, ``kg``,
``[lb_av]``). A :class:`~trialrules.Domain` that declares a ``unit`` gets every
value in that unit before any test; where mass and amount of substance meet
(``mmol/L`` against ``mg/dL``) the domain's ``molar_mass`` (g/mol) bridges them.

Parsing and conversion use the optional ``units`` extra (ucumvert, a UCUM
grammar on pint). A value recorded in exactly the domain's unit (the same
code, character for character) needs no conversion and no library; any other
unit needs the extra, and without it evaluation stops with
:class:`MissingExtra` — a conversion is never skipped, so the same input never
gives another answer because of what is installed.

Arithmetic is exact: a value is read as the decimal it was written as
(``7.5``, not the binary float nearest to it) and multiplied by the conversion
factor as a :class:`~fractions.Fraction`. Factors come from UCUM's decimal
definitions, so they are exact; one that involves a division (per minute
against per hour) is recovered as the exact ratio (60) from the library's
28-digit decimal.

>>> from trialrules import Domain
>>> glucose = Domain(0, 1000, name="fasting glucose", unit="mg/dL", molar_mass=180.156)
>>> to_domain_unit(7.5, "mmol/L", glucose, "observations[0]")
Fraction(135117, 1000)
>>> to_domain_unit(98, "mg/dL", glucose, "observations[0]")  # same unit: no library needed
98
"""

from __future__ import annotations

import threading
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

from .errors import InvalidCriterion, InvalidRecord, MissingExtra

if TYPE_CHECKING:
    from .domains import Domain

__all__ = ["exact", "format_number", "is_numeric", "to_domain_unit"]

#: The default decimal precision: a factor that fills it came from an inexact division.
_FULL_DIGITS: Final = 28
#: The most significant digits a converted value is shown with.
_MAX_SHOWN: Final = 12


def is_numeric(value: Any) -> bool:
    """An int, a finite float or an exact Fraction (a converted value); never a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | Fraction):
        return True
    return isinstance(value, float) and value == value and value not in (float("inf"),
                                                                         float("-inf"))


def exact(value: int | float | Fraction | Decimal) -> Fraction:
    """The exact decimal a number was written as: ``exact(0.1) == Fraction(1, 10)``.

    A float is read through its shortest repr (what JSON and Python source wrote),
    not its binary expansion, so 60 → 63 is a change of exactly 5 %.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def format_number(value: Any, digits: int = 4) -> str:
    """A number as a clinician reads it: ``135.1``, ``6``, ``6.5``.

    Ints and floats print as written (``6.5``, ``3`` for ``3.0``); an exact
    Fraction that is a short decimal prints in full (``-5``, ``2.5``), anything
    longer to ``digits`` significant digits (``135.1`` for 135.117).
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if not isinstance(value, Fraction):
        return str(value)
    if value.denominator == 1:
        return str(value.numerator)
    as_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if exact(as_decimal) == value and len(as_decimal.as_tuple().digits) <= digits:
        return _plain(as_decimal)
    while True:
        rounded = as_decimal.quantize(Decimal(1).scaleb(as_decimal.adjusted() - digits + 1))
        # 125.96 is not shown as 126 (it would read as the bound it is below): more digits.
        if rounded != rounded.to_integral_value() or digits >= _MAX_SHOWN:
            return _plain(rounded)
        digits += 1


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def to_domain_unit(value: Any, unit: str | None, domain: Domain, field: str,
                   patient: str | None = None) -> Any:
    """``value`` (recorded in ``unit``) in ``domain.unit``; ``field`` is the observation's path.

    The value is returned unchanged when the domain declares no unit or the
    unit is the domain's own code; otherwise it becomes an exact Fraction.
    A missing unit, a code that is not UCUM, another dimension, or mass
    against substance without a molar mass is bad input (InvalidRecord on
    ``field.unit``); a missing ``units`` extra is MissingExtra.
    """
    target = domain.unit
    if target is None or unit == target or not is_numeric(value):
        if target is not None and unit is None:
            raise InvalidRecord(f"{field}.unit", None, _expected(domain, "a unit"),
                                patient=patient)
        return value
    if unit is None:
        raise InvalidRecord(f"{field}.unit", None, _expected(domain, "a unit"), patient=patient)
    factor = _units().factor(unit, target, domain, field, patient)
    return exact(value) * factor


def _expected(domain: Domain, what: str, why: str | None = None) -> str:
    """``a unit convertible to mg/dL (WHY; the domain of NAME)``: the unit first, so the
    words read the same with or without a domain name."""
    notes = [n for n in (why, domain.name and f"the domain of {domain.name}") if n]
    return f"{what} convertible to {domain.unit}" + (f" ({'; '.join(notes)})" if notes else "")


class _Units:
    """The UCUM parser and pint registry, loaded once when first needed (about 0.3 s).

    This is the loaded library, not a memo of answers: the factor between two
    unit codes is a pure function of the two strings and the UCUM tables, so
    remembering it here cannot change any result. At most ``_MAX`` are kept.
    """

    _MAX: Final = 4096

    def __init__(self) -> None:
        try:
            import pint
            from ucumvert import UcumToPintTransformer, get_ucum_parser, parse_ucum
            from ucumvert import __file__ as ucumvert_file
        except ImportError:
            raise MissingExtra("units", "converting observation units (UCUM)") from None
        from pathlib import Path

        # Decimal magnitudes keep UCUM's decimal definitions exact (0.45359237 kg per lb).
        registry: Any = pint.UnitRegistry(non_int_type=Decimal, autoconvert_offset_to_baseunit=False)
        registry.load_definitions(Path(ucumvert_file).parent / "pint_ucum_defs.txt")
        self._registry: Any = registry
        self._parser = get_ucum_parser()
        self._parse = parse_ucum
        self._to_pint = UcumToPintTransformer(ureg=registry).transform
        self._lock = threading.Lock()
        self._known: dict[str, tuple[Fraction, Any] | str] = {}

    def _base(self, code: str) -> tuple[Fraction, Any] | str:
        """(factor to base units, dimensionality) of a UCUM code, or why it is not usable."""
        with self._lock:
            if code in self._known:
                return self._known[code]
        found: tuple[Fraction, Any] | str
        try:
            quantity = self._to_pint(self._parse(code, self._parser))
            if not hasattr(quantity, "units"):  # an annotation alone ({score}) is the unit 1
                quantity = self._registry.Quantity(Decimal(1), "dimensionless")
            if not getattr(quantity, "_is_multiplicative", True):
                # Cel, [degF]: scales with an offset are not converted.
                found = (f"{code!r} is a temperature scale with an offset, which is not "
                         "converted")
            else:
                scale, root = self._registry.get_root_units(quantity.units)
                if not isinstance(scale, int | Decimal | Fraction):  # pragma: no cover
                    scale = Decimal(repr(scale))
                found = (_rational(exact(quantity.magnitude)) * _rational(exact(scale)),
                         self._registry.Quantity(1, root).dimensionality)
        except Exception:  # the library's parse and lookup errors: not a UCUM unit it knows
            found = f"a UCUM code, case-sensitive: {code!r} is not one"
        with self._lock:
            if len(self._known) < self._MAX:
                self._known[code] = found
        return found

    def factor(self, unit: str, target: str, domain: Domain, field: str,
               patient: str | None) -> Fraction:
        source = self._base(unit)
        if isinstance(source, str):
            raise InvalidRecord(f"{field}.unit", unit, _expected(domain, "a unit", source),
                                patient=patient)
        goal = self._base(target)
        if isinstance(goal, str):
            raise InvalidCriterion(f"the domain unit {target!r} of {domain.name or 'a domain'} is "
                                   "not a UCUM unit the units library can convert to")
        ratio = source[0] / goal[0]
        if source[1] != goal[1]:
            mass = self._registry.Quantity(1, "gram / mole").dimensionality
            if source[1] * mass == goal[1]:
                per = 1  # substance -> mass: multiply by the molar mass
            elif source[1] == goal[1] * mass:
                per = -1  # mass -> substance: divide by it
            else:
                raise InvalidRecord(f"{field}.unit", unit,
                                    _expected(domain, "a unit", f"{unit} measures "
                                              f"{_dimension(source[1])}, {target} measures "
                                              f"{_dimension(goal[1])}"), patient=patient)
            if domain.molar_mass is None:
                analyte = domain.name or "the analyte"
                raise InvalidRecord(f"{field}.unit", unit, _expected(
                    domain, "a unit", f"give the molar mass of {analyte} in g/mol as the "
                    "domain's molar_mass to convert between mass and amount of substance"
                ).replace(f"; the domain of {domain.name})", ")"), patient=patient)
            ratio = ratio * exact(domain.molar_mass) ** per
        return ratio


def _rational(value: Fraction) -> Fraction:
    """A factor the library computed as a 28-digit decimal, as the ratio it stands for.

    Products of UCUM's decimal definitions are exact and shorter than 28 digits;
    only a division (per minute: 1/60) fills all 28, and then the mantissa's
    simplest fraction with a denominator up to 10**9 is the exact ratio (5/3 for
    1.666...7): any other such fraction lies farther away than the rounding.
    """
    if value == 0:
        return value
    as_decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if len(as_decimal.as_tuple().digits) < _FULL_DIGITS:
        return value
    exponent = as_decimal.adjusted()
    mantissa = value / Fraction(10) ** exponent
    return mantissa.limit_denominator(10**9) * Fraction(10) ** exponent


def _dimension(dimensionality: Any) -> str:
    text = str(dimensionality)
    return "a pure number" if text in ("", "dimensionless") else text


_LOADED: list[_Units] = []
_LOADING = threading.Lock()


def _units() -> _Units:
    """The UCUM library, loaded on first use (MissingExtra when the extra is not installed)."""
    if not _LOADED:
        with _LOADING:
            if not _LOADED:
                _LOADED.append(_Units())
    return _LOADED[0]
