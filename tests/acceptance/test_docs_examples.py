"""The documentation's examples run: the tutorial's protocol, code blocks, the timeline picture.

Code blocks in the pages listed in PAGES run in order in one namespace per
page; a ```text block right after a ```python block is the output it must
print. A block preceded by ``<!-- requires: MODULE -->`` runs once MODULE can
be imported (until then it is reported as skipped); ``<!-- not run ... -->``
marks a block that cannot run here (it needs a file the reader has).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import AS_OF, load_script
from trialrules import Determination, Exposure, Observation, Outcome, Record

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

#: Pages whose ```python blocks are executed (pages owned by other work check their own).
PAGES = ["index.md", "concepts.md", "tutorial.md", "how-to/feasibility.md", "reference/errors.md"]




tutorial = load_script(DOCS / "examples" / "tutorial_protocol.py", "tutorial_protocol", register=True)

# ----------------------------------------------------------------- code blocks

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                    re.MULTILINE | re.DOTALL)
_MARK = re.compile(r"<!--\s*(requires:\s*(?P<module>[\w.]+)|not run)[^>]*-->\s*\Z")


class Block:
    def __init__(self, page: str, lang: str, body: str, before: str, line: int) -> None:
        self.page, self.lang, self.body, self.line = page, lang, body, line
        mark = _MARK.search(before)
        self.requires = mark.group("module") if mark and mark.group("module") else None
        self.not_run = bool(mark) and self.requires is None
        self.expected: str | None = None


def blocks(page: str, text: str | None = None, langs: tuple[str, ...] = ("python",)) -> list[Block]:
    """The ```python blocks of a page (or other ``langs``), each with its expected output."""
    if text is None:
        text = (DOCS / page).read_text(encoding="utf-8")
    out: list[Block] = []
    last_end = 0
    for match in _FENCE.finditer(text):
        indent = match.group("indent")
        body = "\n".join(line[len(indent):] if line.startswith(indent) else line
                         for line in match.group("body").splitlines())
        between = text[last_end:match.start()]
        block = Block(page, match.group("lang"), body, between, text.count("\n", 0, match.start()) + 1)
        if block.lang == "text" and out and out[-1].lang == "python" and not between.strip():
            out[-1].expected = body
        out.append(block)
        last_end = match.end()
    return [b for b in out if b.lang in langs and "--8<--" not in b.body]


def _run(block: Block, namespace: dict[str, Any]) -> None:
    if block.not_run:
        compile(block.body, f"{block.page}:{block.line}", "exec")  # still valid Python
        return
    if block.requires is not None:
        try:
            importlib.import_module(block.requires)
        except ImportError:
            compile(block.body, f"{block.page}:{block.line}", "exec")
            pytest.skip(f"{block.page}:{block.line} needs {block.requires}, not available yet")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.body, f"{block.page}:{block.line}", "exec"), namespace)
    if block.expected is not None:
        assert out.getvalue().rstrip() == block.expected.rstrip(), (
            f"{block.page}:{block.line} prints something other than the page shows")


def _page_cases() -> Iterator[Any]:
    for page in PAGES:
        yield pytest.param(page, id=page)


@pytest.mark.parametrize("page", list(_page_cases()))
def test_page_code_blocks_run(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # paths in examples are relative to the repository root
    found = blocks(page)
    namespace: dict[str, Any] = {"__name__": f"docs:{page}"}
    if page == "tutorial.md":  # later steps continue from the tutorial's file
        namespace.update({k: v for k, v in vars(tutorial).items() if not k.startswith("__")})
    skipped = []
    for block in found:
        try:
            _run(block, namespace)
        except pytest.skip.Exception as exc:
            skipped.append(str(exc))
    if "test_boundary_case" in namespace:  # the tutorial's downstream test module: run it
        cases = namespace["CASES"]
        assert cases
        for criterion, case in cases:
            namespace["test_boundary_case"](criterion, case)
    if skipped:
        pytest.skip("; ".join(skipped))


def test_index_example_is_short_and_checked() -> None:
    (example,) = list(blocks("index.md"))
    assert example.expected is not None, "the home page example shows its output"
    assert len(example.body.strip().splitlines()) <= 18


def test_block_parser_pairs_output_and_markers() -> None:
    page = "\n".join([
        "```python", "print(1)", "```", "", "```text", "1", "```",
        "<!-- requires: no.such.module -->", "```python", "x = 1", "```",
        "<!-- not run: needs a file -->", "```python", "open('f')", "```",
    ])
    found = blocks("probe.md", page)
    assert [b.body for b in found] == ["print(1)", "x = 1", "open('f')"]
    assert found[0].expected == "1"
    assert (found[1].requires, found[1].not_run) == ("no.such.module", False)
    assert (found[2].requires, found[2].not_run) == (None, True)
    found[0].expected = "2"
    with pytest.raises(AssertionError, match="prints something other"):
        _run(found[0], {})


def _readme_quick_start() -> list[str]:
    """Command lines of the README's quick-start section (empty until it has one)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\n(.*?)(?=^## )", readme + "\n## ", re.MULTILINE | re.DOTALL)
    if section is None:
        return []
    return [line.strip() for b in blocks("README", section.group(1), langs=("sh", "console"))
            for line in b.body.splitlines() if "trialrules" in line]


def test_quick_start_matches_readme() -> None:
    """The home page's quick-start commands are the README's, verbatim."""
    readme_commands = _readme_quick_start()
    if not readme_commands:
        pytest.skip("the README has no quick-start section yet")
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for command in readme_commands:
        assert command in index, f"README runs {command!r}; copy it into docs/index.md"


# ------------------------------------------------------------- timeline picture


def test_timeline_svg_is_the_scripts_output() -> None:
    script = load_script(DOCS / "scripts" / "timeline.py", "docs_timeline", register=True)
    committed = (DOCS / "img" / "timeline.svg").read_text(encoding="utf-8")
    assert committed == script.render(), "run: python docs/scripts/timeline.py"


def test_timeline_shows_the_inclusive_window() -> None:
    svg = (DOCS / "img" / "timeline.svg").read_text(encoding="utf-8")
    assert "2026-10-27 to 2026-11-27, both days included" in svg
    assert svg.startswith("<svg ")
    assert svg.rstrip().endswith("</svg>")


# ------------------------------------------------------------ the tutorial file



def test_tutorial_script_screens_its_patient(capsys: pytest.CaptureFixture[str]) -> None:
    tutorial.main()
    assert capsys.readouterr().out.strip() == "Determination.ELIGIBLE"


def test_skeleton_is_all_placeholders_and_needs_review() -> None:
    result = tutorial.SKELETON.evaluate(Record("anyone"), AS_OF)
    assert result.determination is Determination.NEEDS_REVIEW
    assert [e.id for e in result.undecided] == [
        *(f"inclusion.{i}" for i in range(1, 6)), *(f"exclusion.{i}" for i in range(1, 7))]
    assert all(e.reason == "not yet encoded" for e in result.criteria)


def test_encoded_protocol_keeps_ids_and_registry_text() -> None:
    for skeleton, encoded in zip(tutorial.SKELETON.criteria, tutorial.PROTOCOL.criteria,
                                 strict=True):
        assert (encoded.id, encoded.label) == (skeleton.id, skeleton.label)
    assert not any(type(node).__name__ == "Placeholder"
                   for c in tutorial.PROTOCOL.criteria for node in c.walk())


# --8<-- [start:tutorial-tests]
def born(day: str) -> Record:
    return Record("P", birth_date=day)


@pytest.mark.parametrize(("birth_date", "outcome"), [
    ("2014-11-28", Outcome.NOT_MET),  # 12th birthday is tomorrow
    ("2014-11-27", Outcome.MET),      # 12th birthday today
    ("2001-11-28", Outcome.MET),      # still 24: 25th birthday tomorrow
    ("2001-11-27", Outcome.NOT_MET),  # 25 today
    ("2014", Outcome.UNKNOWN),        # born some day in 2014: 11 or 12
])
def test_age_12_to_24_inclusive(birth_date: str, outcome: Outcome) -> None:
    assert tutorial.AGE_12_TO_24.decide(born(birth_date), AS_OF) is outcome


def ogtt(fasting: float, two_hour: float, unit: str = "mg/dL") -> Record:
    return Record("P", observations=[
        Observation("ogtt_fasting_glucose", fasting, "2026-11-02", unit=unit),
        Observation("ogtt_2h_glucose", two_hour, "2026-11-02", unit=unit)])


@pytest.mark.parametrize(("fasting", "two_hour", "outcome"), [
    (125, 160, Outcome.MET),
    (126, 160, Outcome.NOT_MET),   # fasting must be below 126
    (98, 139, Outcome.NOT_MET),
    (98, 140, Outcome.MET),        # 140 - 199 includes both ends
    (98, 199, Outcome.MET),
    (98, 200, Outcome.NOT_MET),    # the registry text's gap: neither 140-199 nor >200
    (98, 201, Outcome.MET),
])
def test_glucose_pattern(fasting: float, two_hour: float, outcome: Outcome) -> None:
    assert tutorial.GLUCOSE_PATTERN.decide(ogtt(fasting, two_hour), AS_OF,
                                           domains=tutorial.PROTOCOL.domains) is outcome


@pytest.mark.parametrize(("fasting", "outcome"), [
    (6.99, Outcome.MET),      # 125.93 mg/dL
    (7.0, Outcome.NOT_MET),   # 126.11 mg/dL
    (7.5, Outcome.NOT_MET),   # 135.12 mg/dL: the safety bug of issue 13
])
def test_glucose_in_mmol_per_litre_is_converted(fasting: float, outcome: Outcome) -> None:
    two_hour = 162 / 18.0156  # 162 mg/dL
    record = ogtt(fasting, two_hour, "mmol/L")
    domains = tutorial.PROTOCOL.domains  # mg/dL, and glucose's molar mass
    assert tutorial.GLUCOSE_PATTERN.decide(record, AS_OF, domains=domains) is outcome


def weighed(first: float, last: float, first_day: str = "2026-09-01") -> Record:
    return Record("P", observations=[Observation("weight", first, first_day, unit="kg"),
                                     Observation("weight", last, "2026-11-20", unit="kg")])


@pytest.mark.parametrize(("first", "last", "first_day", "outcome"), [
    (60, 63, "2026-09-01", Outcome.MET),        # exactly +5 %: inclusive
    (60, 57, "2026-09-01", Outcome.MET),        # exactly -5 %
    (60, 63.01, "2026-09-01", Outcome.NOT_MET),
    (60, 63, "2026-08-27", Outcome.MET),        # the window's first day counts
    (60, 63, "2026-08-26", Outcome.UNKNOWN),    # the day before: one weighing left
])
def test_weight_stable_within_5_percent(first: float, last: float, first_day: str,
                                        outcome: Outcome) -> None:
    assert tutorial.WEIGHT_STABLE.decide(weighed(first, last, first_day), AS_OF,
                                         domains=tutorial.PROTOCOL.domains) is outcome


def steroid_courses(*spans: tuple[str, str | None]) -> Record:
    return Record("P", exposures=[Exposure("ATC:H02AB06", s, e) for s, e in spans],
                  complete={"exposures": "2026-11-27"})


@pytest.mark.parametrize(("spans", "outcome"), [
    ([("2026-05-27", "2026-06-24")], Outcome.MET),        # 29 days from the window's first
    ([("2026-05-26", "2026-06-23")], Outcome.NOT_MET),    # 29 days, 28 inside
    ([("2026-08-01", "2026-08-20"), ("2026-08-15", "2026-08-29")], Outcome.MET),  # 29 distinct
    ([("2026-08-01", "2026-08-20"), ("2026-08-15", "2026-08-28")], Outcome.NOT_MET),
    ([("2026-10-31", None)], Outcome.NOT_MET),            # ongoing: 28 days through as_of
    ([("2026-10-30", None)], Outcome.MET),                # 29 days
])
def test_more_than_28_days_of_steroids_in_6_months(spans: list[tuple[str, str | None]],
                                                   outcome: Outcome) -> None:
    assert tutorial.LONG_STEROID_COURSE.decide(steroid_courses(*spans), AS_OF) is outcome


def test_nothing_recorded_needs_review_and_says_what_is_missing() -> None:
    result = tutorial.PROTOCOL.evaluate(Record("P0"), AS_OF)
    assert result.determination is Determination.NEEDS_REVIEW
    assert "birth date" in result.missing
    assert "flag reproducible_spirometry" in result.missing
# --8<-- [end:tutorial-tests]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if line.endswith("python -m pytest -q")]
    if not commands:
        pytest.skip("the README has no test command yet (it comes with the quick-start work)")
    for command in commands:
        assert command in ci.splitlines(), f".ci/run does not run {command!r}"
