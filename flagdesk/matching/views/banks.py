"""Bank screens: the list with its create form and switches, one bank's entries, import, export."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.reauth import recent_login_required
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from .. import queries
from ..formats import FORMATS
from ..formats.exchange import ImportReport, export_bank, import_bank
from ..forms import BankForm, EntryFilterForm, ImportForm, SwitchForm, signal_choices
from ..services import banks as bank_services
from ..services.roles import BANK_MANAGERS, BANK_READERS, ENTRY_REMOVERS
from . import request_user, require, safe_next

PAGE_SIZE = 50
# A real import lists this many invalid lines as messages; a dry run shows the full report.
MAX_INVALID_MESSAGES = 20
# Labels of the exchange formats on the page; a format without one shows its name.
FORMAT_LABELS = {
    "csv": gettext_lazy("CSV (ThreatExchange/HMA)"),
    "json": gettext_lazy("JSON (ThreatExchange/HMA)"),
    "hashes": gettext_lazy("Plain list, one hash a line"),
}


def format_choices() -> list[tuple[str, str]]:
    return [(name, str(FORMAT_LABELS.get(name, name))) for name in FORMATS]


@role_required(*BANK_READERS)
def bank_list(request: HttpRequest) -> HttpResponse:
    """Readers see the banks; managers also create one here (the form posts to this page)."""
    user = request_user(request)
    form = BankForm(request.POST or None, partners=queries.partner_accounts())
    if request.method == "POST":
        require(user, *BANK_MANAGERS)
        if form.is_valid():
            try:
                bank = bank_services.create_bank(actor=user, **form.cleaned_data)
            except FlagdeskError as e:
                show_error(form, e)
            else:
                messages.success(request, _("Bank “%(name)s” created.") % {"name": bank.name})
                return redirect("matching:bank-detail", slug=bank.slug)
    banks = list(queries.visible_banks(user))
    counts = queries.live_counts(banks)
    rows = [
        {
            "bank": bank,
            "counts": [(label, counts[bank.pk].get(name, 0)) for name, label in signal_choices()],
        }
        for bank in banks
    ]
    return render(
        request,
        "matching/bank_list.html",
        {"rows": rows, "form": form, "can_manage": user.has_any_role(*BANK_MANAGERS)},
        status=422 if form.errors else 200,
    )


# What a switch did, by (which switch, on or off).
SWITCHED = {
    ("shared", True): gettext_lazy("“%(name)s” is now shared with partners."),
    ("shared", False): gettext_lazy("“%(name)s” is no longer shared with partners."),
    ("enabled", True): gettext_lazy("“%(name)s” is used for matching again."),
    ("enabled", False): gettext_lazy("“%(name)s” is no longer used for matching; its hashes stay."),
}


def _switch(request: HttpRequest, slug: str, *, what: str) -> HttpResponse:
    user = request_user(request)
    bank = get_object_or_404(queries.visible_banks(user), slug=slug)
    form = SwitchForm(request.POST)
    turn_on = form.is_valid() and form.cleaned_data["turn_on"]
    change = bank_services.set_bank_shared if what == "shared" else bank_services.set_bank_enabled
    try:
        change(bank, turn_on, actor=user)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, SWITCHED[(what, turn_on)] % {"name": bank.name})
    return redirect(safe_next(request, reverse("matching:bank-list")))


@require_POST
@role_required(*BANK_MANAGERS)
def bank_enable(request: HttpRequest, slug: str) -> HttpResponse:
    return _switch(request, slug, what="enabled")


@require_POST
@role_required(*BANK_MANAGERS)
def bank_share(request: HttpRequest, slug: str) -> HttpResponse:
    return _switch(request, slug, what="shared")


@role_required(*BANK_READERS)
def bank_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One bank's entries by type; removed ones on their own tab, with who, when and why."""
    user = request_user(request)
    bank = get_object_or_404(queries.visible_banks(user), slug=slug)
    filters = EntryFilterForm(request.GET or None)
    kind = filters.signal_type()
    show_removed = request.GET.get("tab") == "removed"
    entries = queries.bank_entries(bank, signal_type=kind, removed=show_removed)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = user.has_any_role(*BANK_MANAGERS)
    return render(
        request,
        "matching/bank_detail.html",
        {
            "bank": bank,
            "page": page,
            "filters": filters,
            "signal_type": kind,
            "show_removed": show_removed,
            "live_count": queries.bank_entries(bank, signal_type=kind).count(),
            "removed_count": queries.bank_entries(bank, signal_type=kind, removed=True).count(),
            "can_manage": can_manage,
            "can_remove": user.has_any_role(*ENTRY_REMOVERS),
            "openable": queries.openable_items(user, (e.item_id for e in page.object_list)),
            "import_form": ImportForm(formats=format_choices()) if can_manage else None,
            "export_formats": [
                (name, label, FORMATS[name].single_type) for name, label in format_choices()
            ]
            if can_manage
            else [],
        },
    )


@role_required(*BANK_MANAGERS)
def bank_import(request: HttpRequest, slug: str) -> HttpResponse:
    """A dry run shows the report here; a real import reports through messages and redirects."""
    user = request_user(request)
    bank = get_object_or_404(queries.visible_banks(user), slug=slug)
    form = ImportForm(request.POST or None, request.FILES or None, formats=format_choices())
    report: ImportReport | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = import_bank(
                bank,
                data["file"].read(),
                data["format"],
                actor=user,
                dry_run=data["dry_run"],
                default_type=data["signal_type"] or None,
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            if not report.dry_run:
                _report_messages(request, report)
                return redirect("matching:bank-detail", slug=bank.slug)
    return render(
        request,
        "matching/bank_import.html",
        {"bank": bank, "form": form, "report": report},
        status=422 if form.errors else 200,
    )


def _report_messages(request: HttpRequest, report: ImportReport) -> None:
    messages.success(
        request,
        ngettext(
            "Import done: %(added)d hash added, %(duplicates)d already in the bank.",
            "Import done: %(added)d hashes added, %(duplicates)d already in the bank.",
            report.added,
        )
        % {"added": report.added, "duplicates": report.duplicates},
    )
    for row in report.invalid[:MAX_INVALID_MESSAGES]:
        messages.warning(
            request,
            _("Line %(line)d not imported: %(error)s") % {"line": row.line, "error": row.message},
        )
    if report.invalid_count > MAX_INVALID_MESSAGES:
        messages.warning(
            request,
            _("%(count)d more invalid lines not listed; a dry run lists them.")
            % {"count": report.invalid_count - MAX_INVALID_MESSAGES},
        )


@role_required(*BANK_MANAGERS)
@recent_login_required
def bank_export(request: HttpRequest, slug: str) -> HttpResponse:
    """A download, streamed in chunks so a bank of millions never sits in memory."""
    user = request_user(request)
    bank = get_object_or_404(queries.visible_banks(user), slug=slug)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise Http404
    kind = EntryFilterForm(request.GET).signal_type() or None
    try:
        chunks = export_bank(bank, fmt, signal_type=kind, actor=user)
    except FlagdeskError as e:
        messages.error(request, str(e.message))
        return redirect("matching:bank-detail", slug=bank.slug)
    writer = FORMATS[fmt]
    response = StreamingHttpResponse(chunks, content_type=writer.media_type)
    suffix = f"-{kind}" if kind else ""
    response["Content-Disposition"] = (
        f'attachment; filename="{bank.slug}{suffix}.{writer.extension}"'
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # role_required types views as HttpResponse
