"""Opening a report with its reference and receipt code, with a lock-out per reference.

The rate limit per client (``core.ratelimit``, scope ``status``) stops one client from
guessing quickly; it does not stop many clients guessing the code of one reference together.
So wrong codes are also counted per reference, in the database (every web process on every
machine shares the count): after ``RECEIPT_LOCKOUT_FAILURES`` wrong codes within
``RECEIPT_LOCKOUT_WINDOW_MINUTES``, the reference refuses every code, the right one too, for
``RECEIPT_LOCKOUT_MINUTES``, whoever asks. References that no report has are counted and
locked exactly like real ones, so neither a wrong code nor a lock-out tells whether a
reference exists. Every page and API endpoint that takes a receipt code opens the report
through ``open_report`` (docs/status-page.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from flagdesk.audit.services import record
from flagdesk.core.errors import RateLimited
from flagdesk.core.references import normalise_reference

from . import queries
from .models import ReceiptLockout, Report

log = logging.getLogger(__name__)


class ReceiptLocked(RateLimited):
    """429: this reference takes no code until ``until``; the message says when, in the
    reader's language, and ``retry_after`` in seconds (the API's ``Retry-After``)."""

    code = "receipt_locked"

    def __init__(self, until: dt.datetime, now: dt.datetime) -> None:
        when = formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
        super().__init__(
            _(
                "Too many wrong receipt codes were entered for this reference. To protect "
                "the report, it accepts no code until %(time)s, not even the right one. "
                "Please try again after that time."
            )
            % {"time": when}
        )
        self.until = until
        self.retry_after = max(1, math.ceil((until - now).total_seconds()))


def _key(normal: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:receipt:{normal}".encode()).hexdigest()


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=max(1, settings.RECEIPT_LOCKOUT_WINDOW_MINUTES))


def open_report(reference: str, code: str, *, now: dt.datetime | None = None) -> Report | None:
    """The report the reference and code open; None for an unknown reference and for a wrong
    code alike. Raises ``ReceiptLocked`` while the reference is locked, and when this wrong
    code is the one that locks it (audited as ``report.receipt_locked``, without the code).
    A right code clears the reference's count."""
    normal = normalise_reference(reference, prefix="R")
    limit = settings.RECEIPT_LOCKOUT_FAILURES
    if normal is None or not code or limit <= 0:
        return queries.report_by_receipt(reference, code)
    now = now or timezone.now()
    key = _key(normal)
    locked = (
        ReceiptLockout.objects.filter(key=key, locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    if locked is not None:
        raise ReceiptLocked(locked, now)
    report = queries.report_by_receipt(normal, code)
    if report is not None:
        ReceiptLockout.objects.filter(key=key).delete()
        return report
    until = _count_failure(key, normal, limit=limit, now=now)
    if until is not None:
        raise ReceiptLocked(until, now)
    return None


def _row(key: str, now: dt.datetime) -> ReceiptLockout:
    """The reference's counter, locked for this transaction; made on its first wrong code."""
    row = ReceiptLockout.objects.select_for_update().filter(key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return ReceiptLockout.objects.create(key=key, window_started_at=now)
    except IntegrityError:  # another process counted the first wrong code a moment earlier
        return ReceiptLockout.objects.select_for_update().get(key=key)


@transaction.atomic
def _count_failure(key: str, normal: str, *, limit: int, now: dt.datetime) -> dt.datetime | None:
    """Count one wrong code; the time the reference is locked until when this one locks it."""
    row = _row(key, now)
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until  # locked by another request since this one looked
    if row.window_started_at <= now - _window() or row.locked_until is not None:
        # A new window: the last one ran out, or its lock-out is over.
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + dt.timedelta(minutes=max(1, settings.RECEIPT_LOCKOUT_MINUTES))
    row.save()
    if row.locked_until is None:
        return None
    record(
        "report.receipt_locked",
        actor=None,
        target=f"reference:{normal}",
        data={"failures": row.failures, "locked_until": row.locked_until.isoformat()},
    )
    log.warning("intake.receipt_locked", extra={"reference": normal, "failures": row.failures})
    return row.locked_until


def purge_lockouts(now: dt.datetime | None = None) -> int:
    """Forget counters whose window and lock-out are both over (the worker, hourly)."""
    now = now or timezone.now()
    stale = ReceiptLockout.objects.filter(window_started_at__lte=now - _window()).exclude(
        locked_until__gt=now
    )
    return stale.delete()[0]
