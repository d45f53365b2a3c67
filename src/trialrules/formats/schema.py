"""The JSON Schema of protocol documents, shipped in the package, and checking against it.

The schema checks shape only; :func:`trialrules.formats.protocols.protocol_from_dict`
checks the library's own rules too (low <= high, unique ids, ...). Checking
needs the optional ``jsonschema`` package (``pip install 'trialrules[schema]'``).
"""

from __future__ import annotations

from typing import Any

from .schemas import protocol_schema

__all__ = ["protocol_schema", "schema_errors"]


def schema_errors(document: Any) -> list[str]:
    """Every schema violation in ``document`` as ``$.path: message``, in a stable order.

    Raises ImportError with an install hint when ``jsonschema`` is missing.
    """
    out = []
    for error in _validator().iter_errors(document):
        for found in _explained(error):
            path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                                 for p in found.absolute_path)
            out.append(f"{path}: {found.message}")
    return sorted(set(out))


def _validator() -> Any:
    try:
        import jsonschema
    except ImportError:
        raise ImportError("checking against the JSON Schema needs the jsonschema package: "
                          "pip install 'trialrules[schema]'") from None
    # Built per call: the schema follows the registry (a kind registered later is in it).
    return jsonschema.Draft202012Validator(protocol_schema())


def _explained(error: Any) -> list[Any]:
    """A oneOf failure ("not valid under any of the given schemas") as the complaints of
    the branch whose ``kind`` matched, which say what is actually wrong."""
    if error.validator != "oneOf" or not error.context:
        return [error]
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0], []).append(sub)
    matching = [errs for errs in branches.values()
                if not any(list(e.relative_path) == ["kind"] for e in errs)]
    if len(matching) != 1:
        return [error]
    return [found for sub in matching[0] for found in _explained(sub)]
