"""The stored parts of the statistics: frozen annual reports and Transparency Database
imports. Figures themselves are never stored; they are computed from events (stats/figures)."""
