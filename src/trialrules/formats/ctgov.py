"""ClinicalTrials.gov API v2 study records in: a protocol skeleton to encode from.

The structured eligibility fields become real criteria (age bounds, sex,
healthy volunteers); every numbered or bulleted item of the free-text
``eligibilityCriteria`` becomes a :class:`~trialrules.kinds.criteria.Placeholder`
carrying the registry's text, UNKNOWN ("not yet encoded") until an author
replaces it. Choices are documented in docs/ctgov.md.

>>> study = {"protocolSection": {
...     "identificationModule": {"nctId": "NCT00000001", "briefTitle": "A study"},
...     "eligibilityModule": {"minimumAge": "18 Years", "sex": "FEMALE",
...                           "eligibilityCriteria": "Inclusion Criteria:\\n\\n* Adult\\n"}}}
>>> protocol = protocol_from_study(study)
>>> [c.id for c in protocol.inclusion]
['registry.age', 'registry.sex', 'inclusion.1']
>>> protocol.inclusion[0]
Threshold(Age(), '>=', 18, id='registry.age', label='minimumAge 18 Years')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import attrs

from ..engine.criterion import Criterion
from ..kinds.combinators import AllOf
from ..kinds.criteria import Flag, OneOf, Placeholder, Range, Threshold
from ..kinds.sources import Age, Sex
from ..protocol.protocol import Protocol
from ..values.checks import MAX_TEXT, has_surrogate
from ..values.errors import InvalidDocument

__all__ = ["ParsedAge", "parse_age", "protocol_from_study", "split_criteria"]

# ASCII digits, at most six: "\d" takes "١٨" as 18, and int() refuses 4300+ digits.
_AGE_RE: Final = re.compile(r"\s*([0-9]{1,6})\s+([A-Za-z]+)\s*\Z")
_UNITS: Final = {"year": "years", "years": "years", "month": "months", "months": "months",
                 "week": "weeks", "weeks": "weeks", "day": "days", "days": "days",
                 "hour": "hours", "hours": "hours", "minute": "minutes", "minutes": "minutes"}
_SEXES: Final = {"ALL": None, "FEMALE": "female", "MALE": "male"}
_HEADER_RE: Final = re.compile(r"\s*(?:[#*_]+\s*)?(inclusion|exclusion)\s+criteria\b[^\n]*\Z",
                               re.IGNORECASE)
_ITEM_RE: Final = re.compile(r"(\s*)(?:[*\-+•]|\d+[.)]|[a-zA-Z][.)])\s+(.*)\Z")
_ESCAPE_RE: Final = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~=])")


@attrs.frozen
class ParsedAge:
    """A registry age such as "18 Years": a whole number and its unit (plural, lower case)."""

    value: int
    unit: str


def parse_age(text: Any, field: str) -> ParsedAge | None:
    """Parse "18 Years", "6 Months", "1 Week", ... exactly; "N/A" (or absent) is None.

    >>> parse_age("6 Months", "minimumAge")
    ParsedAge(value=6, unit='months')
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidDocument(field, text, 'an age such as "18 Years" or "N/A"')
    if text.strip().upper() == "N/A":
        return None
    match = _AGE_RE.match(text)
    if match is None:
        raise InvalidDocument(field, text, 'an age such as "18 Years", "6 Months" or "N/A"')
    unit = _UNITS.get(match.group(2).lower())
    if unit is None:
        raise InvalidDocument(field, text, "an age unit: Years, Months, Weeks, Days, Hours or "
                                           "Minutes")
    return ParsedAge(int(match.group(1)), unit)


def _age_criterion(low: ParsedAge | None, high: ParsedAge | None, labels: list[str]
                   ) -> Criterion | None:
    """Age bounds as completed units (both inclusive, as the registry states them)."""
    label = "; ".join(labels)
    for bound in (low, high):
        if bound is not None and bound.unit in {"hours", "minutes"}:
            # Records hold birth dates, not birth times: an age in hours cannot be decided.
            return Placeholder(f"{label} (an age in {bound.unit} needs a time of birth)",
                               id="registry.age")
    if low is not None and high is not None:
        if low.unit == high.unit:
            return Range(Age(unit=low.unit), low.value, high.value, id="registry.age",
                         label=label)
        return AllOf(Threshold(Age(unit=low.unit), ">=", low.value, id="registry.age.minimum",
                               label=labels[0]),
                     Threshold(Age(unit=high.unit), "<=", high.value, id="registry.age.maximum",
                               label=labels[1]),
                     id="registry.age", label=label)
    if low is not None:
        return Threshold(Age(unit=low.unit), ">=", low.value, id="registry.age", label=label)
    if high is not None:
        return Threshold(Age(unit=high.unit), "<=", high.value, id="registry.age", label=label)
    return None


def _unescape(text: str) -> str:
    """Drop the Markdown backslash escapes the API v2 text carries ("\\<126" is "<126")."""
    return _ESCAPE_RE.sub(r"\1", text)


def split_criteria(text: str) -> tuple[list[str], list[str]]:
    """The inclusion and exclusion items of a free-text ``eligibilityCriteria``.

    Items start with a bullet (``*``, ``-``, ``+``, ``•``) or a number (``1.``,
    ``2)``); indented sub-items and continuation lines join their parent item.
    Items before any "Inclusion/Exclusion Criteria" heading count as inclusion.

    >>> split_criteria("Inclusion Criteria:\\n* Adult\\n  * over 18\\nExclusion Criteria:\\n1. Pregnant")
    (['Adult\\n* over 18'], ['Pregnant'])
    """
    sections: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    current = "inclusion"
    item: list[str] | None = None
    base_indent: int | None = None

    def flush() -> None:
        nonlocal item
        if item:
            joined = "\n".join(line for line in item).strip()
            if joined:
                sections[current].append(joined)
        item = None

    for raw in text.splitlines():
        line = _unescape(raw.rstrip())
        if not line.strip():
            continue
        header = _HEADER_RE.match(line)
        if header is not None:
            flush()
            current = header.group(1).lower()
            base_indent = None
            continue
        match = _ITEM_RE.match(line)
        if match is not None:
            indent = len(match.group(1).expandtabs())
            if base_indent is None:
                base_indent = indent
            if indent <= base_indent or item is None:
                flush()
                item = [match.group(2).strip()]
                continue
            item.append(line.strip())  # a sub-item: keep its bullet, join the parent
            continue
        if item is None:
            item = [line.strip()]  # a paragraph item without a bullet
        else:
            item.append(line.strip())
    flush()
    return sections["inclusion"], sections["exclusion"]


def _module(study: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = study.get("protocolSection")
    if not isinstance(section, Mapping):
        raise InvalidDocument("$.protocolSection", section,
                              "an API v2 study record with a protocolSection object")
    module = section.get(name, {})
    if not isinstance(module, Mapping):
        raise InvalidDocument(f"$.protocolSection.{name}", module, "an object")
    return module


#: What a text cut to the protocol format's length limit ends with.
CUT: Final = " [...cut to fit the protocol format; the registry record holds the full text]"


def _fit(text: str) -> str:
    """Text as a protocol document can hold it: at most ``MAX_TEXT`` characters, a longer one
    cut with :data:`CUT` at its end (a reader would refuse it whole; the import says so)."""
    if len(text) <= MAX_TEXT:
        return text
    return text[: MAX_TEXT - len(CUT)] + CUT


def protocol_from_study(study_json: Mapping[str, Any]) -> Protocol:
    """A protocol skeleton from one ClinicalTrials.gov API v2 study record (parsed JSON).

    Structured fields become ``registry.age``, ``registry.sex`` and
    ``registry.healthy_volunteers`` criteria; free-text items become
    placeholders ``inclusion.N`` / ``exclusion.N`` in registry order.
    """
    if not isinstance(study_json, Mapping):
        raise InvalidDocument("$", type(study_json).__name__, "a study record object")
    ident = _module(study_json, "identificationModule")
    nct = ident.get("nctId")
    if not isinstance(nct, str) or not re.fullmatch(r"NCT[0-9]{8}", nct):
        raise InvalidDocument("$.protocolSection.identificationModule.nctId", nct,
                              "an NCT number such as NCT01234567")
    for key in ("briefTitle", "officialTitle"):
        if not isinstance(ident.get(key), str | None):
            raise InvalidDocument(f"$.protocolSection.identificationModule.{key}", ident[key],
                                  "a string")
    title = _fit(ident.get("briefTitle") or ident.get("officialTitle") or nct)
    if has_surrogate(title):
        raise InvalidDocument("$.protocolSection.identificationModule.briefTitle", title,
                              "valid Unicode text (no lone surrogates)")
    elig = _module(study_json, "eligibilityModule")
    where = "$.protocolSection.eligibilityModule"
    inclusion: list[Criterion] = []

    minimum = parse_age(elig.get("minimumAge"), f"{where}.minimumAge")
    maximum = parse_age(elig.get("maximumAge"), f"{where}.maximumAge")
    labels = ([f"minimumAge {elig['minimumAge']}"] if minimum else []) + (
        [f"maximumAge {elig['maximumAge']}"] if maximum else [])
    age = _age_criterion(minimum, maximum, labels)
    if age is not None:
        inclusion.append(age)

    sex = elig.get("sex")
    if sex is not None:
        if not isinstance(sex, str) or sex not in _SEXES:
            raise InvalidDocument(f"{where}.sex", sex, "one of ALL, FEMALE, MALE")
        if _SEXES[sex] is not None:
            inclusion.append(OneOf(Sex(), [_SEXES[sex]], id="registry.sex", label=f"sex {sex}"))

    healthy = elig.get("healthyVolunteers")
    if healthy is not None:
        if not isinstance(healthy, bool):
            raise InvalidDocument(f"{where}.healthyVolunteers", healthy, "true or false")
        if not healthy:
            inclusion.append(Flag("healthy_volunteer", expected=False,
                                  id="registry.healthy_volunteers",
                                  label="healthyVolunteers false: healthy volunteers are not "
                                        "accepted"))

    text = elig.get("eligibilityCriteria", "")
    if not isinstance(text, str) or has_surrogate(text):
        raise InvalidDocument(f"{where}.eligibilityCriteria", text,
                              "a string of valid Unicode text")
    included, excluded = split_criteria(text)
    inclusion += [Placeholder(_fit(item), id=f"inclusion.{i}")
                  for i, item in enumerate(included, 1)]
    exclusion = [Placeholder(_fit(item), id=f"exclusion.{i}") for i, item in enumerate(excluded, 1)]
    return Protocol(nct, title, inclusion=inclusion, exclusion=exclusion)
