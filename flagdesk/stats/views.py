"""The statistics dashboard for coordinators and auditors, and its tables as CSV."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.spreadsheets import neutralise

from . import drawing, labels, tables
from .figures import default_filters
from .figures.dashboard import cached_dashboard
from .forms import FIELDS, FilterForm, query_string

STATS_ROLES = roles_for(Action.STATS_READ)


def _form(request: HttpRequest) -> FilterForm:
    given = {name: request.GET.get(name, "")[:40] for name in FIELDS if name in request.GET}
    return FilterForm(given)


@role_required(*STATS_ROLES)
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """Every figure for the period, phenomenon and platform chosen; each section a chart, its
    table and the table's CSV. Invalid filters are shown with their errors and the page falls
    back to the default period (this calendar year to date)."""
    form = _form(request)
    if form.is_valid():
        filters = form.filters()
    else:
        filters = default_filters()
        messages.error(request, _("The filters are not valid: the page shows this year to date."))
    figures = cached_dashboard(filters)
    sections = tables.build_sections(figures)
    drawing.draw(table for _heading, group in sections for table in group)
    return render(
        request,
        "stats/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "year_earlier": filters.year_earlier(),
            "phenomenon_name": labels.phenomenon(filters.phenomenon or ""),
            "platform_name": figures.platforms.get(filters.platform) if filters.platform else "",
            "sections": sections,
            "query": query_string(filters),
            "computed_at": figures.now,
        },
    )


@role_required(*STATS_ROLES)
def table_csv(request: HttpRequest, name: str) -> HttpResponse:
    """One table as CSV (UTF-8 with a byte order mark, so spreadsheets read accents right),
    marked internal in its first line and its file name: the counts are exact, small ones
    included, and are not for publication."""
    if name not in tables.TABLES:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        problems = [
            f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items()
        ]
        return HttpResponse(
            "\n".join([_("The filters are not valid."), *problems]),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    table = tables.build(name, cached_dashboard(filters))
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(
        [
            neutralise(
                _("Internal: exact counts, not for publication. %(title)s, %(start)s to %(end)s")
                % {
                    "title": table.title,
                    "start": filters.date_from.isoformat(),
                    "end": filters.date_to.isoformat(),
                }
            )
        ]
    )
    header: list[str] = []
    for column in table.columns:
        if column.kind == "share":
            header += [column.label, _("%(column)s (%%)") % {"column": column.label}]
        else:
            header.append(column.label)
    writer.writerow([neutralise(h) for h in header])
    for row in table.rows:
        writer.writerow(_csv_cells(row, table.columns))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"statistics-internal-{name}-{filters.date_from}-{filters.date_to}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_cells(row: list[object], columns: list[tables.Column]) -> list[object]:
    cells: list[object] = []
    for value, column in zip(row, columns, strict=True):
        if column.kind == "share":
            assert isinstance(value, tables.Share)  # noqa: S101
            percent = value.percent
            cells += [value.part, "" if percent is None else round(percent, 1)]
        elif value is None:
            cells.append("")
        elif column.kind == "hours":
            cells.append(round(float(value), 2))  # type: ignore[arg-type]
        elif column.kind == "change":
            cells.append(round(100 * float(value), 1))  # type: ignore[arg-type]
        elif isinstance(value, str):
            cells.append(neutralise(value))
        else:
            cells.append(value)
    return cells
