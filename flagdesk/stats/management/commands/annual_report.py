"""``flagdesk annual-report --year Y --format json|csv|html|pdf [-o FILE] [--language L]``.

Writes the year's art. 22(3) report: the frozen copy of a final year, else a draft computed now.
Without ``-o`` the file goes to standard output as bytes (a PDF can be piped). Exit codes: 0
written, 2 a bad year, format or language, 1 the file could not be written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from flagdesk.core.errors import ValidationFailed
from flagdesk.stats.annual import render, services

LANGUAGES = ("en", "fr", "nl", "de")


class Command(BaseCommand):
    help = "Write the art. 22(3) DSA annual report of a year as JSON, CSV, HTML or PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help="The calendar year, e.g. 2025.")
        parser.add_argument("--format", dest="fmt", default="json", help="json, csv, html or pdf.")
        parser.add_argument("-o", "--output", default="", help="A file; standard output if none.")
        parser.add_argument("--language", default="en", help="en, fr, nl or de (HTML and PDF).")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = str(options["fmt"]).lower()
        language = str(options["language"]).lower()
        if fmt not in render.FORMATS:
            raise CommandError(
                _("Unknown format %(format)s: choose json, csv, html or pdf.")
                % {"format": fmt[:20]},
                returncode=2,
            )
        if language not in LANGUAGES:
            raise CommandError(
                _("Unknown language %(language)s: choose en, fr, nl or de.")
                % {"language": language[:20]},
                returncode=2,
            )
        try:
            year = services.check_year(options["year"])
        except ValidationFailed as e:
            raise CommandError(str(e.message), returncode=2) from None
        with translation.override(language):
            body = render.render(services.report_data(year), fmt, language)
        if options["output"]:
            try:
                Path(options["output"]).write_bytes(body)
            except OSError as e:
                raise CommandError(
                    _("Cannot write %(path)s: %(error)s")
                    % {"path": options["output"], "error": e.strerror}
                ) from None
            return
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
