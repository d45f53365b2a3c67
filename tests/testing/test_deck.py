"""The case deck: generation, the committed NCT06228781 deck, checking, diffs and tables."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from helpers import AS_OF, MET, NOT_MET, UNKNOWN
from strategies import as_of_dates, criteria
from trialrules import (
    CodeSet,
    Criterion,
    Lookback,
    Protocol,
    Range,
    Span,
    TrialRulesError,
    Washout,
)
from trialrules.protocols.nct06228781 import PROTOCOL
from trialrules.testing import (
    Deck,
    DeckCase,
    assert_deck,
    assert_deck_case,
    check_deck,
    diff_decks,
    load_deck,
    make_deck,
)
from trialrules.testing import deck as deck_module
from trialrules.testing._codeset_cases import codesets_of

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "examples" / "NCT06228781.cases.jsonl"

EDSS = Protocol("T-1", "A trial", inclusion=[Range("edss", 3, 6, label="EDSS 3-6")])


@pytest.fixture(scope="module")
def committed() -> Deck:
    return load_deck(COMMITTED, PROTOCOL)


def test_the_committed_deck_gives_every_signed_off_outcome(committed: Deck) -> None:
    assert len(committed) > 500
    assert check_deck(PROTOCOL, committed) == []
    assert_deck(PROTOCOL, COMMITTED)


def test_committed_lines_are_sorted_unique_and_readable(committed: Deck) -> None:
    lines = COMMITTED.read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(set(ids)) == len(ids)
    for line in lines:
        data = json.loads(line)
        assert list(data) == sorted(data)  # keys sorted
        assert data["record"]["id"] == data["id"]
    order = [c.id for c in PROTOCOL.criteria]
    targets = [order.index(c.target) for c in committed.cases]
    assert targets == sorted(targets)
    # The markdown table beside it has one row per case.
    table = COMMITTED.with_suffix(".md").read_text(encoding="utf-8")
    assert sum(line.startswith("| `") for line in table.splitlines()) == len(committed)


def test_every_listed_code_of_every_set_is_in_the_committed_deck(committed: Deck) -> None:
    used = {event.code for case in committed.cases
            for event in (*case.record.conditions, *case.record.exposures)}
    for criterion in PROTOCOL.criteria:
        for node in criterion.walk():
            for _, codes in codesets_of(node):
                assert codes.prefixes | codes.codes <= used, codes.name
    # Siblings just outside, named in the issue: B20's run ends at B25, L01 has L02.
    assert {"ICD10:B26", "ICD10:B14", "ATC:L02", "ATC:L00", "ICD10:C98", "ICD10:B99"} <= used


def test_the_committed_deck_has_the_dates_that_tell_spans_apart(committed: Deck) -> None:
    dates = {case.as_of for case in committed.cases if case.target == "exclusion.2"}
    assert {date(2026, 12, 15), date(2027, 1, 15), date(2026, 12, 31), date(2028, 2, 29),
            date(2028, 3, 1)} <= dates


def test_an_old_edss_still_counts(committed: Deck) -> None:
    old = [c for c in committed.cases if c.target == "inclusion.3"
           and "ten years before" in c.varies]
    assert {c.expected for c in old} == {MET, NOT_MET}
    for case in old:
        assert [str(o.date) for o in case.record.observations] == ["2016-11-27"]


def test_generation_is_deterministic_and_round_trips() -> None:
    first = make_deck(PROTOCOL, [AS_OF])
    again = make_deck(PROTOCOL, AS_OF)
    assert first.to_jsonl() == again.to_jsonl()
    assert Deck.from_jsonl(first.to_jsonl(), PROTOCOL) == first
    # Several reference dates: the cases of each, ids unique across them.
    both = make_deck(EDSS, [AS_OF, date(2027, 3, 31)])
    assert {c.as_of for c in both.cases} == {AS_OF, date(2027, 3, 31)}
    assert len({c.id for c in both.cases}) == len(both)


def test_ids_depend_on_content_not_on_the_record_id() -> None:
    deck = make_deck(EDSS, AS_OF)
    case = next(c for c in deck.cases if c.varies.startswith("edss 3 "))
    renamed = attrs.evolve(case.record, id="someone-else")
    assert deck_module._digest(case.target, case.as_of, renamed) == case.id.split("-", 1)[1]


def test_a_wrong_protocol_is_reported_with_both_explanations() -> None:
    deck = make_deck(EDSS, AS_OF)
    wrong = Protocol("T-1", "A trial", inclusion=[Range("edss", 3, 6, high_inclusive=False)])
    changes = check_deck(wrong, deck)
    assert [c.case.varies for c in changes] == ["edss 6 (on the high bound, inclusive)"]
    text = str(changes[0])
    assert "signed off: MET; now: NOT_MET" in text
    assert "signed-off explanation:\n    [MET] inclusion.1 EDSS 3-6" in text
    assert "EDSS 6 on 2026-11-27 is not between 3 and 6 (3 inclusive, 6 exclusive)" in text
    with pytest.raises(AssertionError, match=r"T-1: 1 of \d+ cases changed outcome"):
        assert_deck(wrong, deck)
    with pytest.raises(AssertionError, match=r"CHANGED inclusion\.1-"):
        assert_deck_case(wrong, changes[0].case)
    assert_deck_case(EDSS, changes[0].case)
    # A criterion that is gone fails every one of its cases.
    gone = Protocol("T-1", "A trial", inclusion=[Range("edss", 3, 6, id="inclusion.9")])
    assert len(check_deck(gone, deck)) == len(deck)
    assert "no longer in the protocol" in str(check_deck(gone, deck)[0])


def test_regenerating_after_an_intended_change_shows_the_expected_outcomes_that_moved() -> None:
    old = make_deck(EDSS, AS_OF)
    new = make_deck(Protocol("T-1", "A trial", inclusion=[Range("edss", 3, 6.5, label="EDSS 3-6.5")]),
                    AS_OF)
    differences = diff_decks(old, new)
    changed = [(d.old.varies, d.old.expected, d.new.expected) for d in differences
               if d.kind == "changed" and d.old is not None and d.new is not None]
    # EDSS 6.5 was "one step above" (NOT_MET) and is now on the bound (MET).
    assert ("edss 6.5 (one step above the high bound)", NOT_MET, MET) in changed
    assert {d.kind for d in differences} == {"changed", "added", "removed"}
    assert any(str(d).startswith("changed  inclusion.1-") for d in differences)
    assert diff_decks(old, old) == []


def test_tables_for_review() -> None:
    deck = make_deck(EDSS, AS_OF)
    markdown = deck.to_markdown()
    assert markdown.startswith("# Case deck: T-1\n")
    assert "## inclusion.1: EDSS 3-6" in markdown
    assert "| edss 6.5 (one step above the high bound) | NOT_MET |" in markdown
    rows = list(csv.reader(io.StringIO(deck.to_csv())))
    assert rows[0] == ["id", "target", "registry_text", "probe", "as_of", "varies", "expected"]
    assert len(rows) == len(deck) + 1
    assert {r[2] for r in rows[1:]} == {"EDSS 3-6"}
    piped = Protocol("T-2", "A trial", inclusion=[Range("edss", 3, 6, label="a | b")])
    assert "a \\| b" in make_deck(piped, AS_OF).to_markdown()


def test_recency_windows_are_probed_on_every_reference_date() -> None:
    from trialrules import Latest

    windowed = Protocol("T-3", "A trial", inclusion=[
        Range(Latest("edss", within=Span(months=3)), 3, 6, label="EDSS 3-6 within 3 months")])
    deck = make_deck(windowed, AS_OF)
    first_day = {c.as_of for c in deck.cases if "first day of its recency window" in c.varies}
    before = {c.as_of: c.expected for c in deck.cases
              if "the day before its recency window opens" in c.varies}
    assert date(2026, 12, 15) in first_day
    assert set(before.values()) == {UNKNOWN}
    assert not any("ten years before" in c.varies for c in deck.cases)


def test_the_generator_refuses_to_write_a_deck_the_library_disagrees_with(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = deck_module._explain

    def wrong(*args: object) -> object:
        explanation = real(*args)  # type: ignore[arg-type]
        flipped = ~explanation.outcome if explanation.outcome is not UNKNOWN else MET
        return attrs.evolve(explanation, outcome=flipped)

    monkeypatch.setattr(deck_module, "_explain", wrong)
    with pytest.raises(TrialRulesError, match="evaluate differently from their labels"):
        make_deck(EDSS, AS_OF)


@pytest.mark.parametrize(("line", "message"), [
    ("[1]", "must be a JSON object"),
    ('{"id": "x"}', "lacks target, as_of, expected, record"),
    ('{"id": "x", "target": "t", "as_of": "2026-11-27", "expected": "YES", "record": {}}',
     "expected='YES' is not MET"),
    ('{"id": "x", "target": "t", "as_of": "27/11/2026", "expected": "MET", "record": {}}',
     "is not a date"),
    ("{not json", "line 1: not JSON"),
])
def test_bad_deck_lines(line: str, message: str) -> None:
    with pytest.raises(TrialRulesError, match=message):
        Deck.from_jsonl(line)


def test_make_deck_arguments() -> None:
    with pytest.raises(TypeError, match="takes a Protocol"):
        make_deck(Range("edss", 3, 6), AS_OF)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="one or more reference dates"):
        make_deck(EDSS, [])


def test_a_code_set_deck_case_reads_like_the_patient() -> None:
    trial = Protocol("T-4", "A trial", exclusion=[
        ~Washout(CodeSet("cytotoxic", prefixes=["ATC:L01"]), Span(months=1)),
        Lookback(CodeSet("hiv", prefixes=["ICD10:B20"]), Span(), label="HIV")])
    deck = make_deck(trial, AS_OF)
    texts = {c.varies: c.expected for c in deck.cases if c.target == "exclusion.2"}
    assert texts["condition ICD10:B21 on as_of (2026-11-27) (ICD10:B21: just above prefix "
                 "ICD10:B20; not in hiv)"] is NOT_MET
    # The listed prefix is the set's representative: its case is the boundary case itself.
    assert texts["condition ICD10:B20 on as_of (2026-11-27)"] is MET
    assert isinstance(deck.cases[0], DeckCase)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(criteria(max_leaves=4, named=False), as_of_dates())
def test_every_generated_deck_agrees_with_the_evaluator(criterion: Criterion, as_of: date) -> None:
    # make_deck evaluates every case and raises if the library disagrees with a label
    # (code-set, recency and reference-date cases included); then check finds nothing.
    trial = Protocol("T-5", "A trial", inclusion=[criterion])
    deck = make_deck(trial, as_of)
    assert check_deck(trial, Deck.from_jsonl(deck.to_jsonl(), trial)) == []


def test_a_newborn_bound_on_29_february() -> None:
    # Found by the property above: aged 0 on a 29 February, the leap-day cases must not
    # put the reference date before the birth.
    from trialrules import Age

    newborn = Protocol("T-6", "A trial", inclusion=[Range(Age(), 0, 0)])
    deck = make_deck(newborn, date(2020, 2, 29))
    born = [c for c in deck.cases if "a 29 February" in c.varies]
    assert born
    assert all(str(c.record.birth_date) <= c.as_of.isoformat() for c in born)


def test_a_deck_for_the_tutorial_protocol_with_units_and_new_sources() -> None:
    # docs/examples/nct00763412.json: glucose in mg/dL (records carry the unit),
    # cumulative steroid days and a weight change over a window.
    from trialrules.formats.protocols import load_protocol_file

    trial = load_protocol_file(ROOT / "docs" / "examples" / "nct00763412.json")
    deck = make_deck(trial, date(2027, 3, 31))
    assert check_deck(trial, Deck.from_jsonl(deck.to_jsonl(), trial)) == []
    glucose = [o for c in deck.cases for o in c.record.observations
               if o.code == "ogtt_fasting_glucose"]
    assert glucose
    assert {o.unit for o in glucose} == {"mg/dL"}
