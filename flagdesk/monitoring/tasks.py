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


PERIODIC = [
    Periodic("monitoring.start_watches", 60, _start_watches),
    Periodic("monitoring.checks", 0, _run_due_checks),
    Periodic("monitoring.end_resolved", 300, _end_resolved),
    Periodic("monitoring.approval_captures", 60, _queue_approval_captures),
    Periodic("monitoring.captures", 0, _run_due_capture),
]
