"""Staff pages of spreadsheet imports: upload, preview, confirm, progress and summary.

Thin (S3): the services in ``imports.services`` decide; long imports run in the worker and
the page follows them through ``import_progress`` (a static script polls it; without
JavaScript the page offers a reload link).
"""

from __future__ import annotations

from typing import cast
from uuid import UUID

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required
from flagdesk.cases.queries import survivor_of
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from .forms import ImportForm
from .imports.checking import DUPLICATE, ERROR
from .imports.services import IMPORTERS, preview_import, progress, start_import
from .models import Import, ImportRow

ROWS_PER_PAGE = 100


@never_cache
@role_required(*IMPORTERS)
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = preview_import(
                upload.read(),
                upload.name or "",
                actor=cast(User, request.user),
                phenomenon=form.cleaned_data["phenomenon"],
                role=form.cleaned_data["role"],
                sheet=form.cleaned_data["sheet"],
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            return redirect("intake:import-detail", import_id=cast(Import, preview.batch).pk)
    imports = Import.objects.select_related("by", "case", "report")[:50]
    return render(request, "intake/import.html", {"form": form, "imports": imports})


@never_cache
@role_required(*IMPORTERS)
def import_detail(request: HttpRequest, import_id: UUID) -> HttpResponse:
    batch = get_object_or_404(Import.objects.select_related("by", "case", "report"), pk=import_id)
    user = cast(User, request.user)
    show = "problems" if request.GET.get("show") == "problems" else "all"
    rows = ImportRow.objects.filter(batch=batch).select_related("item__case")
    if show == "problems":
        rows = rows.filter(outcome__in=(ERROR, DUPLICATE))
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context: dict[str, object] = {
        "batch": batch,
        "page": page,
        "show": show,
        "progress": progress(batch),
    }
    if batch.case is not None:
        # A case merged since lives on in another: name that one, if the user may see it.
        survivor = survivor_of(user, batch.case.pk) if batch.case.merged_into_id else None
        current = survivor or batch.case
        context["current_case"] = current
        context["case_link"] = format_html(
            '<a class="ref" id="import-case" href="{}">{}</a>',
            reverse("cases:case-detail", args=[current.pk]),
            current.reference,
        )
        if current.pk != batch.case.pk:
            context["merged_from"] = batch.case.reference
    return render(request, "intake/import_detail.html", context)


@require_POST
@role_required(*IMPORTERS)
def import_confirm(request: HttpRequest, import_id: UUID) -> HttpResponse:
    batch = get_object_or_404(Import, pk=import_id)
    try:
        start_import(batch, actor=cast(User, request.user))
    except FlagdeskError:
        pass  # confirmed twice (a double click): the page shows where it stands
    return redirect("intake:import-detail", import_id=batch.pk)


@never_cache
@role_required(*IMPORTERS)
def import_progress(request: HttpRequest, import_id: UUID) -> JsonResponse:
    batch = get_object_or_404(Import, pk=import_id)
    return JsonResponse(progress(batch))
