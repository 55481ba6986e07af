"""Draw the tables' charts (``charts.py``), remembering each picture by what it shows.

Drawing a chart takes matplotlib about 80 ms, and the dashboard has sixteen. A chart is a pure
function of its title, numbers and language (``charts.py`` output is deterministic), so the SVG
is kept in the cache under a digest of exactly those: the same figures give the same picture
without drawing it again, and any change of a number is a new key, never a stale chart.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import charts
from .tables import Table

CACHE_SECONDS = 7 * 24 * 3600


def _key(table: Table) -> str:
    chart = table.chart
    assert chart is not None  # noqa: S101 - callers pass tables with a chart
    spec = [
        "presentation-attributes, short labels",  # how the SVG is written: a change is a new key
        get_language(),
        table.title,
        chart.kind,
        chart.categories,
        chart.series,
        chart.value_label,
        chart.stacked,
        chart.horizontal,
        chart.legend,
        _description(),
    ]
    digest = hashlib.sha256(json.dumps(spec, default=str).encode()).hexdigest()
    return f"stats-chart:{digest}"


def _description() -> str:
    return _("The numbers of this chart are in the table below it and in its CSV download.")


# Longest category label on a chart's axis: the table below has the full one, and a long
# label would leave the bars no room.
SHORT_LABEL = 28


def short_label(label: str) -> str:
    """ "Doxing (malicious publication of personal data)" as "Doxing"; a long label cut."""
    label = label.split(" (")[0]
    return label if len(label) <= SHORT_LABEL else label[: SHORT_LABEL - 1].rstrip() + "…"


def _draw(table: Table) -> str:
    chart = table.chart
    assert chart is not None  # noqa: S101
    categories = [short_label(c) for c in chart.categories]
    if chart.kind == "line":
        svg = charts.line_chart(
            table.title,
            categories,
            chart.series,
            value_label=chart.value_label,
            description=_description(),
        )
    else:
        svg = charts.bar_chart(
            table.title,
            categories,
            chart.series,
            value_label=chart.value_label,
            stacked=chart.stacked,
            horizontal=chart.horizontal,
            legend=chart.legend,
            description=_description(),
        )
    # The staff pages' Content-Security-Policy ignores inline CSS.
    return charts.without_inline_styles(svg)


def draw(tables: Iterable[Table]) -> None:
    """Fill ``svg`` of every table that has rows and a chart: two cache queries in all."""
    wanted = {_key(t): t for t in tables if t.rows and t.chart is not None and t.chart.categories}
    found = cache.get_many(list(wanted))
    drawn = {}
    for key, table in wanted.items():
        table.svg = found.get(key) or _draw(table)
        if key not in found:
            drawn[key] = table.svg
    if drawn:
        cache.set_many(drawn, CACHE_SECONDS)
