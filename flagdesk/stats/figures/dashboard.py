"""Everything the dashboard shows, computed once per request from a ``Filters``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from flagdesk.cases.models import Item
from flagdesk.intake.models import Report
from flagdesk.platforms.models import Platform

from .. import _age_bands
from .conduct import conduct_by_platform
from .notices import PlatformNotices, notices_by_platform
from .period import Filters
from .quality import PlatformQualityFigures, quality_by_platform
from .reports import Volumes, volumes
from .timing import Timings, timings
from .victims import Victims, victims


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    now: dt.datetime
    volumes: Volumes
    channels: dict[tuple[str, str], int]  # (channel, reporter role) -> reports
    victims: Victims
    notices: dict[UUID, PlatformNotices]
    timings: Timings
    conduct: dict[UUID, PlatformNotices]
    quality: dict[UUID, PlatformQualityFigures]
    platforms: dict[UUID, str]  # id -> name, for every platform named above

    def platform_order(self, rows: dict[UUID, object] | dict[Hashable, object]) -> list:
        """Ids of ``rows`` by platform name (the tables' order)."""
        return sorted(rows, key=lambda pk: (self.platforms.get(pk, "").lower(), str(pk)))


def channels(filters: Filters) -> dict[tuple[str, str], int]:
    """Reports made in the period per channel and reporter role (``Report.created_at``)."""
    reports = Report.objects.filter(filters.during("created_at"))
    if filters.phenomenon:
        reports = reports.filter(phenomenon=filters.phenomenon)
    if filters.platform:
        reports = reports.filter(
            Exists(Item.objects.filter(reports=OuterRef("pk"), platform_id=filters.platform))
        )
    rows = reports.order_by().values("channel", "role").annotate(n=Count("pk"))
    return {(row["channel"], row["role"]): row["n"] for row in rows}


def dashboard(filters: Filters, *, now: dt.datetime | None = None) -> Dashboard:
    """Every figure for ``filters``: a bounded number of queries, whatever the data."""
    now = now or timezone.now()
    notices = notices_by_platform(filters)
    conduct = conduct_by_platform(filters)
    quality = quality_by_platform(filters, now)
    timing = timings(filters)
    ids = {
        *notices,
        *conduct,
        *quality,
        *timing.acknowledgement_by_platform,
        *timing.decision_by_platform,
    }
    names = dict(Platform.objects.filter(pk__in=ids).values_list("id", "name")) if ids else {}
    return Dashboard(
        filters=filters,
        now=now,
        volumes=volumes(filters),
        channels=channels(filters),
        victims=victims(filters, _age_bands.bands()),
        notices=notices,
        timings=timing,
        conduct=conduct,
        quality=quality,
        platforms=names,
    )
