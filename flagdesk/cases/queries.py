"""Reads of cases and items; every list and detail starts from the user's scope (S5)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from flagdesk.accounts.models import CASEWORK_ROLES, User

from .models import Assessment, CaseEvent, Item


def visible_items(user: User) -> QuerySet[Item]:
    """Every list, detail page and export of items starts here."""
    if not user.has_any_role(*CASEWORK_ROLES):
        return Item.objects.none()
    return Item.objects.select_related("platform", "case")


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


def review_queue(user: User) -> QuerySet[Item]:
    waiting = visible_items(user).filter(status=Item.Status.AWAITING_REVIEW)
    return waiting.exclude(assessments__author=user, assessments__review__isnull=True)


def item_detail(user: User) -> QuerySet[Item]:
    return visible_items(user).prefetch_related(
        Prefetch(
            "assessments",
            queryset=Assessment.objects.select_related("author", "review__reviewer"),
        ),
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor")),
        "reports",
    )


def reviewable_assessments(user: User) -> QuerySet[Assessment]:
    items = visible_items(user).filter(status=Item.Status.AWAITING_REVIEW)
    return (
        Assessment.objects.filter(item__in=items, review__isnull=True)
        .exclude(author=user)
        .select_related("item", "item__platform", "author")
    )
