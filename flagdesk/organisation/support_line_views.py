"""The coordinator's pages for the support lines shown to victims: the list (in the order
victims see it), adding a line, and one line's page, which also takes the list's buttons
(move up or down, deactivate, reactivate)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core import taxonomy
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from . import queries
from .forms import SupportLineForm, language_name
from .services import (
    add_support_line,
    move_support_line,
    set_support_line_active,
    update_support_line,
)

MANAGERS = roles_for(Action.SUPPORT_LINES)
# The list's buttons, posted to the line's page: (move up?, active?) per action.
MOVES = {"up": True, "down": False}
SWITCHES = {"activate": True, "deactivate": False}


def _language() -> str:
    return (get_language() or "en")[:2]


@never_cache
@role_required(*MANAGERS)
def support_lines(request: HttpRequest) -> HttpResponse:
    language = _language()
    labels = dict(taxonomy.phenomenon_choices(language))
    lines = list(queries.managed_support_lines(staff_user(request)))
    rows = [
        {
            "line": line,
            "name": line.name_in(language),
            "languages": [language_name(code) for code in line.languages],
            "phenomena": [labels.get(code, code) for code in line.phenomena],
        }
        for line in lines
    ]
    return render(request, "organisation/support_lines.html", {"rows": rows})


@never_cache
@role_required(*MANAGERS)
def support_line_add(request: HttpRequest) -> HttpResponse:
    form = SupportLineForm(request.POST or None, initial=SupportLineForm.initial_for(None))
    if request.method == "POST" and form.is_valid():
        try:
            line = add_support_line(form.as_input(), actor=staff_user(request))
        except FlagdeskError as e:
            show_error(form, e)
        else:
            name = line.name_in(_language())
            messages.success(request, _("Support line added: %(name)s.") % {"name": name})
            return redirect("organisation:support-lines")
    return render(request, "organisation/support_line_form.html", {"form": form, "line": None})


@never_cache
@role_required(*MANAGERS)
def support_line_edit(request: HttpRequest, support_line_id: UUID) -> HttpResponse:
    user = staff_user(request)
    line = get_object_or_404(queries.managed_support_lines(user), id=support_line_id)
    action = request.POST.get("action", "save") if request.method == "POST" else None
    if action in MOVES:
        move_support_line(line, up=MOVES[action], actor=user)
        return redirect("organisation:support-lines")
    if action in SWITCHES:
        line = set_support_line_active(line, is_active=SWITCHES[action], actor=user)
        named = {"name": line.name_in(_language())}
        if line.is_active:
            messages.success(request, _("Shown to victims again: %(name)s.") % named)
        else:
            messages.success(request, _("No longer shown to victims: %(name)s.") % named)
        return redirect("organisation:support-lines")
    form = SupportLineForm(
        request.POST if action else None, initial=SupportLineForm.initial_for(line)
    )
    if action and form.is_valid():
        try:
            line = update_support_line(line, form.as_input(), actor=user)
        except FlagdeskError as e:
            show_error(form, e)
        else:
            name = line.name_in(_language())
            messages.success(request, _("Support line saved: %(name)s.") % {"name": name})
            return redirect("organisation:support-lines")
    return render(request, "organisation/support_line_form.html", {"form": form, "line": line})
