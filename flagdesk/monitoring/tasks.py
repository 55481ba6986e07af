"""The monitoring jobs the worker runs (S1b: ``site.worker`` assembles every app's list).

Re-checks and captures run on every round of the worker loop: a due check waits at most one
idle second. Opening watches for newly notified items, queueing captures of newly approved
ones and ending watches of resolved items are cheap scans done every minute.
"""

from __future__ import annotations

from flagdesk.core.periodic import Periodic
from flagdesk.notices.tasks import worker_name


def _run_due_checks() -> int:
    from .runner import run_due_checks

    return run_due_checks(worker=worker_name())


def _start_watches() -> int:
    from .services.watches import start_watches

    return start_watches()


def _end_resolved() -> int:
    from .services.watches import end_resolved

    end_resolved()
    return 0  # upkeep: it never keeps a burst going


def _queue_approval_captures() -> int:
    from .services.captures import queue_approval_captures

    return queue_approval_captures()


def _run_due_capture() -> int:
    from .services.captures import run_due_capture

    return run_due_capture(worker=worker_name())


# On the worker of the ``monitoring`` queue (`flagdesk serve` starts one; a worker of all
# queues runs them too): a fetch can take its whole deadline and a capture a minute, and the
# notices' worker must never wait for them.
QUEUE = "monitoring"
PERIODIC = [
    Periodic("monitoring.start_watches", 60, _start_watches, queue=QUEUE),
    Periodic("monitoring.checks", 0, _run_due_checks, queue=QUEUE),
    Periodic("monitoring.end_resolved", 300, _end_resolved, queue=QUEUE),
    Periodic("monitoring.approval_captures", 60, _queue_approval_captures, queue=QUEUE),
    Periodic("monitoring.captures", 0, _run_due_capture, queue=QUEUE),
]
