"""Recording what a re-check found, and what follows from it.

The fetch itself happens elsewhere (``runner``, in threads, without the database); this is the
one place that turns a ``Fetched`` into history and consequences, in one transaction:

- a ``Check`` row (never changed afterwards);
- the watch's state: its next point on the schedule, the first content hash seen online (the
  reference for "changed"), and ``looks_gone_since`` when the content looks gone, which puts
  the item in the analysts' "confirm removal" list (nothing is called removed by a machine);
- a case event when the content starts or stops looking gone;
- ``still_online`` for an item whose platform's time to decide has run out while the content
  is still there: the follow-up queue lists it for a reminder, re-notice or complaint.

Media found at the URL (the answer is an image or a video) is hashed and matched like media
given at intake, after the transaction, once per distinct file.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.transitions import transition
from flagdesk.matching.media.errors import MediaRejected
from flagdesk.matching.models import ItemSignal
from flagdesk.notices.models import Notice
from flagdesk.notices.sla import FOLLOWED_KINDS, WAITING_STATUSES, due_at

from .. import schedule
from ..fetcher import Fetched
from ..judge import Patterns, judge
from ..models import Check, Watch

log = logging.getLogger(__name__)

S = Item.Status
# Decisions that say the content is no longer (fully) available.
DECIDED_GONE = (S.REMOVED, S.RESTRICTED)
MEDIA_TYPES = ("image/", "video/")


def sla_passed(item: Item, now: dt.datetime) -> bool:
    """A notice naming the item is still waiting for the platform, and its time is up."""
    waiting = Notice.objects.filter(
        items=item, kind__in=FOLLOWED_KINDS, status__in=WAITING_STATUSES, sent_at__isnull=False
    ).select_related("platform")
    return any((due := due_at(n)) is not None and due < now for n in waiting)


def _event(item: Item, note: str, data: dict[str, object]) -> None:
    CaseEvent.objects.create(
        case_id=item.case_id, item=item, kind=CaseEvent.Kind.CHECK, note=note, data=data
    )


def record_check(watch_id: int, fetched: Fetched, *, now: dt.datetime | None = None) -> Check:
    """Write what one fetch found for the watched item, and move the watch on."""
    now = now or timezone.now()
    with transaction.atomic():
        watch = (
            Watch.objects.select_for_update(of=("self",))
            .select_related("item__platform")
            .get(pk=watch_id)
        )
        item = watch.item
        patterns = Patterns.parse(item.platform.unavailable_patterns if item.platform else "")
        verdict = judge(fetched, patterns, watch.baseline_sha256)
        requested = watch.requested_at is not None and watch.requested_at <= now
        check = Check.objects.create(
            item=item,
            at=now,
            trigger=Check.Trigger.REQUEST if requested else Check.Trigger.SCHEDULE,
            requested_by=watch.requested_by if requested else None,
            outcome=verdict.outcome,
            reason="unavailable_pattern" if verdict.signal == "pattern" else fetched.reason[:40],
            detail=str(fetched.message)[:500],
            http_status=fetched.http_status,
            final_url=fetched.final_url[:2048],
            content_sha256=fetched.content_sha256,
            looks_gone=verdict.looks_gone,
            gone_signal=verdict.signal,
            elapsed_ms=min(int(fetched.elapsed_seconds * 1000), 2**31 - 1),
            media_sha256=fetched.content_sha256 if _is_media(fetched) else "",
        )
        _move_watch(watch, item, check, now, requested=requested)
    if check.media_sha256:
        _hash_media(item, fetched)
    return check


def _move_watch(
    watch: Watch, item: Item, check: Check, now: dt.datetime, *, requested: bool
) -> None:
    earlier_baseline = watch.baseline_sha256  # what an earlier check saw online
    data: dict[str, object] = {
        "check": str(check.id),
        "http_status": check.http_status,
        "signal": check.gone_signal,
    }
    if check.looks_gone and watch.looks_gone_since is None:
        watch.looks_gone_since = now
        _event(item, _("A re-check found the content gone; an analyst should confirm."), data)
    elif check.outcome == "online" and not check.looks_gone and watch.looks_gone_since:
        watch.looks_gone_since = None
        _event(item, _("A re-check found the content online again."), data)
    if check.outcome == "online" and not watch.baseline_sha256 and check.reason != "truncated":
        watch.baseline_sha256 = check.content_sha256
    still_online = check.outcome == "online" and not check.looks_gone
    if still_online and watch.end_reason == Watch.End.CONFIRMED_GONE:
        _back_after_removal(watch, item, data)
    elif (
        still_online
        and item.status in DECIDED_GONE
        and earlier_baseline
        and check.content_sha256 == earlier_baseline
    ):
        # The platform said it removed (or restricted) the content, and the very same content
        # is still served: the item is still online, whatever the platform's answer said.
        transition(
            item,
            S.STILL_ONLINE,
            actor=None,
            note=_("A re-check found the same content online after the platform's decision."),
            data=data,
        )
    if still_online and item.status == S.NOTIFIED and sla_passed(item, now):
        transition(
            item,
            S.STILL_ONLINE,
            actor=None,
            note=_("A re-check found the content still online after the platform's deadline."),
            data=data,
        )
    watch.last_checked_at = now
    watch.last_outcome = check.outcome
    if requested:
        watch.requested_at = None
        watch.requested_by = None
    else:
        watch.scheduled_done += 1
    watch.next_check_at = None
    if watch.started_at is not None and watch.ended_at is None:
        watch.next_check_at = schedule.next_point(watch.started_at, schedule.plan_hours(item), now)
        if watch.next_check_at is None:
            watch.ended_at = now
            watch.end_reason = Watch.End.EXPIRED
            _event(item, _("Re-checks ended: the item was watched for the longest period."), {})
    if watch.requested_at is not None:
        watch.next_check_at = watch.requested_at  # asked for while this check ran
    watch.lease_until = None
    watch.leased_by = ""
    watch.save()


def _back_after_removal(watch: Watch, item: Item, data: dict[str, object]) -> None:
    """Content whose removal an analyst confirmed is online again: the item is ``still_online``
    (the follow-up queue lists it) and the watch resumes its schedule."""
    note = _("Content back online after its removal was confirmed.")
    if item.status == S.REMOVED:
        transition(item, S.STILL_ONLINE, actor=None, note=note, data=data)
    else:
        _event(item, note, data)
    watch.ended_at = None
    watch.end_reason = ""


def _is_media(fetched: Fetched) -> bool:
    return (
        fetched.outcome == "online"
        and not fetched.truncated
        and bool(fetched.body)
        and fetched.content_type.startswith(MEDIA_TYPES)
    )


def _hash_media(item: Item, fetched: Fetched) -> None:
    """Hash and match media found at the URL, once per distinct file (by SHA-256)."""
    from flagdesk.matching.services.media import hash_item_media

    known = ItemSignal.objects.filter(
        item=item, signal_type="sha256", value=fetched.content_sha256
    ).exists()
    if known:
        return
    upload = SimpleUploadedFile("media", fetched.body, content_type=fetched.content_type)
    try:
        hash_item_media(
            item,
            upload,
            actor=None,
            source=ItemSignal.Source.RECHECK,
            declared_mime=fetched.content_type,
        )
    except MediaRejected as e:
        log.info("recheck.media_refused", extra={"item": str(item.pk), "code": e.code})
