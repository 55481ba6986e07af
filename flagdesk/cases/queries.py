"""Reads of cases and items; every list and detail starts from the user's scope (S5)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery

from flagdesk.accounts.models import User
from flagdesk.accounts.policy import CASEWORK_ROLES

from .access import item_scope
from .models import Assessment, CaseEvent, Item


def visible_items(user: User) -> QuerySet[Item]:
    """Every list, detail page and export of items starts here: the role, then the
    need-to-know rules of ``access.py`` (restricted cases, cases involving minors)."""
    if not user.has_any_role(*CASEWORK_ROLES):
        return Item.objects.none()
    return Item.objects.select_related("platform", "case").filter(item_scope(user))


def case_entry(user: User, case_id: Any) -> Item | None:
    """An item of the case through which ``user`` may reach it (the case's pages link back to
    it); None when the case is out of the user's scope."""
    return visible_items(user).filter(case_id=case_id).order_by("created_at").first()


def item_queue(
    user: User, *, status: str = "", platform: str = "", unknown_platform: bool = False
) -> QuerySet[Item]:
    items = visible_items(user)
    if status:
        items = items.filter(status=status)
    if platform:
        items = items.filter(platform__slug=platform)
    if unknown_platform:
        items = items.filter(platform__isnull=True)
    return items.order_by("created_at")


def status_counts(
    user: User, *, platform: str = "", unknown_platform: bool = False
) -> dict[str, int]:
    """Items per status for the queue's tabs, under the same platform filter as the list."""
    items = item_queue(user, platform=platform, unknown_platform=unknown_platform)
    rows = items.order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def review_queue(user: User) -> QuerySet[Item]:
    waiting = visible_items(user).filter(status=Item.Status.AWAITING_REVIEW)
    # One subquery, so "pending and written by this user" refers to the same assessment; an
    # older, sent-back assessment by this user must not hide a colleague's new one.
    own_pending = Assessment.objects.filter(item=OuterRef("pk"), author=user, review__isnull=True)
    return waiting.exclude(Exists(own_pending)).order_by("created_at")


def approved_items(user: User) -> QuerySet[Item]:
    """Approved items ready for a notice, ordered so they group by platform.

    Each carries ``approved_at``: when it last became approved (its status event), in the
    same query, so "approved since" costs nothing per row.
    """
    approved_at = (
        CaseEvent.objects.filter(
            item=OuterRef("pk"), kind=CaseEvent.Kind.STATUS, after=Item.Status.APPROVED
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    # A notice queued but not sent yet (the worker retries it): the item is not to be ticked
    # again. Reached through the reverse relation: notices come after cases (S1).
    queued = Item.notices.through.objects.filter(item_id=OuterRef("pk"), notice__status="queued")
    return (
        visible_items(user)
        .filter(status=Item.Status.APPROVED)
        .annotate(approved_at=Subquery(approved_at), is_queued=Exists(queued))
        .order_by("platform__name", "created_at")
    )


def item_detail(user: User) -> QuerySet[Item]:
    return visible_items(user).prefetch_related(
        Prefetch(
            "assessments",
            queryset=Assessment.objects.select_related("author", "review__reviewer"),
        ),
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        "reports",
        # Notices come after cases (S1), so through the reverse relation rather than a model.
        "notices",
    )


def visible_assessments(user: User) -> QuerySet[Assessment]:
    """Assessments of items the user may see; the review page starts here so that an author
    reaches the four-eyes refusal of the service instead of a bare 404."""
    return Assessment.objects.filter(item__in=visible_items(user)).select_related(
        "item", "item__platform", "item__case", "author", "review__reviewer"
    )


def item_report(user: User, report_id: Any) -> Any:
    """A report of an item the user may see, reached through ``Item.reports`` (intake comes
    after cases, so this module cannot import ``Report``); None when out of scope."""
    item = visible_items(user).filter(reports__id=report_id).first()
    return item.reports.filter(id=report_id).first() if item else None


def reviewable_assessments(user: User) -> QuerySet[Assessment]:
    items = visible_items(user).filter(status=Item.Status.AWAITING_REVIEW)
    return (
        Assessment.objects.filter(item__in=items, review__isnull=True)
        .exclude(author=user)
        .select_related("item", "item__platform", "author")
    )
