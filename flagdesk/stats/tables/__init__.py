"""The dashboard's tables: each figure with translated labels, as the page shows it (with its
chart above) and as its CSV download writes it (docs/statistics.md). One function per table,
named in ``TABLES``; the page, the CSV and the JSON read the same ``Dashboard``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy

from ..figures.dashboard import Dashboard
from .base import Chart, Column, Share, Table, display
from .notices import (
    actions_table,
    conduct_table,
    notices_table,
    quality_table,
    timing_phenomena_table,
    timing_platforms_table,
)
from .victims import (
    ages_table,
    grooming_table,
    schools_table,
    sextortion_table,
    under_table,
    victims_by_phenomenon_table,
)
from .volumes import channels_table, months_table, phenomena_table, roles_table, years_table

__all__ = ["TABLES", "Chart", "Column", "Share", "Table", "build", "build_sections", "display"]

SECTIONS: tuple[tuple[Any, tuple[Callable[[Dashboard], Table], ...]], ...] = (
    (gettext_lazy("Reports and items"), (months_table, years_table, phenomena_table)),
    (gettext_lazy("Channels and reporters"), (channels_table, roles_table)),
    (
        gettext_lazy("Victims"),
        (
            ages_table,
            under_table,
            victims_by_phenomenon_table,
            schools_table,
            sextortion_table,
            grooming_table,
        ),
    ),
    (
        gettext_lazy("Notices and platforms"),
        (notices_table, actions_table, timing_platforms_table, timing_phenomena_table),
    ),
    (gettext_lazy("Code of Conduct on illegal hate speech"), (conduct_table,)),
    (gettext_lazy("Quality"), (quality_table,)),
)
TABLES: dict[str, Callable[[Dashboard], Table]] = {
    build.__name__.removesuffix("_table").replace("_", "-"): build
    for _heading, builders in SECTIONS
    for build in builders
}


def build(name: str, d: Dashboard) -> Table:
    """The table ``name`` (a key of ``TABLES``) of ``d``, named as its CSV's address says."""
    table = TABLES[name](d)
    table.name = name
    return table


def build_sections(d: Dashboard) -> list[tuple[str, list[Table]]]:
    names = {builder: name for name, builder in TABLES.items()}
    return [
        (str(heading), [build(names[builder], d) for builder in builders])
        for heading, builders in SECTIONS
    ]
