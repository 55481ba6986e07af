"""``{% item_decision_panel item %}``: the platform's current decision on the item page.

A tag rather than context from the cases view because cases comes before notices in the
import order (S1), as with ``item_matching_panel``: the item page includes it, and only this
app reads its models.
"""

from __future__ import annotations

from typing import Any

from django import template

from flagdesk.cases.models import Item

from ..models import ItemDecision

register = template.Library()


@register.inclusion_tag("notices/item_decision_panel.html")
def item_decision_panel(item: Item) -> dict[str, Any]:
    """The newest decision (a correction is always recorded after what it corrects) and how
    many came before it. The item page checked the user's role before rendering."""
    decisions = list(
        ItemDecision.objects.filter(item=item)
        .select_related("notice", "recorded_by", "corrects")
        .order_by("-created_at")
    )
    return {
        "item": item,
        "decision": decisions[0] if decisions else None,
        "earlier": len(decisions) - 1 if decisions else 0,
    }
