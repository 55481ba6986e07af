"""Statistics, the art. 22(3) DSA annual report, open data and the Transparency Database
cross-check (docs/statistics.md). Every figure is computed from items, notices, decisions and
the append-only case events, in the database, so any past period can be recomputed."""
