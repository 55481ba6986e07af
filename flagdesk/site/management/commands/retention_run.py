"""``flagdesk retention run [--dry-run] [--json]``: erase the personal data that is due."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from flagdesk.cases.retention import CLASS_LABELS
from flagdesk.site.retention import RetentionReport, run_retention


class Command(BaseCommand):
    help = (
        "Erase the personal data whose retention period is over (docs/retention.md) and "
        "print what was erased, by data class and phenomenon. --dry-run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be erased; change nothing"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = run_retention(dry_run=options["dry_run"])
        except ImproperlyConfigured as e:
            raise CommandError(str(e)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(_table(report))


def _table(report: RetentionReport) -> str:
    erased = "would erase" if report.is_dry_run else "erased"
    lines = [f"{'data class':<36} {'phenomenon':<16} {erased:>11} {'held':>6}"]
    for tally in report.tallies:
        label = str(CLASS_LABELS[tally.data_class])
        rows = tally.rows()
        if not rows:
            lines.append(f"{label:<36} {'-':<16} {0:>11} {0:>6}")
        for row in rows:
            lines.append(f"{label:<36} {row.phenomenon or '-':<16} {row.erased:>11} {row.held:>6}")
    total = f"{report.erased} erased" if not report.is_dry_run else f"{report.erased} due"
    lines.append(f"total: {total}, {report.held} kept under legal hold")
    if report.is_dry_run:
        lines.append("dry run: nothing was changed")
    return "\n".join(lines)
