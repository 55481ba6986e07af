"""Reads of partners and forwards, from the user's scope (S5)."""

from __future__ import annotations

from django.db.models import QuerySet

from flagdesk.accounts.models import User
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.models import Item
from flagdesk.cases.queries import visible_items
from flagdesk.core import taxonomy
from flagdesk.organisation.models import Designation

from .models import Forward, Partner


def managed_partners(user: User) -> QuerySet[Partner]:
    if not user.has_any_role(*roles_for(Action.PARTNERS_MANAGE)):
        return Partner.objects.none()
    return Partner.objects.select_related("user")


def forwarding_partners(user: User) -> QuerySet[Partner]:
    """Partners an item may go to: active, and with our token for their instance."""
    if not user.has_any_role(*roles_for(Action.REFERRAL_FORWARD)):
        return Partner.objects.none()
    return Partner.objects.filter(is_active=True).exclude(their_token="")


def visible_forwards(user: User) -> QuerySet[Forward]:
    """Forwards of cases the user may see (need-to-know included)."""
    if not user.has_any_role(*roles_for(Action.REFERRAL_FORWARD)):
        return Forward.objects.none()
    cases = visible_items(user).values("case_id")
    return (
        Forward.objects.filter(case_id__in=cases)
        .select_related("partner", "case", "created_by")
        .prefetch_related("items")
    )


def forwards_of(user: User, item: Item) -> QuerySet[Forward]:
    return visible_forwards(user).filter(items=item)


def designated_phenomena() -> set[str]:
    """Phenomena of our active designations: an item is within our expertise when its
    phenomenon is one of them."""
    rows = Designation.objects.filter(ended_on__isnull=True).values_list("phenomena", flat=True)
    return {p for phenomena in rows for p in phenomena}


def is_outside_designation(item: Item) -> bool:
    if not item.phenomenon:
        return False
    return item.phenomenon in taxonomy.phenomena() and item.phenomenon not in designated_phenomena()
