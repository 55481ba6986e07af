"""``flagdesk recompute_priorities``: every item's due time again (docs/workbench.md).

Run after changing ``FLAGDESK_PRIORITY_TARGET_HOURS``, or once after upgrading, so existing
items count their reports, victims' ages and matches. Finished items are left alone unless
``--all`` is given.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from flagdesk.cases.models import TERMINAL_STATUSES, Item
from flagdesk.cases.priority import recompute_priority


class Command(BaseCommand):
    help = "Compute the workbench priority (due time) of every open item again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="finished items too")

    def handle(self, *args: Any, **options: Any) -> None:
        items = Item.objects.order_by("pk")
        if not options["all"]:
            items = items.exclude(status__in=TERMINAL_STATUSES)
        ids = list(items.values_list("pk", flat=True))
        changed = recompute_priority(ids)
        self.stdout.write(f"{len(ids)} items checked, {changed} changed.")
