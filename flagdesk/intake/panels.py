"""What intake adds to the case page (S1b): a summary of the case's contact log."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from flagdesk.accounts.menu import may_open
from flagdesk.core.panels import Panel

from . import queries
from .models import ContactEntry


def case_contacts_panel(request: HttpRequest, case: Any) -> Panel | None:
    """How many contacts, the last one, the services the person was referred to, and a link
    to the log; nothing for a user who may not open the log or the case."""
    if not may_open(request.user, "intake:case-contacts", case.pk):
        return None
    found = queries.case_contacts(request.user, case.pk)
    if found is None:
        return None
    entries = list(found[1].select_related(None).only("at", "channel", "referral", "referred_to"))
    referrals = []
    for entry in entries:
        if entry.referral != ContactEntry.Referral.NONE:
            label = entry.get_referral_display()
            shown = f"{label}: {entry.referred_to}" if entry.referred_to else str(label)
            if shown not in referrals:
                referrals.append(shown)
    context = {
        "case": case,
        "count": len(entries),
        "last": entries[0] if entries else None,
        "referrals": referrals,
    }
    return Panel("intake/_contacts_panel.html", context)


def case_panel(request: HttpRequest, case: Any, items: Any) -> Panel | None:
    """The summary in the case page's side column (``site.views.CASE_PANELS``)."""
    panel = case_contacts_panel(request, case)
    if panel is None:
        return None
    return Panel(panel.template, panel.context, slot="side")


def item_panel(request: HttpRequest, item: Any) -> Panel | None:
    """The same summary on the item page (its case's log), after the assessments: whoever
    works on an item sees at once that the person was called back or referred; the item page
    has already checked that the item is in reach."""
    panel = case_contacts_panel(request, item.case)
    if panel is None:
        return None
    return Panel(panel.template, panel.context, slot="after_assessments")
