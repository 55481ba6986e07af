"""Background tasks of intake. They take ids, re-read the row and can safely run twice (S12)."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

from flagdesk.core.periodic import Periodic

from . import reporter_mail


@task()
def send_reporter_mail(mail_id: str) -> str | None:
    """Send one mail to a reporter, if it is still due and nobody else holds it."""
    return reporter_mail.send(UUID(mail_id))


# Due retries and expired leases become tasks on every round: a retry is never late by more
# than one idle second.
PERIODIC = [
    Periodic("intake.reporter_mail", 0, reporter_mail.sweep),
]
