"""``flagdesk worker [--burst] [--queues Q]``: the loop of ``flagdesk.site.worker``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from flagdesk.core import shutdown
from flagdesk.site.worker import WorkerLoop


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs; --burst exits when nothing is due."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--burst", action="store_true", help="Exit once no task and no periodic job is due."
        )
        parser.add_argument(
            "--queues",
            default="*",
            help=(
                "Comma-separated task queues to run (default: all). `flagdesk serve` runs one "
                "worker for 'default' and one for 'media', so a long video being hashed never "
                "holds up a notice."
            ),
        )

    def handle(self, *args: Any, burst: bool = False, queues: str = "*", **options: Any) -> None:
        if not burst:
            # `flagdesk worker` installed these before Django started; this covers callers
            # that run the command in-process. SIGTERM finishes the task under way, then stops.
            shutdown.install()
        names = [q.strip() for q in queues.split(",") if q.strip()]
        WorkerLoop(queues=names, burst=burst).run()
