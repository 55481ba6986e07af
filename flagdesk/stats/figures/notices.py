"""How platforms answered our notices: per platform, notices sent and the shares acknowledged,
decided and answered within 24 hours, and the action taken on the notified items.

A notice counts in the period of its ``sent_at``: art. 16 notices and re-notices
(``sla.QUALITY_KINDS``; a reminder repeats a notice, a complaint is another procedure). Its
answers count whenever they came. With a phenomenon filter, the notices about at least one item
of that phenomenon; with a platform filter, that platform's notices.

- acknowledged: the platform confirmed receipt (``acknowledged_at``) or decided on an item;
- decided: a decision on every item (``decided_at``, as on the quality page);
- reviewed within 24 h: its first decision on an item came within 24 hours of sending;
- answered ("feedback given"): the platform sent any answer (a response recorded, a receipt
  or a decision);
- notified items: the items of those notices, each once per platform, with its current action
  (``stats.actions``: the latest decision nobody corrected, on any of our notices); the
  removal rate is the share whose action is ``removed``, never a restriction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from flagdesk.cases.models import Item
from flagdesk.notices.models import ItemDecision, Notice, NoticeResponse
from flagdesk.notices.sla import QUALITY_KINDS

from .. import actions
from .period import Filters

REVIEW_HOURS = 24
NoticeItem = Notice.items.through


def sent_notices(
    filters: Filters,
    *,
    phenomena: Sequence[str] | None = None,
    kinds: Sequence[str] = QUALITY_KINDS,
) -> QuerySet[Notice]:
    """Notices of ``kinds`` sent in the period, narrowed by the filters; ``phenomena``: only
    those about an item of one of them (the Code of Conduct's hate speech)."""
    notices = Notice.objects.filter(filters.during("sent_at"), kind__in=kinds)
    if filters.platform:
        notices = notices.filter(platform_id=filters.platform)
    wanted = [filters.phenomenon] if filters.phenomenon else []
    for codes in (wanted, phenomena):
        if codes:
            about = NoticeItem.objects.filter(notice_id=OuterRef("pk"), item__phenomenon__in=codes)
            notices = notices.filter(Exists(about))
    return notices.order_by()


@dataclass
class PlatformNotices:
    platform_id: UUID
    sent: int = 0
    acknowledged: int = 0
    decided: int = 0
    reviewed_in_24h: int = 0
    answered: int = 0
    items: int = 0
    actions: dict[str, int] = field(default_factory=dict)  # stats.actions.ACTIONS -> items

    @property
    def removed(self) -> int:
        return self.actions.get("removed", 0)

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def acknowledged_share(self) -> float | None:
        return self._share(self.acknowledged, self.sent)

    @property
    def decided_share(self) -> float | None:
        return self._share(self.decided, self.sent)

    @property
    def reviewed_in_24h_share(self) -> float | None:
        return self._share(self.reviewed_in_24h, self.sent)

    @property
    def answered_share(self) -> float | None:
        return self._share(self.answered, self.sent)

    @property
    def removal_rate(self) -> float | None:
        return self._share(self.removed, self.items)


def notices_by_platform(
    filters: Filters, *, phenomena: Sequence[str] | None = None
) -> dict[UUID, PlatformNotices]:
    """The rates of every platform with a notice sent in the period, in two queries."""
    notices = sent_notices(filters, phenomena=phenomena)
    first_decision = (
        ItemDecision.objects.filter(notice_id=OuterRef("pk"))
        .order_by("decided_at")
        .values("decided_at")[:1]
    )
    decided_on_item = Q(has_item_decision=True)
    rows = (
        notices.annotate(
            has_item_decision=Exists(ItemDecision.objects.filter(notice_id=OuterRef("pk"))),
            has_response=Exists(NoticeResponse.objects.filter(notice_id=OuterRef("pk"))),
            first_decided_at=Subquery(first_decision),
        )
        .values("platform_id")
        .annotate(
            sent=Count("pk"),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False) | decided_on_item),
            decided=Count("pk", filter=Q(decided_at__isnull=False)),
            reviewed=Count(
                "pk",
                filter=Q(first_decided_at__lte=F("sent_at") + dt.timedelta(hours=REVIEW_HOURS)),
            ),
            answered=Count(
                "pk",
                filter=Q(has_response=True)
                | Q(acknowledged_at__isnull=False)
                | Q(decided_at__isnull=False)
                | decided_on_item,
            ),
        )
    )
    result = {
        row["platform_id"]: PlatformNotices(
            platform_id=row["platform_id"],
            sent=row["sent"],
            acknowledged=row["acknowledged"],
            decided=row["decided"],
            reviewed_in_24h=row["reviewed"],
            answered=row["answered"],
        )
        for row in rows
    }
    for platform_id, counts in item_actions(filters, notices=notices, phenomena=phenomena).items():
        entry = result.setdefault(platform_id, PlatformNotices(platform_id=platform_id))
        entry.actions = counts
        entry.items = sum(counts.values())
    return result


def item_actions(
    filters: Filters, *, notices: QuerySet[Notice], phenomena: Sequence[str] | None = None
) -> dict[UUID, dict[str, int]]:
    """Platform -> action -> items: the items of ``notices``, each once, by its current action
    (one query); with a phenomenon filter or ``phenomena``, only the items of those."""
    items = Item.objects.filter(
        Exists(NoticeItem.objects.filter(item_id=OuterRef("pk"), notice__in=notices))
    )
    if filters.phenomenon:
        items = items.filter(phenomenon=filters.phenomenon)
    if phenomena:
        items = items.filter(phenomenon__in=phenomena)
    current = (
        actions.current_decisions()
        .filter(item_id=OuterRef("pk"))
        .order_by("-decided_at", "-created_at")
        .values("decision")[:1]
    )
    # Grouped by the decision itself, mapped to its action here (``actions.DECISION_ACTION``,
    # the one mapping): a CASE over the subquery would run it once per branch on PostgreSQL.
    rows = (
        items.annotate(current=Subquery(current))
        .order_by()
        .values("platform_id", "current")
        .annotate(n=Count("pk"))
    )
    result: dict[UUID, dict[str, int]] = defaultdict(dict)
    for row in rows:
        if row["platform_id"] is not None:
            action = actions.DECISION_ACTION.get(row["current"] or "", "pending")
            counts = result[row["platform_id"]]
            counts[action] = counts.get(action, 0) + row["n"]
    return dict(result)
