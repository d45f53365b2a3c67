"""OMOP CDM v5.4 patients in: a folder of CDM CSV files or a DuckDB database file.

One :class:`~trialrules.values.records.Record` per PERSON row, read in
``person_id`` order a chunk of persons at a time (every table is queried for
the chunk's range of ids), so memory is bounded by the chunk, not the
database. The mapping (which table and column becomes which fact) is in
docs/omop.md. DuckDB is the engine, embedded: ``pip install trialrules[omop]``.

>>> from pathlib import Path
>>> folder = Path(__file__).parents[3] / "tests/data/omop/synthea27nj"
>>> first = next(iter_omop(folder)) if folder.is_dir() else None  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

from ..values.checks import MAX_EXACT_INT
from ..values.completeness import Period
from ..values.dates import PartialDate
from ..values.domains import STANDARD_DOMAINS, Domain
from ..values.errors import InvalidRecord, TrialRulesError, _short
from ..values.records import CATEGORIES, Condition, Exposure, Observation, Record, ReferenceRange
from .records import LoadError
from .systems import vocabulary_codes as _vocabulary
from .systems import vocabulary_prefix

__all__ = ["CHUNK", "GENDERS", "TABLES", "OmopError", "iter_omop", "read_omop"]

#: Persons read per batch (each table is queried once per batch). The batch's rows are held
#: in Python while its records are built (about 0.25 MB per Synthea-sized person).
CHUNK: Final = 500
#: DuckDB's own memory cap: its cache of the database's blocks, which otherwise grows with
#: every block a read touches, and its sorts (beyond the cap, they spill to a scratch folder).
MEMORY_LIMIT: Final = "128MB"

#: OMOP gender concepts (the Gender vocabulary) mapped to the record's sex. 8551 UNKNOWN is
#: "unknown" (counts as not recorded); concept 0 or no concept leaves sex unset.
GENDERS: Final[Mapping[int, str]] = {8507: "male", 8532: "female", 8521: "other",
                                     8570: "other", 8551: "unknown"}

#: The CDM tables read; PERSON and CONCEPT are required, the others may be absent (no facts).
TABLES: Final = ("person", "concept", "observation_period", "death", "condition_occurrence",
                 "drug_exposure", "measurement", "observation")
_REQUIRED: Final = ("person", "concept")

#: The columns each table must have (a CDM v5.4 subset: the ones the mapping reads).
_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "person": ("person_id", "gender_concept_id", "year_of_birth", "month_of_birth",
               "day_of_birth"),
    "concept": ("concept_id", "vocabulary_id", "concept_code"),
    "observation_period": ("person_id", "observation_period_start_date",
                           "observation_period_end_date"),
    "death": ("person_id", "death_date"),
    "condition_occurrence": ("condition_occurrence_id", "person_id", "condition_concept_id",
                             "condition_start_date", "condition_end_date",
                             "condition_source_concept_id"),
    "drug_exposure": ("drug_exposure_id", "person_id", "drug_concept_id",
                      "drug_exposure_start_date", "drug_exposure_end_date", "days_supply",
                      "drug_source_concept_id"),
    "measurement": ("measurement_id", "person_id", "measurement_concept_id", "measurement_date",
                    "value_as_number", "value_as_concept_id", "unit_concept_id", "range_low",
                    "range_high"),
    "observation": ("observation_id", "person_id", "observation_concept_id", "observation_date",
                    "value_as_number", "value_as_string", "value_as_concept_id",
                    "unit_concept_id"),
}
_INTEGER_TYPES: Final = frozenset({"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT",
                                   "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"})
#: A person_id read from text: digits only (DuckDB's own cast would round "1.5" to 2); any
#: other text is NULL, and a NULL id is reported as bad input when the source is opened.
_TEXT_PID: Final = ("CASE WHEN regexp_full_match(trim(CAST(person_id AS VARCHAR)), '-?[0-9]{1,18}') "
                    "THEN CAST(trim(CAST(person_id AS VARCHAR)) AS BIGINT) END")
_DATE_RE: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?\Z")


class OmopError(TrialRulesError, ValueError):
    """The source is not a readable OMOP CDM (a missing table or column, an unknown engine)."""


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise OmopError("reading OMOP CDM needs DuckDB: pip install 'trialrules[omop]'") from None
    return duckdb


class _Source:
    """A DuckDB connection with one view per CDM table (``cdm_person`` ...)."""

    def __init__(self, source: str | Path, schema: str | None, memory_limit: str) -> None:
        duckdb = _duckdb()
        config = {"memory_limit": memory_limit}
        path = Path(source)
        self.tmp: tempfile.TemporaryDirectory[str] | None = None
        self.present: set[str] = set()
        if path.is_dir():
            # CSV files are loaded once into a scratch database on disk, sorted by person, so
            # each chunk's range query reads only the row groups that hold its persons.
            self.tmp = tempfile.TemporaryDirectory(prefix="trialrules-omop-")
            self.con = duckdb.connect(os.path.join(self.tmp.name, "cdm.duckdb"), config=config)
            self.con.execute(f"SET temp_directory = '{_sql_text(self.tmp.name)}'")
            self.con.execute("SET enable_progress_bar = false")
            files = {p.stem.lower(): p for p in path.iterdir()
                     if p.suffix.lower() == ".csv" and p.is_file()}
            self.present = set()
            for table in TABLES:
                if table not in files:
                    continue
                read = (f"read_csv('{_sql_text(str(files[table]))}', header = true, "
                        "all_varchar = true)")
                if "person_id" in _COLUMNS[table]:
                    # The person id typed once, here, and the rows sorted by it: each chunk's
                    # range query then reads only the row groups that hold its persons.
                    self.con.execute(
                        f"CREATE TABLE cdm_{table} AS SELECT {_TEXT_PID} AS _pid, * "
                        f"FROM {read} ORDER BY _pid")
                else:
                    self.con.execute(f"CREATE TABLE cdm_{table} AS SELECT * FROM {read}")
                self.present.add(table)
            where = f"folder {path}"
        elif _is_postgres(source):
            # A Postgres CDM through DuckDB's postgres extension, attached read-only: each
            # chunk's range filter is pushed down to Postgres (an index on person_id serves it).
            self.con = duckdb.connect(":memory:", config=config)
            self._scratch()
            shown = hide_password(str(source))
            try:
                self.con.execute("INSTALL postgres")
                self.con.execute("LOAD postgres")
            except duckdb.Error as exc:
                self.close()
                raise OmopError(f"{shown}: reading a Postgres CDM needs DuckDB's postgres "
                                "extension, downloaded by DuckDB once (INSTALL postgres) "
                                f"({str(exc).splitlines()[0]})") from None
            try:
                self.con.execute(f"ATTACH '{_sql_text(str(source))}' AS cdm_pg "
                                 "(TYPE postgres, READ_ONLY)")
            except duckdb.Error as exc:
                self.close()
                raise OmopError(f"{shown}: cannot attach the Postgres database "
                                f"({hide_password(str(exc).splitlines()[0])})") from None
            where = self._views("cdm_pg", schema, "public", f"Postgres database {shown}")
        elif path.is_file():
            try:
                self.con = duckdb.connect(str(path), read_only=True, config=config)
            except duckdb.Error as exc:
                raise OmopError(f"{path} is neither a folder of CDM CSV files nor a DuckDB "
                                f"database ({str(exc).splitlines()[0]})") from None
            self._scratch()
            catalog = self.con.execute("SELECT current_database()").fetchall()[0][0]
            where = self._views(str(catalog), schema, "main", f"database {path}")
        else:
            raise OmopError(f"{path}: no such folder or file")
        for table in _REQUIRED:
            if table not in self.present:
                self.close()
                raise OmopError(f"{where}: the CDM table {table.upper()} is missing; it is "
                                "required (the other tables may be absent)")
        for table in sorted(self.present):
            have = {r[0].lower() for r in self.con.execute(
                f"SELECT column_name FROM information_schema.columns "
                f"WHERE table_name = 'cdm_{table}'").fetchall()}
            missing = [c for c in _COLUMNS[table] if c not in have]
            if missing:
                self.close()
                raise OmopError(f"{where}: table {table.upper()} has no column "
                                f"{', '.join(missing)} (CDM v5.4 names)")
        for table in sorted(self.present):
            if "person_id" not in _COLUMNS[table]:
                continue
            # A row whose person_id is empty or not a whole number belongs to nobody: it is
            # bad input, never silently left out of every person's range.
            bad = self.con.execute(f"SELECT person_id FROM cdm_{table} WHERE _pid IS NULL "
                                   "LIMIT 1").fetchall()
            if bad:
                self.close()
                raise OmopError(f"{where}: table {table.upper()} has a row with person_id "
                                f"{_short(bad[0][0])}; expected a whole number")

    def _scratch(self) -> None:
        """Sorts past the memory cap spill into a scratch folder of ours, not beside a
        database that may sit in a read-only place."""
        self.tmp = tempfile.TemporaryDirectory(prefix="trialrules-omop-")
        self.con.execute(f"SET temp_directory = '{_sql_text(self.tmp.name)}'")
        self.con.execute("SET enable_progress_bar = false")

    def _views(self, catalog: str, schema: str | None, default: str, where: str) -> str:
        """One view ``cdm_TABLE`` per CDM table of ``catalog.schema`` (by default ``default``,
        or the schema holding PERSON), with the person id as ``_pid``; where, in words."""
        tables = self.con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = ?", (catalog,)).fetchall()
        schemas = {s for s, t in tables if t.lower() == "person"}
        if schema is None:
            schema = default if default in schemas or not schemas else sorted(schemas)[0]
        self.present = set()
        types = {(t.lower(), c.lower()): str(k).upper() for t, c, k in self.con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = ? AND table_schema = ?", (catalog, schema)).fetchall()}
        for s, t in tables:
            if s == schema and t.lower() in TABLES:
                table = t.lower()
                pid = ""
                if "person_id" in _COLUMNS[table]:
                    # An integer person_id is read as it is, so DuckDB prunes the row groups
                    # outside a chunk's range (its min/max per group); text is cast.
                    typed = types.get((table, "person_id"), "") in _INTEGER_TYPES
                    pid = f"{'person_id' if typed else _TEXT_PID} AS _pid, "
                self.con.execute(f'CREATE TEMP VIEW cdm_{table} AS SELECT {pid}* '
                                 f'FROM "{_sql_name(catalog)}"."{_sql_name(s)}"."{_sql_name(t)}"')
                self.present.add(table)
        return f"{where} (schema {schema})"

    def close(self) -> None:
        self.con.close()
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        result: list[tuple[Any, ...]] = self.con.execute(sql, params).fetchall()
        return result


def _is_postgres(source: str | Path) -> bool:
    """A Postgres connection URL (``postgresql://user@host:5432/cdm``)."""
    return isinstance(source, str) and source.startswith(("postgresql://", "postgres://"))


def hide_password(text: str) -> str:
    """A Postgres connection URL with its password masked, for messages.

    >>> hide_password("postgresql://ohdsi:s3cret@db.example.org:5432/cdm")
    'postgresql://ohdsi:***@db.example.org:5432/cdm'
    """
    return re.sub(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _sql_name(text: str) -> str:
    return text.replace('"', '""')


# -- values ------------------------------------------------------------------------


def _int(value: Any, field: str) -> int | None:
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is str and value.isascii() and value.isdigit():
        return int(value)  # the common cases, first
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.0+)?", value.strip()):
        return int(value.strip().split(".")[0])
    raise InvalidRecord(field, value, "a whole number")


def _number(value: Any, field: str) -> float | int | None:
    """A whole number stays an int ("14"), anything else is a float ("48.1", "48.0")."""
    kind = type(value)
    if kind is float:
        if not math.isfinite(value):
            raise InvalidRecord(field, value, "a finite number")
        return value  # type: ignore[no-any-return]
    if kind is int:
        if abs(value) > MAX_EXACT_INT:
            raise InvalidRecord(field, value, "a whole number within ±2**53")
        return value  # type: ignore[no-any-return]
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        number: float | int = int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    except ValueError:
        raise InvalidRecord(field, value, "a number") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidRecord(field, value, "a finite number")
    if isinstance(number, int) and abs(number) > MAX_EXACT_INT:
        raise InvalidRecord(field, value, "a whole number within ±2**53")
    return number


def _date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    match = _DATE_RE.match(str(value).strip())
    if match is None:
        raise InvalidRecord(field, value, "a date YYYY-MM-DD")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise InvalidRecord(field, value, "a calendar date YYYY-MM-DD") from None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# -- reading -----------------------------------------------------------------------


class _Reader:
    """Turns the rows of one chunk of persons into records."""

    def __init__(self, src: _Source, vocabulary: Mapping[str, frozenset[str]],
                 domains: Mapping[str, Domain]) -> None:
        self.src = src
        self.vocabulary = vocabulary
        self.domains = domains
        self.concepts: dict[int, tuple[str, str]] = {}  # concept_id -> (code, vocabulary_id)
        # Memos for one read (they die with it): dates and protocol names recur across rows.
        self.days: dict[Any, tuple[date, PartialDate] | None] = {}
        self.names: dict[str, list[str]] = {}

    def day(self, value: Any, field: str) -> tuple[date, PartialDate] | None:
        """A CDM date as (date, PartialDate of that day); None when empty."""
        found = self.days.get(value, False)
        if found is False:
            day = _date(value, field)
            found = None if day is None else (day, _pd(day))
            if len(self.days) > 200_000:
                self.days.clear()
            self.days[value] = found
        return found  # type: ignore[return-value]

    def codes_for(self, ids: Iterable[int]) -> None:
        """Look up the concepts a chunk uses (cached for the read: a few thousand at most
        per vocabulary slice actually used)."""
        todo = sorted({i for i in ids if i and i not in self.concepts})
        for start in range(0, len(todo), 5000):
            part = todo[start:start + 5000]
            marks = ", ".join("?" * len(part))
            for cid, vocab, code in self.src.rows(
                    f"SELECT CAST(concept_id AS BIGINT), CAST(vocabulary_id AS VARCHAR), "
                    f"CAST(concept_code AS VARCHAR) FROM cdm_concept "
                    f"WHERE CAST(concept_id AS BIGINT) IN ({marks})", part):
                self.concepts[int(cid)] = (f"{vocabulary_prefix(str(vocab))}:{code}", str(vocab))

    def code(self, cid: int | None, field: str) -> str | None:
        """``SYSTEM:CODE`` of a concept; None for concept 0 / none (OMOP's "no matching concept")."""
        if not cid:
            return None
        found = self.concepts.get(cid)
        if found is None:
            raise InvalidRecord(field, cid, "a concept_id present in the CONCEPT table")
        return found[0]

    def unit(self, cid: int | None, field: str) -> str | None:
        if not cid:
            return None
        found = self.concepts.get(cid)
        if found is None:
            raise InvalidRecord(field, cid, "a concept_id present in the CONCEPT table")
        if found[1] != "UCUM":
            raise InvalidRecord(field, cid, f"a UCUM unit concept, not {found[1]} {found[0]}")
        return found[0].split(":", 1)[1]

    def chunk(self, ids: list[int], before: int) -> Iterator[tuple[int, Record | LoadError]]:
        """(ordinal from 1, Record or LoadError) per person of one chunk; ``before`` persons came
        before it."""
        lo, hi = ids[0], ids[-1]
        rng = (lo, hi)
        per: dict[int, dict[str, list[tuple[Any, ...]]]] = {i: {} for i in ids}

        def fetch(table: str, columns: str, order: str) -> None:
            if table not in self.src.present:
                return
            for row in self.src.rows(
                    f"SELECT _pid, {columns} FROM cdm_{table} "
                    f"WHERE _pid BETWEEN ? AND ? ORDER BY 1, {order}", rng):
                bucket = per.get(int(row[0]))
                if bucket is not None:
                    bucket.setdefault(table, []).append(row[1:])

        # Columns come as the source types them (all text from a CSV folder; dates, integers
        # and doubles from a typed database); every value is checked in Python either way.
        v = "{}".format
        fetch("person", ", ".join(v(c) for c in _COLUMNS["person"][1:]), "1")
        fetch("observation_period", f"{v('observation_period_start_date')}, "
              f"{v('observation_period_end_date')}", "2, 3")
        fetch("death", v("death_date"), "2")
        fetch("condition_occurrence",
              ", ".join(v(c) for c in ("condition_occurrence_id", "condition_concept_id",
                                       "condition_start_date", "condition_end_date",
                                       "condition_source_concept_id")),
              "CAST(condition_occurrence_id AS BIGINT)")
        fetch("drug_exposure",
              ", ".join(v(c) for c in ("drug_exposure_id", "drug_concept_id",
                                       "drug_exposure_start_date", "drug_exposure_end_date",
                                       "days_supply", "drug_source_concept_id")),
              "CAST(drug_exposure_id AS BIGINT)")
        fetch("measurement",
              ", ".join(v(c) for c in _COLUMNS["measurement"][2:]) + ", " + v("measurement_id"),
              "CAST(measurement_id AS BIGINT)")
        fetch("observation",
              ", ".join(v(c) for c in _COLUMNS["observation"][2:]) + ", " + v("observation_id"),
              "CAST(observation_id AS BIGINT)")
        needed: set[int] = set()
        for tables in per.values():
            for row in tables.get("condition_occurrence", ()):
                needed.update(_ids(row[1], row[4]))
            for row in tables.get("drug_exposure", ()):
                needed.update(_ids(row[1], row[5]))
            for row in tables.get("measurement", ()):
                needed.update(_ids(row[0], row[3], row[4]))
            for row in tables.get("observation", ()):
                needed.update(_ids(row[0], row[4], row[5]))
        self.codes_for(needed)
        for position, pid in enumerate(ids, before + 1):
            try:
                record = self.record(pid, per[pid])
            except InvalidRecord as exc:
                yield position, LoadError(position, str(pid), exc.field,
                                          f"{_short(exc.value)}; expected {exc.allowed}")
                continue
            yield position, record

    def record(self, pid: int, rows: dict[str, list[tuple[Any, ...]]]) -> Record:
        try:
            return self._record(pid, rows)
        except InvalidRecord as exc:
            raise exc.located(patient=str(pid)) from None

    def _record(self, pid: int, rows: dict[str, list[tuple[Any, ...]]]) -> Record:
        if len(rows["person"]) != 1:
            raise InvalidRecord("person.person_id", pid, "one PERSON row per person_id "
                                f"(found {len(rows['person'])})")
        gender, year, month, day = rows["person"][0]
        birth = None
        y = _int(year, "person.year_of_birth")
        if y is not None:
            m = _int(month, "person.month_of_birth")
            d = _int(day, "person.day_of_birth") if m is not None else None
            try:
                birth = PartialDate(y, m, d)
            except (TrialRulesError, ValueError):
                raise InvalidRecord("person.year_of_birth/month_of_birth/day_of_birth",
                                    f"{year}-{month}-{day}", "a calendar date") from None
        g = _int(gender, "person.gender_concept_id")
        if g and g not in GENDERS:
            raise InvalidRecord("person.gender_concept_id", g,
                                f"a Gender concept ({', '.join(map(str, GENDERS))}) or 0")
        sex = GENDERS.get(g) if g else None
        conditions = []
        for oid, cid, start, end, source in rows.get("condition_occurrence", ()):
            field = f"condition_occurrence[{oid}]"
            onset = self.day(start, f"{field}.condition_start_date")
            if onset is None:
                raise InvalidRecord(f"{field}.condition_start_date", None, "a date (required)")
            stop = self.day(end, f"{field}.condition_end_date")
            for code in self.both(cid, source, field, "condition"):
                conditions.append(Condition(code, onset[1], None if stop is None else stop[1],
                                            note=f"condition_occurrence {oid}"))
        exposures = []
        for oid, cid, start, end, supply, source in rows.get("drug_exposure", ()):
            field = f"drug_exposure[{oid}]"
            began = self.day(start, f"{field}.drug_exposure_start_date")
            if began is None:
                raise InvalidRecord(f"{field}.drug_exposure_start_date", None, "a date (required)")
            begin = began[0]
            stop = self.day(end, f"{field}.drug_exposure_end_date")
            end_pd: PartialDate | None
            if stop is not None:
                end_pd = stop[1]
            else:
                days = _int(supply, f"{field}.days_supply")
                if days is not None and days < 0:
                    raise InvalidRecord(f"{field}.days_supply", days, "a number of days >= 0")
                # CDM v5.4 convention: end = start + days_supply - 1 (a 1-day supply ends the
                # day it starts); no end and no supply: ended on a day nobody recorded.
                end_pd = (PartialDate() if days is None
                          else _pd(begin + timedelta(days=max(days - 1, 0))))
            for code in self.both(cid, source, field, "drug"):
                exposures.append(Exposure(code, began[1], end_pd, note=f"drug_exposure {oid}"))
        observations = []
        for cid, when, number, value_cid, unit_cid, low, high, oid in rows.get("measurement", ()):
            field = f"measurement[{oid}]"
            observations += self.observations(
                field, cid, self.day(when, f"{field}.measurement_date"),
                _number(number, f"{field}.value_as_number"), None, value_cid, unit_cid,
                "measurement_concept_id", present=None,
                reference=_range(_number(low, f"{field}.range_low"),
                                 _number(high, f"{field}.range_high"), field))
        for cid, when, number, string, value_cid, unit_cid, oid in rows.get("observation", ()):
            field = f"observation[{oid}]"
            observations += self.observations(
                field, cid, self.day(when, f"{field}.observation_date"),
                _number(number, f"{field}.value_as_number"), _text(string), value_cid, unit_cid,
                "observation_concept_id", present=True)
        complete = _completeness(rows.get("observation_period", ()))
        deaths = sorted(d for d in (_date(r[0], "death.death_date") for r in rows.get("death", ()))
                        if d is not None)
        return Record(str(pid), birth_date=birth, sex=sex, conditions=conditions,
                      exposures=exposures, observations=observations, complete=complete,
                      death_date=deaths[0] if deaths else None)

    def both(self, cid: Any, source: Any, field: str, what: str) -> list[str]:
        """The standard concept's code and, when it differs, the source concept's."""
        out = []
        standard = self.code(_int(cid, f"{field}.{what}_concept_id"), f"{field}.{what}_concept_id")
        if standard is not None:
            out.append(standard)
        sid = _int(source, f"{field}.{what}_source_concept_id")
        src = self.code(sid, f"{field}.{what}_source_concept_id")
        if src is not None and src not in out:
            out.append(src)
        if not out:
            # Concept 0 everywhere: kept (never dropped) under OMOP's own "no matching concept".
            out.append("OMOP:0")
        return out

    def observations(self, field: str, cid: Any, when: tuple[date, PartialDate] | None,
                     number: float | int | None,
                     string: str | None, value_cid: Any, unit_cid: Any,
                     concept_column: str, present: bool | None,
                     reference: ReferenceRange | None = None) -> list[Observation]:
        """The row as observations (one per protocol name its code has, else under its code).

        A row with no value: a MEASUREMENT without a result is not a value and gives
        nothing; an OBSERVATION row records that the fact was observed, so ``present``.
        """
        if when is None:
            raise InvalidRecord(f"{field}.date", None, "a date (required)")
        value: float | int | str | None = number
        if value is None:
            vc = self.code(_int(value_cid, f"{field}.value_as_concept_id"),
                           f"{field}.value_as_concept_id")
            value = vc if vc is not None else string
        if value is None:
            if present is None:
                return []  # no result recorded: nothing to compare (as FHIR without a value)
            value = present
        unit = self.unit(_int(unit_cid, f"{field}.unit_concept_id"), f"{field}.unit_concept_id") \
            if number is not None else None
        code = self.code(_int(cid, f"{field}.{concept_column}"), f"{field}.{concept_column}") \
            or "OMOP:0"
        names = self.names.get(code)
        if names is None:
            names = self.names[code] = sorted(
                n for n, cs in self.vocabulary.items() if code in cs) or [code]
        out = []
        for name in names:
            domain = self.domains.get(name)
            if domain is not None and not domain.contains(value):
                raise InvalidRecord(f"{field}.value", value, f"{domain.describe()} (for {name})")
            # Built through Observation's own checks, the one definition of its rules.
            try:
                out.append(Observation(name, value, when[1], unit=unit,
                                       reference_range=reference if number is not None else None))
            except InvalidRecord as exc:
                raise exc.located(prefix=field) from None
        return out


def _range(low: float | int | None, high: float | int | None,
           field: str) -> ReferenceRange | None:
    """MEASUREMENT range_low/range_high as the reference range (in the value's unit)."""
    if low is None and high is None:
        return None
    try:
        return ReferenceRange(low, high)
    except InvalidRecord as exc:
        raise InvalidRecord(f"{field}.range_high", exc.value, exc.allowed) from None


def _ids(*values: Any) -> list[int]:
    out = []
    for value in values:
        try:
            n = _int(value, "concept_id")
        except InvalidRecord:
            continue  # reported with its field when the record is built
        if n:
            out.append(n)
    return out


def _pd(day: date) -> PartialDate:
    return PartialDate(day.year, day.month, day.day)


def _completeness(periods: Iterable[tuple[Any, ...]]) -> dict[str, tuple[Period, ...]]:
    """Every OBSERVATION_PERIOD row as a period of completeness of conditions, exposures
    and observations, from its start through its end (a record is complete only within an
    observation period; docs/omop.md)."""
    out = []
    for i, (a, b) in enumerate(periods):
        field = f"observation_period[{i}]"
        first = _date(a, f"{field}.observation_period_start_date")
        last = _date(b, f"{field}.observation_period_end_date")
        if first is None:
            raise InvalidRecord(f"{field}.observation_period_start_date", None, "a date (required)")
        if last is None:
            raise InvalidRecord(f"{field}.observation_period_end_date", None, "a date (required)")
        if last < first:
            raise InvalidRecord(f"{field}.observation_period_end_date", str(last),
                                f"a date on or after observation_period_start_date ({first})")
        out.append(Period(_pd(first), _pd(last)))
    if not out:
        return {}
    periods_ = tuple(sorted(out, key=lambda p: (p.first_day(), p.last_day())))
    return dict.fromkeys(sorted(CATEGORIES), periods_)


def read_omop(source: str | Path, *, vocabulary: Mapping[str, Iterable[str]] | None = None,
              domains: Mapping[str, Domain] | None = None, schema: str | None = None,
              chunk: int = CHUNK, memory_limit: str = MEMORY_LIMIT,
              ) -> Iterator[tuple[int, Record | LoadError]]:
    """(ordinal, Record or LoadError) per person, in ``person_id`` order (ordinals from 1, as
    :func:`~trialrules.formats.records.read_jsonl` numbers lines).

    ``source`` is a folder of CDM CSV files (``PERSON.csv`` ...), a DuckDB database
    file (tables in ``schema``, by default ``main`` or the schema holding PERSON), or a
    Postgres connection URL ``postgresql://user:password@host:5432/db`` (through DuckDB's
    postgres extension, attached read-only; ``schema`` by default ``public`` or the schema
    holding PERSON).
    ``vocabulary`` maps the protocol's observation names to codes, as for FHIR.
    The source is opened and checked now (:class:`OmopError` if it is not a CDM);
    persons are read as the iterator is consumed, ``chunk`` at a time. ``memory_limit``
    caps DuckDB's own memory (a DuckDB size such as ``"256MB"``).
    """
    if not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a whole number >= 1, not {chunk!r}")
    src = _Source(source, schema, memory_limit)
    reader = _Reader(src, _vocabulary(vocabulary),
                     STANDARD_DOMAINS if domains is None else domains)
    return _persons(src, reader, chunk)


def _persons(src: _Source, reader: _Reader, chunk: int) -> Iterator[tuple[int, Record | LoadError]]:
    try:
        position = 0
        last: int | None = None
        while True:
            where = "" if last is None else "WHERE _pid > ?"
            ids = [int(r[0]) for r in src.rows(
                f"SELECT DISTINCT _pid FROM cdm_person {where} "
                f"ORDER BY _pid LIMIT {chunk}", () if last is None else (last,))]
            if not ids:
                return
            yield from reader.chunk(ids, position)
            position += len(ids)
            last = ids[-1]
    finally:
        src.close()


def iter_omop(source: str | Path, *, vocabulary: Mapping[str, Iterable[str]] | None = None,
              domains: Mapping[str, Domain] | None = None, schema: str | None = None,
              chunk: int = CHUNK) -> Iterator[Record]:
    """The records of an OMOP CDM, in ``person_id`` order; a person whose rows cannot be
    mapped raises :class:`~trialrules.InvalidRecord` naming the person and the row."""
    for _, item in read_omop(source, vocabulary=vocabulary, domains=domains, schema=schema,
                             chunk=chunk):
        if isinstance(item, LoadError):
            raise InvalidRecord(item.field or "?", item.id, item.reason, patient=item.id)
        yield item
