"""Periodic work of the statistics (run by the worker loop, ``site/worker.py``)."""

from __future__ import annotations

from flagdesk.core.periodic import Periodic

from .figures import default_filters
from .figures.dashboard import FRESH_SECONDS, cached_dashboard


def warm_dashboard() -> int:
    """Compute the dashboard's default view (this year to date, everything) ahead of its
    visitors: at a million items that takes seconds, which a coordinator opening the page
    should not wait for. Reuses the figures while they are fresh (``cached_dashboard``)."""
    cached_dashboard(default_filters())
    return 0  # nothing for a burst to go round again for


# A minute inside the freshness window, so the figures are renewed before a visitor finds
# them stale. Not in a burst: a burst worker (tests, one-off runs) has no visitors to spare.
PERIODIC = [Periodic("stats.dashboard", FRESH_SECONDS - 60, warm_dashboard, in_burst=False)]
