"""The worker loop: run every app's periodic jobs when due, then every task that is due.

Retries are not tasks waiting in a queue: they are outbox rows with a ``next_attempt_at``,
which the outbox's periodic sweep turns into tasks once due. So one loop of "periodic jobs,
then due tasks" is the whole scheduler, and ``--burst`` can stop as soon as a round finds
nothing to do. Which jobs exist is each app's business (``PERIODIC`` in its ``tasks.py``);
this module only assembles them (S1b).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from django.db import OperationalError, close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from flagdesk.audit import tasks as audit_tasks
from flagdesk.core import shutdown
from flagdesk.core.periodic import Periodic
from flagdesk.intake import tasks as intake_tasks
from flagdesk.matching import tasks as matching_tasks
from flagdesk.monitoring import tasks as monitoring_tasks
from flagdesk.notices import tasks as notices_tasks
from flagdesk.notices.tasks import worker_name
from flagdesk.partners import tasks as partners_tasks
from flagdesk.stats import tasks as stats_tasks

from . import retention

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
MAX_BURST_ROUNDS = 100


def periodic_jobs() -> list[Periodic]:
    """Every app's periodic jobs, in the order the apps come (S1)."""
    return [
        *audit_tasks.PERIODIC,
        *matching_tasks.PERIODIC,
        *notices_tasks.PERIODIC,
        *monitoring_tasks.PERIODIC,
        *intake_tasks.PERIODIC,
        *partners_tasks.PERIODIC,
        *stats_tasks.PERIODIC,
        *retention.PERIODIC,
    ]


class WorkerLoop:
    def __init__(self, *, queues: Sequence[str] = ("*",), burst: bool = False) -> None:
        self.queues = list(queues) or ["*"]
        self.burst = burst
        # Each periodic job belongs to the worker of its queue (``default`` for most; re-checks
        # and captures to ``monitoring``); a media-only worker only hashes.
        self.jobs = [
            j
            for j in periodic_jobs()
            if ("*" in self.queues or j.queue in self.queues) and (j.in_burst or not burst)
        ]
        self.next_run = {job.name: 0.0 for job in self.jobs}

    def run(self) -> None:
        # The readiness line: from here on a stop request ends the loop cleanly.
        log.info("worker.started", extra={"burst": self.burst})
        rounds = 0
        while not shutdown.requested():
            rounds += 1
            found = self.run_due_jobs() + self.run_due_tasks()
            if self.burst and (not found or rounds >= MAX_BURST_ROUNDS):
                # The cap only matters if a task keeps failing before it claims its row.
                break
            if not found:
                # Wakes at once on SIGTERM, so a stop never waits for the idle second.
                shutdown.wait(IDLE_SECONDS)
        log.info("worker.stopped")

    def run_due_jobs(self) -> int:
        found = 0
        for job in self.jobs:
            now = time.monotonic()
            if now < self.next_run[job.name]:
                continue
            self.next_run[job.name] = now + job.every_seconds
            _refresh_connection()
            try:
                found += job.run()
            except Exception:
                # Logged with its traceback and tried again at its next time.
                log.exception("worker.job_failed", extra={"job": job.name})
        return found

    def run_due_tasks(self) -> int:
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
                break  # another worker holds the queue; try again on the next round
            if result is None:
                break
            runner.run_task(result)
            ran += 1
        return ran


def _refresh_connection() -> None:
    """Drop a dead or expired connection between tasks, as Django does between requests.

    Inside an atomic block (a test wrapping the worker) there is nothing to refresh, and
    closing would break the surrounding transaction.
    """
    if not connection.in_atomic_block:
        close_old_connections()
