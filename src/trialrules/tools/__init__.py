"""Tools over protocols and results: lint, diff, describe, report, batch, Dask (docs/design.md)."""
