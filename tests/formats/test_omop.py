"""OMOP CDM v5.4 input: the OHDSI Synthea27Nj CDM (tests/data/omop/synthea27nj) end to end.

Every expected fact below was read by hand from the raw CSV rows (row ids given),
with the CONCEPT.csv row that gives each concept its vocabulary and code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("duckdb")

from trialrules import CodeSet, Determination, Lookback, Outcome, Record, Span, Washout, screen
from trialrules.formats.omop import OmopError, iter_omop, read_omop
from trialrules.formats.records import LoadError
from trialrules.protocols import get
from trialrules.values.completeness import Period
from trialrules.values.dates import PartialDate
from trialrules.values.records import Condition, Exposure, Observation, ReferenceRange

ROOT = Path(__file__).resolve().parents[2]
CDM = ROOT / "tests" / "data" / "omop" / "synthea27nj"


@pytest.fixture(scope="module")
def records() -> dict[str, Record]:
    return {r.id: r for r in iter_omop(CDM, chunk=10)}


def test_all_28_persons_in_person_id_order() -> None:
    items = list(read_omop(CDM, chunk=4))
    # numeric order (1, 2, ..., 10), not text order (1, 10, 11, ...), numbered from 1
    assert [(n, r.id) for n, r in items] == [(n, str(n)) for n in range(1, 29)]


def test_person_birth_and_sex(records: dict[str, Record]) -> None:
    # PERSON row 1: gender_concept_id 8507 (MALE), 1998/4/9; row 2: 8532 (FEMALE), 2014/10/22
    assert records["1"].sex == "male"
    assert records["1"].birth_date == PartialDate(1998, 4, 9)
    assert records["2"].sex == "female"
    assert records["2"].birth_date == PartialDate(2014, 10, 22)


def test_observation_period_declares_completeness_over_its_span(
        records: dict[str, Record]) -> None:
    # OBSERVATION_PERIOD rows 2, 1 and 23: each person's one period, for all three histories
    histories = ("conditions", "exposures", "observations")
    assert dict(records["2"].complete) == dict.fromkeys(
        histories, (Period("2014-10-22", "2021-10-13"),))
    assert dict(records["1"].complete) == dict.fromkeys(
        histories, (Period("2000-12-27", "2022-09-30"),))
    assert dict(records["23"].complete) == dict.fromkeys(
        histories, (Period("1998-04-10", "2001-07-13"),))


def test_a_record_is_complete_only_within_its_observation_period(
        records: dict[str, Record]) -> None:
    # A code set no Synthea27Nj row holds: completeness alone decides.
    none = CodeSet("none", codes=["RXNORM:0"])
    month, ever = Washout(none, Span(months=1)), Lookback(none, on="exposures")
    one = records["1"]  # born 1998-04-09, observed 2000-12-27..2022-09-30
    assert month.decide(one, date(2001, 1, 26)) is Outcome.UNKNOWN  # from 2000-12-26
    assert month.decide(one, date(2001, 1, 27)) is Outcome.MET      # from 2000-12-27
    assert month.decide(one, date(2022, 9, 30)) is Outcome.MET
    assert month.decide(one, date(2022, 10, 1)) is Outcome.UNKNOWN  # after the period
    assert ever.decide(one, date(2022, 6, 1)) is Outcome.UNKNOWN    # 1998-2000 unobserved
    two = records["2"]  # born 2014-10-22, observed from that day to 2021-10-13
    assert ever.decide(two, date(2021, 10, 13)) is Outcome.NOT_MET
    assert ever.decide(two, date(2021, 10, 14)) is Outcome.UNKNOWN
    node = month.evaluate(one, date(2022, 9, 30))
    assert node.reason.endswith("the exposure history is complete from 2000-12-27 through "
                                "2022-09-30")


def test_observation_periods_with_a_gap_and_bad_rows(tmp_path: Path) -> None:
    cdm = _cdm(tmp_path, "", persons="1,8507,1980,,\n2,8532,1990,,\n3,8532,1990,,\n")
    (cdm / "OBSERVATION_PERIOD.csv").write_text(
        "observation_period_id,person_id,observation_period_start_date,"
        "observation_period_end_date\n"
        "11,1,2018-04-02,2027-03-31\n10,1,2015-01-01,2018-03-31\n"
        "20,2,2015-01-01,\n30,3,2016-01-01,2015-12-31\n")
    one, two, three = (item for _, item in read_omop(cdm))
    assert isinstance(one, Record)
    assert one.complete["exposures"] == (Period("2015-01-01", "2018-03-31"),
                                         Period("2018-04-02", "2027-03-31"))
    month = Washout(CodeSet("none", codes=["RXNORM:0"]), Span(months=1))
    assert month.decide(one, date(2018, 4, 1)) is Outcome.UNKNOWN  # 2018-04-01 unobserved
    assert month.decide(one, date(2018, 5, 2)) is Outcome.MET      # from 2018-04-02
    assert isinstance(two, LoadError)
    assert two.field == "observation_period[0].observation_period_end_date"
    assert isinstance(three, LoadError)
    assert "on or after observation_period_start_date (2016-01-01)" in three.reason


def test_condition_occurrence(records: dict[str, Record]) -> None:
    conditions = records["1"].conditions
    # row 1: concept 372328 = SNOMED 65363002 (otitis media), 2002-10-15 .. 2003-03-20
    assert Condition("SNOMED:65363002", "2002-10-15", "2003-03-20") in conditions
    # row 2: concept 43530622 = SNOMED 1121000119107 (chronic neck pain), 2016-05-14, no end
    assert Condition("SNOMED:1121000119107", "2016-05-14", None) in conditions
    # PERSON 1 has 19 CONDITION_OCCURRENCE rows, source concept = standard concept in each
    assert len(conditions) == 19


def test_drug_exposure(records: dict[str, Record]) -> None:
    # row 1: concept 19073183 = RxNorm 308182 (amoxicillin 250 MG Oral Capsule),
    # 2014-04-22 .. 2014-05-06
    assert Exposure("RXNORM:308182", "2014-04-22", "2014-05-06") in records["1"].exposures
    # person 2: rows 14, 15, 16
    assert len(records["2"].exposures) == 3


def test_measurement_value_and_ucum_unit(records: dict[str, Record]) -> None:
    # row 1: concept 3025315 = LOINC 29463-7 (body weight), 2013-05-17, 48.1, unit 9529 = UCUM kg
    weight = [o for o in records["1"].observations
              if o.code == "LOINC:29463-7" and o.date == PartialDate(2013, 5, 17)]
    assert weight == [Observation("LOINC:29463-7", 48.1, "2013-05-17", unit="kg")]
    # row 253: concept 3036277 = LOINC 8302-2 (body height), 57.6, unit 8582 = UCUM cm
    assert Observation("LOINC:8302-2", 57.6, "2015-01-28", unit="cm") in records["2"].observations
    # row 252: concept 43055141 = LOINC 72514-3, 3.0, unit concept 0: no unit
    assert Observation("LOINC:72514-3", 3.0, "2019-10-02") in records["2"].observations


def test_observation_rows_without_a_value_are_recorded_as_present(
        records: dict[str, Record]) -> None:
    # OBSERVATION row 1: concept 40770471 = LOINC 67875-5 (employment status), 2022-07-08,
    # no value_as_number / string / concept
    assert Observation("LOINC:67875-5", True, "2022-07-08") in records["1"].observations


def test_death(records: dict[str, Record]) -> None:
    # DEATH: person 7 died 2019-05-28, 11 on 2009-09-14, 23 on 2001-07-13; nobody else
    assert records["7"].death_date == PartialDate(2019, 5, 28)
    assert records["11"].death_date == PartialDate(2009, 9, 14)
    assert records["23"].death_date == PartialDate(2001, 7, 13)
    assert {pid for pid, r in records.items() if r.death_date is not None} == DEAD


#: Persons outside 18-60 on 2022-06-01 (or at death), worked out by hand from PERSON's
#: year/month/day of birth and DEATH: 2 (2014), 3 (2011), 6 (2015), 15 (2019), 27 (2022)
#: under 18; 20 (1953), 26 (1938) over 60; 7 (1938, died 2019-05-28 aged 81) and 23
#: (1998-04-09, died 2001-07-13 aged 3). Person 25 (2003-12-18) turned 18 on 2021-12-18.
OUTSIDE_AGE = {"2", "3", "6", "15", "27", "20", "26", "7", "23"}
#: Person 11 (1953-09-21, died 2009-09-14 aged 55) is inside the ages but dead.
DEAD = {"7", "11", "23"}


def test_screen_end_to_end_through_the_api() -> None:
    protocol = get("NCT06228781")
    items = read_omop(CDM, vocabulary=protocol.vocabulary, domains=protocol.domains)
    results = list(screen(protocol, items, date(2022, 6, 1)))
    assert len(results) == 28
    assert not [r for r in results if isinstance(r, LoadError)]
    failing_age = {r.patient for r in results if r.inclusion[0].outcome is Outcome.NOT_MET}
    assert failing_age == OUTSIDE_AGE
    ineligible = {r.patient for r in results if r.determination is Determination.INELIGIBLE}
    assert ineligible == OUTSIDE_AGE | DEAD


def test_cli_screen_and_report(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "trialrules.cli", "screen", "--input-format", "omop", str(CDM),
         "--as-of", "2022-06-01", "--format", "json", "--report", str(tmp_path / "r.json")],
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["id"] for line in lines] == [str(n) for n in range(1, 29)]
    report = json.loads((tmp_path / "r.json").read_text())
    assert "28 records read: 28 screened, 0 bad" in done.stderr
    assert report["screened"] == 28
    assert report["determinations"]["ineligible"] == len(OUTSIDE_AGE | DEAD)
    age = report["criteria"][0]
    assert (age["id"], age["not_met"], age["met"]) == ("inclusion.1", 9, 19)


def test_not_a_cdm_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OmopError, match="PERSON is missing"):
        read_omop(tmp_path)
    (tmp_path / "PERSON.csv").write_text("person_id,year_of_birth\n1,1980\n")
    (tmp_path / "CONCEPT.csv").write_text("concept_id,vocabulary_id,concept_code\n")
    with pytest.raises(OmopError, match="PERSON has no column gender_concept_id"):
        read_omop(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "trialrules.cli", "screen", "--input-format", "omop",
         str(tmp_path), "--as-of", "2022-06-01"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "PERSON has no column gender_concept_id" in done.stderr


def _cdm(tmp_path: Path, drugs: str, persons: str = "1,8507,1980,,\n") -> Path:
    (tmp_path / "PERSON.csv").write_text(
        "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth\n" + persons)
    (tmp_path / "CONCEPT.csv").write_text(
        "concept_id,vocabulary_id,concept_code\n1310317,RxNorm,3002\n")
    (tmp_path / "DRUG_EXPOSURE.csv").write_text(
        "drug_exposure_id,person_id,drug_concept_id,drug_exposure_start_date,"
        "drug_exposure_end_date,days_supply,drug_source_concept_id\n" + drugs)
    return tmp_path


def test_days_supply_gives_the_end_when_the_end_is_missing(tmp_path: Path) -> None:
    # THEMIS convention: end = start + days_supply - 1; a 1-day supply ends the day it starts
    cdm = _cdm(tmp_path, "1,1,1310317,2020-01-31,,30,0\n2,1,1310317,2020-02-28,,1,0\n"
                         "3,1,1310317,2020-03-01,,,0\n")
    (record,) = iter_omop(cdm)
    assert record.exposures == (
        Exposure("RXNORM:3002", "2020-01-31", "2020-02-29"),   # leap year: 30 days
        Exposure("RXNORM:3002", "2020-02-28", "2020-02-28"),
        Exposure("RXNORM:3002", "2020-03-01", PartialDate()),  # ended, day not recorded
    )
    # year of birth only: a partial birth date
    assert record.birth_date == PartialDate(1980)


def test_a_bad_person_is_reported_and_the_rest_are_read(tmp_path: Path) -> None:
    cdm = _cdm(tmp_path, "1,1,999,2020-01-31,,30,0\n",
               persons="1,8507,1980,,\n2,8532,1990,2,30\n3,8532,1990,2,28\n")
    items = list(read_omop(cdm))
    assert [n for n, _ in items] == [1, 2, 3]
    first, second, third = (item for _, item in items)
    assert isinstance(first, LoadError)
    assert first.id == "1"
    assert "drug_exposure[1].drug_concept_id" in (first.field or "")
    assert "CONCEPT table" in first.reason
    assert isinstance(second, LoadError)  # 30 February
    assert isinstance(third, Record)


def test_measurement_range_is_the_reference_range(tmp_path: Path) -> None:
    # Synthea27Nj leaves range_low/range_high empty: a hand-made CDM checks the mapping.
    (tmp_path / "PERSON.csv").write_text(
        "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth\n1,8532,1980,5,17\n")
    (tmp_path / "CONCEPT.csv").write_text(
        "concept_id,vocabulary_id,concept_code\n3006923,LOINC,1742-6\n8645,UCUM,U/L\n")
    (tmp_path / "MEASUREMENT.csv").write_text(
        "measurement_id,person_id,measurement_concept_id,measurement_date,value_as_number,"
        "value_as_concept_id,unit_concept_id,range_low,range_high\n"
        "1,1,3006923,2026-10-01,120,0,8645,7,40\n"
        "2,1,3006923,2026-10-02,-0.0,0,8645,,40\n"
        "3,1,3006923,2026-10-03,30,0,8645,,\n")
    (record,) = iter_omop(tmp_path)
    assert record.observations == (
        Observation("LOINC:1742-6", 120, "2026-10-01", unit="U/L",
                    reference_range=ReferenceRange(7, 40)),
        Observation("LOINC:1742-6", 0.0, "2026-10-02", unit="U/L",
                    reference_range=ReferenceRange(None, 40)),
        Observation("LOINC:1742-6", 30, "2026-10-03", unit="U/L"),
    )
    assert str(record.observations[1].value) == "0.0"  # -0.0 normalised
    (tmp_path / "MEASUREMENT.csv").write_text(
        "measurement_id,person_id,measurement_concept_id,measurement_date,value_as_number,"
        "value_as_concept_id,unit_concept_id,range_low,range_high\n"
        "9,1,3006923,2026-10-01,120,0,8645,40,7\n")
    ((_, bad),) = list(read_omop(tmp_path))
    assert isinstance(bad, LoadError)
    assert bad.field == "measurement[9].range_high"


@pytest.mark.parametrize(("person_id", "shown"), [("x7", "'x7'"), ("", "None"), ("1.5", "'1.5'")])
def test_a_fact_row_without_a_whole_person_id_is_an_error_not_dropped(
        tmp_path: Path, person_id: str, shown: str) -> None:
    # the row belongs to no person's id range: reading it silently would lose the fact
    cdm = _cdm(tmp_path, f"1,1,1310317,2020-01-31,,30,0\n2,{person_id},1310317,2020-01-31,,30,0\n")
    with pytest.raises(OmopError, match=rf"DRUG_EXPOSURE has a row with person_id {shown}; "
                                        "expected a whole number"):
        read_omop(cdm)


def test_a_typed_database_is_read_by_person_id_range(tmp_path: Path) -> None:
    # a DuckDB file with an INTEGER person_id (as an ETL writes it) and one with VARCHAR ids
    # read the same persons, in numeric order, with their own facts only
    import duckdb

    for kind in ("INTEGER", "VARCHAR"):
        db = tmp_path / f"cdm-{kind}.duckdb"
        con = duckdb.connect(str(db))
        con.execute(f"CREATE TABLE person (person_id {kind}, gender_concept_id INTEGER, "
                    "year_of_birth INTEGER, month_of_birth INTEGER, day_of_birth INTEGER)")
        con.execute("INSERT INTO person VALUES (10, 8507, 1980, NULL, NULL), "
                    "(9, 8532, 1970, 3, NULL), (100, 0, NULL, NULL, NULL)")
        con.execute("CREATE TABLE concept (concept_id INTEGER, vocabulary_id VARCHAR, "
                    "concept_code VARCHAR)")
        con.execute("INSERT INTO concept VALUES (1310317, 'RxNorm', '3002')")
        con.execute(f"CREATE TABLE drug_exposure (drug_exposure_id INTEGER, person_id {kind}, "
                    "drug_concept_id INTEGER, drug_exposure_start_date DATE, "
                    "drug_exposure_end_date DATE, days_supply INTEGER, "
                    "drug_source_concept_id INTEGER)")
        con.execute("INSERT INTO drug_exposure VALUES (1, 100, 1310317, '2020-01-31', NULL, 30, 0)")
        con.close()
        items = [item for _, item in read_omop(db, chunk=2)]
        assert [r.id for r in items if isinstance(r, Record)] == ["9", "10", "100"], kind
        nine, ten, hundred = items
        assert isinstance(nine, Record)
        assert isinstance(hundred, Record)
        assert nine.birth_date == PartialDate(1970, 3)
        assert nine.sex == "female"
        assert nine.exposures == ()
        assert isinstance(ten, Record)
        assert ten.exposures == ()
        assert hundred.exposures == (Exposure("RXNORM:3002", "2020-01-31", "2020-02-29"),)
        assert hundred.birth_date is None
        assert hundred.sex is None


def test_source_concepts_let_icd10_sets_match_and_a_cancer_patient_is_excluded(
        tmp_path: Path) -> None:
    # A hand-made CDM: one person with a colon cancer coded SNOMED 363406005 (standard
    # concept 4180790, as in Synthea27Nj's CONCEPT.csv) from the ICD-10-CM source code C18.9
    # (source concept 999001 here), onset 2021-03-02, ongoing; observed 2015-01-01..2022-12-31.
    (tmp_path / "PERSON.csv").write_text(
        "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth\n"
        "7,8532,1975,6,1\n")
    (tmp_path / "CONCEPT.csv").write_text(
        "concept_id,vocabulary_id,concept_code\n4180790,SNOMED,363406005\n999001,ICD10CM,C18.9\n")
    (tmp_path / "CONDITION_OCCURRENCE.csv").write_text(
        "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,"
        "condition_end_date,condition_source_concept_id\n5,7,4180790,2021-03-02,,999001\n")
    (tmp_path / "OBSERVATION_PERIOD.csv").write_text(
        "observation_period_id,person_id,observation_period_start_date,"
        "observation_period_end_date\n1,7,2015-01-01,2022-12-31\n")
    (record,) = iter_omop(tmp_path)
    assert record.conditions == (
        Condition("SNOMED:363406005", "2021-03-02", None, note="condition_occurrence 5"),
        Condition("ICD10CM:C18.9", "2021-03-02", None, note="condition_occurrence 5"))
    as_of = date(2022, 6, 1)
    icd_only = Lookback(CodeSet("icd", prefixes=["ICD10CM:C18"]), Span(years=5))
    snomed_only = Lookback(CodeSet("sct", codes=["SNOMED:363406005"]), Span(years=5))
    assert icd_only.decide(record, as_of) is Outcome.MET
    assert snomed_only.decide(record, as_of) is Outcome.MET
    protocol = get("NCT06228781")
    result = protocol.evaluate(record, as_of)
    assert result.determination is Determination.INELIGIBLE
    outcomes = {e["id"]: e["outcome"] for e in result.to_dict()["exclusion"]}
    assert outcomes["exclusion.5"] == "met"


def test_a_postgres_url_that_cannot_be_reached_is_a_clear_error_without_the_password() -> None:
    # No Postgres here (and DuckDB's postgres extension may not be downloadable): either way
    # a clear OmopError naming the source, the password masked, never a traceback.
    url = "postgresql://ohdsi:s3cret@127.0.0.1:1/cdm"
    with pytest.raises(OmopError) as caught:
        read_omop(url)
    text = str(caught.value)
    assert "postgresql://ohdsi:***@127.0.0.1:1/cdm" in text
    assert "s3cret" not in text
    assert "postgres extension" in text or "cannot attach" in text
    done = subprocess.run(
        [sys.executable, "-m", "trialrules.cli", "screen", "--input-format", "omop", url,
         "--as-of", "2022-06-01"], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2
    assert "s3cret" not in done.stderr
    assert "ohdsi:***@" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_database_file_with_the_cdm_in_another_schema(tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "site.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA cdm")
    con.execute("CREATE TABLE cdm.person AS SELECT 5::BIGINT AS person_id, "
                "8532 AS gender_concept_id, 1960 AS year_of_birth, NULL::INTEGER AS "
                "month_of_birth, NULL::INTEGER AS day_of_birth")
    con.execute("CREATE TABLE cdm.concept (concept_id INTEGER, vocabulary_id VARCHAR, "
                "concept_code VARCHAR)")
    con.close()
    (record,) = iter_omop(db)  # the schema holding PERSON
    assert record.id == "5"
    assert record.birth_date == PartialDate(1960)
    (again,) = iter_omop(db, schema="cdm")
    assert again == record
    with pytest.raises(OmopError, match=r"schema main.*PERSON is missing"):
        read_omop(db, schema="main")
