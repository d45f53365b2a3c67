"""Determinism: the same input gives byte-identical output, whatever the environment or the
order of facts inside a record.

The command runs in subprocesses under different time zones, locales,
PYTHONHASHSEED and PYTHONIOENCODING values, in every output format; a record
with its lists and keys reordered screens to the same bytes.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import AS_OF, AS_OF_TEXT
from json_strategies import FUZZ, patients, permuted
from trialrules.cli.screen import result_line
from trialrules.formats.records import record_from_dict
from trialrules.protocols import get

PROTOCOL = get("NCT06228781")

#: Environments that differ in everything but the input. The locales need not be installed:
#: an unknown one is its own test (Python falls back, and must still write the same bytes).
ENVIRONMENTS: dict[str, dict[str, str]] = {
    "utc": {"TZ": "UTC", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"},
    "kiritimati-c-latin1": {"TZ": "Pacific/Kiritimati", "LC_ALL": "C", "PYTHONHASHSEED": "1",
                            "PYTHONIOENCODING": "latin-1"},
    "st-johns-posix-noutf8": {"TZ": "America/St_Johns", "LC_ALL": "POSIX",
                              "LANG": "en_US.ISO-8859-1", "PYTHONHASHSEED": "4242",
                              "PYTHONUTF8": "0"},
    "kathmandu-turkish-ascii": {"TZ": "Asia/Kathmandu", "LANG": "tr_TR.UTF-8",
                                "LC_ALL": "tr_TR.UTF-8", "PYTHONHASHSEED": "random",
                                "PYTHONIOENCODING": "ascii"},
}
_RUN = "import sys; from trialrules.cli import main; sys.exit(main())"


def _environment(variant: dict[str, str]) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if k in ("PATH", "HOME", "SYSTEMROOT", "VIRTUAL_ENV")}
    return {**keep, **variant}


def _reorder(patient: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    def keys(obj: dict[str, Any]) -> dict[str, Any]:
        order = list(obj)
        rng.shuffle(order)
        return {k: obj[k] for k in order}

    out = {}
    for key, value in keys(patient).items():
        if isinstance(value, list):
            value = [keys(item) for item in rng.sample(value, len(value))]
        elif isinstance(value, dict):
            value = keys(value)
        out[key] = value
    return out


def _patients() -> list[dict[str, Any]]:
    """Varied patients: every determination, partial dates, unicode, several facts a kind."""
    rng = random.Random(7)
    out = []
    for n in range(150):
        p: dict[str, Any] = {"id": f"P{n:03d}" + ("-é患者" if n % 7 == 0 else "")}
        if n % 5:
            p["birth_date"] = f"{rng.randint(1950, 2008)}" + ("" if n % 9 == 0 else
                                                             f"-{rng.randint(1, 12):02d}")
        if n % 4:
            p["sex"] = rng.choice(["female", "male", "unknown"])
        p["observations"] = [
            {"code": rng.choice(["edss", "edss_pyramidal", "edss_cerebellar"]),
             "value": rng.randint(0, 5), "date": rng.choice(["2026-10", "2026-10-02", "2026",
                                                             "2025-03-01"])}
            for _ in range(rng.randint(0, 4))]
        for o in p["observations"]:
            if o["code"] == "edss":
                o["value"] = rng.randint(0, 20) / 2
        p["exposures"] = [
            {"code": rng.choice(["ATC:L01DB07", "ATC:L01AA01", "ATC:L04AA23"]),
             "start": rng.choice(["2026-11", "2026-10-20", "2020", "2026"]),
             "end": rng.choice([None, "2026-11-20", "2026-12-31"])}
            for _ in range(rng.randint(0, 3))]
        p["conditions"] = [
            {"code": rng.choice(["ICD10:C50.9", "ICD10:B20", "ICD10:C34.1", "ICD10:G35"]),
             "onset": rng.choice(["2019", "2023-05", "2026-01-01"])}
            for _ in range(rng.randint(0, 3))]
        p["flags"] = {name: rng.random() < 0.5 for name in rng.sample(
            ["ms_diagnosis_confirmed", "disease_activity", "hepatic_inflammation_or_fibrosis",
             "myelodysplasia_or_cytopenia", "organ_impairment", "life_expectancy_limited",
             "pregnancy_or_risk", "able_to_consent", "bone_marrow_normal",
             "cytogenetics_normal"], rng.randint(0, 10))}
        if n % 3:
            p["complete"] = {"exposures": AS_OF_TEXT, "conditions": AS_OF_TEXT}
        out.append(p)
    return out


BAD_LINES = [b'{"id": "B1", "observations": [{"code": "edss", "value": true, "date": "2026"}]}',
             b'{"id": "B2", "birth_date": "2027-02-30"}', b'{"id": "B3", "x": NaN}',
             b'{"id": "B4", "sex": "f\xe9"}', b'{"id": "B5", "birth_date": "2030-01-01"}']


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("determinism")
    people = _patients()
    rng = random.Random(11)
    for name, records in (("original", people), ("reordered", [_reorder(p, rng) for p in people])):
        lines = [json.dumps(p, ensure_ascii=False).encode() for p in records]
        for i, bad in enumerate(BAD_LINES):
            lines.insert(20 * i + 3, bad)
        (folder / f"{name}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return {"original": folder / "original.jsonl", "reordered": folder / "reordered.jsonl"}


@pytest.fixture(scope="module")
def runs(files: dict[str, Path]) -> dict[tuple[str, str, str], tuple[int, bytes, bytes]]:
    """Every (command+format, environment, file) run, started together and then awaited."""
    jobs: dict[tuple[str, str, str], list[str]] = {}
    for fmt in ("json", "csv", "text"):
        for env in ENVIRONMENTS:
            jobs[(f"screen-{fmt}", env, "original")] = [
                "screen", str(files["original"]), "--format", fmt, "--as-of", AS_OF_TEXT]
        jobs[(f"screen-{fmt}", "utc", "reordered")] = [
            "screen", str(files["reordered"]), "--format", fmt, "--as-of", AS_OF_TEXT]
    for fmt in ("json", "text"):
        for env in ("utc", "st-johns-posix-noutf8"):
            for name in ("original", "reordered"):
                jobs[(f"explain-{fmt}", env, name)] = [
                    "explain", str(files[name]), "--id", "P007-é患者", "--format", fmt,
                    "--as-of", AS_OF_TEXT]
    started = {key: subprocess.Popen([sys.executable, "-c", _RUN, *argv],
                                     env=_environment(ENVIRONMENTS[key[1]]),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for key, argv in jobs.items()}
    out = {}
    for key, process in started.items():
        stdout, stderr = process.communicate(timeout=120)
        out[key] = (process.returncode, stdout, stderr)
    return out


@pytest.mark.parametrize("fmt", ["json", "csv", "text"])
def test_screen_output_is_byte_identical_in_every_environment(
        runs: dict[tuple[str, str, str], tuple[int, bytes, bytes]], fmt: str) -> None:
    base = runs[(f"screen-{fmt}", "utc", "original")]
    assert base[0] == 1, base[2].decode()  # the bad lines are reported ...
    assert base[1].count(b"\n") >= 150  # ... and every patient screened
    assert "é患者".encode() in base[1], "UTF-8 whatever the locale or PYTHONIOENCODING"
    for env in ENVIRONMENTS:
        status, stdout, stderr = runs[(f"screen-{fmt}", env, "original")]
        assert status == base[0], env
        assert stdout == base[1], f"stdout differs under {env}"
        assert stderr == base[2], f"stderr differs under {env}"


@pytest.mark.parametrize("fmt", ["json", "csv", "text"])
def test_screen_output_does_not_depend_on_the_order_of_facts(
        runs: dict[tuple[str, str, str], tuple[int, bytes, bytes]], fmt: str) -> None:
    original = runs[(f"screen-{fmt}", "utc", "original")]
    reordered = runs[(f"screen-{fmt}", "utc", "reordered")]
    assert reordered == original


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_explain_output_is_byte_identical_in_every_environment(
        runs: dict[tuple[str, str, str], tuple[int, bytes, bytes]], fmt: str) -> None:
    base = runs[(f"explain-{fmt}", "utc", "original")]
    assert base[0] == 0, base[2].decode()
    assert runs[(f"explain-{fmt}", "st-johns-posix-noutf8", "original")] == base
    # Reordered facts: the same verdicts, reasons and missing facts; only evidence paths
    # (which point into the record as given) may differ.
    reordered = runs[(f"explain-{fmt}", "utc", "reordered")]
    assert reordered[0] == 0
    if fmt == "json":
        assert _without_paths(json.loads(reordered[1])) == _without_paths(json.loads(base[1]))
    else:
        assert _without_evidence(reordered[1]) == _without_evidence(base[1])


def _without_paths(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_paths(v) for k, v in data.items() if k != "path"}
    if isinstance(data, list):
        return [_without_paths(v) for v in data]
    return data


def _without_evidence(text: bytes) -> list[bytes]:
    return [line for line in text.splitlines() if b"evidence:" not in line]


# ---------------------------------------------------------------- in process, many records



def _views(data: dict[str, Any]) -> tuple[Any, ...]:
    result = PROTOCOL.evaluate(record_from_dict(data), AS_OF)
    return (result_line(result), _without_paths(result.to_dict()),
            _without_evidence(str(result).encode()), PROTOCOL.decide(record_from_dict(data),
                                                                     AS_OF))


@FUZZ
@given(st.data())
def test_any_order_of_facts_gives_the_same_result(draw: st.DataObject) -> None:
    patient = draw.draw(patients(), label="patient")
    shuffled = draw.draw(permuted(patient), label="reordered")
    assert _views(shuffled) == _views(patient)


def test_imprecise_exposures_are_named_by_content_not_position() -> None:
    """Regression: "exact dates of exposures[1]" changed when the list was reordered."""
    exposures = [{"code": "ATC:L01DB07", "start": "2026", "end": None},
                 {"code": "ATC:L01AA01", "start": "2026-10", "end": "2026-10"}]
    base = {"id": "P1", "complete": {"exposures": AS_OF_TEXT}}
    first = PROTOCOL.evaluate(record_from_dict({**base, "exposures": exposures}), AS_OF)
    second = PROTOCOL.evaluate(record_from_dict({**base, "exposures": exposures[::-1]}),
                               AS_OF)
    assert first.missing == second.missing
    assert "exact dates of exposure ATC:L01DB07 (from 2026, ongoing)" in first.missing
    assert not any("exposures[" in m for m in first.missing)
    assert result_line(first) == result_line(second)
