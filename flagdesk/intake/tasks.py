"""The intake app's periodic jobs, run by the worker (``site/worker.py`` assembles them)."""

from __future__ import annotations

from django.conf import settings

from flagdesk.core.periodic import Periodic


def _poll_intake_mailbox() -> int:
    """Nothing to do without FLAGDESK_INTAKE_IMAP_URL; otherwise the drafts it took."""
    if not settings.INTAKE_IMAP_URL:
        return 0
    from .mail_intake.services import poll_intake_mailbox

    return poll_intake_mailbox().taken


PERIODIC = [
    Periodic("intake.mailbox", settings.INTAKE_IMAP_POLL_SECONDS, _poll_intake_mailbox),
]
