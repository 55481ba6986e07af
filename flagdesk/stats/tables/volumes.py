"""Tables of reports and items: per month, year and phenomenon; channels and reporters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from flagdesk.intake.labels import staff_role_label
from flagdesk.intake.models import Report

from .. import labels
from ..figures.dashboard import Dashboard
from .base import Chart, Column, Table


def months_table(d: Dashboard) -> Table:
    rows = [[labels.month(m.month), m.reports, m.items] for m in d.volumes.months]
    return Table(
        name="months",
        title=_("Reports and items per month"),
        caption=_("Reports and items received per month in the period"),
        columns=[Column(_("Month"), "text"), Column(_("Reports")), Column(_("Items"))],
        rows=rows if d.volumes.reports or d.volumes.items else [],
        empty=_("No report came in during this period."),
        chart=Chart(
            "line",
            [r[0] for r in rows],
            [(_("Reports"), [r[1] for r in rows]), (_("Items"), [r[2] for r in rows])],
            _("Count"),
        ),
    )


def years_table(d: Dashboard) -> Table:
    rows = [[str(y.year), y.reports, y.items] for y in d.volumes.years]
    earlier = d.filters.year_earlier()
    rows.append(
        [
            _("Total"),
            d.volumes.reports,
            d.volumes.items,
        ]
    )
    rows.append(
        [
            _("Same period a year earlier (%(start)s to %(end)s)")
            % {"start": earlier.date_from.isoformat(), "end": earlier.date_to.isoformat()},
            d.volumes.reports_year_earlier,
            d.volumes.items_year_earlier,
        ]
    )
    return Table(
        name="years",
        title=_("Reports and items per year"),
        caption=_("Reports and items per calendar year of the period, and year on year"),
        columns=[Column(_("Year"), "text"), Column(_("Reports")), Column(_("Items"))],
        rows=rows if any(r[1] or r[2] for r in rows) else [],
        empty=_("No report came in during this period."),
        chart=Chart(
            "bar",
            [_("This period"), _("A year earlier")],
            [
                (_("Reports"), [d.volumes.reports, d.volumes.reports_year_earlier]),
                (_("Items"), [d.volumes.items, d.volumes.items_year_earlier]),
            ],
            _("Count"),
        ),
    )


def phenomena_table(d: Dashboard) -> Table:
    rows: list[list[Any]] = [
        [
            labels.phenomenon(p.phenomenon),
            p.reports,
            p.reports_year_earlier,
            p.reports_change,
            p.items,
            p.items_year_earlier,
            p.items_change,
        ]
        for p in d.volumes.phenomena
    ]
    vol = d.volumes
    if rows:
        rows.append(
            [
                _("All phenomena"),
                vol.reports,
                vol.reports_year_earlier,
                vol.reports_change,
                vol.items,
                vol.items_year_earlier,
                vol.items_change,
            ]
        )
    return Table(
        name="phenomena",
        title=_("Reports and items per phenomenon"),
        caption=_("Reports and items per phenomenon, with the same period a year earlier"),
        columns=[
            Column(_("Phenomenon"), "text"),
            Column(_("Reports")),
            Column(_("Reports a year earlier")),
            Column(_("Change in reports"), "change"),
            Column(_("Items")),
            Column(_("Items a year earlier")),
            Column(_("Change in items"), "change"),
        ],
        rows=rows,
        empty=_("No report or item in this period or the same period a year earlier."),
        chart=Chart(
            "bar",
            [r[0] for r in rows[:-1]],
            [
                (_("Items"), [r[4] for r in rows[:-1]]),
                (_("Items a year earlier"), [r[5] for r in rows[:-1]]),
            ],
            _("Items"),
            horizontal=True,
        ),
    )


def _counted(d: Dashboard, index: int, label: Callable[[str], str]) -> list[list[Any]]:
    totals: dict[str, int] = {}
    for key, n in d.channels.items():
        totals[key[index]] = totals.get(key[index], 0) + n
    return sorted(([label(k), n] for k, n in totals.items()), key=lambda r: (-r[1], r[0]))


def channels_table(d: Dashboard) -> Table:
    rows = _counted(
        d, 0, lambda c: str(Report.Channel(c).label) if c in Report.Channel.values else c
    )
    return Table(
        name="channels",
        title=_("Reports per channel"),
        caption=_("Reports received in the period per intake channel"),
        columns=[Column(_("Channel"), "text"), Column(_("Reports"))],
        rows=rows,
        empty=_("No report came in during this period."),
        chart=Chart.bars(rows, _("Reports")),
    )


def roles_table(d: Dashboard) -> Table:
    rows = _counted(d, 1, staff_role_label)
    return Table(
        name="roles",
        title=_("Reports per reporter"),
        caption=_("Reports received in the period by who reported"),
        columns=[Column(_("Reporter"), "text"), Column(_("Reports"))],
        rows=rows,
        empty=_("No report came in during this period."),
        chart=Chart.bars(rows, _("Reports")),
    )
