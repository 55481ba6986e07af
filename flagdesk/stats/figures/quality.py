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
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Q

from flagdesk.notices import sla
from flagdesk.notices.models import Notice
from flagdesk.notices.sla import QUALITY_KINDS, REFUSALS

from .. import actions
from .notices import sent_notices
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


def quality_by_platform(filters: Filters, now: dt.datetime) -> dict[UUID, PlatformQualityFigures]:
    """One query for the counts, and the follow-up queue's (a constant few) for the SLA."""
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
    waiting = sla._with_phenomena(  # what ``sla.due_at`` reads, prefetched: no query per row
        sent_notices(filters, kinds=sla.FOLLOWED_KINDS)
        .filter(status__in=sla.WAITING_STATUSES, sent_at__lt=now)
        .only("id", "platform", "sent_at")
        .annotate(decided_items=Count("item_decisions__item", distinct=True))
    )
    for notice in waiting:
        due = sla.due_at(notice)
        if due is None or due >= now:
            continue
        entry = result.setdefault(notice.platform_id, PlatformQualityFigures(notice.platform_id))
        entry.overdue_notices += 1
        undecided = len(notice.items.all()) - notice.decided_items  # type: ignore[attr-defined]
        entry.overdue_items += max(undecided, 0)
    return result
