"""Spreadsheet imports: preview a file, then import its rows, resumably.

Flow (docs/intake.md, "Spreadsheet import"): ``preview_import`` reads and checks the file and
stores an ``Import`` with one ``ImportRow`` per row (the file itself is not kept); the officer
confirms with ``start_import``; ``run_import`` brings the rows in, ``CHUNK_ROWS`` at a time.

Nothing is half-imported: each chunk is one transaction that also moves ``Import.rows_done``
on with a conditional UPDATE, so the record always says exactly which rows are in. A worker
killed mid-import leaves the chunk it was in rolled back; ``sweep_imports`` (or anyone calling
``run_import`` again) carries on after ``rows_done``, and two workers on the same import cannot
both import a chunk: the second one's UPDATE finds ``rows_done`` moved and rolls back.

The whole import is one report (channel ``import``) and one case: new items go into the
import's case; a row whose URL already has an open item joins it where it is. If no row opens
a new item, the report belongs to the case of the first item joined.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from functools import partial
from typing import cast
from uuid import UUID

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.access import item_scope
from flagdesk.cases.models import TERMINAL_STATUSES, Case, Item
from flagdesk.cases.priority import recompute_priority
from flagdesk.cases.services import ItemSpec, open_items_in_bulk
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.core.hostlookup import Resolver
from flagdesk.core.references import hash_receipt_code, new_receipt_code
from flagdesk.core.weburls import configured_resolver, url_key

from ..models import Import, ImportRow, Report
from .checking import (
    DUPLICATE,
    ERROR,
    JOIN,
    NEW,
    CheckedRow,
    check_rows,
    counts_of,
    joins_message,
)
from .reading import Sheet, read_sheet

log = logging.getLogger(__name__)

CHUNK_ROWS = 1_000
# Up to this many rows, the import runs in the request; more go to the worker with progress.
INLINE_ROWS = 2_000
# An import whose worker has not moved it on for this long is taken up again by the sweep.
STALLED_AFTER = dt.timedelta(minutes=5)
# A preview never confirmed is dropped (its rows, with descriptions, are not kept).
PREVIEW_KEPT_FOR = dt.timedelta(days=1)
IMPORTERS = roles_for(Action.INTAKE_IMPORT)


@dataclass
class ImportPreview:
    """The outcome of reading and checking a file; ``batch`` is None for a dry run."""

    batch: Import | None
    filename: str
    sha256: str
    sheet: Sheet
    rows: list[CheckedRow]
    counts: dict[str, int]


def _check_options(phenomenon: str, role: str) -> None:
    errors: dict[str, list[str]] = {}
    if phenomenon and phenomenon not in taxonomy.phenomena():
        errors["phenomenon"] = [_("Choose what happened from the list.")]
    if role not in Report.ReporterRole.values:
        errors["role"] = [_("Choose a role from the list.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)


def preview_import(
    data: bytes,
    filename: str,
    *,
    actor: User | None,
    phenomenon: str = "",
    role: str = Report.ReporterRole.PROFESSIONAL,
    sheet: str = "",
    dry_run: bool = False,
    resolver: Resolver | None = None,
) -> ImportPreview:
    """Read and check a CSV or XLSX file; unless ``dry_run``, store it as a previewed import.

    Raises ``ImportRefused`` (the file cannot be read), ``ImportTooLarge``, or
    ``ValidationFailed`` for the options. Messages are in the active language, which the
    import keeps for messages written later. A dry run may go without ``actor`` (the command
    line checking a file): it stores nothing and names no existing case.
    """
    if actor is not None:
        require_role(actor, *IMPORTERS)
    elif not dry_run:
        raise PermissionDenied(_("Your role does not allow this action."))
    _check_options(phenomenon, role)
    parsed = read_sheet(data, filename, sheet=sheet)
    rows = check_rows(
        parsed,
        default_phenomenon=phenomenon,
        resolver=resolver or configured_resolver(),
        viewer=actor,
    )
    counts = counts_of(rows)
    digest = hashlib.sha256(data).hexdigest()
    name = (filename or "upload").rsplit("/", 1)[-1][:255]
    preview = ImportPreview(None, name, digest, parsed, rows, counts)
    if dry_run:
        return preview
    with transaction.atomic():
        batch = Import.objects.create(
            by=actor,
            filename=name,
            sha256=digest,
            format=parsed.format,
            encoding=parsed.encoding,
            language=translation.get_language() or "en",
            phenomenon=phenomenon,
            role=role,
            counts=counts,
            columns={
                "read": parsed.columns,
                "ignored": parsed.ignored,
                "delimiter": parsed.delimiter,
                "sheet": parsed.sheet_name,
            },
            rows_total=len(rows),
        )
        ImportRow.objects.bulk_create(
            (
                ImportRow(
                    batch=batch,
                    position=position,
                    number=row.number,
                    url=row.url,
                    url_key=url_key(row.url) if row.outcome in (NEW, JOIN) else "",
                    outcome=row.outcome,
                    message=row.message,
                    payload=row.payload(),
                    item_id=UUID(row.item_id) if row.item_id else None,
                )
                for position, row in enumerate(rows)
            ),
            batch_size=2_000,
        )
    log.info("import.previewed", extra={"import": str(batch.pk), "rows": len(rows)})
    preview.batch = batch
    return preview


def start_import(batch: Import, *, actor: User, wait: bool = False) -> Import:
    """Confirm a previewed import. Up to ``INLINE_ROWS`` rows (or all, with ``wait``, as the
    command line does) are imported at once; more are queued for the worker (the page then
    follows ``rows_done``). Raises ``Conflict`` if it was already confirmed or dropped."""
    require_role(actor, *IMPORTERS)
    started = Import.objects.filter(pk=batch.pk, status=Import.Status.PREVIEWED).update(
        status=Import.Status.IMPORTING, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not started:
        raise Conflict(_("This import was already confirmed or has expired."))
    log.info("import.started", extra={"import": str(batch.pk), "rows": batch.rows_total})
    if wait or batch.rows_total <= INLINE_ROWS:
        return run_import(batch.pk)
    from ..tasks import run_import_task

    transaction.on_commit(partial(run_import_task.enqueue, str(batch.pk)))
    batch.refresh_from_db()
    return batch


def run_import(import_id: UUID, *, max_chunks: int | None = None) -> Import:
    """Import the remaining rows of a confirmed import, chunk by chunk (safe to run twice).

    ``max_chunks`` stops early (tests use it to stand for a worker killed between chunks).
    """
    chunks = 0
    while max_chunks is None or chunks < max_chunks:
        if not import_chunk(import_id):
            break
        chunks += 1
    return Import.objects.get(pk=import_id)


def _case_for(batch: Import) -> Case:
    if ImportRow.objects.filter(batch=batch, outcome=NEW).exists():
        return Case.objects.create()
    first = (
        ImportRow.objects.filter(batch=batch, outcome=JOIN, item__isnull=False)
        .select_related("item__case")
        .first()
    )
    return first.item.case if first and first.item else Case.objects.create()


def _report_for(batch: Import, case: Case) -> Report:
    return Report.objects.create(
        receipt_code_hash=hash_receipt_code(new_receipt_code()),  # staff intake: no receipt
        case=case,
        channel=Report.Channel.IMPORT,
        language=batch.language,
        role=batch.role,
        phenomenon=batch.phenomenon,
        is_anonymous=True,
    )


def _descriptions(rows: list[ImportRow], data: dict[int, dict[str, object]]) -> str:
    parts = [
        f"{_('Row %(row)d') % {'row': row.number}} ({row.url}):\n{data[row.pk]['d']}"
        for row in rows
        if data[row.pk].get("d")
    ]
    return "\n\n".join(parts)


@transaction.atomic
def import_chunk(import_id: UUID) -> bool:
    """Import the next ``CHUNK_ROWS`` rows; False when nothing is left (the import is done).

    One transaction: items, events, the report's links and the new ``rows_done`` commit
    together or not at all.
    """
    batch = Import.objects.select_for_update().filter(pk=import_id).first()
    if batch is None or batch.status != Import.Status.IMPORTING:
        return False
    start = batch.rows_done
    rows = list(
        ImportRow.objects.filter(batch=batch, position__gte=start, position__lt=start + CHUNK_ROWS)
    )
    if not rows:
        _finish(batch)
        return False
    with translation.override(batch.language):
        if batch.report_id is None:
            batch.case = _case_for(batch)
            batch.report = _report_for(batch, batch.case)
        report, case = cast(Report, batch.report), cast(Case, batch.case)
        wanted = [r for r in rows if r.outcome in (NEW, JOIN)]
        data = {r.pk: json.loads(r.payload or "{}") for r in wanted}
        specs = [
            ItemSpec(r.url, str(data[r.pk].get("p", "")), dict(data[r.pk].get("i", {})))
            for r in wanted
        ]
        opened = open_items_in_bulk(
            specs,
            into=case,
            actor=batch.by,
            note=_("Spreadsheet import"),
        )
        if text := _descriptions(wanted, data):
            report.description = f"{report.description}\n\n{text}".strip()
            report.save(update_fields=["description"])
        # Every row's item in one UPDATE; only the rare row whose URL was opened or closed
        # by someone else since the preview gets its outcome rewritten one by one.
        _clear_rows(batch, start, len(rows))
        for row, o in zip(wanted, opened, strict=True):
            outcome = NEW if o.is_new else JOIN
            if outcome != row.outcome:
                message = "" if o.is_new else joins_message(_case_reference(o.item, case, batch))
                ImportRow.objects.filter(pk=row.pk).update(outcome=outcome, message=message)
        report.items.add(*(o.item for o in opened))
        # The workbench's order: new items get their due time, joined ones move up (one more
        # report of the same content).
        recompute_priority([o.item for o in opened])
    moved = Import.objects.filter(pk=batch.pk, rows_done=start).update(
        rows_done=start + len(rows),
        case=batch.case,
        report=report,
        updated_at=timezone.now(),
    )
    if not moved:  # another worker imported this chunk meanwhile: undo ours
        transaction.set_rollback(True)
        return False
    return True


def _clear_rows(batch: Import, start: int, count: int) -> None:
    """Empty the payload and set the item of a chunk's rows, in one UPDATE."""
    ImportRow.objects.filter(
        batch=batch, position__gte=start, position__lt=start + count, outcome__in=(NEW, JOIN)
    ).update(
        payload="",
        item=Subquery(
            Item.objects.filter(url_key=OuterRef("url_key"))
            .exclude(status__in=TERMINAL_STATUSES)
            .values("pk")[:1]
        ),
    )


def _case_reference(item: Item, case: Case, batch: Import) -> str:
    """The case an item joined, as its importer may see it ("" when out of their reach)."""
    if item.case_id == case.pk:
        return case.reference
    if batch.by is None or not Item.objects.filter(item_scope(batch.by), pk=item.pk).exists():
        return ""
    return item.case.reference


def _finish(batch: Import) -> None:
    counts = dict(batch.counts)
    for outcome in (NEW, JOIN, DUPLICATE, ERROR):
        counts[outcome] = ImportRow.objects.filter(batch=batch, outcome=outcome).count()
    Import.objects.filter(pk=batch.pk).update(
        status=Import.Status.DONE,
        counts=counts,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    ImportRow.objects.filter(batch=batch).exclude(payload="").update(payload="")
    log.info("import.done", extra={"import": str(batch.pk), "rows": batch.rows_total})


def sweep_imports(now: dt.datetime | None = None) -> list[str]:
    """Ids of imports whose worker stalled (to run again); drops old unconfirmed previews."""
    now = now or timezone.now()
    stale = Import.objects.filter(
        status=Import.Status.PREVIEWED, created_at__lt=now - PREVIEW_KEPT_FOR
    )
    for batch_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            ImportRow.objects.filter(batch_id=batch_id).delete()
            Import.objects.filter(pk=batch_id, status=Import.Status.PREVIEWED).update(
                status=Import.Status.CANCELLED, updated_at=now
            )
    stalled = Import.objects.filter(
        status=Import.Status.IMPORTING, updated_at__lt=now - STALLED_AFTER
    )
    ids = [str(pk) for pk in stalled.values_list("pk", flat=True)]
    stalled.update(updated_at=now)  # one re-run per period, not one per sweep
    return ids


def progress(batch: Import) -> dict[str, object]:
    """What the progress endpoint and the API's status answer."""
    return {
        "id": str(batch.pk),
        "status": batch.status,
        "rows_done": batch.rows_done,
        "rows_total": batch.rows_total,
        "percent": 100 if not batch.rows_total else (100 * batch.rows_done) // batch.rows_total,
    }


__all__ = [
    "CHUNK_ROWS",
    "INLINE_ROWS",
    "ImportPreview",
    "import_chunk",
    "preview_import",
    "progress",
    "run_import",
    "start_import",
    "sweep_imports",
]
