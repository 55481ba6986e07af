"""``import_dump``: one Transparency Database dump file into flagdesk, as a stream.

Every row of a platform in our registry is counted into monthly figures (per source type,
category and action) held in memory, which stay small whatever the dump's size: a few
platforms times a few months times a handful of keys. Statements about our own items (their
``puid``) are stored whole, in batches. Rows of other platforms are skipped after reading one
column. At the end, one transaction links the statements, writes the monthly figures and
marks the import finished; if anything fails, the import's statements are deleted and it is
marked failed with its counts, so a failed import never counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import zipfile
import zlib
from collections import Counter
from pathlib import Path
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.services import record
from flagdesk.core.errors import Conflict, FlagdeskError
from flagdesk.platforms.models import Platform
from flagdesk.stats.models import TdbImport, TdbMonthly, TdbStatement

from .linking import link_statements, puid_index
from .reading import DumpError, csv_rows, parts
from .rows import BadRow, Columns, Statement, parse

log = logging.getLogger(__name__)

BATCH = 2000  # statements written at once, and rows between progress updates (x 25)
BAD_LINES_KEPT = 10
# A "running" import older than this was cut short (the process died): it may be redone.
STALE = dt.timedelta(hours=12)
DAILY = re.compile(r"sor-global-(\d{4}-\d{2}-\d{2})-(?:full|light)", re.IGNORECASE)


class AlreadyImported(Conflict):
    code = "tdb_already_imported"


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read in 1 MB blocks: about a second per gigabyte, a small part of
    reading the rows, and the only sure way to recognise the same file under another name."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _registry() -> dict[str, Platform]:
    """Lower-cased TDB name -> platform: ``tdb_name`` when the registry has it, else name."""
    names: dict[str, Platform] = {}
    for p in Platform.objects.filter(tdb_name=""):
        names[p.name.strip().lower()] = p
    for p in Platform.objects.exclude(tdb_name=""):
        names[p.tdb_name.strip().lower()] = p  # the database's own spelling wins
    return names


def _discard(imp: TdbImport) -> None:
    TdbStatement.objects.filter(tdb_import=imp).delete()
    TdbMonthly.objects.filter(tdb_import=imp).delete()


def _refuse_repeat(sha256: str, dump_on: dt.date | None, now: dt.datetime) -> None:
    for earlier in TdbImport.objects.filter(
        sha256=sha256, status=TdbImport.Status.RUNNING, started_at__lt=now - STALE
    ):
        _discard(earlier)
        earlier.status, earlier.error = TdbImport.Status.FAILED, "interrupted"
        earlier.save(update_fields=["status", "error"])
    repeated = TdbImport.objects.filter(
        sha256=sha256, status__in=[TdbImport.Status.RUNNING, TdbImport.Status.DONE]
    ).first()
    if repeated is None and dump_on:
        repeated = TdbImport.objects.filter(dump_on=dump_on, status=TdbImport.Status.DONE).first()
    if repeated is not None:
        raise AlreadyImported(
            _(
                "This dump was already imported on %(date)s (%(file)s); importing it again "
                "would count its statements twice."
            )
            % {"date": repeated.started_at.date().isoformat(), "file": repeated.file_name}
        )


class _Run:
    """The counters and buffers of one import."""

    def __init__(self, imp: TdbImport) -> None:
        self.imp = imp
        self.names = _registry()
        self.index = puid_index({p.pk: p for p in self.names.values()}.values())
        self.monthly: Counter[tuple[UUID, dt.date, str, str, str]] = Counter()
        self.pending: list[TdbStatement] = []

    def read_part(self, part_name: str, rows: object) -> None:
        imp = self.imp
        iterator = iter(rows)  # type: ignore[call-overload]
        header = next(iterator, None)
        if header is None:
            raise DumpError(_("%(part)s is empty.") % {"part": part_name})
        cols = Columns.from_header(header, part_name)
        name_at = cols.index["platform_name"]
        for line, row in enumerate(iterator, start=2):
            imp.rows_read += 1
            platform = self.names.get(row[name_at].strip().lower()) if len(row) > name_at else None
            if platform is None:
                imp.rows_skipped += 1
            else:
                self.take(platform, row, cols, f"{part_name}:{line}")
            if imp.rows_read % (BATCH * 25) == 0:
                self.flush()

    def take(self, platform: Platform, row: list[str], cols: Columns, where: str) -> None:
        imp = self.imp
        try:
            s = parse(row, cols)
        except BadRow as e:
            imp.rows_bad += 1
            if len(imp.bad_lines) < BAD_LINES_KEPT:
                imp.bad_lines.append(f"{where} {e}")
            return
        imp.rows_kept += 1
        month = s.application_date.replace(day=1)
        self.monthly[(platform.pk, month, s.source_type, s.category, s.action)] += 1
        known = self.index.get(platform.pk, {}).get(s.puid)
        if known is not None:
            self.pending.append(_statement(imp, platform, s, known.item_id, known.source))
            if len(self.pending) >= BATCH:
                self.flush()

    def flush(self) -> None:
        if self.pending:
            # The same statement in two files (a per-platform download and the daily dump)
            # is kept once.
            TdbStatement.objects.bulk_create(self.pending, ignore_conflicts=True)
            self.pending = []
        self.imp.save(
            update_fields=["rows_read", "rows_kept", "rows_skipped", "rows_bad", "bad_lines"]
        )

    @transaction.atomic
    def finish(self) -> None:
        self.flush()
        imp = self.imp
        stored = list(TdbStatement.objects.filter(tdb_import=imp))
        imp.statements_stored = len(stored)
        imp.statements_linked = link_statements(stored)
        # Statements of earlier imports that did not fit may fit now (a notice sent since, a
        # re-notice): they are few, as they are all about our own items.
        link_statements(
            TdbStatement.objects.filter(tdb_import__status=TdbImport.Status.DONE)
            .exclude(link=TdbStatement.Link.LINKED)
            .exclude(tdb_import=imp)
        )
        TdbMonthly.objects.bulk_create(
            [
                TdbMonthly(
                    tdb_import=imp,
                    platform_id=pid,
                    month=month,
                    source_type=source,
                    category=category,
                    action=action,
                    count=n,
                )
                for (pid, month, source, category, action), n in self.monthly.items()
            ],
            batch_size=500,
        )
        imp.status, imp.finished_at = TdbImport.Status.DONE, timezone.now()
        imp.save()
        record(
            "tdb.import",
            actor=imp.imported_by,
            target=f"tdb_import:{imp.pk}",
            data={"file": imp.file_name, "sha256": imp.sha256, "rows": imp.rows_read},
        )


def _statement(
    imp: TdbImport, platform: Platform, s: Statement, item_id: UUID, source: str
) -> TdbStatement:
    return TdbStatement(
        tdb_import=imp,
        platform=platform,
        uuid=s.uuid,
        puid=s.puid,
        category=s.category,
        keywords=s.keywords,
        content_type=s.content_type,
        decision_visibility=s.decision_visibility,
        decision_monetary=s.decision_monetary,
        decision_provision=s.decision_provision,
        decision_account=s.decision_account,
        decision_ground=s.decision_ground,
        decision=s.decision,
        action=s.action,
        source_type=s.source_type,
        automated_detection=s.automated_detection,
        automated_decision=s.automated_decision,
        territorial_scope=s.territorial_scope,
        content_date=s.content_date,
        application_date=s.application_date,
        created_at=s.created_at,
        item_id=item_id,
        puid_source=source,
    )


def import_dump(
    path: Path | str, *, actor: User | None = None, name: str | None = None
) -> TdbImport:
    """Import one dump file (a daily ZIP of ZIP parts, a ZIP with one CSV, or a bare CSV).

    Raises ``AlreadyImported`` (nothing recorded) when the same file, or the other variant of
    the same daily dump, was imported. Otherwise returns the import: ``done``, or ``failed``
    with ``error`` when the file cannot be read as a dump (not a ZIP, a ZIP bomb, no header,
    a missing column, not UTF-8...); a failed import keeps its counts but none of its rows.
    Bad rows are counted (the first few with their line) and the import goes on. A finished
    import writes a ``tdb.import`` audit entry. ``actor`` (a coordinator) is None on the
    command line.
    """
    if actor is not None:  # the command line runs as the operator, with no account
        require_role(actor, *roles_for(Action.TDB_IMPORT))
    path = Path(path)
    name = (name or path.name)[:255]
    sha256 = file_sha256(path)
    day = DAILY.search(name)
    dump_on = dt.date.fromisoformat(day.group(1)) if day else None
    _refuse_repeat(sha256, dump_on, timezone.now())
    try:
        imp = TdbImport.objects.create(
            file_name=name,
            size=path.stat().st_size,
            sha256=sha256,
            dump_on=dump_on,
            imported_by=actor,
        )
    except IntegrityError:  # the same file started at the same moment elsewhere
        raise AlreadyImported(_("This dump is being imported right now.")) from None
    log.info("tdb.import.start", extra={"tdb_import": str(imp.pk)})
    run = _Run(imp)
    try:
        for part in parts(path):
            run.read_part(part.name, csv_rows(part))
        if imp.rows_read == 0 and imp.rows_bad == 0:
            log.info("tdb.import.empty", extra={"tdb_import": str(imp.pk)})
        run.finish()
    except FlagdeskError as e:
        _fail(imp, str(e.message))
        return imp
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        _fail(imp, _("The archive is damaged: %(problem)s.") % {"problem": e})
        return imp
    except Exception:
        _fail(imp, "internal error")
        raise
    log.info(
        "tdb.import.done",
        extra={"tdb_import": str(imp.pk), "rows": imp.rows_read, "linked": imp.statements_linked},
    )
    return imp


def _fail(imp: TdbImport, message: str) -> None:
    _discard(imp)
    imp.status, imp.finished_at, imp.error = TdbImport.Status.FAILED, timezone.now(), message
    imp.save()
    log.warning("tdb.import.failed", extra={"tdb_import": str(imp.pk)})
