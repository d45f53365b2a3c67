"""Fact fragments: the part of a record one criterion reads, merged without interference.

A fragment maps *keys* to the complete value a criterion reads under that key:
the birth date, the sex, every observation of one code, one flag, the events
of one code set in one history, the completeness date of one history. Two
fragments merge when they agree on every key they share, and when no event of
one falls in the code set of another (so neither reads the other's facts).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs

from ..values.codes import CodeSet
from ..values.dates import PartialDate
from ..values.domains import Domain
from ..values.records import Condition, Exposure, Observation, Record

__all__: list[str] = []

#: A fragment: key -> value. Keys are tuples:
#: ("birth_date",) -> PartialDate | None; ("sex",) -> str | None;
#: ("obs", code) -> tuple[Observation, ...]; ("flag", name) -> bool | None;
#: ("events", history, CodeSet) -> tuple[Condition | Exposure, ...];
#: ("complete", history) -> date | None.
Facts = Mapping[tuple[Any, ...], Any]

BIRTH: tuple[str] = ("birth_date",)
SEX: tuple[str] = ("sex",)


def obs_key(code: str) -> tuple[str, str]:
    return ("obs", code)


def flag_key(name: str) -> tuple[str, str]:
    return ("flag", name)


def events_key(history: str, codes: CodeSet) -> tuple[str, str, CodeSet]:
    return ("events", history, codes)


def date_key(name: str) -> tuple[str, str]:
    """A named date of the record (``dates[name]``); None: not recorded."""
    return ("date", name)


def complete_key(history: str) -> tuple[str, str]:
    return ("complete", history)


def is_member(codes: CodeSet, code: str) -> bool:
    """``code`` equals a listed code or starts with a listed prefix (read from the lists,
    not by ``CodeSet.__contains__``: labels must not come from the code under test)."""
    return code in codes.codes or any(code.startswith(prefix) for prefix in codes.prefixes)


def merge(*fragments: Facts) -> dict[tuple[Any, ...], Any] | None:
    """One fragment holding all of them, or None when two would disagree or interfere."""
    out: dict[tuple[Any, ...], Any] = {}
    for fragment in fragments:
        for key, value in fragment.items():
            if key in out and out[key] != value:
                return None
            out[key] = value
    if not _independent(out):
        return None
    return out


def _independent(facts: Facts) -> bool:
    """No event recorded for one code set is also a member of another code set read."""
    keys = [k for k in facts if k[0] == "events"]
    for key in keys:
        for other in keys:
            if other is key or other[1] != key[1] or other[2] == key[2]:
                continue
            if any(event.code in key[2] for event in facts[other]):
                return False
    return True


def build(facts: Facts, record_id: str = "case",
          domains: Mapping[str, Domain] | None = None) -> Record:
    """The record holding exactly these facts (absent keys mean nothing recorded).

    An observation without a unit whose code's domain declares one is recorded
    in that unit (the generated values are in the domain's unit).
    """
    observations: list[Observation] = []
    conditions: list[Condition] = []
    exposures: list[Exposure] = []
    flags: dict[str, bool] = {}
    complete: dict[str, date] = {}
    dates: dict[str, date] = {}
    birth: PartialDate | None = facts.get(BIRTH)
    sex: str | None = facts.get(SEX)
    for key in sorted(facts, key=repr):
        value = facts[key]
        kind = key[0]
        if kind == "obs":
            unit = None if domains is None or key[1] not in domains else domains[key[1]].unit
            observations.extend(o if unit is None or o.unit is not None
                                else attrs.evolve(o, unit=unit) for o in value)
        elif kind == "flag" and value is not None:
            flags[key[1]] = value
        elif kind == "events":
            (conditions if key[1] == "conditions" else exposures).extend(value)
        elif kind == "complete" and value is not None:
            complete[key[1]] = value
        elif kind == "date" and value is not None:
            dates[key[1]] = value
    return Record(record_id, birth_date=birth, sex=sex, observations=observations,
                  conditions=conditions, exposures=exposures, flags=flags, complete=complete,
                  dates=dates)
