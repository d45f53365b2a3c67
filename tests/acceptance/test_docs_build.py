"""The documentation site builds with ``mkdocs build --strict`` (every warning is an error).

mkdocs.yml lists every page of the finished site. Some pages are written on
other branches and land when those are merged; PENDING names them. While one
of them is missing, the build runs from a temporary copy of docs/ holding a
stub for it (and a temporary mkdocs.yml pointing there), so links to it
still resolve and every other check stays strict. Once every page exists the
real mkdocs.yml is built as it is. A nav entry that is neither present nor
pending fails the test, and so does a page that is in docs/ but not in the nav.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import load_script

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

pytest.importorskip("mkdocs", reason="the docs extra is not installed")
yaml = pytest.importorskip("yaml")

#: Pages written on other branches; a stub stands in for each until it lands.
# Every page has landed; a page written on a branch can be listed here until it merges.
PENDING: frozenset[str] = frozenset()


def _config() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _nav_files(nav: Any) -> Iterator[str]:
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from _nav_files(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from _nav_files(value)


def _gen() -> Any:
    return load_script(DOCS / "scripts" / "gen_reference.py", "docs_gen_reference")


def test_nav_lists_every_page_once_and_only_known_pages() -> None:
    nav = list(_nav_files(_config()["nav"]))
    assert len(nav) == len(set(nav)), "a page is listed twice in the nav"
    missing = [p for p in nav if not (DOCS / p).exists() and p not in PENDING]
    assert not missing, f"nav lists pages that do not exist: {missing}"
    excluded = ("scripts/", "examples/")
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
                   if not p.relative_to(DOCS).as_posix().startswith(excluded))
    assert not [p for p in pages if p not in nav], "every page in docs/ belongs in the nav"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the site once, strictly; returns the site directory."""
    tmp = tmp_path_factory.mktemp("docs")
    site_dir = tmp / "site"
    config = _config()
    stubs = sorted(p for p in set(_nav_files(config["nav"])) if not (DOCS / p).exists())
    assert set(stubs) <= PENDING
    config_file = ROOT / "mkdocs.yml"
    if stubs:
        docs_copy = tmp / "docs"
        shutil.copytree(DOCS, docs_copy)
        for page in stubs:
            (docs_copy / page).write_text(
                f"# {page}\n\nThis page is written on another branch.\n", encoding="utf-8")
        text = config_file.read_text(encoding="utf-8")
        text = re.sub(r"^docs_dir: .*$", f"docs_dir: {docs_copy}", text, flags=re.MULTILINE)
        text = text.replace("- docs/scripts/mkdocs_hooks.py",
                            f"- {DOCS / 'scripts' / 'mkdocs_hooks.py'}")
        text = text.replace("paths: [src]", f"paths: [{ROOT / 'src'}]")
        text = text.replace("- docs/scripts/griffe_doctest.py", f"- {DOCS / 'scripts' / 'griffe_doctest.py'}")
        config_file = tmp / "mkdocs.yml"
        config_file.write_text(text, encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config_file),
         "-d", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return site_dir


def _page(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")


def test_site_builds_with_every_page(site: Path) -> None:
    assert (site / "index.html").exists()
    for page in _nav_files(_config()["nav"]):
        built = site / page.removesuffix(".md") / "index.html"
        if page == "index.md":
            built = site / "index.html"
        assert built.exists(), page
    assert (site / "img" / "timeline.svg").exists()
    assert not (site / "scripts").exists()
    assert not (site / "examples").exists()


def test_no_generated_marker_is_left(site: Path) -> None:
    for html in site.rglob("*.html"):
        assert "<!-- generated:" not in html.read_text(encoding="utf-8"), html


def test_cli_reference_mentions_every_command_option_and_exit_status(site: Path) -> None:
    from trialrules.cli import _common, build_parser

    text = _text(_page(site, "reference/cli"))
    parser = build_parser()
    for action in parser._actions:
        for option in action.option_strings:
            assert option in text
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert subs
    for name, sub in subs[0].choices.items():
        assert f"trialrules {name}" in text
        for action in sub._actions:
            for option in action.option_strings:
                assert option in text, f"{name} {option}"
            if not action.option_strings:
                assert str(action.metavar or action.dest) in text
    for name in dir(_common):
        if name.startswith("EXIT_"):
            assert name in text


def test_api_reference_covers_every_public_module(site: Path) -> None:
    html = _page(site, "reference/api")
    for module in _gen().public_modules():
        assert f'id="{module}"' in html, module
    assert 'id="trialrules.kinds.criteria.Range"' in html


def test_docstring_examples_render_as_code(site: Path) -> None:
    html = _page(site, "reference/api")
    assert '<span class="gp">&gt;&gt;&gt; </span>' in html
    assert "<p>&gt;&gt;&gt;" not in html


def test_fence_doctests() -> None:
    module = load_script(DOCS / "scripts" / "griffe_doctest.py", "docs_griffe_doctest")
    text = "What.\n\n>>> [c for c in 'ab']\n['a', 'b']\n\nMore.\n```\n>>> kept\n```"
    assert module.fence_doctests(text) == (
        "What.\n\n```pycon\n>>> [c for c in 'ab']\n['a', 'b']\n```\n\nMore.\n```\n>>> kept\n```")


def test_tutorial_shows_the_tested_code(site: Path) -> None:
    text = re.sub(r"<[^>]+>", "", _page(site, "tutorial"))
    source = (DOCS / "examples" / "tutorial_protocol.py").read_text(encoding="utf-8")
    assert "AGE_12_TO_24 = Range(Age(), 12, 24" in source
    assert "AGE_12_TO_24 = Range(Age(), 12, 24" in text
    assert "def test_glucose_pattern" in text
    assert "--8&lt;--" not in text
    assert "--8<--" not in text


def test_formats_page_lists_shipped_schemas(site: Path) -> None:
    text = _text(_page(site, "reference/formats"))
    schemas = sorted((ROOT / "src" / "trialrules" / "schemas").glob("*.json"))
    if not schemas:
        assert "No schemas in this build" in text
    for path in schemas:
        assert f"trialrules/schemas/{path.name}" in text


# ------------------------------------------------------- the generators alone

SCHEMA = {
    "title": "Example record",
    "description": "An example.",
    "type": "object",
    "additionalProperties": False,
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "born": {"anyOf": [{"$ref": "#/$defs/date"}, {"type": "null"}]},
        "sex": {"enum": ["female", "male", None], "description": "Administrative sex."},
        "events": {"type": "array", "items": {
            "type": "object", "required": ["code"], "description": "One event.",
            "properties": {"code": {"type": "string", "pattern": "^[A-Z]+:.+$"}}}},
        "score": {"type": "number", "minimum": 0, "maximum": 10, "multipleOf": 0.5},
        "flags": {"type": "object", "additionalProperties": {"type": "boolean"}},
    },
    "allOf": [{"if": {"properties": {"id": {"const": "x"}}},
               "then": {"properties": {"score": {"type": "number", "maximum": 5}}}}],
    "$defs": {"date": {"type": "string", "description": "A date.", "pattern": "^[0-9]{4}$"}},
}


def test_schema_markdown_covers_fields_types_and_rules() -> None:
    text = _gen().schema_markdown("example.schema.json", SCHEMA)
    assert "## Example record" in text
    assert "| `id` | string | yes | not empty |" in text
    assert "[date](#example-schema-json-date) or null" in text
    assert 'one of `"female"`, `"male"`, `null`' in text
    assert "list of [objects](#example-schema-json-events)" in text
    assert "### `events[]` {: #example-schema-json-events }" in text
    assert "at least 0; at most 10; in steps of 0.5" in text
    assert "object of boolean" in text
    assert "No other fields are allowed." in text
    assert '- when `id` is `"x"`: `score` is number (at most 5)' in text


def test_formats_markdown_without_schemas_says_so(tmp_path: Path) -> None:
    assert "No schemas in this build" in _gen().formats_markdown(tmp_path / "absent")


def test_formats_markdown_reads_every_schema_file(tmp_path: Path) -> None:
    import json

    for name in ("b.schema.json", "a.schema.json"):
        (tmp_path / name).write_text(json.dumps({**SCHEMA, "title": name}), encoding="utf-8")
    text = _gen().formats_markdown(tmp_path)
    assert text.index("## a.schema.json") < text.index("## b.schema.json")


def test_cli_markdown_generator_lists_a_new_command() -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="trialrules")
    sub = parser.add_subparsers(dest="command")
    lint = sub.add_parser("lint", help="check a protocol", description="Check it.")
    lint.add_argument("protocol", metavar="PROTOCOL")
    lint.add_argument("--format", choices=("text", "json"), default="text", help="output")
    text = _gen().cli_markdown(parser)
    assert "## `trialrules lint`" in text
    assert "| `--format` | `text` \\| `json` | `text` | output |" in text
    assert "| `PROTOCOL` |  | required |  |" in text
