"""Spreadsheet imports through the API (docs/api.md, "Spreadsheet imports").

``POST /imports`` takes a multipart ``file`` (CSV or XLSX) and ``dry_run``; it answers the
per-row report at once, or 202 with the import's id when the import is long enough to run in
the worker; ``GET /imports/{id}`` then gives its progress and, once done, the report.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Status

from flagdesk.accounts.auth import TokenAuth
from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.cases.access import item_scope
from flagdesk.cases.models import Item
from flagdesk.core.errors import NotFound, ValidationFailed
from flagdesk.core.requests import is_multipart, multipart
from flagdesk.core.schemas import Schema
from flagdesk.core.uploads import check_body_size

from .imports.checking import JOIN, NEW
from .imports.reading import MAX_FILE_BYTES
from .imports.services import IMPORTERS, preview_import, progress, start_import
from .models import Import, ImportRow, Report

router = Router(tags=["spreadsheet imports"])
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "dry_run": {"type": "boolean", "default": False},
                        "phenomenon": {"type": "string"},
                        "role": {"type": "string", "enum": list(Report.ReporterRole.values)},
                        "sheet": {"type": "string"},
                    },
                }
            }
        },
    }
}


class ImportPath(Schema):
    import_id: UUID


def _flag(value: str) -> bool:
    word = value.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ValidationFailed(
            _("The request is not valid."), fields={"dry_run": [_("This must be true or false.")]}
        )
    return word in TRUE_WORDS


def _row(number: int, url: str, outcome: str, message: str, item: str | None) -> dict[str, Any]:
    return {"row": number, "url": url, "outcome": outcome, "message": message, "item": item}


def _visible(user: User, item_ids: list[UUID]) -> set[UUID]:
    """The items among ``item_ids`` that ``user`` may see (joined items may be in a restricted
    case: their row then says no more than the public form would)."""
    seen: set[UUID] = set()
    for start in range(0, len(item_ids), 500):
        chunk = item_ids[start : start + 500]
        seen.update(
            Item.objects.filter(item_scope(user), pk__in=chunk).values_list("pk", flat=True)
        )
    return seen


def import_json(batch: Import, user: User, *, rows: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        **progress(batch),
        "dry_run": False,
        "filename": batch.filename,
        "format": batch.format,
        "encoding": batch.encoding,
        "counts": batch.counts,
        "ignored_columns": batch.columns.get("ignored", []),
        "report": batch.report.reference if batch.report else None,
        "case": batch.case.reference if batch.case else None,
    }
    if rows:
        found = list(
            ImportRow.objects.filter(batch=batch).only(
                "number", "url", "outcome", "message", "item_id"
            )
        )
        shown = _visible(user, [r.item_id for r in found if r.item_id and r.outcome == JOIN])
        body["rows"] = [
            _row(
                r.number,
                r.url,
                r.outcome,
                r.message,
                str(r.item_id) if r.item_id and (r.outcome == NEW or r.item_id in shown) else None,
            )
            for r in found
        ]
    return body


@router.post(
    "/imports",
    auth=TokenAuth(),
    response={200: dict, 201: dict, 202: dict},
    openapi_extra=IMPORT_BODY,
)
def create_import(request: HttpRequest) -> Status[dict[str, Any]]:
    """Check a spreadsheet of URLs (``dry_run``) or import it (201, or 202 with progress)."""
    user = cast(User, request.user)
    require_role(user, *IMPORTERS)
    check_body_size(request, MAX_FILE_BYTES + 64 * 1024)
    if not is_multipart(request):
        raise ValidationFailed(
            _('Send the file as multipart/form-data, in the form field "file".'),
            fields={"file": [_("This field is required.")]},
        )
    fields, files = multipart(request)
    upload = files.get("file")
    if upload is None:
        raise ValidationFailed(
            _('Attach the file as the form field "file".'),
            fields={"file": [_("This field is required.")]},
        )
    dry_run = _flag(fields.get("dry_run", ""))
    preview = preview_import(
        upload.read(),
        upload.name or "",
        actor=user,
        phenomenon=fields.get("phenomenon", "").strip(),
        role=fields.get("role", "").strip() or Report.ReporterRole.PROFESSIONAL,
        sheet=fields.get("sheet", "").strip(),
        dry_run=dry_run,
    )
    if preview.batch is None:
        return Status(
            200,
            {
                "id": None,
                "status": "previewed",
                "dry_run": True,
                "filename": preview.filename,
                "format": preview.sheet.format,
                "encoding": preview.sheet.encoding,
                "counts": preview.counts,
                "ignored_columns": preview.sheet.ignored,
                "rows": [
                    _row(r.number, r.url, r.outcome, r.message, r.item_id or None)
                    for r in preview.rows
                ],
            },
        )
    batch = start_import(preview.batch, actor=user)
    if batch.status == Import.Status.DONE:
        return Status(201, import_json(batch, user))
    return Status(202, import_json(batch, user, rows=False))


@router.get("/imports/{import_id}", auth=TokenAuth())
def get_import(request: HttpRequest, path: Path[ImportPath]) -> dict[str, Any]:
    """An import's progress; with the per-row report once it is done."""
    user = cast(User, request.user)
    require_role(user, *IMPORTERS)
    batch = Import.objects.select_related("report", "case").filter(pk=path.import_id).first()
    if batch is None:
        raise NotFound(_("No import with this id."))
    return import_json(batch, user, rows=batch.status == Import.Status.DONE)
