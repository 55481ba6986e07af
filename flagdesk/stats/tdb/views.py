"""``/staff/stats/transparency-database/``: imports, the monthly comparison and the
differences; a coordinator may import a small dump file from the page."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.policy import Action, can, roles_for
from flagdesk.core.errors import FlagdeskError
from flagdesk.stats.actions import ACTIONS
from flagdesk.stats.models import TdbStatement

from . import queries
from .forms import DumpUploadForm, FilterForm
from .importing import import_dump
from .labels import action_label, label
from .linking import link_days

DIFFERENCES_SHOWN = 200
IMPORTS_SHOWN = 20


@role_required(*roles_for(Action.STATS_READ))
def tdb(request: HttpRequest) -> HttpResponse:
    upload = DumpUploadForm()
    if request.method == "POST":
        if not can(request.user, Action.TDB_IMPORT):
            raise PermissionDenied
        upload = DumpUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            if _import_upload(request, upload):
                return redirect("stats:tdb")
    filters = FilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    scope = {
        "platform": chosen.get("platform"),
        "since": chosen.get("since"),
        "until": filters.until_day() if chosen else None,
    }
    differences = list(queries.differences(request.user, **scope)[: DIFFERENCES_SHOWN + 1])
    months = queries.comparison(request.user, **scope)
    for m in months:  # the actions as badges, in the published order, labelled
        m.tdb_badges = _badges(m.tdb_actions)  # type: ignore[attr-defined]
        m.our_badges = _badges(m.our_actions)  # type: ignore[attr-defined]
    return render(
        request,
        "stats/tdb.html",
        {
            "filters": filters,
            "upload": upload if can(request.user, Action.TDB_IMPORT) else None,
            "imports": queries.imports(request.user)[:IMPORTS_SHOWN],
            "months": months,
            "link_days": link_days(),
            "differences": [_difference(s) for s in differences[:DIFFERENCES_SHOWN]],
            "more_differences": len(differences) > DIFFERENCES_SHOWN,
            "unlinked": queries.unlinked_counts(request.user, **scope),
        },
    )


def _badges(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(action_label(a), counts[a]) for a in ACTIONS if counts.get(a)]


def _import_upload(request: HttpRequest, upload: DumpUploadForm) -> bool:
    """Import the uploaded file (kept in a temporary file, removed afterwards); the outcome
    goes to the page's messages. False when nothing was imported (already imported)."""
    file = upload.cleaned_data["file"]
    suffix = Path(file.name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        for chunk in file.chunks():
            tmp.write(chunk)
        tmp.flush()
        try:
            imp = import_dump(tmp.name, actor=request.user, name=Path(file.name).name)
        except FlagdeskError as e:
            upload.add_error("file", str(e.message))
            return False
    if imp.status == imp.Status.DONE:
        messages.success(
            request,
            _(
                "%(file)s imported: %(rows)d statements read, %(kept)d of platforms in the "
                "registry, %(linked)d linked to our notices."
            )
            % {
                "file": imp.file_name,
                "rows": imp.rows_read,
                "kept": imp.rows_kept,
                "linked": imp.statements_linked,
            },
        )
    else:
        messages.error(
            request,
            _("%(file)s was not imported: %(error)s") % {"file": imp.file_name, "error": imp.error},
        )
    return True


def _difference(s: TdbStatement) -> dict[str, object]:
    """One linked statement and the lines saying what differs, in the reader's language."""
    v = vars(s)  # the flags and our values annotated by ``queries.differences``
    lines = []
    if v["category_differs"]:
        lines.append(
            _("Category: %(theirs)s in the database; our assessment: %(ours)s.")
            % {"theirs": label(s.category), "ours": label(v["our_category"])}
        )
    if v["action_differs"]:
        lines.append(
            _("Action: %(theirs)s in the database; the platform told us: %(ours)s.")
            % {"theirs": action_label(s.action), "ours": action_label(v["our_action"])}
        )
    if v["source_differs"]:
        lines.append(
            _("Source: “%(theirs)s”, for a notice we sent as a trusted flagger.")
            % {"theirs": label(s.source_type)}
        )
    if v["automated_differs"]:
        lines.append(
            _("Automated means: declared in the database, not in the answer to us.")
            if v["their_automated"]
            else _("Automated means: declared in the answer to us, not in the database.")
        )
    return {"statement": s, "lines": lines}
