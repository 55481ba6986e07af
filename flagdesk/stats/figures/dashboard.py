"""Everything the dashboard shows, computed once per request from a ``Filters``."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.intake.models import Report
from flagdesk.organisation.age_bands import bands
from flagdesk.organisation.models import Organisation
from flagdesk.organisation.queries import age_band_starts
from flagdesk.platforms.models import Platform

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

    def platform_order(self, rows: Mapping[Any, object]) -> list[Any]:
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
        victims=victims(filters, bands(age_band_starts())),
        notices=notices,
        timings=timing,
        conduct=conduct,
        quality=quality,
        platforms=names,
    )


# A computed dashboard is shown again while nothing changed (``data_version``), for at most
# KEEP_SECONDS (the "past their SLA" figures follow the clock); when the data keeps changing,
# it is computed again at most every FRESH_SECONDS, so a busy installation pays for the
# computation (seconds at a million items) once in five minutes, not on every page view.
FRESH_SECONDS = 300
KEEP_SECONDS = 3600


def data_version() -> str:
    """What changes whenever a figure may change: the latest case event (every report, status
    change, notice sent, answer, decision and recorded fact writes one), the latest item, the
    organisation's settings (its age bands) and the platforms (names, expected times). Each
    is read from an index or a small table: four cheap queries, whatever the data."""
    latest_event = (
        CaseEvent.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    )
    latest_item = Item.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    organisation = (
        Organisation.objects.order_by("pk")
        .values_list("updated_at", "statistics_age_bands")
        .first()
    )
    platforms = list(Platform.objects.order_by("pk").values_list("id", "name", "sla_hours"))
    marker = repr((latest_event, latest_item, organisation, platforms))
    return hashlib.sha256(marker.encode()).hexdigest()


def cached_dashboard(filters: Filters, *, now: dt.datetime | None = None) -> Dashboard:
    """``dashboard(filters)``, or the one computed for the same filters a moment ago: the same
    data (``data_version``) within ``KEEP_SECONDS``, or any within ``FRESH_SECONDS``. The
    page, its CSV downloads and the API read the same figures many times between changes.
    ``Dashboard.now`` says when the figures were computed (the page shows it)."""
    now = now or timezone.now()
    key = "stats-dashboard:" + hashlib.sha256(repr(filters).encode()).hexdigest()
    version = data_version()
    found = cache.get(key)
    if isinstance(found, tuple) and len(found) == 2 and isinstance(found[1], Dashboard):
        found_version, figures = found
        age = (now - figures.now).total_seconds()
        if 0 <= age < KEEP_SECONDS and (found_version == version or age < FRESH_SECONDS):
            return figures
    computed = dashboard(filters, now=now)
    cache.set(key, (version, computed), KEEP_SECONDS)
    return computed
