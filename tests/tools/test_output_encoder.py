"""The line encoder of a run writes exactly the bytes of ``json.dumps`` of each line's data.

The expected bytes come from the standard library's ``json.dumps`` of the documented line
shapes (``result_line``, ``decision_line``), not from the encoder under test.
"""

from __future__ import annotations

import json
from datetime import date

from _workload import load
from trialrules import Flag, Protocol, Range, Record
from trialrules.formats.records import record_from_dict
from trialrules.protocols import get
from trialrules.tools import output
from trialrules.tools.batch import screen
from trialrules.tools.output import LineEncoder, decision_line, result_line

AS_OF = date(2027, 3, 1)


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False) + "\n"


def test_workload_lines_are_json_dumps_of_the_line_data() -> None:
    protocol = get("NCT06228781")
    records = [record_from_dict(p, domains=protocol.domains)
               for p in load().patients(400)]
    encoder = LineEncoder()
    full = list(screen(protocol, records, AS_OF))
    light = list(screen(protocol, records, AS_OF, explain=False))
    undecided = 0
    for r, d in zip(full, light, strict=True):
        assert encoder.result(r) == _dumps(result_line(r))  # type: ignore[arg-type]
        assert encoder.decision(d) == _dumps(decision_line(d))  # type: ignore[arg-type]
        assert encoder.decision(r) == _dumps(decision_line(r))  # type: ignore[arg-type]
        undecided += any(c["missing"] for c in result_line(r)["criteria"])  # type: ignore[arg-type]
    assert undecided > 0  # the "missing" lists are exercised, not only empty ones


def test_escapes_and_odd_strings_match_json_dumps() -> None:
    # What ids and names may hold (controls, line breaks and lone surrogates are refused
    # before any output): quotes, backslashes, non-ASCII, an astral character, a no-break and
    # a zero-width space. Free text (a flag's text, in its reasons) may hold a lone surrogate
    # (json.dumps passes it through; the output stream escapes it).
    odd = 'P "1"\\ é𝄞\u00a0\u200b'
    flag = 'consent "x"\\é𝄞\u200b'
    protocol = Protocol("T", "t", inclusion=[Flag(flag, id='in "1" é𝄞\\x',
                                                  text="consent given \udc80"),
                                             Range("edss", 3, 6, id="in.2")])
    records = [Record(odd, flags={flag: True}), Record("P2"), Record(odd, flags={flag: False})]
    encoder = LineEncoder()
    for r in screen(protocol, records, AS_OF):
        assert encoder.result(r) == _dumps(result_line(r))  # type: ignore[arg-type]
        assert encoder.decision(r) == _dumps(decision_line(r))  # type: ignore[arg-type]
    for d in screen(protocol, records, AS_OF, explain=False):
        assert encoder.decision(d) == _dumps(decision_line(d))  # type: ignore[arg-type]
    first = encoder.result(next(iter(screen(protocol, records, AS_OF))))
    assert "\\u00e9" not in first
    assert "\udc80" in first  # the lone surrogate reached the line, as json.dumps writes it


def test_the_parts_kept_are_bounded(monkeypatch: object) -> None:
    monkeypatch.setattr(output, "_MAX_PARTS", 5)  # type: ignore[attr-defined]
    protocol = get("NCT06228781")
    records = [record_from_dict(p, domains=protocol.domains) for p in load().patients(50)]
    encoder = LineEncoder()
    for r in screen(protocol, records, AS_OF):
        assert encoder.result(r) == _dumps(result_line(r))  # type: ignore[arg-type]
        assert len(encoder._parts) <= 5  # cleared when full, before the next part


def test_the_encoder_keeps_text_not_explanations() -> None:
    # The parts are keyed by what they are made of, so nothing the encoder holds keeps a
    # patient's explanation alive (a cache of nodes would make every node outlive its line
    # and the garbage collector walk them: docs/performance.md).
    protocol = get("NCT06228781")
    records = [record_from_dict(p, domains=protocol.domains) for p in load().patients(60)]
    encoder = LineEncoder()
    for r in screen(protocol, records, AS_OF):
        encoder.result(r)  # type: ignore[arg-type]
    assert encoder._parts
    for key, text in encoder._parts.items():
        node_id, outcome, reason, missing = key
        assert [type(node_id), type(outcome), type(reason), type(text)] == [str] * 4
        assert type(missing) is tuple
        assert [type(m) for m in missing] == [str] * len(missing)
        assert json.loads(text) == {"id": node_id, "outcome": outcome, "reason": reason,
                                    "missing": list(missing)}
