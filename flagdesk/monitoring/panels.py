"""Monitoring's panel on the item page (``flagdesk.core.panels``): "Still online?".

The re-check history, the schedule, the analyst's confirmation when content looks gone, and
the evidence captures with their blurred screenshots. The session holds the reveal grants, so
the panel reads the request.
"""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.http import HttpRequest

from flagdesk.accounts.permissions import staff_user
from flagdesk.accounts.policy import Action, can
from flagdesk.cases.models import Item
from flagdesk.core.panels import Panel
from flagdesk.matching.views.thumbnails import is_unblurred

from . import queries
from .models import CaptureFile
from .views import PANEL_MESSAGE, grant_key


def item_panel(request: HttpRequest, item: Item) -> Panel | None:
    user = staff_user(request)
    if not can(user, Action.RECHECK):
        return None
    captures = list(queries.captures_of(item)[:10])
    revealed = {
        str(f.pk)
        for c in captures
        for f in c.files.all()
        if f.kind == CaptureFile.Kind.SCREENSHOT and is_unblurred(request.session, grant_key(f))
    }
    context = {
        "item": item,
        "panel_messages": [m for m in get_messages(request) if PANEL_MESSAGE in m.extra_tags],
        "watch": queries.watch_of(item),
        "checks": queries.checks_of(item, limit=20),
        "captures": captures,
        "revealed": revealed,
        "can_check": True,
        "can_confirm": can(user, Action.CONFIRM_GONE),
        "can_capture": can(user, Action.EVIDENCE_CAPTURE),
        "can_view": can(user, Action.EVIDENCE_VIEW),
        "can_bundle": can(user, Action.EVIDENCE_BUNDLE),
    }
    return Panel("monitoring/item_panel.html", context, slot="after_assessments")
