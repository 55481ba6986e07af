"""Background tasks for notices. They take ids, re-read the row and can safely run twice (S12)."""

from __future__ import annotations

import os
import socket
from uuid import UUID

from django.conf import settings
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


def _poll_mailbox() -> int:
    from .services.inbound import poll_mailbox

    return poll_mailbox()


# Due sends and expired leases become tasks on every round: a retry is never late by more
# than one idle second. The answers mailbox is read every FLAGDESK_IMAP_POLL_SECONDS.
def _mail_alerts() -> int:
    from .alerts import mail_alerts

    mail_alerts()
    return 0  # mailing is upkeep: it never keeps a burst going


def _auto_renotices() -> int:
    from .services.follow_ups import auto_renotices

    return auto_renotices()


PERIODIC = [
    Periodic("notices.outbox", 0, outbox.sweep),
    Periodic("notices.auto_renotice", 15 * 60, _auto_renotices),
    Periodic("notices.alerts", 60, _mail_alerts),
    Periodic("notices.mailbox", settings.IMAP_POLL_SECONDS, _poll_mailbox),
]
