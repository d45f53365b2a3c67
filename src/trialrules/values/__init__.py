"""Values: outcomes, dates, code sets, domains, records and errors (the bottom layer; docs/design.md)."""
