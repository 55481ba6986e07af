"""Evidence captures: asked for by an analyst, or automatic when an item is approved.

Why automatic on approval: once a reviewer has approved an item a notice follows, and a
platform that acts removes the content, so the moment before the notice is the last chance to
record what was online. A capture is a row first (``queued``) and a worker takes it with a
lease, like a notice in the outbox: a worker killed mid-capture leaves a lease that runs out,
and the capture is tried again, at most ``MAX_ATTEMPTS`` times.

Whether media may be kept is decided when the capture is queued (``media_allowed_for``): for
CSAM and anything involving a minor the capture keeps only URL, time, status and hashes.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.models import CaseEvent, Item, Review

from ..models import Capture

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Items approved within this period get their automatic capture (older ones, e.g. when the
# feature is switched on over an existing database, are not all captured at once).
APPROVAL_WINDOW = dt.timedelta(days=7)
APPROVED_OR_LATER = (
    Item.Status.APPROVED,
    Item.Status.NOTIFIED,
    Item.Status.STILL_ONLINE,
    Item.Status.ESCALATED,
    Item.Status.REFUSED,
)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=float(settings.EVIDENCE_CAPTURE_TIMEOUT_SECONDS) * 2 + 30)


def _new_capture(item: Item, *, trigger: str, actor: User | None) -> Capture:
    from ..capture.capture import media_allowed_for

    return Capture.objects.create(
        item=item,
        trigger=trigger,
        requested_by=actor,
        requested_at=timezone.now(),
        media_allowed=media_allowed_for(item),
        url=item.url,
    )


def queue_capture(item: Item, *, actor: User) -> Capture:
    """Ask for a capture of ``item`` now (the item page's button, ``POST .../evidence``)."""
    require_role(actor, *roles_for(Action.EVIDENCE_CAPTURE))
    with transaction.atomic():
        waiting = Capture.objects.filter(
            item=item, status__in=(Capture.Status.QUEUED, Capture.Status.RUNNING)
        ).first()
        if waiting is not None:
            return waiting  # one at a time: a second click adds nothing
        return _new_capture(item, trigger=Capture.Trigger.REQUEST, actor=actor)


def queue_approval_captures(now: dt.datetime | None = None) -> int:
    """Queue a capture for every recently approved item that has none from its approval."""
    now = now or timezone.now()
    recently_approved = Review.objects.filter(
        assessment__item=OuterRef("pk"), is_approved=True, created_at__gte=now - APPROVAL_WINDOW
    )
    has_capture = Capture.objects.filter(item=OuterRef("pk"), trigger=Capture.Trigger.APPROVAL)
    items = (
        Item.objects.filter(status__in=APPROVED_OR_LATER)
        .filter(Exists(recently_approved))
        .exclude(Exists(has_capture))
        .select_related("case")[:100]
    )
    queued = 0
    for item in items:
        _new_capture(item, trigger=Capture.Trigger.APPROVAL, actor=None)
        queued += 1
    return queued


def _claimable(now: dt.datetime) -> Q:
    queued = Q(status=Capture.Status.QUEUED)
    abandoned = Q(status=Capture.Status.RUNNING, lease_until__lt=now)
    return (queued | abandoned) & Q(attempts__lt=MAX_ATTEMPTS)


def claim_capture(worker: str, now: dt.datetime) -> Capture | None:
    due = Capture.objects.filter(_claimable(now)).order_by("requested_at")
    for capture_id in due.values_list("pk", flat=True)[:10]:
        taken = Capture.objects.filter(_claimable(now), pk=capture_id).update(
            status=Capture.Status.RUNNING,
            lease_until=now + _lease(),
            leased_by=worker[:64],
            attempts=F("attempts") + 1,
        )
        if taken:
            return Capture.objects.select_related("item").get(pk=capture_id)
    return None


def give_up_abandoned(now: dt.datetime) -> int:
    """Captures whose workers died ``MAX_ATTEMPTS`` times: failed, with the reason."""
    return Capture.objects.filter(
        status=Capture.Status.RUNNING, lease_until__lt=now, attempts__gte=MAX_ATTEMPTS
    ).update(
        status=Capture.Status.FAILED,
        failure=str(_("The capture was interrupted %(n)d times.") % {"n": MAX_ATTEMPTS})[:500],
        lease_until=None,
    )


def run_due_capture(*, worker: str, now: dt.datetime | None = None) -> int:
    """Take one due capture and run it; 1 when one ran, else 0."""
    from ..capture.capture import run_capture

    now = now or timezone.now()
    give_up_abandoned(now)
    capture = claim_capture(worker, now)
    if capture is None:
        return 0
    try:
        run_capture(capture)
    except Exception:
        log.exception("evidence.capture_crashed", extra={"capture": str(capture.pk)})
        Capture.objects.filter(pk=capture.pk, status=Capture.Status.RUNNING).update(
            status=Capture.Status.QUEUED, lease_until=None
        )
        return 1
    capture.refresh_from_db()
    if capture.status == Capture.Status.DONE:
        CaseEvent.objects.create(
            case_id=capture.item.case_id,
            item=capture.item,
            kind=CaseEvent.Kind.EVIDENCE,
            actor=capture.requested_by,
            note=_("Evidence captured.")
            if capture.media_allowed
            else _("Evidence recorded without media (URL, time, status and hashes only)."),
            data={"capture": str(capture.pk), "timestamped": capture.timestamp_token is not None},
        )
    return 1
