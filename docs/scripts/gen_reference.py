"""Generate reference Markdown: the CLI from its argparse parser, file formats from JSON Schemas.

Used at build time by ``mkdocs_hooks.py`` (so the site never goes stale) and
by the tests. Run it to see a section on stdout::

    python docs/scripts/gen_reference.py cli
    python docs/scripts/gen_reference.py formats
    python docs/scripts/gen_reference.py api-modules
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "trialrules"
SCHEMAS = PACKAGE / "schemas"


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


# --------------------------------------------------------------------------- CLI


def _option_names(action: argparse.Action) -> str:
    if action.option_strings:
        return ", ".join(f"`{s}`" for s in action.option_strings)
    return f"`{action.metavar or action.dest}`"


def _option_value(action: argparse.Action) -> str:
    if action.nargs == 0:
        return ""
    if action.choices is not None:
        return " \\| ".join(f"`{c}`" for c in action.choices)
    metavar = action.metavar if isinstance(action.metavar, str) else action.dest.upper()
    return f"`{metavar}`" if action.option_strings else ""


def _option_default(action: argparse.Action) -> str:
    if action.required:
        return "required"
    if action.default in (None, False, argparse.SUPPRESS) or action.nargs == 0:
        return ""
    return f"`{action.default}`"


def _arguments_table(parser: argparse.ArgumentParser) -> list[str]:
    rows = ["| argument | value | default | meaning |", "| --- | --- | --- | --- |"]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        help_text = "" if action.help in (None, argparse.SUPPRESS) else action.help
        help_text = (help_text or "") % {"default": action.default, "prog": parser.prog}
        rows.append(f"| {_option_names(action)} | {_option_value(action)} | "
                    f"{_option_default(action)} | {_cell(help_text)} |")
    return rows


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, helps.get(name, ""), sub


def _exit_codes() -> list[tuple[str, int, str]]:
    """``EXIT_*`` constants of ``trialrules.cli._common`` with their ``#:`` comments."""
    from trialrules.cli import _common

    out = []
    comment: list[str] = []
    for line in inspect.getsource(_common).splitlines():
        stripped = line.strip()
        if stripped.startswith("#:"):
            comment.append(stripped[2:].strip())
            continue
        match = re.match(r"(EXIT_\w+)\s*(?::\s*\w+\s*)?=\s*(\d+)", stripped)
        if match:
            out.append((match.group(1), int(match.group(2)), " ".join(comment)))
        comment = []
    return out


def cli_markdown(parser: argparse.ArgumentParser | None = None) -> str:
    """Every command, option and exit code of ``trialrules``, from the parser itself."""
    if parser is None:
        from trialrules.cli import build_parser

        parser = build_parser()
    lines = ["## Exit status", "", "| status | name | meaning |", "| --- | --- | --- |"]
    for name, value, meaning in _exit_codes():
        lines.append(f"| `{value}` | `{name}` | {_cell(meaning)} |")
    lines += ["", "## `trialrules`", "", f"```text\n{parser.format_usage().strip()}\n```", ""]
    if parser.description:
        lines += [_cell(parser.description), ""]
    lines += _arguments_table(parser)
    for name, summary, sub in _subcommands(parser):
        lines += ["", f"## `trialrules {name}`", ""]
        if summary:
            lines += [f"*{_cell(summary)}.*", ""]
        if sub.description:
            lines += [_cell(sub.description), ""]
        lines += [f"```text\n{sub.format_usage().strip()}\n```", ""]
        lines += _arguments_table(sub)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- formats


def _anchor(schema_name: str, def_name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{schema_name}-{def_name}".lower()).strip("-")


def _type_text(prop: Mapping[str, Any], schema_name: str) -> str:
    if "$ref" in prop:
        ref = str(prop["$ref"])
        name = ref.rsplit("/", 1)[-1]
        if ref.startswith("#/"):
            return f"[{name}](#{_anchor(schema_name, name)})"
        return f"`{ref}`"
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    if "enum" in prop:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in prop["enum"])
    for key in ("oneOf", "anyOf"):
        if key in prop:
            return " or ".join(_type_text(p, schema_name) for p in prop[key])
    kind = prop.get("type")
    if isinstance(kind, list):
        return " or ".join(f"{k}" for k in kind)
    if kind == "array":
        items = prop.get("items")
        return f"list of {_type_text(items, schema_name)}" if isinstance(items, Mapping) else "list"
    if kind == "object" and isinstance(prop.get("additionalProperties"), Mapping):
        return f"object of {_type_text(prop['additionalProperties'], schema_name)}"
    return str(kind) if kind else "any"


_CONSTRAINTS = (("pattern", "pattern `{}`"), ("format", "format {}"), ("minimum", "at least {}"),
                ("exclusiveMinimum", "above {}"), ("maximum", "at most {}"),
                ("exclusiveMaximum", "below {}"), ("multipleOf", "in steps of {}"),
                ("minLength", "at least {} characters"), ("maxLength", "at most {} characters"),
                ("minItems", "at least {} items"), ("default", "default `{}`"))
_LONG_PATTERN = 60


def _constraints(prop: Mapping[str, Any]) -> str:
    parts = []
    for key, text in _CONSTRAINTS:
        if key not in prop:
            continue
        value = prop[key]
        if key == "default":
            value = json.dumps(value)
        elif key == "minLength" and value == 1:
            parts.append("not empty")
            continue
        elif key == "pattern" and len(str(value)) > _LONG_PATTERN:
            parts.append("a pattern (see the schema file)")
            continue
        parts.append(text.format(value))
    for key in ("anyOf", "oneOf"):  # constraints of the non-null alternative
        options = [p for p in prop.get(key, ()) if isinstance(p, Mapping) and p.get("type") != "null"]
        if len(options) == 1:
            inner = _constraints(options[0])
            if inner:
                parts.append(inner)
    return "; ".join(parts)


def _inline_object(prop: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The object schema written inline in a property (or its list items), if any."""
    if isinstance(prop.get("properties"), Mapping):
        return prop
    items = prop.get("items")
    if isinstance(items, Mapping) and isinstance(items.get("properties"), Mapping):
        return items
    return None


def _conditionals(obj: Mapping[str, Any]) -> list[str]:
    """``allOf: [{if: {properties: {k: {const: v}}}, then: ...}]`` as plain sentences."""
    out = []
    for rule in obj.get("allOf") or ():
        if not isinstance(rule, Mapping) or "if" not in rule or "then" not in rule:
            continue
        when = ", ".join(f"`{k}` is `{json.dumps(v.get('const'))}`"
                         for k, v in (rule["if"].get("properties") or {}).items()
                         if isinstance(v, Mapping) and "const" in v)
        then = "; ".join(f"`{k}` is {_type_text(v, '')}"
                         + (f" ({_constraints(v)})" if _constraints(v) else "")
                         for k, v in (rule["then"].get("properties") or {}).items()
                         if isinstance(v, Mapping))
        if when and then:
            out.append(f"- when {when}: {then}")
    return out


def _object_section(obj: Mapping[str, Any], schema_name: str, path: str) -> list[str]:
    """A table of an object's fields, its conditional rules, then its inline sub-objects."""
    props = obj.get("properties") or {}
    if not props:
        return []
    required = set(obj.get("required") or ())
    rows = ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
    nested: list[tuple[str, Mapping[str, Any]]] = []
    for name, prop in props.items():
        prop = prop if isinstance(prop, Mapping) else {}
        inline = _inline_object(prop)
        where = f"{path}.{name}" if path else name
        if inline is not None:
            sub = f"{where}[]" if inline is not prop else where
            nested.append((sub, inline))
            kind = f"list of [objects](#{_anchor(schema_name, sub)})" if inline is not prop \
                else f"[object](#{_anchor(schema_name, sub)})"
        else:
            kind = _type_text(prop, schema_name)
        meaning = " ".join(p for p in (prop.get("description", ""), _constraints(prop)) if p)
        rows.append(f"| `{name}` | {_cell(kind)} | {'yes' if name in required else ''} | "
                    f"{_cell(meaning)} |")
    if obj.get("additionalProperties") is False:
        rows += ["", "No other fields are allowed."]
    rules = _conditionals(obj)
    if rules:
        rows += ["", "Further rules:", "", *rules]
    for sub, inline in nested:
        rows += ["", f"### `{sub}` {{: #{_anchor(schema_name, sub)} }}", ""]
        if inline.get("description"):
            rows += [str(inline["description"]).strip(), ""]
        rows += _object_section(inline, schema_name, sub)
    return rows


def schema_markdown(name: str, schema: Mapping[str, Any]) -> str:
    """One JSON Schema as Markdown: its description, then a table per object type."""
    title = schema.get("title") or name
    lines = [f"## {_cell(title)}", "", f"Schema file: `trialrules/schemas/{name}`", ""]
    if schema.get("description"):
        lines += [str(schema["description"]).strip(), ""]
    lines += _object_section(schema, name, "")
    definitions = schema.get("$defs") or schema.get("definitions") or {}
    for def_name, definition in definitions.items():
        if not isinstance(definition, Mapping):
            continue
        lines += ["", f"### {def_name} {{: #{_anchor(name, def_name)} }}", ""]
        if definition.get("description"):
            lines += [str(definition["description"]).strip(), ""]
        table = _object_section(definition, name, def_name)
        detail = _constraints(definition)
        lines += table or [f"Type: {_cell(_type_text(definition, name))}"
                           + (f"; {_cell(detail)}." if detail else ".")]
    return "\n".join(lines) + "\n"


def formats_markdown(schema_dir: Path = SCHEMAS) -> str:
    """Every shipped schema, or a note when this build ships none."""
    files = sorted(schema_dir.glob("*.json")) if schema_dir.is_dir() else []
    if not files:
        return ('!!! note "No schemas in this build"\n'
                "    This build of trialrules ships no JSON Schemas under "
                "`trialrules/schemas/`, so there is nothing to list here.\n")
    parts = []
    for path in files:
        parts.append(schema_markdown(path.name, json.loads(path.read_text(encoding="utf-8"))))
    return "\n".join(parts)


# ------------------------------------------------------------------------- API


def public_modules(package_dir: Path = PACKAGE) -> list[str]:
    """Dotted names of the public modules (no ``_`` parts; the CLI's own modules left out)."""
    names = []
    for path in sorted(package_dir.rglob("*.py")):
        rel = path.relative_to(package_dir.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if any(p.startswith("_") for p in parts) or (parts[:2] == ["trialrules", "cli"] and len(parts) > 2):
            continue
        names.append(".".join(parts))
    return names


def api_markdown(already: Iterable[str]) -> str:
    """``::: module`` blocks for every public module not already on the page."""
    seen = set(already)
    rest = [m for m in public_modules() if m not in seen]
    return "\n".join(f"::: {m}\n" for m in rest)


def referenced_modules(markdown: str) -> list[str]:
    """Modules a page already renders with ``::: name``."""
    return re.findall(r"^:::\s*([\w.]+)", markdown, flags=re.MULTILINE)


def main(argv: list[str]) -> int:
    if argv == ["cli"]:
        sys.stdout.write(cli_markdown())
    elif argv == ["formats"]:
        sys.stdout.write(formats_markdown())
    elif argv == ["api-modules"]:
        sys.stdout.write("\n".join(public_modules()) + "\n")
    else:
        print("usage: gen_reference.py cli|formats|api-modules", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
