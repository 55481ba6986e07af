"""Background work of intake: the intake mailbox's poll, mails to reporters (the outbox's
sweep, and the mails telling reporters of decisions), long spreadsheet imports and forgetting
spent receipt-code counters. Tasks take ids, re-read the row and can safely run twice (S12);
``site/worker.py`` assembles PERIODIC."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django_tasks import task

from flagdesk.core.periodic import Periodic

from . import outcome_mail, receipts, reporter_mail


def _poll_intake_mailbox() -> int:
    """Nothing to do without FLAGDESK_INTAKE_IMAP_URL; otherwise the drafts it took."""
    if not settings.INTAKE_IMAP_URL:
        return 0
    from .mail_intake.services import poll_intake_mailbox

    return poll_intake_mailbox().taken


@task()
def send_reporter_mail(mail_id: str) -> str | None:
    """Send one mail to a reporter, if it is still due and nobody else holds it."""
    return reporter_mail.send(UUID(mail_id))


@task()
def run_import_task(import_id: str) -> int:
    """Import what is left of a confirmed import; returns the rows done so far."""
    from .imports.services import run_import

    return run_import(UUID(import_id)).rows_done


def resume_imports() -> int:
    """Take up imports whose worker died (and drop unconfirmed previews after a day)."""
    from .imports.services import sweep_imports

    ids = sweep_imports()
    for import_id in ids:
        run_import_task.enqueue(import_id)
    return len(ids)


PERIODIC = [
    Periodic("intake.mailbox", settings.INTAKE_IMAP_POLL_SECONDS, _poll_intake_mailbox),
    # Due retries and expired leases become tasks on every round: a retry is never late by
    # more than one idle second.
    Periodic("intake.reporter_mail", 0, reporter_mail.sweep),
    # Reporters told of the platforms' decisions (removed, restricted, refused), read from
    # the case timelines; exactly once, whichever worker finds them first.
    Periodic("intake.outcome_mails", 30, outcome_mail.mail_outcomes),
    Periodic("intake.resume_imports", 60, resume_imports),
    # Receipt-code counters whose window and lock-out are over (docs/status-page.md).
    Periodic("intake.receipt_lockouts", 3600, receipts.purge_lockouts, in_burst=False),
]
