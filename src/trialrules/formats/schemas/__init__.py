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

__all__ = ["PATIENT_SCHEMA_FILE", "PROTOCOL_SCHEMA_FILE", "patient_schema", "protocol_schema"]

#: File name of the patient record schema inside this package.
PATIENT_SCHEMA_FILE = "patient.schema.json"
#: File name of the protocol document schema inside this package.
PROTOCOL_SCHEMA_FILE = "protocol.schema.json"


def patient_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one patient object, as a fresh dict."""
    text = files(__name__).joinpath(PATIENT_SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def protocol_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a protocol document, as a fresh dict."""
    text = files(__name__).joinpath(PROTOCOL_SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
