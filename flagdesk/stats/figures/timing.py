"""Hours from sending a notice to the platform's acknowledgement and to its decisions, per
platform and per phenomenon: the median and the nearest-rank 90th percentile, as the quality
page (``notices/sla.py``) computes them.

To acknowledgement: one value per notice sent in the period with an ``acknowledged_at``. To
decision: one value per item of such a notice with a decision on that notice, from the
notice's sending to that item's latest decision on it (a correction replaces what it
corrects). A notice counts under each phenomenon of its items (once per phenomenon); an
item's decision under the item's phenomenon.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from flagdesk.notices.models import ItemDecision
from flagdesk.notices.sla import Timing

from .durations import HoursBetween, grouped_timing
from .notices import NoticeItem, sent_notices
from .period import Filters


@dataclass(frozen=True)
class Timings:
    acknowledgement_by_platform: dict[Hashable, Timing]
    decision_by_platform: dict[Hashable, Timing]
    acknowledgement_by_phenomenon: dict[Hashable, Timing]
    decision_by_phenomenon: dict[Hashable, Timing]


def latest_decisions(filters: Filters) -> QuerySet[ItemDecision]:
    """Each (notice, item)'s latest decision on the notices sent in the period (``sla``'s
    order: the last recorded, by creation then id)."""
    later = ItemDecision.objects.filter(
        notice_id=OuterRef("notice_id"), item_id=OuterRef("item_id")
    ).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    decisions = ItemDecision.objects.filter(notice__in=sent_notices(filters)).filter(~Exists(later))
    if filters.phenomenon:
        decisions = decisions.filter(item__phenomenon=filters.phenomenon)
    return decisions


def timings(filters: Filters) -> Timings:
    """Four groupings, one query each."""
    acknowledged = sent_notices(filters).filter(acknowledged_at__isnull=False)
    to_ack = HoursBetween("acknowledged_at", "sent_at")
    pairs = NoticeItem.objects.filter(notice__in=acknowledged)
    if filters.phenomenon:
        pairs = pairs.filter(item__phenomenon=filters.phenomenon)
    decisions = latest_decisions(filters)
    to_decision = HoursBetween("decided_at", "notice__sent_at")
    return Timings(
        acknowledgement_by_platform=grouped_timing(
            acknowledged.values_list("platform_id", "pk", to_ack)
        ),
        decision_by_platform=grouped_timing(
            decisions.values_list("notice__platform_id", "pk", to_decision)
        ),
        acknowledgement_by_phenomenon=grouped_timing(
            pairs.values_list(
                "item__phenomenon",
                "notice_id",
                HoursBetween("notice__acknowledged_at", "notice__sent_at"),
            )
        ),
        decision_by_phenomenon=grouped_timing(
            decisions.values_list("item__phenomenon", "pk", to_decision)
        ),
    )
