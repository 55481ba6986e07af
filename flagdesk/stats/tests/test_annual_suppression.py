"""Small counts are withheld, and so are enough others that none can be worked out again."""

from __future__ import annotations

import pytest

from flagdesk.organisation.services.designations import current_organisation
from flagdesk.stats.annual.build import build_report
from flagdesk.stats.annual.suppression import Grid

from .annual_data import NOW, build_year, provider, type_row


def test_a_small_cell_and_its_complement_in_the_same_row():
    g = Grid(threshold=5)
    for key, value in {"row": 30, "a": 3, "b": 20, "c": 7}.items():
        g.add(key, value)
    g.relate("row", ["a", "b", "c"])
    assert g.solve() == {"a", "c"}  # 3 is small; 7, the smallest other, hides it
    assert g.shown("a") is None and g.shown("b") == 20


def test_exact_totals_are_never_withheld():
    g = Grid(threshold=5)
    g.add("total", 4, fixed=True)
    g.add("x", 4)
    g.add("y", 0)
    g.relate("total", ["x", "y"])
    # x is small; the only other member is y (zero), which is withheld with it.
    assert g.solve() == {"x", "y"}
    assert g.shown("total") == 4


def test_threshold_zero_withholds_nothing():
    g = Grid(threshold=0)
    g.add("x", 1)
    assert g.solve() == set()


def test_suppression_spreads_across_rows_and_columns():
    # A 2x2 table with row and column totals: one small cell makes four withheld.
    g = Grid(threshold=5)
    cells = {("r1", "c1"): 2, ("r1", "c2"): 10, ("r2", "c1"): 12, ("r2", "c2"): 9}
    for key, value in cells.items():
        g.add(key, value)
    for r in ("r1", "r2"):
        g.add(r, sum(v for (rr, _c), v in cells.items() if rr == r))
        g.relate(r, [(r, c) for c in ("c1", "c2")])
    for c in ("c1", "c2"):
        g.add(c, sum(v for (_r, cc), v in cells.items() if cc == c), fixed=True)
        g.relate(c, [(r, c) for r in ("r1", "r2")])
    withheld = g.solve()
    assert withheld == set(cells)
    for members in g.relations:
        assert sum(m in withheld for m in members) != 1


@pytest.mark.django_db
def test_the_report_withholds_small_cells_and_keeps_totals_exact(users):
    build_year(users)
    org = current_organisation()
    org.statistics_min_cell = 2
    org.save()
    report = build_report(2025, now=NOW, organisation=org)
    # Beta (1 notice) joins Jo's forum under "Other providers"; Alpha has 2 notices.
    assert [p["provider"] for p in report["by_provider"]] == ["Alpha", "Other providers"]
    assert report["suppression"]["merged_providers"] == 2
    assert report["suppression"]["threshold"] == 2
    # Totals are exact.
    assert report["totals"]["notices"] == 4 and report["totals"]["items"] == 7
    assert report["totals"]["actions"]["removed"] == 2
    alpha = provider(report, "Alpha")
    assert (alpha["notices"], alpha["items"]) == (2, 4)
    # Every 1 is withheld, shown as null and named in "suppressed".
    ncii = type_row(alpha, "ncii")
    assert ncii["actions"]["removed"] is None and "actions.removed" in ncii["suppressed"]
    assert ncii["actions"]["disabled"] == 0  # a zero identifies nobody

    # No published number is 1 (below the threshold) anywhere in the tables.
    def numbers(entry):
        yield from (entry.get("notices"), entry.get("items"), *entry["actions"].values())

    tables = [*report["by_provider"], *report["by_type"], *report["by_tdb_category"]]
    tables += [t for p in report["by_provider"] for t in p["by_type"]]
    assert all(n is None or n == 0 or n >= 2 for e in tables for n in numbers(e))
    assert report["suppression"]["suppressed_cells"] > 0
    # Times of the merged providers are computed over their answers together...
    other = report["response_times"]["decision"]["by_provider"]["Other providers"]
    assert (other["count"], other["median"], other["p90"]) == (3, 12.0, 48.0)  # 6, 12, 48 h
    # ...and a median over fewer answers than the threshold is withheld (Jo's one receipt).
    ack = report["response_times"]["acknowledgement"]["by_provider"]["Other providers"]
    assert ack == {
        "count": None,
        "median": None,
        "p90": None,
        "suppressed": ["count", "median", "p90"],
    }
    assert report["median_hours_to_action"]["by_provider"]["Other providers"] == 12.0


@pytest.mark.django_db
def test_no_row_of_the_report_gives_a_withheld_cell_back(users):
    """Within each row (a provider and type's actions), either nothing or at least two
    numbers are withheld when the row's items are shown."""
    build_year(users)
    org = current_organisation()
    org.statistics_min_cell = 2
    org.save()
    report = build_report(2025, now=NOW, organisation=org)
    rows = [t for p in report["by_provider"] for t in p["by_type"]] + report["by_type"]
    for row in rows:
        hidden = [k for k in row["suppressed"] if k.startswith("actions.")]
        if row["items"] is not None:
            assert len(hidden) != 1, row
