"""Dask: a real LocalCluster gives the same results and report as one process."""

from __future__ import annotations

import json
import pickle
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from _workload import load
from trialrules.formats.records import read_jsonl, record_from_dict
from trialrules.protocols import get
from trialrules.tools.batch import screen
from trialrules.tools.report import FeasibilityReport

dask_bag = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("distributed")

from trialrules.tools.dask import files, screen_bag, screen_files, screen_population  # noqa: E402

PROTOCOL = get("NCT06228781")
AS_OF = date(2027, 3, 1)




def _sample() -> list[dict[str, Any]]:
    people = list(load().patients(120, seed=5))
    people[7] = {"id": "bad", "observations": [{"code": "edss", "value": 6.3, "date": "2026"}]}
    return people


def test_protocols_and_criteria_pickle() -> None:
    again = pickle.loads(pickle.dumps(PROTOCOL))
    assert again == PROTOCOL
    for criterion in PROTOCOL.criteria:
        assert pickle.loads(pickle.dumps(criterion)) == criterion
    record = record_from_dict(load().patient(1, random.Random(1)))
    assert again.evaluate(record, AS_OF) == PROTOCOL.evaluate(record, AS_OF)


def test_bag_on_a_local_cluster_equals_one_process(client: Any) -> None:
    people = list(enumerate(_sample(), 1))  # (line, patient) pairs keep line numbers global
    expected = list(screen(PROTOCOL, people, AS_OF))
    report = FeasibilityReport.of(PROTOCOL, AS_OF, expected)
    assert report.bad_records == 1
    bag = dask_bag.from_sequence(people, npartitions=4)
    results, total = screen_population(PROTOCOL, bag, AS_OF)
    assert results == expected
    assert total == report
    # The lazy form, light results.
    light, lazy_report = screen_bag(PROTOCOL, bag, AS_OF, explain=False)
    got, got_report = client.compute([light, lazy_report], sync=True)
    assert [r.determination for r in got if hasattr(r, "determination")] == [
        r.determination for r in expected if hasattr(r, "determination")]
    assert got_report == report


def test_folder_on_a_local_cluster_equals_one_process(client: Any, tmp_path: Path) -> None:
    people = _sample()
    for i in range(3):
        part = people[i * 40:(i + 1) * 40]
        text = "".join(json.dumps(p) + "\n" for p in part)
        (tmp_path / f"part-{i}.jsonl").write_text(text + ("{broken\n" if i == 1 else ""))
    (tmp_path / "notes.txt").write_text("not a patient file")
    expected: list[Any] = []
    for path in files(tmp_path):
        with open(path, "rb") as stream:
            expected.extend(screen(PROTOCOL, read_jsonl(stream), AS_OF))
    results, total = screen_population(PROTOCOL, tmp_path, AS_OF)
    assert results == expected
    assert total == FeasibilityReport.of(PROTOCOL, AS_OF, expected)
    assert total.bad_records == 2
    _lazy, report = screen_files(PROTOCOL, files(tmp_path), AS_OF, explain=False)
    assert client.compute(report, sync=True) == total


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no \*\.jsonl files"):
        files(tmp_path)
