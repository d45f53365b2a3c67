"""JSON Schemas of the file formats trialrules reads, shipped with the package.

The loaders are authoritative (they also check what a schema cannot, such as an
end on or after its start); the schemas let other tools validate files early.

>>> schema = patient_schema()
>>> schema["required"], schema["additionalProperties"]
(['id'], False)
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from ...engine.codec import kind_schema
from ...engine.registry import kinds, sources

__all__ = ["PATIENT_SCHEMA_FILE", "PROTOCOL_SCHEMA_FILE", "patient_schema", "protocol_schema",
           "shipped_protocol_schema"]

#: File name of the patient record schema inside this package.
PATIENT_SCHEMA_FILE = "patient.schema.json"
#: File name of the protocol document schema inside this package.
PROTOCOL_SCHEMA_FILE = "protocol.schema.json"


def patient_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one patient object, as a fresh dict."""
    text = files(__name__).joinpath(PATIENT_SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def shipped_protocol_schema() -> dict[str, Any]:
    """The protocol schema file as shipped (the built-in kinds), as a fresh dict."""
    text = files(__name__).joinpath(PROTOCOL_SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def protocol_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a protocol document, as a fresh dict.

    The document around the criteria comes from the shipped file; each
    criterion kind's and value source's entry is derived from its declared
    fields, for every registered kind (so a kind registered from outside the
    package is in the schema too). For the built-in kinds this is the shipped
    file exactly (a test checks it).
    """
    schema = shipped_protocol_schema()
    defs = schema["$defs"]
    tags = list(kinds())
    defs["criterion"]["properties"]["kind"]["enum"] = tags
    defs["criterion"]["allOf"] = [
        {"if": {"properties": {"kind": {"const": tag}}}, "then": {"$ref": f"#/$defs/{tag}"}}
        for tag in tags]
    for tag, cls in kinds().items():
        defs[tag] = kind_schema(cls)
    defs["source"]["oneOf"] = [kind_schema(cls) for cls in sources().values()]
    return schema
