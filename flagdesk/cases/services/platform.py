"""Which platform an item is on: adopting waiting items when a platform or domain is
registered, and an analyst's correction by hand. Both write a ``platform`` case event.

An item's platform decides where its notice goes, so it may change only while no notice has
gone out (``PLATFORM_OPEN_STATUSES``) and no notice for it is open:

- ``new``, ``assessing``, ``awaiting_review``: no notice exists yet.
- ``approved``: ready to notify; an approved item without a platform cannot be sent
  ("register the platform first"), so registering it must reach these. An approved item in a
  queued notice keeps its platform: that notice was frozen with the old platform's address.
- ``notified``, ``removed``, ``refused``, ``still_online``, ``escalated``: a notice went to
  a platform, whose responses, escalations and annual-report counts hang on that platform;
  changing it would rewrite history (S7). A notice sent to the wrong platform is a new item.
- ``closed``, ``not_illegal``, ``out_of_scope``, ``duplicate``: finished; statistics count
  them as they were. A reassessed item is ``assessing`` again and can then be corrected.
"""

from __future__ import annotations

import logging
from functools import reduce
from operator import or_
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.core.errors import Conflict, ValidationFailed
from flagdesk.core.weburls import host_of
from flagdesk.platforms.models import Platform
from flagdesk.platforms.services import domain_table

from .assessment import ASSESSOR_ROLES

log = logging.getLogger(__name__)

PLATFORM_OPEN_STATUSES = frozenset(
    {Item.Status.NEW, Item.Status.ASSESSING, Item.Status.AWAITING_REVIEW, Item.Status.APPROVED}
)
# notices.Notice statuses in which a notice still stands (notices' OPEN_STATUSES). Cases
# cannot import notices (S1); flagdesk/notices/tests/test_queue.py checks the two agree.
OPEN_NOTICE_STATUSES = ("queued", "sent", "acknowledged")
# Values of the event's data["how"]: a human's choice is never overridden by a registration.
RESOLVED, BY_HAND = "resolved", "by_hand"
BATCH = 900  # ids per UPDATE, below SQLite's 999 parameters (bulk_create sizes its own)


def _platform_ref(platform: Platform | None) -> dict[str, str] | None:
    if platform is None:
        return None
    return {"id": str(platform.id), "slug": platform.slug, "name": platform.name}


def _event(
    item_id: Any,
    case_id: Any,
    *,
    before: Platform | None,
    after: Platform,
    actor: User | None,
    how: str,
    domain: str = "",
    note: str = "",
) -> CaseEvent:
    data: dict[str, Any] = {
        "before": _platform_ref(before),
        "after": _platform_ref(after),
        "how": how,
    }
    if domain:
        data["domain"] = domain
    return CaseEvent(
        case_id=case_id,
        item_id=item_id,
        kind=CaseEvent.Kind.PLATFORM,
        actor=actor,
        note=note,
        data=data,
    )


def _changeable() -> QuerySet[Item]:
    """Items whose platform may change: open statuses, no open notice."""
    return Item.objects.filter(status__in=PLATFORM_OPEN_STATUSES).exclude(
        notices__status__in=OPEN_NOTICE_STATUSES
    )


def platform_can_change(item: Item) -> bool:
    """Whether ``set_item_platform`` would accept a new platform for ``item`` now (the item
    page offers the form only then); one query, for an approved item only."""
    if item.status not in PLATFORM_OPEN_STATUSES:
        return False
    return item.status != Item.Status.APPROVED or _changeable().filter(pk=item.pk).exists()


@transaction.atomic
def adopt_open_items(platform: Platform, *, actor: User | None) -> int:
    """Give ``platform`` to every changeable item whose host now resolves to it; returns how
    many changed.

    Run after a platform or a domain is registered (``flagdesk.site.platforms``). Resolution
    follows intake's rule (the longest registered domain wins), so an item on a more specific
    domain of another platform stays there, and an item moves from a parent domain's platform
    to this one when this one registered the more specific domain. Items whose platform a
    person set by hand keep it. Writes one ``platform`` event per item, with ``actor`` (the
    caller checked the role when it wrote the registry). One read for all items, then writes
    in batches: 10,000 items take about 45 queries on PostgreSQL, 120 on SQLite.
    """
    if not platform.is_active:
        return 0
    domains = list(platform.domains.values_list("domain", flat=True))
    if not domains:
        return 0
    set_by_hand = CaseEvent.objects.filter(
        item=OuterRef("pk"), kind=CaseEvent.Kind.PLATFORM, data__how=BY_HAND
    )
    rows = list(
        _changeable()
        .exclude(platform=platform)
        # A coarse filter in SQL; the exact host match follows in Python.
        .filter(reduce(or_, (Q(normalised_url__icontains=d) for d in domains)))
        .exclude(Exists(set_by_hand))
        .select_for_update(of=("self",))
        .order_by()
        .values_list("id", "case_id", "platform_id", "normalised_url")
    )
    table = domain_table()
    changes = []
    for item_id, case_id, before_id, url in rows:
        match = table.longest_match(host_of(url), urlsplit(url).path)
        if match is not None and match[1] == platform.id:
            changes.append((item_id, case_id, before_id, match[0]))
    if not changes:
        return 0
    before = Platform.objects.in_bulk({c[2] for c in changes if c[2] is not None})
    now = timezone.now()
    ids = [c[0] for c in changes]
    for start in range(0, len(ids), BATCH):
        Item.objects.filter(pk__in=ids[start : start + BATCH]).update(
            platform=platform, updated_at=now
        )
    CaseEvent.objects.bulk_create(
        (
            _event(
                item_id,
                case_id,
                before=before.get(before_id) if before_id else None,
                after=platform,
                actor=actor,
                how=RESOLVED,
                domain=domain,
            )
            for item_id, case_id, before_id, domain in changes
        ),
        batch_size=BATCH,
    )
    log.info("platform.items_adopted", extra={"platform": platform.slug, "items": len(changes)})
    return len(changes)


@transaction.atomic
def set_item_platform(
    item: Item, *, actor: User, platform: Platform, note: str = ""
) -> CaseEvent | None:
    """An analyst sets or corrects the platform of one item; None when it already had it.

    Raises ``PermissionDenied`` (not an assessor role), ``ValidationFailed`` (deactivated
    platform) and ``Conflict`` (a notice went out or is open, see the module docstring).
    Writes a ``platform`` event marked ``by_hand``: later registrations leave the item alone.
    """
    require_role(actor, *ASSESSOR_ROLES)
    if not platform.is_active:
        raise ValidationFailed(
            _("%(platform)s is deactivated and receives no notices.") % {"platform": platform},
            fields={"platform": [_("Choose an active platform.")]},
        )
    # of=self: PostgreSQL cannot lock the nullable side of the outer join to the platform.
    locked = Item.objects.select_for_update(of=("self",)).select_related("platform").get(pk=item.pk)
    if locked.status not in PLATFORM_OPEN_STATUSES:
        raise Conflict(
            _("The platform can change only until a notice goes out; this item is “%(status)s”.")
            % {"status": Item.Status(locked.status).label}
        )
    if not _changeable().filter(pk=locked.pk).exists():
        raise Conflict(
            _(
                "A notice about this item is queued or open, so its platform cannot change "
                "now. It can once that notice has failed or been cancelled."
            )
        )
    if locked.platform_id == platform.pk:
        return None
    Item.objects.filter(pk=locked.pk).update(platform=platform, updated_at=timezone.now())
    event = _event(
        locked.pk,
        locked.case_id,
        before=locked.platform,
        after=platform,
        actor=actor,
        how=BY_HAND,
        note=note.strip(),
    )
    event.save()
    item.platform = platform
    log.info("item.platform_set", extra={"item": str(item.pk), "platform": platform.slug})
    return event
