"""The HTML pages' documentation: in the site, its Python runs, its pictures and commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import load_script

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "how-to" / "html-pages.md"


def test_page_is_in_the_nav() -> None:
    assert "how-to/html-pages.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_python_blocks_run() -> None:
    for block in re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S):
        exec(compile(block, str(PAGE), "exec"), {})


def test_screenshots_are_made_by_the_script_from_the_commands_shown() -> None:
    script = load_script(ROOT / "docs" / "scripts" / "html_screenshots.py", "html_screenshots")
    text = PAGE.read_text(encoding="utf-8")
    for command, _, shot, _ in script.COMMANDS:
        assert f"$ {command}" in text, command
        if shot is not None:
            assert f"](../img/{shot})" in text
            assert (ROOT / "docs" / "img" / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
