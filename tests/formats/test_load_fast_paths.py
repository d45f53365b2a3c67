"""The loader's fast paths (what one read remembers in its LoadMemo, the C-first duplicate-key
check) give exactly what the full path gives: the same records, value types included, and the
same errors. Each line below is read twice: after the lines before it in one read (so the memo
holds their codes, dates, names and observations) and alone in a read of its own (nothing
remembered: the full path). The expected results are written out by hand."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from trialrules.formats.records import LoadError, LoadMemo, read_jsonl, record_from_dict, record_to_dict
from trialrules.protocols import get
from trialrules.values.checks import DuplicateKey, no_duplicates
from trialrules.values.records import Observation

#: A protocol's domains: immutable, so observations are remembered across a read.
DOMAINS = get("NCT06228781").domains

#: The first line fills the memo; each later one reuses its texts at an edge.
PRIME = ('{"id":"A","birth_date":"1980","observations":[{"code":"edss","value":2,"date":'
         '"2026-01-01"},{"code":"x_score","value":9007199254740992,"date":"2026-01-01"}],'
         '"conditions":[{"code":"ICD10:G35","onset":"2020-01-02","end":"2021"}],"exposures":'
         '[{"code":"ATC:L04AA31","start":"2020-01-02","end":"2020-01-02"}],"flags":{"consent":'
         'true},"complete":{"conditions":"2027-03-01"}}')

OBS = '{"code":"edss","value":2,"date":"2026-01-01"}'

#: (line, the record it loads as written back by record_to_dict, or the error's (field, reason)).
CASES: list[tuple[str, Any]] = [
    # Same code, date and value, another JSON type: 2.0 stays a float, 2 an int.
    ('{"id":"B","observations":[{"code":"edss","value":2.0,"date":"2026-01-01"},' + OBS + ']}',
     {"id": "B", "observations": [{"code": "edss", "value": 2.0, "date": "2026-01-01"},
                                  {"code": "edss", "value": 2, "date": "2026-01-01"}]}),
    ('{"id":"C","observations":[{"code":"edss","value":true,"date":"2026-01-01"}]}',
     ("observations[0].value", "got True; expected a number from 0 to 10 in steps of 0.5 "
                               "(for edss)")),
    ('{"id":"AD","observations":[' + OBS + ',{"code":"edss","value":"2","date":"2026-01-01"}]}',
     ("observations[1].value", "got '2'; expected a number from 0 to 10 in steps of 0.5 "
                               "(for edss)")),
    # 2, "2", true and 1 under a code without a domain: four values, each its own type.
    ('{"id":"AE","observations":[{"code":"x_score","value":"2","date":"2026-01-01"},'
     '{"code":"x_score","value":2,"date":"2026-01-01"},{"code":"x_score","value":true,'
     '"date":"2026-01-01"},{"code":"x_score","value":1,"date":"2026-01-01"}]}',
     {"id": "AE", "observations": [
         {"code": "x_score", "value": "2", "date": "2026-01-01"},
         {"code": "x_score", "value": 2, "date": "2026-01-01"},
         {"code": "x_score", "value": True, "date": "2026-01-01"},
         {"code": "x_score", "value": 1, "date": "2026-01-01"}]}),
    # -0.0 is read as 0.0, with or without a domain.
    ('{"id":"D","observations":[{"code":"edss","value":-0.0,"date":"2026-01-01"},'
     '{"code":"x_score","value":-0.0,"date":"2026-01-01"}]}',
     {"id": "D", "observations": [{"code": "edss", "value": 0.0, "date": "2026-01-01"},
                                  {"code": "x_score", "value": 0.0, "date": "2026-01-01"}]}),
    ('{"id":"E","observations":[{"code":"edss","value":2,"date":"2026-01-01","unit":null}]}',
     {"id": "E", "observations": [{"code": "edss", "value": 2, "date": "2026-01-01"}]}),
    ('{"id":"F","observations":[{"code":"edss","value":2,"date":"2026-01-01",'
     '"reference_range":{"low":1,"high":3}}]}',
     {"id": "F", "observations": [{"code": "edss", "value": 2, "date": "2026-01-01",
                                   "reference_range": {"low": 1, "high": 3}}]}),
    ('{"id":"G","observations":[{"code":"edss","value":2,"date":"2026-01-01","note":"x"}]}',
     ("observations[0].note", "got 'x'; expected one of the fields code, date, "
                              "reference_range, unit, value")),
    ('{"id":"H","observations":[{"code":"edss","value":2,"date":{"date":"unknown"}}]}',
     {"id": "H", "observations": [{"code": "edss", "value": 2,
                                   "date": {"date": "unknown"}}]}),
    # 2**53 is exact in JSON, 2**53 + 1 is not (either sign).
    ('{"id":"Q","observations":[{"code":"x_score","value":9007199254740993,'
     '"date":"2026-01-01"}]}',
     ("observations[0].value", "got 9007199254740993; expected a whole number within "
                               "±2**53 (larger ones are not exact in JSON)")),
    ('{"id":"R","observations":[{"code":"x_score","value":-9007199254740992,"date":'
     '"2026-01-01"},{"code":"x_score","value":-9007199254740993,"date":"2026-01-01"}]}',
     ("observations[1].value", "got -9007199254740993; expected a whole number within "
                               "±2**53 (larger ones are not exact in JSON)")),
    ('{"id":"S","observations":[{"code":"x_score","value":NaN,"date":"2026-01-01"}]}',
     (None, "not valid JSON (NaN is not a JSON number)")),
    ('{"id":"T","observations":[{"code":"x_score","value":-Infinity,"date":"2026-01-01"}]}',
     (None, "not valid JSON (-Infinity is not a JSON number)")),
    ('{"id":"U","observations":[{"code":"x\\ud800","value":1,"date":"2026-01-01"}]}',
     ("observations[0].code", "got 'x\\ud800'; expected valid Unicode text (no lone "
                              "surrogates such as \\ud800)")),
    # A soft hyphen is not printable, yet no control character: a valid name, found so only
    # by the full check; the second time it is remembered.
    ('{"id":"V","observations":[{"code":"ed\\u00adss","value":1,"date":"2026-01-01"},'
     '{"code":"ed\\u00adss","value":1,"date":"2026-01-01"}]}',
     {"id": "V", "observations": [{"code": "ed\u00adss", "value": 1, "date": "2026-01-01"},
                                  {"code": "ed\u00adss", "value": 1, "date": "2026-01-01"}]}),
    ('{"id":"AF","observations":[{"code":"edss","value":2,"date":"2026-02-29"}]}',
     ("observations[0].date", "got '2026-02-29'; expected a real calendar date (a day from "
                              "01 to 28 in 2026-02)")),
    # Events whose code and date texts are all remembered: their order is still checked.
    ('{"id":"I","conditions":[{"code":"ICD10:G35","onset":"2021","end":"2020-01-02"}]}',
     ("conditions[0].end", "got '2020-01-02'; expected a date on or after onset 2021")),
    ('{"id":"AC","exposures":[{"code":"ATC:L04AA31","start":"2020-01-02","end":"2020-01-01"}]}',
     ("exposures[0].end", "got '2020-01-01'; expected a date on or after start 2020-01-02")),
    ('{"id":"J","conditions":[{"code":"ICD10:G35","onset":"2020-01-02","end":"2021",'
     '"note":"n"}]}',
     {"id": "J", "conditions": [{"code": "ICD10:G35", "onset": "2020-01-02", "end": "2021",
                                 "note": "n"}]}),
    ('{"id":"K","conditions":[{"code":"ICD10:G35","onset":"2020-01-02",'
     '"end":{"ended":"unknown"}}]}',
     {"id": "K", "conditions": [{"code": "ICD10:G35", "onset": "2020-01-02",
                                 "end": {"ended": "unknown"}}]}),
    ('{"id":"L","exposures":[{"code":"ATC:L04AA31","end":"2020-01-02"}]}',
     ("exposures[0].start", "got None; expected a start date (the field is required)")),
    ('{"id":"AB","conditions":[{"code":"ICD10:G35","onset":"2020-01-02","end":null},'
     '{"code":"ICD10:G35 ","onset":"2020-01-02"}]}',
     ("conditions[1].code", "got 'ICD10:G35 '; expected a name without spaces at the start "
                            "or end")),
    # Flags whose names are remembered: their values are still checked.
    ('{"id":"M","flags":{"consent":1}}', ("flags.consent", "got 1; expected true or false")),
    ('{"id":"N","flags":{"consent ":true}}',
     ("flags", "got 'consent '; expected a name without spaces at the start or end")),
    ('{"id":"AA","flags":{"consent":true,"\\ud800":true}}',
     ("flags", "got '\\ud800'; expected valid Unicode text (no lone surrogates such as "
               "\\ud800)")),
    ('{"id":"AM","flags":{"a\\u00ad":true,"\\u00a0b":true}}',
     ("flags", "got '\\xa0b'; expected a name without spaces at the start or end")),
    ('{"id":"AQ","flags":{"consent":true,"a\\u00ad":true}}',
     {"id": "AQ", "flags": {"a\u00ad": True, "consent": True}}),
    ('{"id":"AN","flags":{"consent":true,"x":0}}', ("flags.x", "got 0; expected true or false")),
    # A date text is read by PartialDate.parse; the loader names the forms when it is none.
    ('{"id":"AI","birth_date":"2026-1-01"}',
     ("birth_date", "got '2026-1-01'; expected a date YYYY, YYYY-MM or YYYY-MM-DD (or an "
                    "interval YYYY-MM-DD/YYYY-MM-DD)")),
    ('{"id":"AK","birth_date":2023}',
     ("birth_date", "got 2023; expected a date YYYY, YYYY-MM or YYYY-MM-DD (or an interval "
                    "YYYY-MM-DD/YYYY-MM-DD)")),
    ('{"id":"AJ","birth_date":"2023-01-01/2023-13-01"}',
     ("birth_date", "got '2023-01-01/2023-13-01'; expected an interval of two real calendar "
                    "dates")),
    ('{"id":"AL","dates":{"consent":"2023-02-29"}}',
     ("dates.consent", "got '2023-02-29'; expected a real calendar date (a day from 01 to 28 "
                       "in 2023-02)")),
    ('{"id":"AO","conditions":[{"code":"ICD10:G35","onset":"2023-02-30"}]}',
     ("conditions[0].onset", "got '2023-02-30'; expected a real calendar date (a day from 01 "
                             "to 28 in 2023-02)")),
    ('{"id":"P","complete":{"conditions":{"date":"unknown"}}}',
     {"id": "P", "complete": {"conditions": {"date": "unknown"}}}),
    ('{"id":"AG","birth_date":"2026-01-01","death_date":"2025-12-31"}',
     ("death_date", "got '2025-12-31'; expected a date on or after birth_date 2026-01-01")),
    ('{"id":"AH","flags":{"consent":true},"conditions":[{"code":"ICD10:G35","onset":'
     '"2020-01-02","end":"2021"}],"complete":{"conditions":"2027-03-01","exposures":'
     '"2027-03-01"}}',
     {"id": "AH", "conditions": [{"code": "ICD10:G35", "onset": "2020-01-02", "end": "2021"}],
      "flags": {"consent": True},
      "complete": {"conditions": "2027-03-01", "exposures": "2027-03-01"}}),
    # A key given twice: in an object at any depth; the innermost object is read first.
    ('{"id":"O","flags":{"consent":true,"consent":false}}',
     (None, "not valid JSON (key 'consent' appears twice in one object)")),
    ('{"id":"W","observations":[{"code":"edss","value":1,"value":2,"date":"2026-01-01"}]}',
     (None, "not valid JSON (key 'value' appears twice in one object)")),
    ('{"id":"X","id":"Y","observations":[{"code":"a","code":"b"}]}',
     (None, "not valid JSON (key 'code' appears twice in one object)")),
    ('{"id":"Z","complete":{"conditions":{"from":"2020","from":"2021","through":"2027"}}}',
     (None, "not valid JSON (key 'from' appears twice in one object)")),
    ('{"id":"Z2","dates":{"a":"2020","b":"2020","a":"2020"}}',
     (None, "not valid JSON (key 'a' appears twice in one object)")),
]


def _outcome(item: Any) -> Any:
    if isinstance(item, LoadError):
        return (item.field, item.reason)
    return record_to_dict(item)


def _typed(value: Any) -> str:
    """JSON text that tells 2 from 2.0 and True from 1 (== does not)."""
    return json.dumps(value, sort_keys=True)


_IDS = [json.loads(line.split(",")[0] + "}")["id"] for line, _ in CASES]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=_IDS)
def test_a_remembered_line_loads_as_it_does_alone(line: str, expected: Any) -> None:
    (_, after), = [(n, item) for n, item in read_jsonl([PRIME, line], domains=DOMAINS)
                   if n == 2]
    (_, alone), = read_jsonl([line], domains=DOMAINS)
    assert _typed(_outcome(after)) == _typed(expected)
    assert _typed(_outcome(alone)) == _typed(expected)
    if isinstance(after, LoadError):
        assert (after.line, after.id) == (2, alone.id)
    else:
        assert repr(after) == repr(alone)  # every field, value types and all


def test_every_case_in_one_read_as_alone() -> None:
    """All the cases after one another in one read (each fills the memo for the next)."""
    lines = [PRIME] + [line for line, _ in CASES]
    together = [_outcome(item) for _, item in read_jsonl(lines, domains=DOMAINS)]
    assert [_typed(x) for x in together[1:]] == [_typed(expected) for _, expected in CASES]


def test_the_first_line_loads() -> None:
    (_, record), = read_jsonl([PRIME], domains=DOMAINS)
    out = record_to_dict(record)
    assert out["observations"][1]["value"] == 9007199254740992
    assert type(out["observations"][0]["value"]) is int


def test_a_remembered_observation_is_an_equal_value_of_the_same_types() -> None:
    memo = LoadMemo()
    line = {"id": "P", "observations": [{"code": "edss", "value": 4.5, "date": "2026-10-02"}]}
    first = record_from_dict(line, domains=DOMAINS, memo=memo)
    second = record_from_dict(line, domains=DOMAINS, memo=memo)
    assert first == second
    assert type(second.observations[0].value) is float
    assert second.observations[0].date.earliest.isoformat() == "2026-10-02"


def test_nothing_is_remembered_under_mutable_domains() -> None:
    """Default domains are a plain dict: they could change between two records."""
    domains = {"edss": DOMAINS["edss"]}
    memo = LoadMemo()
    line = {"id": "P", "observations": [{"code": "edss", "value": 4.5, "date": "2026-10-02"}]}
    record_from_dict(line, domains=domains, memo=memo)
    assert memo.observations == {}
    del domains["edss"]
    line["observations"][0]["value"] = 11
    assert record_from_dict(line, domains=domains, memo=memo).observations[0].value == 11


def test_observations_remembered_under_one_protocol_are_checked_again_under_another() -> None:
    memo = LoadMemo()
    line = {"id": "P", "observations": [{"code": "edss", "value": 4.5, "date": "2026-10-02"}]}
    record_from_dict(line, domains=DOMAINS, memo=memo)
    strict = type(DOMAINS)({"edss": type(DOMAINS["edss"])(0, 4, step=0.5)})
    with pytest.raises(Exception, match=r"observations\[0\]\.value = 4\.5; expected a number "
                                         r"from 0 to 4 in steps of 0\.5 \(for edss\)"):
        record_from_dict(line, domains=strict, memo=memo)


@pytest.mark.parametrize(("pairs", "repeated"), [
    ([("a", 1), ("b", 2), ("a", 3)], "a"),
    ([("a", 1), ("a", 1)], "a"),  # the same value twice is still a key given twice
    ([("a", 1), ("b", 2), ("b", 2), ("a", 1)], "b"),  # the first repeat in the order written
    ([("", 1), ("", 2)], ""),
])
def test_no_duplicates_names_the_first_repeated_key(pairs: list[tuple[str, Any]],
                                                     repeated: str) -> None:
    with pytest.raises(DuplicateKey) as caught:
        no_duplicates(pairs)
    assert caught.value.args == (repeated,)


def test_no_duplicates_keeps_the_order_written() -> None:
    assert list(no_duplicates([("b", 1), ("a", 2)])) == ["b", "a"]
    assert no_duplicates([]) == {}
    assert math.isinf(no_duplicates([("x", float("inf"))])["x"])


def test_printable_text_facts_the_loaders_text_check_rests_on() -> None:
    """Printable text holds no lone surrogate and no UNSAFE character, and its only white
    space is U+0020: so a printable string without a space at either end passes every check
    of the loader's text() (which takes it at once)."""
    import sys

    from trialrules.values.text import UNSAFE

    spaces: list[int] = []
    unsafe: list[int] = []
    surrogates: list[int] = []
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        if char.isprintable():
            if char.isspace():
                spaces.append(point)
            if 0xD800 <= point <= 0xDFFF:
                surrogates.append(point)
            if UNSAFE.match(char):
                unsafe.append(point)
    assert (spaces, surrogates, unsafe) == ([0x20], [], [])


@pytest.mark.parametrize(("text", "field", "error"), [
    (" P1", "id", None),  # an id may start with a space (the full path takes it)
    ("P1 ", "id", None),
    ("a\u00a0", "observations[0].code", "a name without spaces at the start or end"),
    ("x" * 10_001, "observations[0].code", "a string of at most 10000 characters"),
    ("x" * 10_000, "observations[0].code", None),
    ("\u200ex", "observations[0].code",
     "a name without control characters or line breaks"),
])
def test_text_at_the_edges_of_its_fast_path(text: str, field: str, error: str | None) -> None:
    if field == "id":
        line = {"id": text}
    else:
        line = {"id": "P", "observations": [{"code": text, "value": 1, "date": "2026-01-01"}]}
    (_, got), = read_jsonl([json.dumps(line)], domains=DOMAINS)
    if error is None:
        assert not isinstance(got, LoadError)
    else:
        assert isinstance(got, LoadError)
        assert (got.field, got.reason.split("; expected ")[1]) == (field, error)


def test_a_read_keeps_one_first_reading_per_value_and_at_most_its_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Repeated readings are built from the first of their value (Observation.on); the memo
    holds one per distinct (code, value, unit) and stops growing at its bound, after which
    readings are built in full: the records are the same either way."""
    import trialrules.formats.records as loader

    monkeypatch.setattr(loader, "_READINGS_MAX", 2)
    readings = [(code, value, day) for code in ("edss", "x_score") for value in (1, 1.5, 2.0)
                for day in ("2024-02-28", "2024-02-29", "2024-03")]
    line = {"id": "P", "observations": [{"code": c, "value": v, "date": d}
                                        for c, v, d in readings]}
    memo = LoadMemo()
    first = record_from_dict(line, domains=DOMAINS, memo=memo)
    again = record_from_dict(line, domains=DOMAINS, memo=memo)
    (_, kept), = memo.observations.values()
    assert list(kept) == [("edss", int, 1, None), ("edss", float, 1.5, None)]
    expected = [Observation(c, v, d) for c, v, d in readings]
    for record in (first, again, record_from_dict(line, domains=DOMAINS)):
        assert [repr(o) for o in record.observations] == [repr(o) for o in expected]
