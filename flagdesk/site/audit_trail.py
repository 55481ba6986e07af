"""The audit trail's pages, for auditors and coordinators: the entries with filters, newest
first, whether the chain is intact, and the filtered entries as CSV or JSON.

Assembled here rather than in ``flagdesk.audit``: the role check, the re-authentication
before an export and the staff layout belong to accounts, which comes after audit (S1), and
accounts itself calls the audit trail to record logins.
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache

from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.accounts.reauth import recent_login_required
from flagdesk.audit.export import FORMATS
from flagdesk.audit.forms import EntryFilterForm
from flagdesk.audit.queries import audit_entries
from flagdesk.audit.services import export_entries
from flagdesk.audit.verification import recent_check

PAGE_SIZE = 50
DATA_PREVIEW_CHARS = 200


def _data_preview(data: object) -> str:
    if not data:
        return ""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= DATA_PREVIEW_CHARS else text[: DATA_PREVIEW_CHARS - 1] + "…"


@never_cache
@role_required(*roles_for(Action.AUDIT_READ))
def entry_list(request: HttpRequest) -> HttpResponse:
    form = EntryFilterForm(request.GET or None)
    page = Paginator(audit_entries(form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "site/audit_entries.html",
        {
            "form": form,
            "page": page,
            "rows": [(entry, _data_preview(entry.data)) for entry in page],
            "verification": recent_check(now=timezone.now()),
            "filter_query": query.urlencode(),
            "formats": list(FORMATS),
        },
    )


@never_cache
@role_required(*roles_for(Action.AUDIT_EXPORT))
@recent_login_required
def entry_export(request: HttpRequest) -> HttpResponse:
    """A download, streamed; the export is itself an audit entry (``audit.exported``)."""
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise Http404
    filters = EntryFilterForm(request.GET or None).filters()
    chunks = export_entries(filters, fmt, actor=staff_user(request))
    response = StreamingHttpResponse(chunks, content_type=FORMATS[fmt].media_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # role_required types views as HttpResponse


urls = (
    [
        path("audit/", entry_list, name="entry-list"),
        path("audit/export", entry_export, name="entry-export"),
    ],
    "audit",
)
