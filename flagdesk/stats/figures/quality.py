"""Our own quality as the platforms see it: notices refused, re-notices and complaints we had
to send, and items still waiting past the platform's expected response time.

Per platform, over the notices sent in the period (``sent_at``): art. 16 notices, re-notices,
reminders and art. 20 complaints sent; refused notices = notices with at least one item whose
current decision on that notice is a refusal or "no action" (``sla.REFUSALS``: what a platform
reports under art. 22(6) when it finds notices unsubstantiated). Items past their SLA: the
follow-up queue's notion (``sla.overdue_notices``: still waiting, past ``sla.due_at``, as of
now), for the notices sent in the period: overdue notices and their items without a decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from flagdesk.notices import sla
from flagdesk.notices.models import ItemDecision, Notice
from flagdesk.notices.sla import QUALITY_KINDS, REFUSALS
from flagdesk.platforms.models import DEFAULT_SLA_HOURS, Platform

from .. import actions
from .durations import HoursBetween
from .notices import NoticeItem, sent_notices
from .period import Filters

K = Notice.Kind


@dataclass
class PlatformQualityFigures:
    platform_id: UUID
    notices: int = 0
    renotices: int = 0
    reminders: int = 0
    complaints: int = 0
    refused_notices: int = 0
    overdue_notices: int = 0
    overdue_items: int = 0

    @property
    def refused_share(self) -> float | None:
        sent = self.notices + self.renotices
        return self.refused_notices / sent if sent else None


def _expected_hours() -> tuple[Case, Case]:
    """Database expressions of ``Platform.sla_hours_for``: the hours of an item's phenomenon
    on a notice's platform (for ``NoticeItem`` rows), and a platform's default (for notices)."""
    per_item: list[When] = []
    per_platform: list[When] = []
    for platform_id, hours in Platform.objects.values_list("id", "sla_hours"):
        platform = Platform(id=platform_id, sla_hours=hours or {})
        for phenomenon, value in (hours or {}).items():
            if phenomenon != "default" and value:
                per_item.append(
                    When(
                        notice__platform_id=platform_id,
                        item__phenomenon=phenomenon,
                        then=Value(int(value)),
                    )
                )
        default = platform.sla_hours_for("")
        per_item.append(When(notice__platform_id=platform_id, then=Value(default)))
        per_platform.append(When(platform_id=platform_id, then=Value(default)))
    fallback = Value(DEFAULT_SLA_HOURS)
    return (
        Case(*per_item, default=fallback, output_field=IntegerField()),
        Case(*per_platform, default=fallback, output_field=IntegerField()),
    )


def _overdue(filters: Filters, now: dt.datetime) -> QuerySet[Notice, dict[str, Any]]:
    """Per platform: notices of ``sla.FOLLOWED_KINDS`` sent in the period, still waiting
    (``sla.WAITING_STATUSES``) and past ``sla.due_at`` (the shortest expected time of their
    items' phenomena on that platform), and their items without a decision; in one query.

    ``sla.overdue_notices`` decides the same in Python, notice by notice; here the database
    does it, so the dashboard never reads a row per notice or item. The phenomenon is the
    item's (``Item.phenomenon``, which follows its latest assessment's).
    """
    per_item, per_platform = _expected_hours()
    shortest = (
        NoticeItem.objects.filter(notice_id=OuterRef("pk"))
        .annotate(hours=per_item)
        .order_by("hours")
        .values("hours")[:1]
    )
    items = (
        NoticeItem.objects.filter(notice_id=OuterRef("pk"))
        .order_by()
        .values("notice_id")
        .annotate(n=Count("item_id"))
        .values("n")
    )
    decided = (
        ItemDecision.objects.filter(notice_id=OuterRef("pk"))
        .order_by()
        .values("notice_id")
        .annotate(n=Count("item_id", distinct=True))
        .values("n")
    )
    zero = Value(0)
    return (
        sent_notices(filters, kinds=sla.FOLLOWED_KINDS)
        .filter(status__in=sla.WAITING_STATUSES, sent_at__lt=now)
        .annotate(
            expected=Coalesce(Subquery(shortest, output_field=IntegerField()), per_platform),
            waited=HoursBetween(Value(now, output_field=DateTimeField()), "sent_at"),
            undecided_items=Greatest(
                Coalesce(Subquery(items, output_field=IntegerField()), zero)
                - Coalesce(Subquery(decided, output_field=IntegerField()), zero),
                zero,
            ),
        )
        .filter(waited__gt=F("expected"))
        .values("platform_id")
        .annotate(overdue=Count("pk"), undecided=Sum("undecided_items"))
    )


def quality_by_platform(filters: Filters, now: dt.datetime) -> dict[UUID, PlatformQualityFigures]:
    """Three queries: the counts, the platforms' expected times, what is past them."""
    refused = actions.current_decisions().filter(notice_id=OuterRef("pk"), decision__in=REFUSALS)
    kinds = (K.NOTICE, K.RENOTICE, K.REMINDER, K.COMPLAINT)
    rows = (
        sent_notices(filters, kinds=kinds)
        .annotate(has_refusal=Exists(refused))
        .values("platform_id")
        .annotate(
            notices=Count("pk", filter=Q(kind=K.NOTICE)),
            renotices=Count("pk", filter=Q(kind=K.RENOTICE)),
            reminders=Count("pk", filter=Q(kind=K.REMINDER)),
            complaints=Count("pk", filter=Q(kind=K.COMPLAINT)),
            refused=Count("pk", filter=Q(has_refusal=True, kind__in=QUALITY_KINDS)),
        )
    )
    result = {
        row["platform_id"]: PlatformQualityFigures(
            platform_id=row["platform_id"],
            notices=row["notices"],
            renotices=row["renotices"],
            reminders=row["reminders"],
            complaints=row["complaints"],
            refused_notices=row["refused"],
        )
        for row in rows
    }
    for row in _overdue(filters, now):
        entry = result.setdefault(row["platform_id"], PlatformQualityFigures(row["platform_id"]))
        entry.overdue_notices = row["overdue"]
        entry.overdue_items = row["undecided"] or 0
    return result
