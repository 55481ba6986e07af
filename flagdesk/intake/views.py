"""Public pages: report content, see the receipt once, follow a report's progress."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from flagdesk.core.errors import RateLimited, ValidationFailed
from flagdesk.core.ratelimit import check_rate

from . import queries, services
from .forms import ReportForm, StatusForm

# The receipt travels from the POST to the confirmation page in the session, never in a URL:
# URLs end up in browser history, proxies and logs.
RECEIPT_SESSION_KEY = "intake.receipt"

# What each public status means for the person who reported (queries.PUBLIC_STATUS).
STATUS_TEXT = {
    "received": (
        _("Received"),
        _("We have your report. An analyst will look at it soon."),
    ),
    "in_review": (
        _("Being assessed"),
        _("An analyst is checking the content against the law; a second person confirms."),
    ),
    "notified": (
        _("Platform notified"),
        _("We asked the platform to remove the content and are waiting for its decision."),
    ),
    "removed": (
        _("Removed"),
        _("The platform removed the content or blocked access to it."),
    ),
    "refused": (
        _("Refused by the platform"),
        _("The platform decided not to act. We are looking at what else we can do."),
    ),
    "escalated": (
        _("Escalated"),
        _("The content stayed online, so we took the matter further."),
    ),
    "closed": (
        _("Closed"),
        _("We have finished our work on this report."),
    ),
    "not_actionable": (
        _("No action possible"),
        _(
            "After checking, we cannot ask for removal: the content does not seem illegal "
            "under the laws we apply, or it falls outside what we handle."
        ),
    ),
}


def _language() -> str:
    return (get_language() or "en")[:2]


@never_cache
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, request.FILES or None, language=_language())
    if request.method == "POST":
        try:
            check_rate(request, "report")
        except RateLimited as e:
            context = {"form": form, "rate_limited": e.message}
            return render(request, "intake/report.html", context, status=429)
        if form.is_valid():
            try:
                media = services.hash_upload(form.cleaned_data.get("media"))
                submitted = services.submit_report(form.submission(), media=media)
            except ValidationFailed as e:
                form.add_service_errors(e)
            else:
                request.session[RECEIPT_SESSION_KEY] = {
                    "reference": submitted.report.reference,
                    "receipt_code": submitted.receipt_code,
                }
                return redirect("intake:report-done")
    return render(request, "intake/report.html", {"form": form})


@never_cache
@require_http_methods(["GET"])
def report_done(request: HttpRequest) -> HttpResponse:
    # Popped, not read: a reload or the back button must not show the code again.
    receipt = request.session.pop(RECEIPT_SESSION_KEY, None)
    return render(request, "intake/report_done.html", {"receipt": receipt})


@never_cache
@require_http_methods(["GET", "POST"])
def report_status(request: HttpRequest) -> HttpResponse:
    # POST only: the receipt code must never appear in a URL.
    form = StatusForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST":
        try:
            check_rate(request, "status")
        except RateLimited as e:
            context["rate_limited"] = e.message
            return render(request, "intake/report_status.html", context, status=429)
        if form.is_valid():
            found = queries.report_by_receipt(
                form.cleaned_data["reference"], form.cleaned_data["receipt_code"]
            )
            if found is None:
                form.add_error(
                    None,
                    _(
                        "We found no report with this reference and receipt code. Check both "
                        "and try again."
                    ),
                )
            else:
                status = queries.public_status(found)
                context["status"] = status
                context["overall"] = STATUS_TEXT[status.status]
                context["items"] = [
                    (i.url, i.status, STATUS_TEXT[i.status][0]) for i in status.items
                ]
                # A fresh, empty form: the code should not sit in the page's HTML afterwards.
                context["form"] = StatusForm()
    return render(request, "intake/report_status.html", context)
