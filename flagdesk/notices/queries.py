"""Reads of notices; every list and detail starts from the user's scope (S5)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from flagdesk.accounts.models import User
from flagdesk.accounts.policy import CASEWORK_ROLES
from flagdesk.cases.models import Item
from flagdesk.cases.queries import visible_items

from .models import InboundMail, Notice, NoticeResponse


def visible_notices(user: User) -> QuerySet[Notice]:
    """Every list and detail page of notices starts here: a notice is seen by those who may
    see every item it names (a notice would otherwise show a restricted case's URLs)."""
    if not user.has_any_role(*CASEWORK_ROLES):
        return Notice.objects.none()
    out_of_scope = Notice.items.through.objects.filter(notice_id=OuterRef("pk")).exclude(
        item_id__in=visible_items(user).values("pk")
    )
    return Notice.objects.select_related("platform", "outbox", "created_by").exclude(
        Exists(out_of_scope)
    )


def visible_mails(user: User) -> QuerySet[InboundMail]:
    """The answers mailbox as ``user`` may read it: mails about no notice yet (for a person to
    match), and mails about a notice the user may see; a reply quotes its notice's case."""
    if not user.has_any_role(*CASEWORK_ROLES):
        return InboundMail.objects.none()
    return InboundMail.objects.select_related("notice").filter(
        Q(notice__isnull=True) | Q(notice__in=visible_notices(user))
    )


def notice_list(user: User, *, status: str = "") -> QuerySet[Notice]:
    notices = visible_notices(user).prefetch_related("items")
    if status:
        notices = notices.filter(status=status)
    return notices.order_by("-created_at")


def notice_detail(user: User) -> QuerySet[Notice]:
    return (
        visible_notices(user)
        .select_related("platform", "previous", "outbox")
        .prefetch_related(
            "attempt_log",
            Prefetch("follow_ups", queryset=Notice.objects.order_by("created_at")),
            Prefetch("items", queryset=Item.objects.select_related("case").order_by("created_at")),
            Prefetch(
                "responses",
                queryset=NoticeResponse.objects.select_related("recorded_by").order_by(
                    "received_at"
                ),
            ),
        )
    )


def notifiable_items(user: User) -> QuerySet[Item]:
    """Approved items, for the "send notice" checkbox form."""
    return (
        visible_items(user)
        .filter(status=Item.Status.APPROVED)
        .order_by("platform__name", "created_at")
    )


# How far back a follow-up chain is followed: a notice, its reminders and re-notices.
MAX_CHAIN = 20


def followed(notice: Notice) -> list[Notice]:
    """``notice`` and the notices it follows up, newest first (``previous`` links)."""
    chain, current = [notice], notice
    while current.previous_id is not None and len(chain) < MAX_CHAIN:
        current = Notice.objects.only("reference", "kind", "previous_id").get(
            pk=current.previous_id
        )
        chain.append(current)
    return chain
