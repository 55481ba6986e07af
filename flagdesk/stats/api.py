"""The statistics API: ``GET /api/v1/stats/...`` (docs/api.md, docs/statistics.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import NotFound, ValidationFailed
from flagdesk.core.schemas import Schema

from .annual import open_data, render, services
from .figures.dashboard import cached_dashboard
from .figures.data import dashboard_data
from .forms import FIELDS, FilterForm

router = Router(tags=["stats"])


@router.get("/stats/dashboard", auth=TokenAuth())
def dashboard_json(request: HttpRequest) -> dict[str, Any]:
    """Every figure of the statistics dashboard for ``?from=&to=&phenomenon=&platform=``
    (dates YYYY-MM-DD, both included; default: this calendar year to date)."""
    require_role(request.user, *roles_for(Action.STATS_READ))  # type: ignore[arg-type]
    form = FilterForm({name: request.GET.get(name, "")[:40] for name in FIELDS})
    if not form.is_valid():
        raise ValidationFailed(
            _("The filters are not valid."),
            fields={name: [str(e) for e in errors] for name, errors in form.errors.items()},
        )
    return dashboard_data(cached_dashboard(form.filters()))


LANGUAGES = ("en", "fr", "nl", "de")


def _format(fmt: str, language: str) -> tuple[str, str]:
    fmt, language = (fmt or "json").lower(), (language or "en").lower()
    if fmt not in render.FORMATS:
        raise ValidationFailed(
            _("Choose a format among json, csv, html and pdf."),
            fields={"format": _("json, csv, html or pdf.")},
        )
    if language not in LANGUAGES:
        raise ValidationFailed(
            _("Choose a language among en, fr, nl and de."),
            fields={"language": _("en, fr, nl or de.")},
        )
    return fmt, language


def _file(data: dict[str, Any], fmt: str, language: str) -> HttpResponse:
    with translation.override(language):
        body = render.render(data, fmt, language)
    response = HttpResponse(body, content_type=render.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{render.filename(data, fmt)}"'
    return response


class ReportQuery(Schema):
    """``?year=&format=&language=``: query parameters, guarded like any other input (checked
    by ``services.check_year`` and ``_format`` with their own messages)."""

    year: str = ""
    format: str = "json"
    language: str = "en"


class YearPath(Schema):
    year: str


class OpenDataQuery(Schema):
    year: str = ""
    format: str = "json"


@router.get("/stats/annual-report", auth=TokenAuth(), summary="The art. 22(3) annual report")
def annual_report(request: HttpRequest, query: Query[ReportQuery]) -> Any:
    """The year's report (a final year's frozen copy, else a draft); ``format=csv|html|pdf``
    returns the file."""
    require_role(request.user, *roles_for(Action.STATS_READ))
    fmt, language = _format(query.format, query.language)
    # Without a year: last year's, the report a reader most often wants.
    year = query.year or timezone.localdate().year - 1
    data = services.report_data(services.check_year(year))
    if fmt == "json":
        return data
    return _file(data, fmt, language)


@router.post(
    "/stats/annual-report/{year}/finalise",
    auth=TokenAuth(),
    response={201: dict[str, Any]},
    summary="Freeze a year's annual report (coordinator)",
)
def finalise_annual_report(request: HttpRequest, path: Path[YearPath]) -> Any:
    require_role(request.user, *roles_for(Action.ANNUAL_REPORT_FINALISE))
    report = services.finalise(services.check_year(path.year), actor=request.user)  # type: ignore[arg-type]
    return 201, report.data


def _published(year: str) -> Any:
    try:
        value = int(year)
    except ValueError:
        value = 0
    report = open_data.published(value) if value else None
    if report is None:
        raise NotFound(_("No final annual report is published for this year."))
    return report


@router.get("/stats/open-data", auth=None, summary="Open data of a final year (public)")
def open_data_year(request: HttpRequest, query: Query[OpenDataQuery]) -> Any:
    """The anonymised aggregates of a final report; 404 for a year not final."""
    report = _published(query.year)
    if (query.format or "json").lower() == "csv":
        response = HttpResponse(
            open_data.open_data_csv(report), content_type=render.CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="open-data-{report.year}.csv"'
        return response
    return JsonResponse(open_data.open_data_json(report), json_dumps_params={"ensure_ascii": False})


@router.get("/stats/open-data/dictionary", auth=None, summary="The open data's data dictionary")
def open_data_dictionary(request: HttpRequest) -> Any:
    return JsonResponse(
        _json_ready(open_data.dictionary()), json_dumps_params={"ensure_ascii": False}
    )


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value if isinstance(value, (int, float, bool)) or value is None else str(value)
