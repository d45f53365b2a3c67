"""Formats: patient and protocol JSON, the JSON Schemas, FHIR and ClinicalTrials.gov (docs/design.md)."""
