"""How many reports and items came in: per month, per year and per phenomenon, with the same
period one year earlier.

A report counts in the period of ``Report.created_at`` under the phenomenon the reporter chose
(``Report.phenomenon``; blank: not stated); an item counts in the period of
``Item.created_at`` under its current phenomenon (``Item.phenomenon``, the latest
qualification; blank: not qualified yet). The platform filter keeps the reports with at least
one item on that platform, and the items on it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from flagdesk.cases.models import Item
from flagdesk.intake.models import Report

from .period import Filters


@dataclass(frozen=True)
class MonthVolume:
    month: dt.date  # the first day of the month
    reports: int
    items: int


@dataclass(frozen=True)
class PhenomenonVolume:
    """One phenomenon's counts in the period and in the same period a year earlier; the
    change is ``None`` when the earlier count is zero (no ratio to speak of)."""

    phenomenon: str
    reports: int
    items: int
    reports_year_earlier: int
    items_year_earlier: int

    @property
    def reports_change(self) -> float | None:
        return _change(self.reports, self.reports_year_earlier)

    @property
    def items_change(self) -> float | None:
        return _change(self.items, self.items_year_earlier)


@dataclass(frozen=True)
class YearVolume:
    year: int
    reports: int
    items: int


@dataclass(frozen=True)
class Volumes:
    months: list[MonthVolume]
    years: list[YearVolume]
    phenomena: list[PhenomenonVolume]
    reports: int
    items: int
    reports_year_earlier: int
    items_year_earlier: int

    @property
    def reports_change(self) -> float | None:
        return _change(self.reports, self.reports_year_earlier)

    @property
    def items_change(self) -> float | None:
        return _change(self.items, self.items_year_earlier)


def _change(now: int, before: int) -> float | None:
    """The relative change from ``before`` to ``now`` (0.25 = 25 % more)."""
    return (now - before) / before if before else None


def _monthly(rows: QuerySet, filters: Filters, phenomenon_field: str) -> dict:
    """(month, phenomenon) -> (count in the period, count in the period a year earlier), in
    one query over both periods."""
    earlier = filters.year_earlier()
    grouped = (
        rows.filter(created_at__gte=earlier.start, created_at__lt=filters.end)
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("month", phenomenon_field)
        .annotate(
            current=Count("pk", filter=Q(created_at__gte=filters.start)),
            previous=Count("pk", filter=Q(created_at__lt=earlier.end)),
        )
    )
    return {
        (_as_date(row["month"]), row[phenomenon_field] or ""): (row["current"], row["previous"])
        for row in grouped
    }


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date()
    return value


def volumes(filters: Filters) -> Volumes:
    """Reports and items per month, per year and per phenomenon (two queries)."""
    reports = Report.objects.all()
    items = Item.objects.all()
    if filters.phenomenon:
        reports = reports.filter(phenomenon=filters.phenomenon)
        items = items.filter(phenomenon=filters.phenomenon)
    if filters.platform:
        on_platform = Item.objects.filter(reports=OuterRef("pk"), platform_id=filters.platform)
        reports = reports.filter(Exists(on_platform))
        items = items.filter(platform_id=filters.platform)
    by_report = _monthly(reports, filters, "phenomenon")
    by_item = _monthly(items, filters, "phenomenon")

    months: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    phenomena: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for column, counts in ((0, by_report), (1, by_item)):
        for (month, phenomenon), (current, previous) in counts.items():
            if current:
                months[month][column] += current
            phenomena[phenomenon][column] += current
            phenomena[phenomenon][column + 2] += previous
    month_rows = [
        MonthVolume(month=m, reports=months[m][0], items=months[m][1]) for m in _months_of(filters)
    ]
    years: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in month_rows:
        years[row.month.year][0] += row.reports
        years[row.month.year][1] += row.items
    phenomenon_rows = [
        PhenomenonVolume(code, *counts) for code, counts in sorted(phenomena.items()) if any(counts)
    ]
    return Volumes(
        months=month_rows,
        years=[YearVolume(year, *counts) for year, counts in sorted(years.items())],
        phenomena=phenomenon_rows,
        reports=sum(p.reports for p in phenomenon_rows),
        items=sum(p.items for p in phenomenon_rows),
        reports_year_earlier=sum(p.reports_year_earlier for p in phenomenon_rows),
        items_year_earlier=sum(p.items_year_earlier for p in phenomenon_rows),
    )


def _months_of(filters: Filters) -> list[dt.date]:
    """Every month the period touches, first days, so a month without reports shows 0."""
    month = filters.date_from.replace(day=1)
    months = []
    while month <= filters.date_to:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months
