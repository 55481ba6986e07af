"""Mail to reporters: a small durable outbox (the receipt after a phone call, and later every
mail a reporter gets from us).

``queue_reporter_mail`` writes a ``ReporterMail`` row in the caller's transaction, so the mail
exists exactly when what it is about exists; a task is enqueued once that transaction commits.
The task claims the row with a conditional UPDATE that sets a lease, so two workers never send
the same mail at the same time, and a worker that died mid-send leaves a lease that expires
(the periodic ``sweep`` then queues the row again, with the same Message-ID). An SMTP failure
that may pass (the server down, a 4xx answer) schedules a retry with exponential backoff; a
refusal (5xx) or too many attempts gives up. Sent or given up, the body is erased: it may hold
a receipt code, which must not stay at rest longer than needed.

Headers are safe by construction: the address is validated at queue time and the subject
loses any line break, so nothing a caller typed can add a header.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import smtplib
from email.utils import make_msgid
from functools import partial
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.core.errors import ValidationFailed

from .models import Report, ReporterMail

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 60
RETRY_CAP_SECONDS = 30 * 60  # RFC 5321 4.5.4.1: at least 30 minutes between retries
MAX_ATTEMPTS = 20  # with the cap: about eight hours of trying, then a person looks
LEASE_SECONDS = 120
MAX_SUBJECT = 200
MAX_ERROR = 500


def _one_line(text: str) -> str:
    """A header value with no line break (so no header can be smuggled in) and no run of
    blanks."""
    return " ".join(text.split())


def domain() -> str:
    """The domain of Message-IDs: the sender's."""
    return _domain()


def _domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    return sender.rsplit("@", 1)[1].strip("> ") if "@" in sender else "flagdesk.invalid"


def queue_reporter_mail(
    report: Report,
    *,
    to: str,
    subject: str,
    body: str,
    language: str,
    kind: str = ReporterMail.Kind.RECEIPT,
    sent_by: User | None = None,
    message_id: str = "",
    now: dt.datetime | None = None,
) -> ReporterMail:
    """Keep one mail to a reporter for the worker to send; runs in the caller's transaction.

    The Message-ID is fixed now, so a repeat after a worker died is recognisable as the same
    mail; a caller that derives it from what the mail is about (``message_id``, see
    ``outcome_mail``) makes a second mail about the same thing fail on its unique constraint.
    ``sent_by`` is the staff member who wrote it (None for automatic mails). Raises
    ``ValidationFailed`` (field ``reporter_email``) for an address that cannot be one.
    """
    address = to.strip()
    try:
        validate_email(address)
    except DjangoValidationError:
        message = _("This email address is not valid.")
        raise ValidationFailed(message, fields={"reporter_email": [message]}) from None
    now = now or timezone.now()
    mail = ReporterMail.objects.create(
        report=report,
        kind=kind,
        sent_by=sent_by,
        to=address,
        language=language,
        subject=_one_line(subject)[:MAX_SUBJECT],
        body=body,
        message_id=message_id or make_msgid(domain=_domain()),
        next_attempt_at=now,
        enqueued_at=now,
    )
    from .tasks import send_reporter_mail  # the task module imports this one

    transaction.on_commit(partial(send_reporter_mail.enqueue, str(mail.pk)))
    return mail


def requeue(mail: ReporterMail, *, to: str, body: str, now: dt.datetime | None = None) -> bool:
    """Queue a failed mail again, with its body written anew (it was erased when the mail
    failed) and the same Message-ID; runs in the caller's transaction. False when the mail
    is no longer failed (someone sent it again a moment ago)."""
    now = now or timezone.now()
    address = to.strip()
    try:
        validate_email(address)
    except DjangoValidationError:
        message = _("This email address is not valid.")
        raise ValidationFailed(message, fields={"reporter_email": [message]}) from None
    again = ReporterMail.objects.filter(pk=mail.pk, status=ReporterMail.Status.FAILED).update(
        status=ReporterMail.Status.QUEUED,
        to=address,
        body=body,
        attempts=0,
        next_attempt_at=now,
        enqueued_at=now,
        leased_until=None,
        last_error="",
    )
    if again:
        from .tasks import send_reporter_mail

        transaction.on_commit(partial(send_reporter_mail.enqueue, str(mail.pk)))
    return bool(again)


def _claimable(now: dt.datetime) -> Q:
    due = Q(status=ReporterMail.Status.QUEUED, next_attempt_at__lte=now)
    expired = Q(status=ReporterMail.Status.SENDING, leased_until__lt=now)
    return due | expired


def claim(mail_id: UUID, *, now: dt.datetime | None = None) -> ReporterMail | None:
    """Lease the mail to this worker; None when it is not due, sent, failed or leased."""
    now = now or timezone.now()
    claimed = ReporterMail.objects.filter(_claimable(now), pk=mail_id).update(
        status=ReporterMail.Status.SENDING,
        leased_until=now + dt.timedelta(seconds=LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    return ReporterMail.objects.get(pk=mail_id) if claimed else None


def backoff_seconds(attempts: int) -> float:
    """From one minute, doubling, to the cap; jittered so mails failing together spread out."""
    delay = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS)
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not a secret


def _message(mail: ReporterMail) -> EmailMessage:
    return EmailMessage(
        subject=mail.subject,
        body=mail.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        headers={
            "Message-ID": mail.message_id,
            "Content-Language": mail.language,
            "Auto-Submitted": "auto-generated",
        },
    )


def deliver(mail: ReporterMail, *, now: dt.datetime | None = None) -> str:
    """Send a claimed mail once over SMTP and settle it; returns the new status.

    A worker that held the lease too long (it expired, another worker took the mail over)
    finds the row no longer under its lease and sends nothing.
    """
    current = ReporterMail.objects.filter(pk=mail.pk).values_list("status", "leased_until")
    status, leased_until = current.get()
    if status != ReporterMail.Status.SENDING or leased_until != mail.leased_until:
        return str(status)
    try:
        _message(mail).send(fail_silently=False)
    except smtplib.SMTPResponseException as e:
        if 400 <= e.smtp_code < 500:
            return _retry_later(mail, f"SMTP {e.smtp_code}", now=now)
        return _give_up(mail, f"SMTP {e.smtp_code}")
    except smtplib.SMTPRecipientsRefused as e:
        codes = [code for code, _text in e.recipients.values()]
        if codes and all(400 <= c < 500 for c in codes):
            return _retry_later(mail, "recipient refused for now", now=now)
        return _give_up(mail, "recipient refused")
    except (OSError, smtplib.SMTPException) as e:
        # Connection refused, timeout, the server went away: try again later.
        return _retry_later(mail, type(e).__name__, now=now)
    except ValueError as e:  # an address Django refuses for a header
        return _give_up(mail, type(e).__name__)
    sent = ReporterMail.objects.filter(pk=mail.pk, status=ReporterMail.Status.SENDING).update(
        status=ReporterMail.Status.SENT,
        sent_at=now or timezone.now(),
        body="",  # the receipt code goes as soon as the mail has
        leased_until=None,
        last_error="",
    )
    if sent:
        log.info("reporter_mail.sent", extra={"mail": str(mail.pk), "attempts": mail.attempts})
    return ReporterMail.Status.SENT


def _retry_later(mail: ReporterMail, reason: str, *, now: dt.datetime | None) -> str:
    if mail.attempts >= MAX_ATTEMPTS:
        return _give_up(mail, reason)
    now = now or timezone.now()
    ReporterMail.objects.filter(pk=mail.pk, status=ReporterMail.Status.SENDING).update(
        status=ReporterMail.Status.QUEUED,
        next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(mail.attempts)),
        enqueued_at=None,  # the sweep queues the retry once it is due
        leased_until=None,
        last_error=reason[:MAX_ERROR],
    )
    log.warning("reporter_mail.retry", extra={"mail": str(mail.pk), "attempts": mail.attempts})
    return ReporterMail.Status.QUEUED


def _give_up(mail: ReporterMail, reason: str) -> str:
    ReporterMail.objects.filter(pk=mail.pk).exclude(status=ReporterMail.Status.SENT).update(
        status=ReporterMail.Status.FAILED, body="", leased_until=None, last_error=reason[:MAX_ERROR]
    )
    log.error("reporter_mail.failed", extra={"mail": str(mail.pk), "attempts": mail.attempts})
    return ReporterMail.Status.FAILED


def send(mail_id: UUID, *, now: dt.datetime | None = None) -> str | None:
    """Claim and send one mail; None when there was nothing to claim."""
    mail = claim(mail_id, now=now)
    return None if mail is None else deliver(mail, now=now)


def sweep(now: dt.datetime | None = None) -> int:
    """Queue a send task for each due mail without a recent task and each expired lease."""
    from .tasks import send_reporter_mail

    now = now or timezone.now()
    recent = now - dt.timedelta(seconds=LEASE_SECONDS)
    unqueued = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=recent)
    due = Q(status=ReporterMail.Status.QUEUED, next_attempt_at__lte=now) & unqueued
    expired = Q(status=ReporterMail.Status.SENDING, leased_until__lt=now)
    ids = list(ReporterMail.objects.filter(due | expired).values_list("pk", flat=True)[:500])
    for mail_id in ids:
        # Marked first: a crash between the two leaves a row the next sweep finds again.
        ReporterMail.objects.filter(pk=mail_id).update(enqueued_at=now)
        send_reporter_mail.enqueue(str(mail_id))
    return len(ids)
