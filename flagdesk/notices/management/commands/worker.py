"""``flagdesk worker [--burst]``: sweep the outbox, then run every task that is due.

Retries are not tasks waiting in a queue: they are outbox rows with a ``next_attempt_at``, which
the sweep turns into tasks once due. So one loop of "sweep, then run due tasks" is the whole
scheduler, and ``--burst`` can stop as soon as a sweep finds nothing and no task is ready.
"""

from __future__ import annotations

import logging
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from flagdesk.core import shutdown
from flagdesk.matching.index.store import refresh_stale_snapshots
from flagdesk.matching.tasks import sweep_unchecked
from flagdesk.notices import outbox
from flagdesk.notices.tasks import worker_name

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
MATCH_SWEEP_SECONDS = 60.0
MAX_BURST_ROUNDS = 100


class Command(BaseCommand):
    help = "Run background tasks (notice sending); --burst exits when nothing is due."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--burst", action="store_true", help="Exit once no task and no outbox row is due."
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
        self.queues = [q.strip() for q in queues.split(",") if q.strip()] or ["*"]
        if not burst:
            # `flagdesk worker` installed these before Django started; this covers callers
            # that run the command in-process. SIGTERM finishes the task under way, then stops.
            shutdown.install()
        # The readiness line: from here on a stop request ends the loop cleanly.
        log.info("worker.started", extra={"burst": burst})
        rounds = 0
        next_match_sweep = 0.0
        # Sweeps belong to the worker of the default queue; a media-only worker just hashes.
        sweeps = "*" in self.queues or "default" in self.queues
        while not shutdown.requested():
            rounds += 1
            swept = outbox.sweep() if sweeps else 0
            if sweeps and time.monotonic() >= next_match_sweep:
                # Hashes whose matching task died with a worker: rare, so once a minute.
                swept += sweep_unchecked()
                if not burst:  # a long-running worker keeps this machine's snapshots fresh
                    refresh_stale_snapshots()
                next_match_sweep = time.monotonic() + MATCH_SWEEP_SECONDS
            ran = self._run_due_tasks()
            if burst and (not (swept or ran) or rounds >= MAX_BURST_ROUNDS):
                # The cap only matters if a task keeps failing before it claims its row.
                break
            if not (swept or ran):
                self._idle()
        log.info("worker.stopped")

    def _run_due_tasks(self) -> int:
        """Run ready tasks one by one, claimed as django_tasks_db's own worker claims them."""
        runner = Worker(
            queue_names=self.queues,
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_name()[:64],
            excluded_queue_names=[],
        )
        ran = 0
        while not shutdown.requested():
            _refresh_connection()
            ready = DBTaskResult.objects.ready()
            if "*" not in self.queues:
                ready = ready.filter(queue_name__in=self.queues)
            try:
                with exclusive_transaction(ready.db):
                    result = ready.get_locked()
                    if result is not None:
                        result.claim(runner.worker_id)
            except OperationalError as e:
                if not is_locked_database_exception(e):
                    raise
                break  # another worker holds the queue; try again on the next loop
            if result is None:
                break
            runner.run_task(result)
            ran += 1
        return ran

    def _idle(self) -> None:
        # Wakes at once on SIGTERM, so a stop never waits for the idle second to pass.
        shutdown.wait(IDLE_SECONDS)


def _refresh_connection() -> None:
    """Drop a dead or expired connection between tasks, as Django does between requests.

    Inside an atomic block (a test wrapping the worker) there is nothing to refresh, and
    closing would break the surrounding transaction.
    """
    if not connection.in_atomic_block:
        close_old_connections()
