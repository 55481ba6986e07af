"""Sending to partners, durably: callbacks we owe them and referrals we forward (S11).

A row is written first (``Callback``, ``Forward``) and a worker claims it with a conditional
UPDATE that sets a lease, so two workers never send it at once and a worker that dies leaves
a lease that expires. A failure that may pass (no connection, a timeout, a 5xx, 408/429) is
tried again with a jittered exponential backoff; a 4xx is recorded and the row given up.

Callbacks are queued by comparing each open referral's status with the last one queued
(``queue_changed_callbacks``, a periodic job): polling the state instead of hooking every
status change keeps the workflow free of signals (S8). A newer status replaces an older one
not yet delivered, so the partner never receives a stale status after a newer one, and an
unchanged status is never queued, so never delivered twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from functools import partial
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from flagdesk.core.errors import PermanentError, TransientError

from . import http
from .models import Callback, DeliveryStatus, Forward, Referral
from .signing import SIGNATURE_HEADER, signature
from .status import FINISHED, referral_state, referral_status

log = logging.getLogger(__name__)

LEASE_SECONDS = 120
RETRY_BASE_SECONDS = 60
RETRY_CAP_SECONDS = 3600
MAX_ATTEMPTS = 20
D = DeliveryStatus


def backoff_seconds(attempts: int) -> float:
    delay = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS)
    return delay * random.uniform(0.8, 1.0)  # noqa: S311 - spreading retries, not secrecy


def _claimable(now: dt.datetime, status_field: str) -> Q:
    due = Q(**{status_field: D.PENDING, "next_attempt_at__lte": now})
    expired = Q(**{status_field: D.SENDING, "leased_until__lt": now})
    return due | expired


# -- callbacks -----------------------------------------------------------------------------


def queue_changed_callbacks() -> int:
    """Queue a callback for every open referral whose status changed since the last one."""
    queued = 0
    for referral in Referral.objects.filter(is_closed=False).exclude(callback_url=""):
        state = referral_state(referral)
        if state == referral.last_state:
            continue
        if queue_callback(referral, state):
            queued += 1
    return queued


@transaction.atomic
def queue_callback(referral: Referral, state: dict[str, Any]) -> Callback | None:
    from .tasks import send_callback

    # Re-read under lock (IMMEDIATE transactions on SQLite): two workers comparing at once
    # queue one callback.
    referral = Referral.objects.select_for_update().select_related("partner").get(pk=referral.pk)
    if referral.last_state == state:
        return None
    referral.last_state = state
    referral.is_closed = state["status"] == FINISHED
    referral.save(update_fields=["last_state", "is_closed"])
    # An older status not yet delivered would only arrive after this one: it goes.
    Callback.objects.filter(referral=referral, status=D.PENDING).update(status=D.SUPERSEDED)
    body = json.dumps(referral_status(referral), separators=(",", ":"))
    callback = Callback.objects.create(
        referral=referral,
        payload=body,
        signature=signature(referral.partner.shared_secret, body.encode()),
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(partial(send_callback.enqueue, str(callback.id)))
    return callback


def claim_callback(callback_id: UUID, *, now: dt.datetime | None = None) -> Callback | None:
    now = now or timezone.now()
    claimed = Callback.objects.filter(_claimable(now, "status"), pk=callback_id).update(
        status=D.SENDING,
        leased_until=now + dt.timedelta(seconds=LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return Callback.objects.select_related("referral", "referral__partner").get(pk=callback_id)


def deliver_callback(callback: Callback, *, now: dt.datetime | None = None) -> None:
    """POST the frozen payload, signed, and settle the row by the answer."""
    headers = {SIGNATURE_HEADER: callback.signature}
    try:
        answer = http.send(
            "POST", callback.referral.callback_url, body=callback.payload.encode(), headers=headers
        )
    except TransientError as e:
        _retry(callback, http.problem_of(e), now)
        return
    except PermanentError as e:
        _give_up(callback, http.problem_of(e))
        return
    if 200 <= answer.status < 300:
        Callback.objects.filter(pk=callback.pk, status=D.SENDING).update(
            status=D.SENT, delivered_at=timezone.now(), leased_until=None, last_error=""
        )
        log.info("partners.callback_sent", extra={"callback": str(callback.id)})
    else:
        _give_up(callback, f"http:{answer.status}")


def _retry(row: Callback | Forward, reason: str, now: dt.datetime | None) -> None:
    now = now or timezone.now()
    field = "status" if isinstance(row, Callback) else "delivery"
    if row.attempts >= MAX_ATTEMPTS:
        _give_up(row, reason)
        return
    type(row).objects.filter(pk=row.pk, **{field: D.SENDING}).update(
        **{field: D.PENDING},
        next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(row.attempts)),
        leased_until=None,
        last_error=reason[:500],
    )
    log.info("partners.retry", extra={"row": str(row.pk), "attempts": row.attempts})


def _give_up(row: Callback | Forward, reason: str) -> None:
    field = "status" if isinstance(row, Callback) else "delivery"
    type(row).objects.filter(pk=row.pk, **{field: D.SENDING}).update(
        **{field: D.FAILED}, leased_until=None, last_error=reason[:500]
    )
    log.warning("partners.gave_up", extra={"row": str(row.pk)})


# -- forwards ------------------------------------------------------------------------------


def claim_forward(forward_id: UUID, *, now: dt.datetime | None = None) -> Forward | None:
    now = now or timezone.now()
    claimed = Forward.objects.filter(_claimable(now, "delivery"), pk=forward_id).update(
        delivery=D.SENDING,
        leased_until=now + dt.timedelta(seconds=LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return Forward.objects.select_related("partner", "case").get(pk=forward_id)


def deliver_forward(forward: Forward, *, now: dt.datetime | None = None) -> None:
    """POST the referral to the partner's API; their answer gives their reference and status.

    A repeat after a lost answer carries the same body and reference, which the partner's
    flagdesk answers with the referral it already has (never a second one)."""
    from .services import forward_body, record_partner_status

    partner = forward.partner
    body = json.dumps(forward_body(forward), separators=(",", ":")).encode()
    headers = {"Authorization": f"Bearer {partner.their_token}"}
    try:
        answer = http.send(
            "POST", f"{partner.base_url}/api/v1/referrals", body=body, headers=headers
        )
    except TransientError as e:
        _retry(forward, http.problem_of(e), now)
        return
    except PermanentError as e:
        _give_up(forward, http.problem_of(e))
        return
    data = answer.json()
    if answer.status in (200, 201) and isinstance(data, dict):
        Forward.objects.filter(pk=forward.pk, delivery=D.SENDING).update(
            delivery=D.SENT, leased_until=None, last_error=""
        )
        record_partner_status(forward, data)
        log.info("partners.forward_sent", extra={"forward": str(forward.id)})
        return
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else ""
    _give_up(forward, f"http:{answer.status}:{code}" if code else f"http:{answer.status}")


def poll_forwards(*, limit: int = 50) -> int:
    """Ask partners for the status of forwards still open: the fallback when a callback is
    lost. Returns how many changed."""
    from .services import record_partner_status

    changed = 0
    open_forwards = (
        Forward.objects.filter(delivery=D.SENT, partner__is_active=True)
        .exclude(their_status=FINISHED)
        .select_related("partner")
        .order_by("updated_at")[:limit]
    )
    for forward in open_forwards:
        partner = forward.partner
        url = f"{partner.base_url}/api/v1/referrals/{_quote(forward.reference)}"
        try:
            answer = http.send(
                "GET", url, headers={"Authorization": f"Bearer {partner.their_token}"}
            )
        except (TransientError, PermanentError):
            continue
        data = answer.json()
        if answer.status == 200 and isinstance(data, dict):
            changed += record_partner_status(forward, data)
        else:
            Forward.objects.filter(pk=forward.pk).update(updated_at=timezone.now())
    return changed


def _quote(reference: str) -> str:
    from urllib.parse import quote

    return quote(reference, safe="")


def sweep() -> int:
    """Queue tasks for due rows and expired leases; returns how many."""
    from .tasks import send_callback, send_forward

    now = timezone.now()
    found = 0
    for pk in Callback.objects.filter(_claimable(now, "status")).values_list("pk", flat=True):
        send_callback.enqueue(str(pk))
        found += 1
    for pk in Forward.objects.filter(_claimable(now, "delivery")).values_list("pk", flat=True):
        send_forward.enqueue(str(pk))
        found += 1
    return found
