"""Reads of monitoring (S5): re-check history, captures, the "confirm removal" list.

Everything starts from ``cases.queries.visible_items``, so need-to-know (restricted cases,
minors' cases) applies to re-checks and evidence exactly as to the items themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet

from flagdesk.cases.models import Item
from flagdesk.cases.queries import visible_items

from .models import Capture, CaptureFile, Check, Watch

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

HISTORY_SHOWN = 50


def visible_item(user: User, item_id: Any) -> Item | None:
    return visible_items(user).filter(pk=item_id).first()


def checks_of(item: Item, limit: int = HISTORY_SHOWN) -> list[Check]:
    return list(item.checks.select_related("requested_by").order_by("-at")[:limit])


def watch_of(item: Item) -> Watch | None:
    return Watch.objects.filter(item=item).first()


def captures_of(item: Item) -> QuerySet[Capture]:
    return (
        Capture.objects.filter(item=item)
        .select_related("requested_by")
        .prefetch_related(Prefetch("files", queryset=CaptureFile.objects.order_by("name")))
        .order_by("-requested_at")
    )


def visible_capture_file(user: User, file_id: Any) -> CaptureFile | None:
    return (
        CaptureFile.objects.select_related("capture__item")
        .filter(pk=file_id, capture__item__in=visible_items(user))
        .first()
    )


def looks_gone(user: User) -> QuerySet[Watch]:
    """Watches whose last checks found the content gone, waiting for an analyst, oldest first."""
    return (
        Watch.objects.filter(
            looks_gone_since__isnull=False, ended_at__isnull=True, item__in=visible_items(user)
        )
        .select_related("item__platform", "item__case")
        .order_by("looks_gone_since")
    )
