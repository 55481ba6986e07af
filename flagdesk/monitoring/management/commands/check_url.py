"""``flagdesk check-url URL...``: each URL through the safe fetcher, one JSON line per URL.

Each line is ``{"url", "outcome", "reason", "http_status", "final_url"}`` (docs/api.md), in
the order given; ``refused`` means no connection was made. The exit status is 0 once every URL
has its line, whatever the outcomes: they are results, not errors of the command. With
``-v 2`` the translated sentence for each URL also goes to stderr, for a person at a terminal.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from flagdesk.monitoring.fetcher import fetch


class Command(BaseCommand):
    help = "Check URLs with the safe fetcher and print one JSON object per URL and line."
    # The fetcher needs neither the database nor the URLconf; skipping the checks keeps it quick.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("urls", nargs="+", metavar="URL", help="http(s) URLs to check")

    def handle(self, *args: Any, **options: Any) -> None:
        for url in options["urls"]:
            fetched = fetch(url)
            self.stdout.write(json.dumps(fetched.as_line()))
            self.stdout.flush()
            if options["verbosity"] >= 2:
                self.stderr.write(f"{json.dumps(url)}: {fetched.message}")
