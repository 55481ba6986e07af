"""The outbox: claiming, sending, retrying and settling one notice send (S11).

The ``OutboxRow`` written in the transaction that froze the notice is the source of truth;
tasks are only a way to get a worker to look at it. A worker claims a row with a conditional
UPDATE that sets a lease, so two workers never send the same row at the same time.

Exactly-once in effect, not in theory: the SMTP conversation happens outside any database
transaction and ``mark_sent`` runs after it. A worker killed between the two leaves the row
``sending`` with a lease that expires; the sweeper re-enqueues it and the notice is sent again
with the SAME Message-ID and body frozen at queue time. Platforms deduplicate on Message-ID, so
the repeat is recognisable as one notice. ``mark_sent`` is idempotent, so a late second
``mark_sent`` for the same row changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.transitions import transition
from flagdesk.core.errors import PermanentError, TransientError

from .channels import CHANNELS, Delivery
from .models import Notice, OutboxRow

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 6 * 3600
MAX_ERROR_CHARS = 1000


def _claimable(now: dt.datetime) -> Q:
    due = Q(status=OutboxRow.Status.PENDING, next_attempt_at__lte=now)
    expired = Q(status=OutboxRow.Status.SENDING, leased_until__lt=now)
    return due | expired


def claim(row_id: UUID, *, worker: str, now: dt.datetime | None = None) -> OutboxRow | None:
    """Lease the row to ``worker``; None when it is not due, already sent or leased by another."""
    now = now or timezone.now()
    leased_until = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    claimed = OutboxRow.objects.filter(_claimable(now), pk=row_id).update(
        status=OutboxRow.Status.SENDING,
        leased_until=leased_until,
        leased_by=worker[:100],
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return OutboxRow.objects.select_related("notice", "notice__platform").get(pk=row_id)


def deliver(row: OutboxRow, *, now: dt.datetime | None = None) -> None:
    """Hand the frozen notice to its channel, then settle the row by the outcome."""
    if row.attempts > settings.OUTBOX_MAX_ATTEMPTS:
        # Only reachable through expired leases (workers that died): stop trying.
        give_up(row, reason="too many attempts", now=now)
        return
    channel = CHANNELS[row.notice.channel_kind]()
    try:
        delivery = channel.send(row.notice)
    except TransientError as e:
        retry_later(row, reason=str(e.message), now=now)
    except PermanentError as e:
        give_up(row, reason=str(e.message), now=now)
    else:
        mark_sent(row, delivery)


def backoff_seconds(attempts: int) -> float:
    """Exponential from one minute, capped at six hours, with jitter so retries spread out."""
    delay = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not a secret


def retry_later(row: OutboxRow, *, reason: str, now: dt.datetime | None = None) -> None:
    """Release the lease and schedule the next attempt; gives up after OUTBOX_MAX_ATTEMPTS."""
    if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        give_up(row, reason=reason, now=now)
        return
    now = now or timezone.now()
    next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(row.attempts))
    OutboxRow.objects.filter(pk=row.pk, status=OutboxRow.Status.SENDING).update(
        status=OutboxRow.Status.PENDING,
        next_attempt_at=next_attempt_at,
        leased_until=None,
        leased_by="",
        last_error=reason[:MAX_ERROR_CHARS],
    )
    log.warning(
        "notice.retry",
        extra={"notice": row.notice.reference, "attempts": row.attempts},
    )


@transaction.atomic
def give_up(row: OutboxRow, *, reason: str, now: dt.datetime | None = None) -> None:
    """Mark the row and notice failed; the items stay ``approved`` so a person can re-queue."""
    updated = (
        OutboxRow.objects.filter(pk=row.pk)
        .exclude(status__in=(OutboxRow.Status.SENT, OutboxRow.Status.FAILED))
        .update(
            status=OutboxRow.Status.FAILED, leased_until=None, last_error=reason[:MAX_ERROR_CHARS]
        )
    )
    if not updated:
        return
    notice = Notice.objects.select_for_update().get(pk=row.notice_id)
    Notice.objects.filter(pk=notice.pk, status=Notice.Status.QUEUED).update(
        status=Notice.Status.FAILED
    )
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=item.case_id,
            item=item,
            kind=CaseEvent.Kind.NOTICE_FAILED,
            note=reason[:MAX_ERROR_CHARS],
            data={
                "notice": str(notice.id),
                "reference": notice.reference,
                "attempts": row.attempts,
            },
        )
        for item in notice.items.all()
    )
    log.error(
        "notice.failed",
        extra={
            "notice": notice.reference,
            "platform": notice.platform_id,
            "attempts": row.attempts,
        },
    )


@transaction.atomic
def mark_sent(row: OutboxRow, delivery: Delivery) -> None:
    """Settle a delivered notice: row and notice ``sent``, items ``notified``. Idempotent."""
    updated = (
        OutboxRow.objects.filter(pk=row.pk)
        .exclude(status=OutboxRow.Status.SENT)
        .update(
            status=OutboxRow.Status.SENT,
            sent_at=delivery.sent_at,
            delivery_reference=delivery.reference[:200],
            leased_until=None,
            last_error="",
        )
    )
    if not updated:
        return
    notice = Notice.objects.select_for_update().get(pk=row.notice_id)
    Notice.objects.filter(
        pk=notice.pk, status__in=(Notice.Status.QUEUED, Notice.Status.FAILED)
    ).update(status=Notice.Status.SENT, sent_at=delivery.sent_at)
    data = {
        "notice": str(notice.id),
        "reference": notice.reference,
        "channel": notice.channel_kind,
        "delivery_reference": delivery.reference,
        "sent_at": delivery.sent_at.isoformat(),
    }
    for item in Item.objects.select_for_update().filter(notices=notice).order_by("created_at"):
        if item.status == Item.Status.APPROVED:
            transition(item, Item.Status.NOTIFIED, actor=None, data={"notice": str(notice.id)})
        CaseEvent.objects.create(
            case_id=item.case_id, item=item, kind=CaseEvent.Kind.NOTICE_SENT, data=data
        )
    log.info("notice.sent", extra={"notice": notice.reference, "attempts": row.attempts})


def sweep(now: dt.datetime | None = None) -> int:
    """Enqueue a send task for every due row and every expired lease; returns how many.

    Enqueuing a row twice is harmless: the second task finds nothing to claim (S12).
    """
    from .tasks import send_outbox_row  # the task module imports this one

    now = now or timezone.now()
    ids = list(OutboxRow.objects.filter(_claimable(now)).values_list("id", flat=True)[:1000])
    for row_id in ids:
        send_outbox_row.enqueue(str(row_id))
    return len(ids)
