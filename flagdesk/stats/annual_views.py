"""The annual report's pages (staff) and the open data page (public)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import FlagdeskError

from .annual import open_data, services
from .annual import render as annual_render

READERS = roles_for(Action.STATS_READ)
FINALISERS = roles_for(Action.ANNUAL_REPORT_FINALISE)
LANGUAGES = ("en", "fr", "nl", "de")
YEARS_LISTED = 6


def _year(value: int) -> int:
    try:
        return services.check_year(value)
    except FlagdeskError:
        raise Http404 from None


@role_required(*READERS)
def annual_list(request: HttpRequest) -> HttpResponse:
    """The last years: final (with their hash) or draft."""
    this_year = timezone.localdate().year
    finals = {r.year: r for r in open_data.final_years()}
    years = sorted(set(range(this_year - YEARS_LISTED + 1, this_year + 1)) | set(finals))
    rows = [{"year": y, "final": finals.get(y)} for y in reversed(years)]
    return render(request, "stats/annual/list.html", {"rows": rows})


@role_required(*READERS)
def annual_detail(request: HttpRequest, year: int) -> HttpResponse:
    year = _year(year)
    data = services.report_data(year)
    language = translation.get_language() or "en"
    body = annual_render.to_html(data, language[:2], standalone=False)
    return render(
        request,
        "stats/annual/detail.html",
        {
            "year": year,
            "data": data,
            "body": body,
            "formats": annual_render.FORMATS,
            "can_finalise": request.user.has_any_role(*FINALISERS) and data["status"] != "final",
            "language": language[:2],
            "can_edit_org": request.user.has_any_role(*roles_for(Action.ORGANISATION_EDIT)),
        },
    )


@role_required(*READERS)
def annual_download(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    year = _year(year)
    if fmt not in annual_render.FORMATS:
        raise Http404
    language = request.GET.get("language", "") or (translation.get_language() or "en")[:2]
    if language not in LANGUAGES:
        language = "en"
    data = services.report_data(year)
    with translation.override(language):
        body = annual_render.render(data, fmt, language)
    response = HttpResponse(body, content_type=annual_render.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{annual_render.filename(data, fmt)}"'
    return response


@role_required(*FINALISERS)
def annual_finalise(request: HttpRequest, year: int) -> HttpResponse:
    """A confirmation page with the privacy check's result; POST freezes the report."""
    year = _year(year)
    error = ""
    if request.method == "POST":
        try:
            report = services.finalise(year, actor=request.user)  # type: ignore[arg-type]
        except FlagdeskError as e:
            error = str(e.message)
        else:
            messages.success(
                request,
                _("The report for %(year)d is final. SHA-256: %(hash)s")
                % {"year": year, "hash": report.sha256},
            )
            return redirect("stats:annual-detail", year=year)
    ready = services.readiness(year)
    return render(
        request,
        "stats/annual/finalise.html",
        {"year": year, "ready": ready, "error": error},
        status=422 if error else 200,
    )


def open_data_page(request: HttpRequest) -> HttpResponse:
    """Public: the final years' open data and its dictionary."""
    return render(
        request,
        "stats/open_data.html",
        {"reports": open_data.final_years(), "dictionary": open_data.dictionary()},
    )
