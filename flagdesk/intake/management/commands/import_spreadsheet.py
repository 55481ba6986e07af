"""``flagdesk import FILE [--dry-run] [--phenomenon X] [--as USER]``: a spreadsheet of URLs.

Prints one line per row (row, outcome, message) and a summary. Exit status: 0 when every row
was imported or joined an open item, and for a dry run of a readable file (its last line says
what a real import would do); 1 when an import skipped rows that had errors or repeated an
earlier row (they are listed; the other rows were still imported); 2 when nothing could be
done (unreadable or refused file, unknown user, no permission). A dry run needs no user: it
stores nothing, and names the cases of open items only with ``--as``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.accounts.models import User
from flagdesk.core.errors import FlagdeskError
from flagdesk.intake.imports.checking import DUPLICATE, ERROR, JOIN, NEW
from flagdesk.intake.imports.services import preview_import, start_import
from flagdesk.intake.models import ImportRow, Report

FATAL = 2
ROWS_SKIPPED = 1


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=FATAL)


def _error_text(exc: FlagdeskError) -> str:
    parts = [str(exc.message)]
    for name, problems in exc.fields.items():
        parts.append(f"{name}: {' '.join(str(p) for p in problems)}")
    return " ".join(parts)


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of URLs as one report (see docs/cli.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="check only; store nothing")
        parser.add_argument("--phenomenon", default="", help="code for rows that give none")
        parser.add_argument(
            "--role", default=Report.ReporterRole.PROFESSIONAL, choices=Report.ReporterRole.values
        )
        parser.add_argument("--sheet", default="", help="the XLSX sheet (default: the first)")
        parser.add_argument(
            "--as",
            dest="username",
            default=os.environ.get("FLAGDESK_USER", ""),
            help="the acting intake officer, analyst or coordinator (default: $FLAGDESK_USER)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if (options["username"] or not dry_run) and user is None:
            raise _fail(_("Name an active user with --as USERNAME (or FLAGDESK_USER)."))
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as e:
            raise _fail(
                _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": e.strerror}
            ) from None
        try:
            preview = preview_import(
                data,
                path.name,
                actor=user,
                phenomenon=options["phenomenon"],
                role=options["role"],
                sheet=options["sheet"],
                dry_run=dry_run,
            )
            if preview.batch is not None:
                batch = start_import(preview.batch, actor=user, wait=True)
                rows = [
                    (r.number, r.url, r.outcome, r.message)
                    for r in ImportRow.objects.filter(batch=batch)
                ]
                counts = batch.counts
            else:
                rows = [(r.number, r.url, r.outcome, r.message) for r in preview.rows]
                counts = preview.counts
        except FlagdeskError as e:
            raise _fail(_error_text(e)) from None
        sheet = preview.sheet
        for number, url, outcome, message in rows:
            self.stdout.write(f"{number}\t{outcome}\t{url}\t{message}".rstrip())
        self.stdout.write(
            _(
                "%(rows)d rows (%(format)s %(encoding)s): %(new)d new, %(join)d joining open "
                "items, %(duplicate)d duplicates, %(error)d errors."
            )
            % {**counts, "format": sheet.format.upper(), "encoding": sheet.encoding}
        )
        if sheet.ignored:
            self.stdout.write(_("Ignored columns: %(names)s") % {"names": ", ".join(sheet.ignored)})
        if dry_run:
            imported = counts.get(NEW, 0) + counts.get(JOIN, 0)
            self.stdout.write(
                ngettext(
                    "Dry run: %(imported)d row would be imported, %(skipped)d skipped; "
                    "nothing was stored.",
                    "Dry run: %(imported)d rows would be imported, %(skipped)d skipped; "
                    "nothing was stored.",
                    imported,
                )
                % {
                    "imported": imported,
                    "skipped": counts.get(ERROR, 0) + counts.get(DUPLICATE, 0),
                }
            )
            return  # the file is readable: what a real import would skip is listed above
        if preview.batch is not None:
            self.stdout.write(_("Import %(id)s done.") % {"id": preview.batch.pk})
        if counts.get(ERROR) or counts.get(DUPLICATE):
            raise CommandError(_("Some rows were not imported."), returncode=ROWS_SKIPPED)
