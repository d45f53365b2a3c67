"""The engine: evaluation context, the explanation trace and the criterion base (docs/design.md)."""
