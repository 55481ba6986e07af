"""``flagdesk tdb import FILE...``: import DSA Transparency Database dump files, one after the
other, and print a table of what each gave; exit 1 when any file failed or was refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from flagdesk.core.errors import FlagdeskError
from flagdesk.stats.models import TdbImport
from flagdesk.stats.tdb.importing import import_dump

COLUMNS = ("file", "status", "rows", "ours", "others", "bad", "stored", "linked")


class Command(BaseCommand):
    help = (
        "Import DSA Transparency Database dump files (daily ZIPs, a ZIP with one CSV, or CSV "
        "files) and compare them with our notices; a file already imported is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        rows: list[tuple[str, ...]] = []
        problems: list[str] = []
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                rows.append((path.name, "missing", *("-" * 6)))
                problems.append(_("%(file)s: no such file.") % {"file": name})
                continue
            try:
                imp = import_dump(path)
            except FlagdeskError as e:
                rows.append((path.name, "refused", *("-" * 6)))
                problems.append(f"{path.name}: {e.message}")
                continue
            rows.append(
                (
                    imp.file_name,
                    imp.status,
                    str(imp.rows_read),
                    str(imp.rows_kept),
                    str(imp.rows_skipped),
                    str(imp.rows_bad),
                    str(imp.statements_stored),
                    str(imp.statements_linked),
                )
            )
            if imp.status != TdbImport.Status.DONE:
                problems.append(f"{imp.file_name}: {imp.error}")
            for line in imp.bad_lines:
                problems.append(
                    _("%(file)s: bad row %(line)s") % {"file": imp.file_name, "line": line}
                )
        widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            self.stdout.write(
                "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )
        for problem in problems:
            self.stderr.write(problem)
        if any(r[1] != TdbImport.Status.DONE for r in rows):
            raise CommandError(_("Not every file was imported."))
