"""``{% item_platform item as p %}``: what the item page's platform box shows this user.

A tag rather than context from ``item_detail`` so the box is one include line on the page,
with its form and rule kept here and in ``services/platform.py``.
"""

from __future__ import annotations

from typing import Any

from django import template

from flagdesk.cases.forms import ItemPlatformForm
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.services.assessment import ASSESSOR_ROLES
from flagdesk.cases.services.platform import platform_can_change

register = template.Library()


@register.simple_tag(takes_context=True)
def item_platform(context: template.Context, item: Item) -> dict[str, Any] | None:
    """The form (for assessors, while the platform may change) and the latest change; None
    when there is neither. Reads the item's prefetched events (``queries.item_detail``)."""
    user = context["request"].user
    changes = [e for e in item.events.all() if e.kind == CaseEvent.Kind.PLATFORM]
    form = None
    if user.has_any_role(*ASSESSOR_ROLES) and platform_can_change(item):
        form = ItemPlatformForm(initial={"platform": item.platform.slug if item.platform else ""})
    if form is None and not changes:
        return None
    return {"form": form, "last_change": changes[-1] if changes else None}
