"""FHIR R4 (JSON) patients in: Bundles, Bundle folders and bulk-export NDJSON folders.

One :class:`~trialrules.values.records.Record` per Patient resource. The mapping
rules (which element becomes which fact, which statuses are dropped, how
partial dates and ages become intervals of days) are in docs/fhir.md. This is
plain JSON traversal with the standard library: every element the mapping
reads is checked, and a malformed one raises :class:`InvalidResource` naming
the resource type, id and element path. Nothing here reads the clock or the
local time zone.

>>> bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
...     {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1980-05"}},
...     {"resource": {"resourceType": "Condition", "id": "c1",
...                   "subject": {"reference": "Patient/p1"},
...                   "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10",
...                                        "code": "G35"}]},
...                   "onsetDateTime": "2019-03-04T10:00:00+01:00"}}]}
>>> record = record_from_bundle(bundle)
>>> record.birth_date, record.conditions[0].code, record.conditions[0].onset
(PartialDate(1980, 5), 'ICD10:G35', PartialDate(2019, 3, 4))
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from dateutil.relativedelta import relativedelta

from ..values.checks import reject_constant
from ..values.dates import PartialDate
from ..values.domains import STANDARD_DOMAINS, Domain
from ..values.errors import InvalidRecord, _short
from ..values.records import (
    NOT_KNOWN_IF_ENDED,
    Condition,
    Exposure,
    Observation,
    Record,
    ReferenceRange,
)
from ..values.text import UNSAFE, has_surrogate
from .records import LoadError
from .systems import SYSTEMS
from .systems import vocabulary_codes as _vocabulary

__all__ = [
    "SYSTEMS",
    "InvalidResource",
    "SkippedResource",
    "iter_records",
    "read_fhir",
    "record_from_bundle",
    "records_from_bundle",
    "records_from_resources",
]

_UCUM: Final = "http://unitsofmeasure.org"
# FHIR R4 date / dateTime / instant: a date part, then an optional time and zone.
_DATETIME_RE: Final = re.compile(
    r"(\d{4}(?:-\d{2}(?:-\d{2})?)?)"
    r"(?:T([01]\d|2[0-3]):[0-5]\d(?::([0-5]\d|60)(?:\.\d+)?)?(Z|[+-](?:0\d|1[0-4]):[0-5]\d)?)?\Z")

# Statuses (R4 value sets) whose resources are dropped, and why (docs/fhir.md).
_CONDITION_CLINICAL: Final = {"active": None, "recurrence": None, "relapse": None,
                              "inactive": "ended", "remission": "ended", "resolved": "ended"}
_CONDITION_DROPPED: Final = frozenset({"refuted", "entered-in-error"})
#: The code systems of Condition.clinicalStatus and .verificationStatus (FHIR R4).
_CLINICAL_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_OBSERVATION_KEPT: Final = frozenset({"final", "amended", "corrected"})
_OBSERVATION_STATUSES: Final = frozenset({"registered", "preliminary", "final", "amended",
                                          "corrected", "cancelled", "entered-in-error",
                                          "unknown"})
#: Per exposure resource type: statuses dropped, statuses meaning "still going", all statuses.
_EXPOSURE_STATUS: Final[Mapping[str, tuple[frozenset[str], frozenset[str], frozenset[str]]]] = {
    "MedicationStatement": (
        frozenset({"entered-in-error", "not-taken", "intended"}),
        frozenset({"active", "on-hold"}),
        frozenset({"active", "completed", "entered-in-error", "intended", "stopped", "on-hold",
                   "unknown", "not-taken"})),
    "MedicationAdministration": (
        frozenset({"entered-in-error", "not-done"}),
        frozenset({"in-progress", "on-hold"}),
        frozenset({"in-progress", "not-done", "on-hold", "completed", "entered-in-error",
                   "stopped", "unknown"})),
    "MedicationRequest": (
        frozenset({"entered-in-error", "cancelled", "draft"}),
        frozenset({"active", "on-hold"}),
        frozenset({"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped",
                   "draft", "unknown"})),
    "Procedure": (
        frozenset({"entered-in-error", "not-done", "preparation"}),
        frozenset({"in-progress", "on-hold"}),
        frozenset({"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
                   "entered-in-error", "unknown"})),
}
#: MedicationRequest intents that are not orders (nothing was prescribed): dropped.
_REQUEST_NOT_ORDERS: Final = frozenset({"proposal", "plan", "option"})
_AGE_UNITS: Final = {"a": "years", "mo": "months", "wk": "weeks", "d": "days"}
_SUBJECT: Final = {"Patient": None, "Condition": "subject", "Observation": "subject",
                   "MedicationStatement": "subject", "MedicationAdministration": "subject",
                   "MedicationRequest": "subject", "Procedure": "subject"}


class InvalidResource(InvalidRecord):
    """A FHIR resource holds an element the importer cannot read.

    ``field`` is ``Type/id.element.path`` (e.g. ``Condition/c1.onsetAge.value``);
    ``resource_type``, ``resource_id`` and ``element`` hold the parts.
    """

    def __init__(self, resource_type: str, resource_id: str | None, element: str, value: Any,
                 allowed: str, *, patient: str | None = None, line: int | None = None) -> None:
        self.resource_type = resource_type
        self.resource_id = resource_id
        self.element = element
        shown = "?" if resource_id is None else resource_id
        if len(shown) > 64:  # an id is named, never dumped (messages stay short)
            shown = shown[:61] + "..."
        where = f"{resource_type[:64]}/{shown}"
        if resource_type == "?" and resource_id is None and element:
            where, element = element, ""  # not a resource at all: say where it was (a line)
        super().__init__(f"{where}.{element}" if element else where, value, allowed,
                         patient=patient, line=line)

    def located(self, *, patient: str | None = None, line: int | None = None,
                prefix: str | None = None) -> InvalidResource:
        return InvalidResource(self.resource_type, self.resource_id, self.element, self.value,
                               self.allowed, patient=self.patient if patient is None else patient,
                               line=self.line if line is None else line)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.resource_type, self.resource_id, self.element, self.value,
                           self.allowed, self.patient, self.line))


def _rebuild(rtype: str, rid: str | None, element: str, value: Any, allowed: str,
             patient: str | None, line: int | None) -> InvalidResource:
    return InvalidResource(rtype, rid, element, value, allowed, patient=patient, line=line)


class _Reader:
    """Reads the elements of one resource; every failure names the resource and path."""

    def __init__(self, resource: Mapping[str, Any], patient: str | None = None) -> None:
        self.resource = resource
        self.type = str(resource.get("resourceType"))
        rid = resource.get("id")
        self.id = rid if isinstance(rid, str) else None
        self.patient = patient

    def fail(self, element: str, value: Any, allowed: str) -> InvalidResource:
        return InvalidResource(self.type, self.id, element, value, allowed, patient=self.patient)

    def obj(self, value: Any, element: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(element, value, "a JSON object")
        return value

    def text(self, value: Any, element: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(element, value, "a non-empty string")
        if has_surrogate(value):  # "\ud800" in JSON: not text (the patient file's rule)
            raise self.fail(element, value, "valid Unicode text (no lone surrogates such as "
                                            "\\ud800)")
        return value

    def listing(self, value: Any, element: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(element, value, "a JSON array")
        return value

    def code(self, value: Any, element: str, allowed: Iterable[str]) -> str:
        options = sorted(allowed)
        if not isinstance(value, str) or value not in options:
            raise self.fail(element, value, f"one of {', '.join(options)}")
        return value

    def status(self, allowed: Iterable[str], element: str = "status") -> str | None:
        value = self.resource.get(element)
        return None if value is None else self.code(value, element, allowed)

    def date(self, value: Any, element: str) -> PartialDate:
        """A FHIR date/dateTime/instant: the date part as written, no zone conversion."""
        if not isinstance(value, str):
            raise self.fail(element, value, "a FHIR date or dateTime string")
        match = _DATETIME_RE.match(value)
        if match is None:
            raise self.fail(element, value, "a FHIR dateTime YYYY, YYYY-MM, YYYY-MM-DD or "
                                            "YYYY-MM-DDThh:mm:ss[.sss](Z|+hh:mm)")
        if match.group(2) is not None and len(match.group(1)) != 10:
            raise self.fail(element, value, "a full date before a time of day")
        try:
            return PartialDate.parse(match.group(1))
        except InvalidRecord as exc:
            raise self.fail(element, value, exc.allowed) from None

    def period(self, value: Any, element: str) -> tuple[PartialDate | None, PartialDate | None]:
        period = self.obj(value, element)
        start = period.get("start")
        end = period.get("end")
        first = None if start is None else self.date(start, f"{element}.start")
        last = None if end is None else self.date(end, f"{element}.end")
        if first is not None and last is not None and last.latest < first.earliest:
            raise self.fail(f"{element}.end", end, f"a date on or after {element}.start {start}")
        return first, last

    def codings(self, value: Any, element: str) -> list[str]:
        """Every coding of a CodeableConcept as SYSTEM:CODE, in order, each once."""
        concept = self.obj(value, element)
        out: list[str] = []
        codings = concept.get("coding", [])
        for i, coding in enumerate(self.listing(codings, f"{element}.coding")):
            where = f"{element}.coding[{i}]"
            coding = self.obj(coding, where)
            system, code = coding.get("system"), coding.get("code")
            if system is None or code is None:
                continue  # a display-only or system-less coding names nothing we can match
            system = self.text(system, f"{where}.system")
            code = self.text(code, f"{where}.code")
            if any(c.isspace() for c in system) or UNSAFE.search(system):
                raise self.fail(f"{where}.system", system, "a system URI without whitespace "
                                                           "or control characters")
            if any(c.isspace() for c in code) or UNSAFE.search(code):
                raise self.fail(f"{where}.code", code, "a code without whitespace or control "
                                                       "characters")
            full = f"{SYSTEMS.get(system, system)}:{code}"
            if full not in out:
                out.append(full)
        return out

    def status_code(self, value: Any, element: str, system: str,
                    allowed: Iterable[str]) -> str | None:
        """The code of a status CodeableConcept (clinicalStatus, verificationStatus): the
        coding whose system is FHIR's own; other codings (a local one first, or "active"
        in a foreign system) say nothing the mapping can rely on. None when there is none."""
        if value is None:
            return None
        concept = self.obj(value, element)
        for i, coding in enumerate(self.listing(concept.get("coding", []), f"{element}.coding")):
            coding = self.obj(coding, f"{element}.coding[{i}]")
            if coding.get("system") == system and "code" in coding:
                return self.code(coding["code"], f"{element}.coding[{i}].code", allowed)
        return None

    def age(self, value: Any, element: str, birth: PartialDate | None,
            upper: Any = None) -> PartialDate | None:
        """An Age (or the low..high of an age Range) as the days the patient had that age.

        Age 52 a is [birth + 52 years, birth + 53 years - 1 day]; a partial birth
        date widens it to every day the age could fall on. None without a birth date.
        """
        low = self._age_value(value, element)
        high = low if upper is None else self._age_value(upper, element.replace("low", "high"))
        if birth is None:
            return None
        (n, unit), (m, unit_hi) = low, high
        try:
            first = birth.earliest + relativedelta(**{unit: n})  # type: ignore[arg-type]
            last = (birth.latest + relativedelta(**{unit_hi: m + 1})  # type: ignore[arg-type]
                    - relativedelta(days=1))
        except (OverflowError, ValueError):
            raise self.fail(element, value, "an age that falls before the year 9999") from None
        if last < first:
            raise self.fail(element, value, "an age range whose low is not above its high")
        return PartialDate.between(first, last)

    def _age_value(self, value: Any, element: str) -> tuple[int, str]:
        age = self.obj(value, element)
        number = age.get("value")
        if isinstance(number, bool) or not isinstance(number, int | float) or (
                isinstance(number, float) and not math.isfinite(number)) or number < 0:
            raise self.fail(f"{element}.value", number, "a number of 0 or more")
        if age.get("comparator") is not None:
            raise self.fail(f"{element}.comparator", age["comparator"],
                            "no comparator (an age bound is not an age)")
        unit = age.get("code", age.get("unit"))
        if age.get("system", _UCUM) != _UCUM or unit not in _AGE_UNITS:
            raise self.fail(f"{element}.code", unit,
                            "a UCUM age unit: a (years), mo (months), wk (weeks) or d (days)")
        # A decimal age such as 52.5 a lies within completed age 52: keep the whole unit.
        return math.floor(number), _AGE_UNITS[unit]


def _onset_like(r: _Reader, res: Mapping[str, Any], prefix: str, birth: PartialDate | None,
                notes: list[str]) -> tuple[bool, PartialDate | None]:
    """Read ``onset[x]``/``abatement[x]``: (present, date or None for "unknown")."""
    for suffix in ("DateTime", "Period", "Age", "Range", "String", "Boolean"):
        element = prefix + suffix
        if element not in res:
            continue
        value = res[element]
        if suffix == "DateTime":
            return True, r.date(value, element)
        if suffix == "Period":
            start, end = r.period(value, element)
            if prefix == "onset":
                return True, start if start is not None else None
            return True, end if end is not None else None
        if suffix == "Age":
            when = r.age(value, element, birth)
            if when is None:
                notes.append(f"{element} given but no birth date to place it")
            return True, when
        if suffix == "Range":
            rng = r.obj(value, element)
            if "low" not in rng or "high" not in rng:
                notes.append(f"{element} without both low and high: date unknown")
                return True, None
            when = r.age(rng["low"], f"{element}.low", birth, rng["high"])
            if when is None:
                notes.append(f"{element} given but no birth date to place it")
            return True, when
        if suffix == "String":
            notes.append(f"{element}: {r.text(value, element)}")
            return True, None
        if value is not True:  # abatementBoolean (R3 habit): false means not abated
            if value is False:
                return False, None
            raise r.fail(element, value, "true or false")
        return True, None
    return False, None


def _condition(r: _Reader, res: Mapping[str, Any], birth: PartialDate | None) -> list[Condition]:
    verification = r.status_code(
        res.get("verificationStatus"), "verificationStatus", _VERIFICATION_SYSTEM,
        {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"})
    if verification in _CONDITION_DROPPED:
        return []
    clinical = r.status_code(res.get("clinicalStatus"), "clinicalStatus", _CLINICAL_SYSTEM,
                             _CONDITION_CLINICAL)
    if "code" not in res:
        return []
    codes = r.codings(res["code"], "code")
    notes: list[str] = []
    _, onset = _onset_like(r, res, "onset", birth, notes)
    abated, end = _onset_like(r, res, "abatement", birth, notes)
    if abated:
        end = PartialDate() if end is None else end
    elif clinical is None:
        end = NOT_KNOWN_IF_ENDED
        notes.append("no clinicalStatus and no abatement: whether it ended is unknown")
    elif _CONDITION_CLINICAL[clinical] == "ended":
        end = PartialDate()
    if verification in {"unconfirmed", "provisional", "differential"}:
        notes.append(f"verificationStatus {verification}")
    begin = PartialDate() if onset is None else onset
    if end is not None and not end.is_unknown and end.latest < begin.earliest:
        raise r.fail("abatement", str(end), f"an abatement on or after the onset {begin}")
    note = "; ".join([f"Condition/{r.id}", *notes])
    return [Condition(code, begin, end, note=note) for code in codes]


def _medication_codes(r: _Reader, res: Mapping[str, Any],
                      resolve: Callable[[str], Mapping[str, Any] | None]) -> list[str]:
    if "medicationCodeableConcept" in res:
        return r.codings(res["medicationCodeableConcept"], "medicationCodeableConcept")
    if "medicationReference" not in res:
        raise r.fail("medication[x]", None, "medicationCodeableConcept or medicationReference")
    ref = r.obj(res["medicationReference"], "medicationReference")
    target = r.text(ref.get("reference"), "medicationReference.reference")
    if target.startswith("#"):
        contained = res.get("contained", [])
        for i, item in enumerate(r.listing(contained, "contained")):
            item = r.obj(item, f"contained[{i}]")
            if item.get("id") == target[1:]:
                med = _Reader(item, r.patient)
                return med.codings(item.get("code", {}), "code") if "code" in item else []
        raise r.fail("medicationReference.reference", target, "a contained Medication's #id")
    med_res = resolve(target)
    if med_res is None or med_res.get("resourceType") != "Medication":
        raise r.fail("medicationReference.reference", target,
                     "a reference to a Medication in the same Bundle or export")
    med = _Reader(med_res, r.patient)
    return med.codings(med_res["code"], "code") if "code" in med_res else []


def _exposure(r: _Reader, res: Mapping[str, Any], birth: PartialDate | None,
              resolve: Callable[[str], Mapping[str, Any] | None]) -> list[Exposure]:
    dropped, going, allowed = _EXPOSURE_STATUS[r.type]
    status = r.status(allowed)
    if status in dropped:
        return []
    if r.type == "MedicationRequest":
        intent = r.resource.get("intent")
        if intent in _REQUEST_NOT_ORDERS:
            return []
    notes: list[str] = []
    start: PartialDate | None
    end: PartialDate | None
    point = False
    if r.type == "Procedure":
        codes = r.codings(res["code"], "code") if "code" in res else []
        start, end, point = _timing(r, res, "performed", birth, notes)
    else:
        codes = _medication_codes(r, res, resolve)
        if r.type == "MedicationRequest":
            start = r.date(res["authoredOn"], "authoredOn") if "authoredOn" in res else None
            end = None
        else:
            start, end, point = _timing(r, res, "effective", birth, notes)
    begin = PartialDate() if start is None else start
    if end is None:
        if status in going:
            end = None  # still taking or in progress: ongoing
        elif point:
            end = begin  # a single dose, administration or procedure
        elif status is None or status == "unknown":
            end = NOT_KNOWN_IF_ENDED  # nobody recorded whether it is still going
        else:
            end = PartialDate()  # stopped or completed, on a day not recorded
    if end is not None and not end.is_unknown and end.latest < begin.earliest:
        raise r.fail("end", str(end), f"an end on or after the start {begin}")
    note = "; ".join([f"{r.type}/{r.id}", *notes])
    return [Exposure(code, begin, end, note=note) for code in codes]


def _timing(r: _Reader, res: Mapping[str, Any], prefix: str, birth: PartialDate | None,
            notes: list[str]) -> tuple[PartialDate | None, PartialDate | None, bool]:
    """``effective[x]`` or ``performed[x]``: (start, end, whether it is a single point)."""
    for suffix in ("DateTime", "Instant"):
        if prefix + suffix in res:
            return r.date(res[prefix + suffix], prefix + suffix), None, True
    if prefix + "Period" in res:
        start, end = r.period(res[prefix + "Period"], prefix + "Period")
        return start, end, False
    if prefix + "Age" in res:
        when = r.age(res[prefix + "Age"], prefix + "Age", birth)
        if when is None:
            notes.append(f"{prefix}Age given but no birth date to place it")
        return when, None, True
    if prefix + "String" in res:
        notes.append(f"{prefix}String: {r.text(res[prefix + 'String'], prefix + 'String')}")
        return None, None, False
    return None, None, False


def _unit_of(qty: Mapping[str, Any]) -> Any:
    """A Quantity's unit: its ``code`` when UCUM (the system, or no system, given), else the
    human-readable ``unit``."""
    code = qty.get("code")
    return code if code and qty.get("system", _UCUM) == _UCUM else qty.get("unit")


def _obs_value(r: _Reader, holder: Mapping[str, Any], path: str
               ) -> tuple[bool, Any, str | None]:
    """(found, value, unit) of ``value[x]``; found False when it is not a mapped kind.

    ``path`` is the element path prefix of ``holder`` ("" or "component[2].").
    """
    if "valueQuantity" in holder:
        where = path + "valueQuantity"
        qty = r.obj(holder["valueQuantity"], where)
        if qty.get("comparator") is not None:
            return False, None, None  # "<5" is a bound, not a value
        number = qty.get("value")
        if number is None:
            return False, None, None
        if isinstance(number, bool) or not isinstance(number, int | float) or (
                isinstance(number, float) and not math.isfinite(number)):
            raise r.fail(f"{where}.value", number, "a finite number")
        unit = _unit_of(qty)
        if unit is not None:
            unit = r.text(unit, f"{where}.unit")
        return True, number, unit
    if "valueInteger" in holder:
        number = holder["valueInteger"]
        if isinstance(number, bool) or not isinstance(number, int):
            raise r.fail(path + "valueInteger", number, "a whole number")
        return True, number, None
    if "valueBoolean" in holder:
        flag = holder["valueBoolean"]
        if not isinstance(flag, bool):
            raise r.fail(path + "valueBoolean", flag, "true or false")
        return True, flag, None
    if "valueCodeableConcept" in holder:
        codes = r.codings(holder["valueCodeableConcept"], path + "valueCodeableConcept")
        if not codes:
            return False, None, None
        return True, codes[0], None
    return False, None, None


def _observations(r: _Reader, res: Mapping[str, Any], vocabulary: Mapping[str, frozenset[str]],
                  domains: Mapping[str, Domain], warn: Warn) -> list[Observation]:
    status = r.status(_OBSERVATION_STATUSES)
    if status is None:
        # Only what the mapping needs is judged (docs/fhir.md): a missing status says nothing
        # about whether the result is final, so this one Observation is left out, loudly.
        warn(f"Observation/{r.id or '?'} of patient {r.patient!r} skipped: it has no status "
             "(required in FHIR R4), so whether its result is final is not known")
        return []
    if status not in _OBSERVATION_KEPT:
        return []
    when: PartialDate | None = None
    for element in ("effectiveDateTime", "effectiveInstant"):
        if element in res:
            when = r.date(res[element], element)
    if "effectivePeriod" in res:
        start, end = r.period(res["effectivePeriod"], "effectivePeriod")
        when = start if start is not None else end
    date_ = PartialDate() if when is None else when
    out: list[Observation] = []
    parts: list[tuple[str, Mapping[str, Any]]] = [("", res)]
    for i, comp in enumerate(r.listing(res.get("component", []), "component")):
        parts.append((f"component[{i}].", r.obj(comp, f"component[{i}]")))
    for where, holder in parts:
        if "dataAbsentReason" in holder or "code" not in holder:
            continue
        found, value, unit = _obs_value(r, holder, where)
        if not found:
            continue
        codes = r.codings(holder["code"], where + "code")
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        normal = _reference_range(r, holder, where, unit) if numeric else None
        names = sorted(n for n, cs in vocabulary.items() if cs.intersection(codes))
        for code in names or codes:
            domain = domains.get(code)
            if domain is not None:
                try:  # in the domain's unit (UCUM): a bad unit or value names its element
                    domain.value_of(value, unit, "observation", None, code)
                except InvalidRecord as exc:
                    element = next(where + k for k in ("valueQuantity", "valueInteger",
                                                       "valueBoolean", "valueCodeableConcept")
                                   if k in holder)
                    if element.endswith("Quantity"):
                        element += ".code" if exc.field.endswith(".unit") else ".value"
                    raise r.fail(element, exc.value, exc.allowed) from None
            out.append(Observation(code, value, date_, unit=unit, reference_range=normal))
    return out


def _reference_range(r: _Reader, holder: Mapping[str, Any], path: str,
                     unit: str | None) -> ReferenceRange | None:
    """The first ``referenceRange`` with a low or high limit, in the value's unit.

    A limit in another unit than the value's is refused rather than converted:
    the record's reference range is in the value's unit (docs/semantics.md).
    """
    ranges = r.listing(holder.get("referenceRange", []), path + "referenceRange")
    for i, entry in enumerate(ranges):
        where = f"{path}referenceRange[{i}]"
        entry = r.obj(entry, where)
        limits: dict[str, Any] = {}
        for end in ("low", "high"):
            if end not in entry:
                continue
            qty = r.obj(entry[end], f"{where}.{end}")
            number = qty.get("value")
            if number is None:
                continue
            if isinstance(number, bool) or not isinstance(number, int | float) or (
                    isinstance(number, float) and not math.isfinite(number)):
                raise r.fail(f"{where}.{end}.value", number, "a finite number")
            limit_unit = _unit_of(qty)
            if limit_unit is not None and limit_unit != unit:
                raise r.fail(f"{where}.{end}.code", limit_unit,
                             f"the value's own unit {unit!r} (a reference range is kept in the "
                             "value's unit)")
            limits[end] = number
        if limits:
            try:
                return ReferenceRange(limits.get("low"), limits.get("high"))
            except InvalidRecord as exc:
                raise r.fail(f"{where}.high", exc.value, exc.allowed) from None
    return None


def _flags(observations: Iterable[Observation], names: Iterable[str]) -> dict[str, bool]:
    """A boolean observation named by the vocabulary sets that flag: the latest one wins.

    When the latest possible readings disagree (partial or equal dates), the
    flag stays unset: the record does not say which is current.
    """
    wanted = set(names)
    by_name: dict[str, list[Observation]] = {}
    for obs in observations:
        if obs.code in wanted and isinstance(obs.value, bool):
            by_name.setdefault(obs.code, []).append(obs)
    out: dict[str, bool] = {}
    for name, items in by_name.items():
        floor = max(o.date.earliest for o in items)
        latest = {o.value for o in items if o.date.latest >= floor}
        if len(latest) == 1:
            out[name] = bool(latest.pop())
    return out


def _patient(resource: Mapping[str, Any], fallback_id: str | None
             ) -> tuple[str, PartialDate | None, str | None, PartialDate | None]:
    r = _Reader(resource)
    pid = resource.get("id", fallback_id)
    if not isinstance(pid, str) or not pid.strip():
        raise r.fail("id", pid, "a Patient id (or a Bundle entry fullUrl)")
    if UNSAFE.search(pid):
        raise r.fail("id", pid, "a Patient id without control characters or line breaks")
    r.text(pid, "id")  # no lone surrogates
    r.patient = pid
    birth = None
    if "birthDate" in resource:
        text = resource["birthDate"]
        if not isinstance(text, str) or not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
            raise r.fail("birthDate", text, "a FHIR date YYYY, YYYY-MM or YYYY-MM-DD")
        birth = r.date(text, "birthDate")
    gender = resource.get("gender")
    if gender is not None:
        gender = r.code(gender, "gender", {"male", "female", "other", "unknown"})
    death: PartialDate | None = None
    if "deceasedDateTime" in resource:
        death = r.date(resource["deceasedDateTime"], "deceasedDateTime")
    elif "deceasedBoolean" in resource:
        flag = resource["deceasedBoolean"]
        if not isinstance(flag, bool):
            raise r.fail("deceasedBoolean", flag, "true or false")
        death = PartialDate() if flag else None  # died on a day the resource does not give
    if (death is not None and birth is not None and not death.is_unknown
            and death.latest < birth.earliest):
        raise r.fail("deceasedDateTime", str(death), f"a date on or after birthDate {birth}")
    return pid, birth, gender, death


class SkippedResource(UserWarning):
    """A resource the importer left out, and why (e.g. an Observation without a status).

    Raised as a Python warning unless the reader is given ``on_warning``.
    """


#: A function told about each resource left out (its argument: one sentence).
Warn = Callable[[str], None]


def _warner(on_warning: Warn | None) -> Warn:
    if on_warning is not None:
        return on_warning

    def warn(message: str) -> None:
        warnings.warn(message, SkippedResource, stacklevel=4)

    return warn


class _Pool:
    """Resources of one Bundle or one export, indexed for reference resolution."""

    def __init__(self, warn: Warn | None = None) -> None:
        self.warn = _warner(warn)
        self.resources: list[tuple[Mapping[str, Any], str | None]] = []
        self.by_ref: dict[str, Mapping[str, Any]] = {}
        self.errors: list[InvalidResource] = []

    def add(self, resource: Any, full_url: str | None, where: str) -> None:
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            self.errors.append(InvalidResource("?", None, where, type(resource).__name__,
                                               "a FHIR resource object with a resourceType"))
            return
        self.resources.append((resource, full_url))
        rtype, rid = resource["resourceType"], resource.get("id")
        if isinstance(rid, str):
            self.by_ref[f"{rtype}/{rid}"] = resource
        if full_url:
            self.by_ref[full_url] = resource
            if isinstance(rid, str) and full_url.endswith(f"/{rtype}/{rid}"):
                self.by_ref[f"{rtype}/{rid}"] = resource

    def add_bundle(self, bundle: Any, where: str = "Bundle") -> None:
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            kind = bundle.get("resourceType") if isinstance(bundle, dict) else type(bundle).__name__
            self.errors.append(InvalidResource(str(kind), None, "", where, "a FHIR Bundle"))
            return
        entries = bundle.get("entry", [])
        if not isinstance(entries, list):
            self.errors.append(InvalidResource("Bundle", bundle.get("id"), "entry", entries,
                                               "a JSON array"))
            return
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or "resource" not in entry:
                continue  # an entry without a resource (e.g. a search outcome link)
            full = entry.get("fullUrl")
            self.add(entry["resource"], full if isinstance(full, str) else None,
                     f"entry[{i}].resource")

    def resolve(self, reference: str) -> Mapping[str, Any] | None:
        """The resource a reference names: as written, without a ``/_history/N`` version, or by
        its ``Type/id`` tail when written as an absolute URL."""
        target = self.by_ref.get(reference)
        if target is not None:
            return target
        bare = _HISTORY.sub("", reference)
        target = self.by_ref.get(bare)
        if target is None:
            tail = _TAIL.search(bare)
            target = None if tail is None else self.by_ref.get(tail.group(1))
        return target

    def records(self, vocabulary: dict[str, frozenset[str]], domains: Mapping[str, Domain]
                ) -> Iterator[Record | InvalidResource]:
        yield from self.errors
        # Patient resources by id: one id is one patient, however often it is given.
        patients: dict[str, list[tuple[Mapping[str, Any], str | None]]] = {}
        key_of: dict[int, str] = {}
        for resource, full in self.resources:
            if resource["resourceType"] == "Patient":
                rid = resource.get("id")
                key = f"Patient/{rid}" if isinstance(rid, str) else (full or f"#{id(resource)}")
                patients.setdefault(key, []).append((resource, full))
                key_of[id(resource)] = key
        members: dict[str, list[Mapping[str, Any]]] = {k: [] for k in patients}
        failed: dict[str, InvalidResource] = {}
        only = next(iter(patients)) if len(patients) == 1 else None
        seen: set[tuple[str, str, str]] = set()
        for resource, _ in self.resources:
            element = _SUBJECT.get(resource["resourceType"])
            if element is None:
                continue  # Patient itself, or a resource type the mapping does not read
            if _duplicate(resource, seen):
                continue  # the same resource given twice (repeated NDJSON lines, two bundles)
            r = _Reader(resource)
            ref = resource.get(element)
            error: InvalidResource | None = None
            target: Mapping[str, Any] | None = None
            if ref is None:
                error = r.fail(element, None, "a subject reference to a Patient")
            elif not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
                error = r.fail(f"{element}.reference", ref, "a reference string to a Patient")
            else:
                target = self.resolve(ref["reference"])
                if target is None or target.get("resourceType") != "Patient":
                    if ref["reference"].startswith(("Group/", "Device/", "Location/")):
                        continue  # not about one patient
                    error = r.fail(f"{element}.reference", ref["reference"],
                                   "a reference to a Patient in the same Bundle or export")
            if error is not None:
                if only is not None:
                    # One Patient here: the resource is surely theirs, and they cannot be
                    # screened without it (that could turn INELIGIBLE into NEEDS_REVIEW).
                    failed.setdefault(only, error.located(patient=_pid(patients[only][0][0])))
                else:
                    yield error
                continue
            assert target is not None
            members[key_of[id(target)]].append(resource)
        for key, copies in patients.items():
            patient, full = copies[0]
            if any(_canonical(other) != _canonical(patient) for other, _ in copies[1:]):
                yield _Reader(patient, _pid(patient)).fail(
                    "", f"{len(copies)} different Patient resources",
                    "one Patient resource per id (a patient given twice with different "
                    "content cannot be screened: which is right is not known)")
                continue
            if key in failed:
                yield failed[key]
                continue
            try:
                yield _build(patient, full, members[key], self.resolve, vocabulary, domains,
                             self.warn)
            except InvalidResource as exc:
                yield exc


def _pid(patient: Mapping[str, Any]) -> str | None:
    pid = patient.get("id")
    return pid if isinstance(pid, str) else None


def _canonical(resource: Mapping[str, Any]) -> str:
    """A resource's content as one comparable text (key order aside)."""
    return json.dumps(resource, sort_keys=True, ensure_ascii=True)


def _duplicate(resource: Mapping[str, Any], seen: set[tuple[str, str, str]]) -> bool:
    """True when an identical resource of the same type and id was met before."""
    rid = resource.get("id")
    if not isinstance(rid, str):
        return False
    key = (str(resource["resourceType"]), rid, _canonical(resource))
    if key in seen:
        return True
    seen.add(key)
    return False


#: A version suffix of a reference (``Patient/p1/_history/2``) and the ``Type/id`` tail of an
#: absolute reference (``https://server/fhir/Patient/p1``).
_HISTORY: Final = re.compile(r"/_history/[^/]+\Z")
_TAIL: Final = re.compile(r"(?:\A|/)([A-Za-z]+/[A-Za-z0-9\-.]{1,64})\Z")


def _build(patient: Mapping[str, Any], full: str | None, resources: list[Mapping[str, Any]],
           resolve: Callable[[str], Mapping[str, Any] | None], vocabulary: dict[str, frozenset[str]],
           domains: Mapping[str, Domain], warn: Warn) -> Record:
    pid, birth, gender, death = _patient(patient, full)
    conditions: list[Condition] = []
    exposures: list[Exposure] = []
    observations: list[Observation] = []
    for resource in resources:
        r = _Reader(resource, pid)
        kind = r.type
        if kind == "Condition":
            conditions.extend(_condition(r, resource, birth))
        elif kind == "Observation":
            observations.extend(_observations(r, resource, vocabulary, domains, warn))
        elif kind in _EXPOSURE_STATUS:
            exposures.extend(_exposure(r, resource, birth, resolve))
    flags = _flags(observations, vocabulary)
    return Record(pid, birth_date=birth, death_date=death, sex=gender, conditions=conditions,
                  exposures=exposures, observations=observations, flags=flags)


def _load_json(path: Path) -> Any:
    with open(path, "rb") as stream:
        return json.loads(stream.read().decode("utf-8-sig"), parse_constant=reject_constant)


def records_from_resources(resources: Iterable[Mapping[str, Any]], *,
                           vocabulary: Mapping[str, Iterable[str]] | None = None,
                           domains: Mapping[str, Domain] | None = None,
                           on_warning: Warn | None = None,
                           ) -> Iterator[Record | InvalidResource]:
    """Records from loose resources (one bulk export); a malformed one comes out as an error.

    A resource left out on purpose (an Observation without a status) is reported to
    ``on_warning`` (by default, a :class:`SkippedResource` Python warning).
    """
    pool = _Pool(on_warning)
    for i, resource in enumerate(resources):
        pool.add(resource, None, f"[{i}]")
    yield from pool.records(_vocabulary(vocabulary), STANDARD_DOMAINS if domains is None
                            else domains)


def _bundle_pool(bundle_or_path: Mapping[str, Any] | str | Path,
                 on_warning: Warn | None) -> _Pool:
    if isinstance(bundle_or_path, str | Path):
        try:
            bundle = _load_json(Path(bundle_or_path))
        except (ValueError, RecursionError) as exc:  # OSError (no such file) stays as it is
            raise InvalidResource("Bundle", None, "", Path(bundle_or_path).name,
                                  f"a JSON Bundle file ({_reason(exc)})") from None
    else:
        bundle = bundle_or_path
    pool = _Pool(on_warning)
    pool.add_bundle(bundle)
    return pool


def records_from_bundle(bundle: Mapping[str, Any] | str | Path, *,
                        vocabulary: Mapping[str, Iterable[str]] | None = None,
                        domains: Mapping[str, Domain] | None = None,
                        on_warning: Warn | None = None) -> list[Record]:
    """One Record per Patient in a Bundle (a parsed dict or a JSON file path), strictly.

    The first malformed resource raises :class:`InvalidResource`; use
    :func:`read_fhir` to screen the other patients anyway.
    """
    out = []
    pool = _bundle_pool(bundle, on_warning)
    for item in pool.records(_vocabulary(vocabulary),
                             STANDARD_DOMAINS if domains is None else domains):
        if isinstance(item, InvalidResource):
            raise item
        out.append(item)
    return out


def record_from_bundle(bundle: Mapping[str, Any] | str | Path, *,
                       vocabulary: Mapping[str, Iterable[str]] | None = None,
                       domains: Mapping[str, Domain] | None = None,
                       on_warning: Warn | None = None) -> Record:
    """The one patient of a Bundle; a Bundle with no Patient or several is an error."""
    records = records_from_bundle(bundle, vocabulary=vocabulary, domains=domains,
                                  on_warning=on_warning)
    if len(records) != 1:
        raise InvalidResource("Bundle", None, "entry", f"{len(records)} Patient resources",
                              "exactly one Patient (use records_from_bundle for several)")
    return records[0]


def _patient_keys(resources: Iterable[Any]) -> set[str]:
    """The patients (``Patient/id``) some resources define or point to, for grouping files."""
    keys: set[str] = set()
    for resource in resources:
        if not isinstance(resource, dict):
            continue
        rtype = resource.get("resourceType")
        if rtype == "Patient" and isinstance(resource.get("id"), str):
            keys.add(f"Patient/{resource['id']}")
            continue
        element = _SUBJECT.get(rtype) if isinstance(rtype, str) else None
        ref = resource.get(element) if element else None
        text = ref.get("reference") if isinstance(ref, dict) else None
        if isinstance(text, str):
            tail = _TAIL.search(_HISTORY.sub("", text))
            if tail is not None and tail.group(1).startswith("Patient/"):
                keys.add(tail.group(1))
    return keys


def _bundle_resources(bundle: Any) -> Iterator[Any]:
    entries = bundle.get("entry") if isinstance(bundle, dict) else None
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict):
            yield entry.get("resource")


def _ndjson_lines(files: list[Path]) -> Iterator[tuple[str, Any]]:
    """(where, parsed resource or the exception) for each non-blank line of the files."""
    for file in files:
        with open(file, "rb") as stream:
            for number, raw in enumerate(stream, 1):
                where = f"{file.name} line {number}"
                try:  # a line that is not UTF-8 is one bad line, not a crash
                    text = raw.decode("utf-8-sig").strip()
                    if text:
                        yield where, json.loads(text, parse_constant=reject_constant)
                except (ValueError, RecursionError) as exc:
                    yield where, exc


def _groups(bundles: list[Path], ndjson: list[Path]) -> list[list[int]]:
    """Units (each Bundle file; all NDJSON files together, last) grouped so that every
    patient's resources land in one group: units sharing a patient are read together."""
    units = len(bundles) + (1 if ndjson else 0)
    parent = list(range(units))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for unit in range(units):
        try:
            if unit < len(bundles):
                keys = _patient_keys(_bundle_resources(_load_json(bundles[unit])))
            else:
                keys = _patient_keys(r for _, r in _ndjson_lines(ndjson))
        except (OSError, ValueError, RecursionError):
            continue  # reported when the unit is read for real
        for key in keys:
            first = owner.setdefault(key, unit)
            parent[find(unit)] = find(first)
    groups: dict[int, list[int]] = {}
    for unit in range(units):
        groups.setdefault(find(unit), []).append(unit)
    return sorted(groups.values())


def read_fhir(path: str | Path, *, vocabulary: Mapping[str, Iterable[str]] | None = None,
              domains: Mapping[str, Domain] | None = None, on_warning: Warn | None = None,
              ) -> Iterator[tuple[int, Record | LoadError]]:
    """(position, Record or LoadError) for every patient under ``path``, leniently.

    ``path`` is a Bundle ``.json`` file, an ``.ndjson`` file, or a folder: its
    ``*.json`` files are Bundles and its ``*.ndjson`` files together are one bulk
    export (Patient.ndjson, Condition.ndjson, ...). Files that hold or point to the
    same patient are read together, so one patient is one record however the files
    split it; the same Patient given twice with different content is one error.
    A bad file, line or resource becomes a LoadError; the other patients go on.
    A resource left out on purpose is reported to ``on_warning`` (see
    :func:`records_from_resources`).
    """
    vocab = _vocabulary(vocabulary)
    doms = STANDARD_DOMAINS if domains is None else domains
    root = Path(path)
    if root.is_dir():
        bundles = sorted(p for p in root.iterdir() if p.suffix.lower() == ".json")
        ndjson = sorted(p for p in root.iterdir() if p.suffix.lower() == ".ndjson")
    elif root.suffix.lower() == ".ndjson":
        bundles, ndjson = [], [root]
    else:
        bundles, ndjson = [root], []
    position = 0
    groups = [[0]] if len(bundles) == 1 and not ndjson else _groups(bundles, ndjson)
    for group in groups:
        pool = _Pool(on_warning)
        names = []
        for unit in group:
            if unit < len(bundles):
                file = bundles[unit]
                names.append(file.name)
                try:
                    pool.add_bundle(_load_json(file), file.name)
                except (OSError, ValueError, RecursionError) as exc:
                    position += 1
                    yield position, LoadError(position, None, file.name,
                                              f"cannot read: {_reason(exc)}")
                continue
            names.append("ndjson")
            try:
                for where, resource in _ndjson_lines(ndjson):
                    if isinstance(resource, BaseException):
                        pool.errors.append(InvalidResource(
                            "?", None, where, None, f"one JSON resource ({_reason(resource)})"))
                    else:
                        pool.add(resource, None, where)
            except OSError as exc:
                position += 1
                yield position, LoadError(position, None, str(exc.filename or "ndjson"),
                                          f"cannot read: {_reason(exc)}")
        source = " + ".join(names)
        for item in pool.records(vocab, doms):
            position += 1
            yield position, _as_item(item, position, source)


def iter_records(path: str | Path, *, vocabulary: Mapping[str, Iterable[str]] | None = None,
                 domains: Mapping[str, Domain] | None = None,
                 on_warning: Warn | None = None) -> Iterator[Record | LoadError]:
    """Like :func:`read_fhir`, without the positions."""
    for _, item in read_fhir(path, vocabulary=vocabulary, domains=domains,
                             on_warning=on_warning):
        yield item


def _as_item(item: Record | InvalidResource, position: int, source: str) -> Record | LoadError:
    if isinstance(item, Record):
        return item
    return LoadError(position, item.patient, item.field,
                     f"got {_short(item.value)}; expected {item.allowed} ({source})")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return "not valid UTF-8"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)

