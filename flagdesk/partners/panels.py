"""The partners' panel on the item page (``flagdesk.core.panels``): forwards of this item
and the way to forward it to a partner."""

from __future__ import annotations

from django.http import HttpRequest

from flagdesk.accounts.permissions import staff_user
from flagdesk.accounts.policy import Action, can
from flagdesk.cases.models import Item
from flagdesk.core.panels import Panel

from . import queries


def item_panel(request: HttpRequest, item: Item) -> Panel | None:
    user = staff_user(request)
    if not can(user, Action.REFERRAL_FORWARD):
        return None
    forwards = list(queries.forwards_of(user, item))
    has_partners = queries.forwarding_partners(user).exists()
    if not forwards and not has_partners:
        return None
    context = {
        "item": item,
        "forwards": forwards,
        "can_forward": has_partners,
        "is_outside": queries.is_outside_designation(item),
    }
    return Panel("partners/item_panel.html", context, slot="after_assessments")
