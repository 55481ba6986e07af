"""The Intake hub: one staff page that leads to every way a report comes in by hand.

The staff menu has one "Intake" entry instead of three (phone report, intake mailbox,
spreadsheet import), so the menu fits one row. The hub lets in anyone who may open at least
one of the three pages; INTAKE_PHONE, INTAKE_MAIL and INTAKE_IMPORT grant the same roles
today, so the hub is guarded by INTAKE_PHONE (tests/test_staff_menu.py checks that the three
stay equal, so the hub never hides a channel from a role that may use it). Each card shows
only when ``may_open`` says the user may open its page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from flagdesk.accounts.menu import may_open
from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.policy import Action, roles_for

from . import queries

RECENT_IMPORTS = 5


@never_cache
@role_required(*roles_for(Action.INTAKE_PHONE))
def intake_hub(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required let only staff in
    phone = may_open(user, "intake:phone-report")
    mailbox = may_open(user, "intake:mail-intake-list")
    spreadsheet = may_open(user, "intake:import")
    return render(
        request,
        "intake/hub.html",
        {
            "phone": phone,
            "mailbox": mailbox,
            "pending": queries.pending_draft_count(user) if mailbox else 0,
            "spreadsheet": spreadsheet,
            "imports": queries.recent_imports(user, limit=RECENT_IMPORTS) if spreadsheet else [],
        },
    )
