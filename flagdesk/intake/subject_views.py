"""A coordinator's pages for data subjects' requests: find a person's reports by email or phone,
then export what is held about them (GDPR art. 15) or erase it (art. 17). The search's
addresses only travel in POST bodies: never in a URL, where logs and history would keep them.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.reauth import recent_login_required
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from . import subjects
from .forms import SubjectRequestForm, SubjectSearchForm
from .subjects import SUBJECT_ROLES

TEMPLATE = "intake/subjects.html"


@never_cache
@role_required(*SUBJECT_ROLES)
def subject_search(request: HttpRequest) -> HttpResponse:
    form = SubjectSearchForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        try:
            found = subjects.find_reports(actor=request.user, **form.cleaned_data)
        except FlagdeskError as e:
            show_error(form, e)
        else:
            context["found"] = found
            context["request_form"] = SubjectRequestForm(
                reports=found.reports, initial={"report": [str(r.pk) for r in found.reports]}
            )
    return render(request, TEMPLATE, context)


@never_cache
@require_POST
@role_required(*SUBJECT_ROLES)
@recent_login_required
def subject_request(request: HttpRequest) -> HttpResponse:
    """Export (a JSON file) or erase the ticked reports."""
    reports = subjects.reports_in_reach(request.user, request.POST.getlist("report"))
    form = SubjectRequestForm(request.POST, reports=reports)
    if form.is_valid():
        chosen = [r for r in reports if str(r.pk) in form.cleaned_data["report"]]
        reason = form.cleaned_data["reason"]
        try:
            if form.cleaned_data["action"] == SubjectRequestForm.EXPORT:
                return _download(subjects.access_export(chosen, actor=request.user, reason=reason))
            done = subjects.erase_subject(chosen, actor=request.user, reason=reason)
        except FlagdeskError as e:
            show_error(form, e)
        else:
            return render(request, "intake/subject_erased.html", {"done": done})
    context = {
        "form": SubjectSearchForm(),
        "found": subjects.SubjectReports(reports, 0),
        "request_form": form,
    }
    return render(request, TEMPLATE, context)


def _download(data: dict[str, object]) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    name = f"access-request-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
