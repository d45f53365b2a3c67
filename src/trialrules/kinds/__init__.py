"""Criterion kinds and value sources, each built on the engine (docs/design.md)."""
