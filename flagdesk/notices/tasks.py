"""Background tasks for notices. They take ids, re-read the row and can safely run twice (S12)."""

from __future__ import annotations

import os
import socket
from uuid import UUID

from django_tasks import task

from flagdesk.core.periodic import Periodic

from . import outbox


def worker_name() -> str:
    """Who holds a lease: enough to find the process, nothing personal."""
    return f"{socket.gethostname()}:{os.getpid()}"


@task()
def send_outbox_row(outbox_id: str) -> None:
    row = outbox.claim(UUID(outbox_id), worker=worker_name())
    if row is None:
        return  # already sent, cancelled, not due yet, or leased by another worker
    outbox.deliver(row)


@task()
def sweep_outbox() -> int:
    return outbox.sweep()


# Due sends and expired leases become tasks on every round: a retry is never late by more
# than one idle second.
PERIODIC = [Periodic("notices.outbox", 0, outbox.sweep)]
