"""The outbox: claiming, sending, retrying and settling one notice send (S11).

The ``OutboxRow`` written in the transaction that froze the notice is the source of truth;
tasks are only a way to get a worker to look at it. A worker claims a row with a conditional
UPDATE that sets a lease, so two workers never send the same row at the same time.

Exactly-once in effect, not in theory: the SMTP conversation happens outside any database
transaction and ``mark_sent`` runs after it. A worker killed between the two leaves the row
``sending`` with a lease that expires; the sweeper re-enqueues it and the notice is sent again
with the SAME Message-ID and body frozen at queue time. Platforms deduplicate on Message-ID, so
the repeat is recognisable as one notice. ``mark_sent`` is idempotent, so a late second
``mark_sent`` for the same row changes nothing. The HTTP API channel sends the same
``Idempotency-Key`` on every attempt for the same reason.

Every attempt is a ``DeliveryAttempt`` row, written when the row is claimed and settled with
its outcome, so the notice page shows what was tried, when, and what went wrong; an attempt
without an outcome is one whose worker died mid-send.

Retries follow the channel: mail backs off from one minute to RFC 5321's thirty-minute
spacing, an API from one minute to an hour (or as long as its ``Retry-After`` asks), and both
give up ``OUTBOX_GIVE_UP_HOURS`` (4 days, RFC 5321 4.5.4.1) after the notice was queued.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from functools import partial
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.transitions import transition
from flagdesk.core.errors import PermanentError, TransientError
from flagdesk.platforms.channels import (
    ChannelConfig,
    ChannelConfigError,
    Delivery,
    Outgoing,
    channel_for,
)
from flagdesk.platforms.models import PlatformChannel

from .models import DeliveryAttempt, Notice, OutboxRow
from .transitions import may_move, move

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 60
# RFC 5321 4.5.4.1: "the retry interval SHOULD be at least 30 minutes".
RETRY_CAP_SECONDS: dict[str, int] = {
    PlatformChannel.Kind.EMAIL: 30 * 60,
    PlatformChannel.Kind.API: 3600,
}
RETRY_AFTER_CAP_SECONDS = 6 * 3600
MAX_ERROR_CHARS = 1000


def outgoing(notice: Notice, row: OutboxRow) -> Outgoing:
    """What the channel may send: the notice's frozen texts and the row's stable key."""
    return Outgoing(
        reference=notice.reference,
        subject=notice.subject,
        body=notice.body,
        payload=notice.payload,
        sender=notice.sender,
        recipient=notice.recipient,
        message_id=notice.message_id,
        idempotency_key=row.key,
        language=notice.language,
        is_anonymous=notice.is_anonymous,
    )


def frozen_channel(notice: Notice) -> ChannelConfig:
    """The channel configuration frozen with the notice; the recipient never changes."""
    config = dict(notice.channel_config or {"kind": notice.channel_kind})
    config.setdefault("kind", notice.channel_kind)
    if config["kind"] == PlatformChannel.Kind.EMAIL:
        config["address"] = notice.recipient
    elif notice.recipient:
        config["endpoint"] = notice.recipient
    return ChannelConfig(**config)


def open_row(notice: Notice, *, now: dt.datetime) -> OutboxRow:
    """The outbox row of a notice just frozen (a notice or a follow-up). A web-form notice's
    row waits for a person (``manual``); any other's send task is queued once the caller's
    transaction commits, never before its row exists."""
    from .tasks import send_outbox_row  # the task module imports this one

    manual = channel_for(frozen_channel(notice)).manual
    row = OutboxRow.objects.create(
        notice=notice,
        key=f"notice:{notice.id}",
        next_attempt_at=now,
        enqueued_at=None if manual else now,
        status=OutboxRow.Status.MANUAL if manual else OutboxRow.Status.PENDING,
    )
    if not manual:
        # partial, not lambda: a caller's loop would otherwise enqueue its last row N times.
        transaction.on_commit(partial(send_outbox_row.enqueue, str(row.id)))
    return row


def _claimable(now: dt.datetime) -> Q:
    due = Q(status=OutboxRow.Status.PENDING, next_attempt_at__lte=now)
    expired = Q(status=OutboxRow.Status.SENDING, leased_until__lt=now)
    return due | expired


def _sweepable(now: dt.datetime) -> Q:
    """Rows the sweep queues a task for: due and without a task queued recently, or whose
    lease expired (its worker died). A task queued more than a lease ago and still not run
    counts as lost."""
    recent = now - dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    unqueued = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=recent)
    due = Q(status=OutboxRow.Status.PENDING, next_attempt_at__lte=now) & unqueued
    expired = Q(status=OutboxRow.Status.SENDING, leased_until__lt=now)
    return due | expired


def claim(row_id: UUID, *, worker: str, now: dt.datetime | None = None) -> OutboxRow | None:
    """Lease the row to ``worker``; None when it is not due, already sent or leased by another.

    The claim and the attempt's record are one transaction: an attempt is on the log exactly
    when a worker held the row.
    """
    now = now or timezone.now()
    leased_until = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        claimed = OutboxRow.objects.filter(_claimable(now), pk=row_id).update(
            status=OutboxRow.Status.SENDING,
            leased_until=leased_until,
            leased_by=worker[:100],
            attempts=F("attempts") + 1,
        )
        if not claimed:
            return None
        row = OutboxRow.objects.select_related("notice", "notice__platform").get(pk=row_id)
        DeliveryAttempt.objects.create(
            notice_id=row.notice_id,
            number=row.attempts,
            channel=row.notice.channel_kind,
            worker=worker[:100],
            started_at=now,
        )
    return row


def _settle_attempt(row: OutboxRow, outcome: str, error: str = "") -> None:
    # The attempt this worker's claim wrote: the row's attempt count numbers them.
    DeliveryAttempt.objects.filter(notice_id=row.notice_id, number=row.attempts, outcome="").update(
        outcome=outcome, error=error[:MAX_ERROR_CHARS], finished_at=timezone.now()
    )


def deliver(row: OutboxRow, *, now: dt.datetime | None = None) -> None:
    """Hand the frozen notice to its channel, then settle the row by the outcome."""
    if row.attempts > settings.OUTBOX_MAX_ATTEMPTS or _past_give_up(row, now):
        # Only reachable through expired leases (workers that died) or a long outage.
        give_up(row, reason=_("Gave up: no attempt succeeded in time."), gave_up=True, now=now)
        return
    try:
        delivery = send_once(row)
    except TransientError as e:
        retry_later(row, reason=str(e.message), retry_after=e.retry_after, now=now)
    except (PermanentError, ChannelConfigError) as e:
        give_up(row, reason=str(e.message), now=now)
    else:
        mark_sent(row, delivery)


def send_once(row: OutboxRow) -> Delivery:
    """One hand-over of the row's frozen notice to its frozen channel; raises the channel's
    ``TransientError``/``PermanentError`` (or ``ChannelConfigError``) and settles nothing."""
    return channel_for(frozen_channel(row.notice)).send(outgoing(row.notice, row))


def _give_up_at(row: OutboxRow) -> dt.datetime:
    start = row.notice.queued_at or row.created_at
    return start + dt.timedelta(hours=settings.OUTBOX_GIVE_UP_HOURS)


def _past_give_up(row: OutboxRow, now: dt.datetime | None) -> bool:
    return (now or timezone.now()) >= _give_up_at(row)


def backoff_seconds(attempts: int, channel: str = PlatformChannel.Kind.EMAIL) -> float:
    """Exponential from one minute to the channel's cap, with jitter so retries spread out
    (many notices failing together must not all come back in the same second)."""
    cap = RETRY_CAP_SECONDS.get(channel, 3600)
    delay = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), cap)
    if delay >= cap:
        return delay + random.uniform(0, delay / 10)  # noqa: S311 - jitter, not a secret
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not a secret


def retry_later(
    row: OutboxRow,
    *,
    reason: str,
    retry_after: float | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Release the lease and schedule the next attempt; gives up once the next one would come
    after the give-up time (or after OUTBOX_MAX_ATTEMPTS, a guard against crash loops)."""
    now = now or timezone.now()
    delay = backoff_seconds(row.attempts, row.notice.channel_kind)
    if retry_after:
        delay = max(delay, min(retry_after, RETRY_AFTER_CAP_SECONDS))
    next_attempt_at = now + dt.timedelta(seconds=delay)
    if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS or next_attempt_at >= _give_up_at(row):
        give_up(row, reason=reason, gave_up=True, now=now)
        return
    _settle_attempt(row, DeliveryAttempt.Outcome.TRANSIENT, reason)
    OutboxRow.objects.filter(pk=row.pk, status=OutboxRow.Status.SENDING).update(
        status=OutboxRow.Status.PENDING,
        next_attempt_at=next_attempt_at,
        enqueued_at=None,  # the sweep queues the retry once it is due
        leased_until=None,
        leased_by="",
        last_error=reason[:MAX_ERROR_CHARS],
    )
    log.warning(
        "notice.retry",
        extra={"notice": row.notice.reference, "attempts": row.attempts},
    )


@transaction.atomic
def give_up(
    row: OutboxRow, *, reason: str, gave_up: bool = False, now: dt.datetime | None = None
) -> None:
    """Mark the row and notice failed; the items stay ``approved`` so a person can re-queue.

    ``gave_up``: retries ran out (rather than a permanent refusal), as the attempt log says.
    """
    updated = (
        OutboxRow.objects.filter(pk=row.pk)
        .exclude(status__in=(OutboxRow.Status.SENT, OutboxRow.Status.FAILED))
        .update(
            status=OutboxRow.Status.FAILED, leased_until=None, last_error=reason[:MAX_ERROR_CHARS]
        )
    )
    if not updated:
        return
    outcome = DeliveryAttempt.Outcome.GAVE_UP if gave_up else DeliveryAttempt.Outcome.PERMANENT
    _settle_attempt(row, outcome, reason)
    notice = Notice.objects.select_for_update().get(pk=row.notice_id)
    if may_move(notice, Notice.Status.FAILED):
        move(notice, Notice.Status.FAILED)
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
    _settle_attempt(row, DeliveryAttempt.Outcome.SENT, delivery.detail)
    notice = Notice.objects.select_for_update().get(pk=row.notice_id)
    if may_move(notice, Notice.Status.SENT):
        move(
            notice,
            Notice.Status.SENT,
            at=delivery.sent_at,
            platform_reference=delivery.platform_reference[:200],
        )
    data = {
        "notice": str(notice.id),
        "reference": notice.reference,
        "channel": notice.channel_kind,
        "delivery_reference": delivery.reference,
        "platform_reference": delivery.platform_reference,
        "sent_at": delivery.sent_at.isoformat(),
    }
    for item in Item.objects.select_for_update().filter(notices=notice).order_by("created_at"):
        if item.status == Item.Status.APPROVED:
            transition(item, Item.Status.NOTIFIED, actor=None, data=data)
        CaseEvent.objects.create(
            case_id=item.case_id, item=item, kind=CaseEvent.Kind.NOTICE_SENT, data=data
        )
    log.info("notice.sent", extra={"notice": notice.reference, "attempts": row.attempts})


def sweep(now: dt.datetime | None = None) -> int:
    """Enqueue a send task for every due row and every expired lease; returns how many.

    Enqueuing a row twice is harmless (the second task finds nothing to claim, S12), but a
    backlog would queue one task per row on every round; ``enqueued_at`` prevents that.
    """
    from .tasks import send_outbox_row  # the task module imports this one

    now = now or timezone.now()
    ids = list(OutboxRow.objects.filter(_sweepable(now)).values_list("id", flat=True)[:1000])
    for row_id in ids:
        send_outbox_row.enqueue(str(row_id))
    OutboxRow.objects.filter(pk__in=ids).update(enqueued_at=now)
    return len(ids)
