"""The public "Find copies of my picture" page (docs/victims.md): pictures are hashed in the
browser (picture.js), only their fingerprints are posted, and the report goes through the
same service as every other; the receipt follows as for the report form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from flagdesk.core.errors import RateLimited, ValidationFailed
from flagdesk.core.ratelimit import check_rate

from . import receipt_cookie, services
from .device_hashes import MAX_PICTURES
from .picture_forms import PictureReportForm
from .receipt_cookie import Receipt


@never_cache
@require_http_methods(["GET", "POST"])
def report_picture(request: HttpRequest) -> HttpResponse:
    """No file ever reaches this view: the picture input has no name, so the browser cannot
    send it; the hidden ``signals`` field carries the fingerprints as JSON."""
    form = PictureReportForm(request.POST or None, language=(get_language() or "en")[:2])
    if request.method == "POST":
        try:
            check_rate(request, "report")
        except RateLimited as e:
            return _page(request, form, rate_limited=e.message, status=429)
        if form.is_valid():
            try:
                submitted = services.submit_report(form.submission())
            except ValidationFailed as e:
                form.add_service_errors(e)
            else:
                response = redirect("intake:report-done")
                receipt = Receipt(submitted.report.reference, submitted.receipt_code)
                receipt_cookie.give(response, receipt)
                return response
    return _page(request, form)


def _page(
    request: HttpRequest, form: PictureReportForm, *, rate_limited: str = "", status: int = 200
) -> HttpResponse:
    context = {"form": form, "rate_limited": rate_limited, "max_pictures": MAX_PICTURES}
    return render(request, "intake/report_picture.html", context, status=status)
