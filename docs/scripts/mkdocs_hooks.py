"""MkDocs hooks: fill generated sections of reference pages at build time.

A page marks a generated section with an HTML comment on its own line:
``<!-- generated: cli -->``, ``<!-- generated: formats -->`` or
``<!-- generated: api-modules -->``. Generating at build time means a new
command, option, schema or module appears on the site without anyone
regenerating a file.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

_spec = importlib.util.spec_from_file_location(
    "trialrules_docs_gen_reference", Path(__file__).with_name("gen_reference.py"))
assert _spec is not None
assert _spec.loader is not None
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "<!-- generated: cli -->" in markdown:
        markdown = markdown.replace("<!-- generated: cli -->", gen.cli_markdown())
    if "<!-- generated: formats -->" in markdown:
        markdown = markdown.replace("<!-- generated: formats -->", gen.formats_markdown())
    if "<!-- generated: api-modules -->" in markdown:
        markdown = markdown.replace("<!-- generated: api-modules -->",
                                    gen.api_markdown(gen.referenced_modules(markdown)))
    return markdown
