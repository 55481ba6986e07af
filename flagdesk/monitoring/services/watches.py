"""Watches: which items are re-checked, from when, and what people decide about them.

A watch starts by itself once a notice naming the item has been sent (``start_watches``, a
periodic job: no other app has to remember to call us), or when someone asks for a check
before that. It ends when an analyst confirms the content is gone, when the item is resolved
(closed, or otherwise finished), or after ``MONITORING_WATCH_DAYS``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Min, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.models import TERMINAL_STATUSES, CaseEvent, Item
from flagdesk.cases.transitions import ALLOWED, transition
from flagdesk.core.errors import Conflict
from flagdesk.core.weburls import host_of
from flagdesk.notices.models import Notice
from flagdesk.notices.sla import FOLLOWED_KINDS

from .. import schedule
from ..models import Watch
from .checks import DECIDED_GONE, sla_passed

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

S = Item.Status
# After a notice and until resolved: what the platform said (removed, restricted, refused) is
# checked too, since a platform's word is not proof that the content is gone.
WATCHED_STATUSES = (S.NOTIFIED, S.STILL_ONLINE, S.ESCALATED, S.REMOVED, S.RESTRICTED, S.REFUSED)
# How many watches one round of ``start_watches`` opens (the rest on the next round).
START_BATCH = 500


def first_notice_sent() -> Subquery:
    """When the first notice (or re-notice, reminder) naming the item was sent."""
    return Subquery(
        Notice.objects.filter(items=OuterRef("pk"), kind__in=FOLLOWED_KINDS, sent_at__isnull=False)
        .values("items")
        .annotate(first=Min("sent_at"))
        .values("first")[:1]
    )


def watch_for(item: Item) -> Watch:
    """The item's watch, made on first need; its host is what politeness counts by."""
    watch, _created = Watch.objects.get_or_create(
        item=item, defaults={"host": host_of(item.url)[:255]}
    )
    return watch


def start_watches() -> int:
    """Open (or start the schedule of) a watch for every item notified and not yet watched."""
    candidates = (
        Item.objects.filter(status__in=WATCHED_STATUSES)
        .filter(Q(watch__isnull=True) | Q(watch__started_at__isnull=True, watch__ended_at=None))
        .annotate(first_sent=first_notice_sent())
        .filter(first_sent__isnull=False)
        .select_related("platform")
        .order_by("first_sent")[:START_BATCH]
    )
    started = 0
    for item in candidates:
        with transaction.atomic():
            watch = watch_for(item)
            if watch.started_at is not None or watch.ended_at is not None:
                continue
            watch.started_at = item.first_sent
            # The first point may be past already (a notice sent while no worker ran): then
            # it is due now. A check someone asked for meanwhile keeps its earlier time.
            due = watch.started_at + dt.timedelta(hours=schedule.plan_hours(item)[0])
            if watch.next_check_at is not None:
                due = min(due, watch.next_check_at)
            watch.next_check_at = due
            watch.save(update_fields=["started_at", "next_check_at"])
            started += 1
    return started


def end_resolved(now: dt.datetime | None = None) -> int:
    """End the watches of items that no longer need watching (closed, duplicate...)."""
    now = now or timezone.now()
    return Watch.objects.filter(ended_at=None, item__status__in=TERMINAL_STATUSES).update(
        ended_at=now, end_reason=Watch.End.RESOLVED, next_check_at=None
    )


def request_check(item: Item, *, actor: User) -> Watch:
    """Ask for a check of ``item`` now (the web page's button, ``POST .../checks``)."""
    require_role(actor, *roles_for(Action.RECHECK))
    now = timezone.now()
    with transaction.atomic():
        watch = Watch.objects.select_for_update().get(pk=watch_for(item).pk)
        watch.requested_at = now
        watch.requested_by = actor
        watch.next_check_at = now
        watch.save(update_fields=["requested_at", "requested_by", "next_check_at"])
    return watch


class NothingToConfirm(Conflict):
    code = "nothing_to_confirm"


def confirm_gone(item: Item, *, actor: User, note: str = "") -> Watch:
    """An analyst confirms that the content a re-check found gone really is: the item is
    ``removed`` (unless a platform's decision already says so) and the watch ends."""
    require_role(actor, *roles_for(Action.CONFIRM_GONE))
    now = timezone.now()
    with transaction.atomic():
        watch = Watch.objects.select_for_update().filter(item=item).first()
        if watch is None or watch.looks_gone_since is None or watch.ended_at is not None:
            raise NothingToConfirm(_("No re-check of this item is waiting for a confirmation."))
        item = Item.objects.select_for_update().get(pk=item.pk)
        data = {"source": "recheck", "looks_gone_since": watch.looks_gone_since.isoformat()}
        if item.status not in (S.REMOVED, S.CLOSED) and S.REMOVED in ALLOWED[item.status]:
            transition(
                item,
                S.REMOVED,
                actor=actor,
                note=note or _("A re-check found the content gone; confirmed by an analyst."),
                data=data,
            )
        CaseEvent.objects.create(
            case_id=item.case_id,
            item=item,
            kind=CaseEvent.Kind.CHECK,
            actor=actor,
            note=note or _("Removal confirmed after a re-check."),
            data={**data, "decision": "confirmed_gone"},
        )
        watch.ended_at = now
        watch.end_reason = Watch.End.CONFIRMED_GONE
        watch.next_check_at = None
        watch.save(update_fields=["ended_at", "end_reason", "next_check_at"])
    return watch


def still_there(item: Item, *, actor: User, note: str = "") -> Watch:
    """An analyst looked: the content is still there. Re-checks go on; the content seen now
    becomes the reference for "changed"."""
    require_role(actor, *roles_for(Action.CONFIRM_GONE))
    with transaction.atomic():
        watch = Watch.objects.select_for_update().filter(item=item).first()
        if watch is None or watch.looks_gone_since is None or watch.ended_at is not None:
            raise NothingToConfirm(_("No re-check of this item is waiting for a confirmation."))
        latest = item.checks.order_by("-at").values_list("content_sha256", flat=True).first()
        watch.looks_gone_since = None
        if latest:
            watch.baseline_sha256 = latest
        watch.save(update_fields=["looks_gone_since", "baseline_sha256"])
        note = note or _("An analyst found the content still online after a re-check.")
        data = {"source": "recheck", "decision": "still_there"}
        item = Item.objects.select_for_update().get(pk=item.pk)
        # Still online where the platform said it acted, or past its deadline: the follow-up
        # queue takes it from here. A platform that still has time keeps it.
        overdue = item.status == S.NOTIFIED and sla_passed(item, timezone.now())
        if item.status in DECIDED_GONE or overdue:
            transition(item, S.STILL_ONLINE, actor=actor, note=note, data=data)
        else:
            CaseEvent.objects.create(
                case_id=item.case_id,
                item=item,
                kind=CaseEvent.Kind.CHECK,
                actor=actor,
                note=note,
                data=data,
            )
    return watch
