"""Recording the facts of a case (the form of the case page's "Facts for the statistics",
``panels.facts_panel``). A form with errors comes back on a page of its own, the errors next
to the fields; a saved one returns to the case page."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from . import queries
from .facts_forms import CaseFactsForm
from .panels import facts_context
from .services.case_facts import record_facts, relevant_fields


@role_required(*roles_for(Action.CASE_FACTS))
def case_facts(request: HttpRequest, case_id: UUID) -> HttpResponse:
    user = staff_user(request)
    facts = queries.visible_case_facts(user, case_id)
    if facts is None:
        raise Http404
    case = facts.case
    shown = relevant_fields(case, facts)
    if request.method == "POST":
        form = CaseFactsForm(request.POST, fields=shown)
        if form.is_valid():
            try:
                record_facts(case, actor=user, **form.cleaned_data)
            except FlagdeskError as e:
                show_error(form, e)
            else:
                messages.success(request, _("The facts were saved."))
                url = reverse("cases:case-detail", kwargs={"case_id": case.pk})
                return redirect(f"{url}#facts")
    else:
        form = CaseFactsForm(initial=CaseFactsForm.initial_for(facts), fields=shown)
    return render(
        request,
        "cases/case_facts.html",
        facts_context(case, facts, form=form, may_edit=True),
        status=422 if request.method == "POST" else 200,
    )
