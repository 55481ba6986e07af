"""Notices' panels (``flagdesk.core.panels``): on the item page, the send form in its "next
step" card and the item's notices with the platform's current decision; on the case page,
the notices naming the case's items."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest

from flagdesk.accounts.menu import may_open
from flagdesk.cases.models import Case, Item
from flagdesk.cases.views import anonymity_possible
from flagdesk.core.panels import Panel

from .models import ItemDecision, Notice


def send_panel(request: HttpRequest, item: Item) -> Panel | None:
    """The send form, while the item is approved and the user may send notices."""
    if item.status != Item.Status.APPROVED or not may_open(request.user, "notices:notice-send"):
        return None
    context = {"single_item": [item], "anonymity_refused": not anonymity_possible(item)}
    return Panel("notices/_item_send.html", context, slot="next_step")


def item_panel(request: HttpRequest, item: Item) -> Panel:
    """The item's notices, and the newest decision (a correction is always recorded after
    what it corrects) with how many came before it."""
    notices = list(item.notices.order_by("-created_at"))
    decisions = list(
        ItemDecision.objects.filter(item=item)
        .select_related("notice", "recorded_by", "corrects")
        .order_by("-created_at")
    )
    context = {
        "item": item,
        "notices": notices,
        "can_open_notices": bool(notices)
        and may_open(request.user, "notices:notice-detail", notices[0].id),
        "decision": decisions[0] if decisions else None,
        "earlier": len(decisions) - 1 if decisions else 0,
    }
    return Panel("notices/item_panel.html", context, slot="after_assessments")


def case_panel(request: HttpRequest, case: Case, items: list[Item]) -> Panel | None:
    """Every notice naming an item of the case (``items``: those the user may see), newest
    first, with its status and how many of the case's items it names."""
    if not items:
        return None
    ids = [i.pk for i in items]
    notices = list(
        Notice.objects.filter(items__in=ids)
        .distinct()
        .select_related("platform")
        .annotate(case_item_count=Count("items", filter=Q(items__in=ids), distinct=True))
        .order_by("-created_at")
    )
    context = {
        "notices": notices,
        "can_open_notices": bool(notices)
        and may_open(request.user, "notices:notice-detail", notices[0].id),
    }
    return Panel("notices/case_panel.html", context, slot="after_items")
