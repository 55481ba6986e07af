"""Queueing art. 16 notices: checks, grouping per platform, trusted-flagger split, freezing.

Every rule of legal.md g. that can block a notice is checked here, before anything is written,
so the web form, the API and scripts refuse the same things with the same messages.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import Role, User
from flagdesk.accounts.permissions import require_role
from flagdesk.audit.services import record
from flagdesk.cases.models import Assessment, CaseEvent, Item
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict, ValidationFailed
from flagdesk.notices.channels import CHANNELS
from flagdesk.notices.channels.email import has_line_break
from flagdesk.notices.models import Notice, OutboxRow
from flagdesk.notices.tasks import send_outbox_row
from flagdesk.organisation.models import Organisation
from flagdesk.organisation.services import current_organisation
from flagdesk.platforms.models import Platform

from .rendering import NoticeDraft, render_notice

log = logging.getLogger(__name__)

QUEUE_ROLES = (Role.ANALYST, Role.REVIEWER, Role.COORDINATOR)
# A notice in these statuses is still open: a second one for its items would be a duplicate.
OPEN_STATUSES = (Notice.Status.QUEUED, Notice.Status.SENT, Notice.Status.ACKNOWLEDGED)
MINOR_AGE_BANDS = ("under-13", "13-17")
MAX_ITEMS = 200

Approved = tuple[Item, Assessment]


def _name(item: Item) -> str:
    return f"{item.case.reference} {item.url[:80]}"


def _refuse(message: str, offenders: Sequence[Item], reason: str) -> Conflict:
    names = "; ".join(_name(i) for i in offenders)
    return Conflict(
        f"{message} {names}",
        fields={"item_ids": [f"{i.id}: {reason}" for i in offenders]},
    )


def _approved_assessments(items: Sequence[Item]) -> list[Approved]:
    """Each item with its latest assessment; refuses anything not approved as illegal."""
    not_approved, not_illegal = [], []
    result: list[Approved] = []
    for item in items:
        latest = (
            Assessment.objects.select_related("review").filter(item=item).order_by("-created_at")
        ).first()
        review = getattr(latest, "review", None) if latest else None
        if item.status != Item.Status.APPROVED:
            not_approved.append(item)
        elif latest is None or latest.verdict != Assessment.Verdict.ILLEGAL:
            not_illegal.append(item)
        elif review is None or not review.is_approved:
            not_approved.append(item)
        else:
            result.append((item, latest))
    if not_approved:
        raise _refuse(
            _("Only items whose illegal verdict a reviewer approved can be notified:"),
            not_approved,
            _("not approved"),
        )
    if not_illegal:
        raise _refuse(
            _("Only items assessed as illegal can be notified:"),
            not_illegal,
            _("latest verdict is not illegal"),
        )
    return result


def _check_platforms(items: Sequence[Item]) -> None:
    if orphans := [i for i in items if i.platform is None]:
        raise _refuse(
            _("These items have no known platform; register the platform first:"),
            orphans,
            _("no platform"),
        )
    for platform in {i.platform for i in items if i.platform is not None}:
        if not platform.notice_address or has_line_break(platform.notice_address):
            raise Conflict(
                _("%(platform)s has no valid notice address; add one before notifying it.")
                % {"platform": platform.name}
            )
        if platform.channel_kind not in CHANNELS:
            raise Conflict(
                _("%(platform)s uses a notice channel flagdesk cannot send through yet.")
                % {"platform": platform.name}
            )


def _check_not_already_open(items: Sequence[Item]) -> None:
    """legal.md g.10: no second open notice for the same item."""
    busy = set(
        Notice.objects.filter(items__in=items, status__in=OPEN_STATUSES).values_list(
            "items__id", flat=True
        )
    )
    if offenders := [i for i in items if i.id in busy]:
        raise _refuse(
            _("These items already have an open notice:"), offenders, _("already notified")
        )


def _check_anonymity(approved: Sequence[Approved]) -> None:
    """16(2)(c): only offences of arts 3-7 of Directive 2011/93/EU may omit the notifier."""
    phenomena = taxonomy.phenomena()
    refused = []
    for item, assessment in approved:
        pheno = phenomena.get(assessment.phenomenon)
        if pheno and pheno.csam_anonymity_exception:
            continue
        if (
            pheno
            and pheno.csam_anonymity_exception_if_victim_minor
            and item.reports.filter(victim_age_band__in=MINOR_AGE_BANDS).exists()
        ):
            continue
        refused.append(item)
    if refused:
        raise ValidationFailed(
            _(
                "A notice may omit the notifier's name and email only when every item "
                "involves child sexual abuse, exploitation or grooming (art. 16(2)(c) DSA). "
                "Not the case for: "
            )
            + "; ".join(_name(i) for i in refused),
            fields={"anonymous": [_("Not allowed for these items.")]},
        )


def _check_organisation(org: Organisation) -> str:
    if not org.name.strip() or "@" not in org.email or has_line_break(org.name + org.email):
        raise Conflict(
            _("The organisation's name and notice email must be set before notices go out.")
        )
    return org.email.rsplit("@", 1)[1].strip().lower()


def _split(
    approved: Sequence[Approved], designated: set[str]
) -> list[tuple[Platform, bool, list[Approved]]]:
    """One notice per platform, split in two when only some items are designated (g.6)."""
    groups: dict[tuple[str, bool], list[Approved]] = {}
    platforms: dict[str, Platform] = {}
    for item, assessment in approved:
        assert item.platform is not None  # noqa: S101 - checked by _check_platforms
        platforms[str(item.platform.id)] = item.platform
        key = (str(item.platform.id), assessment.phenomenon in designated)
        groups.setdefault(key, []).append((item, assessment))
    return [
        (platforms[pid], is_tf, members)
        for (pid, is_tf), members in sorted(
            groups.items(), key=lambda g: (platforms[g[0][0]].name, not g[0][1])
        )
    ]


def _freeze(
    platform: Platform,
    members: list[Approved],
    *,
    org: Organisation,
    is_tf: bool,
    anonymous: bool,
    actor: User,
    domain: str,
    now: dt.datetime,
) -> Notice:
    notice = Notice(
        platform=platform,
        status=Notice.Status.QUEUED,
        channel_kind=platform.channel_kind,
        recipient=platform.notice_address,
        sender=org.email,
        is_trusted_flagger=is_tf,
        is_anonymous=anonymous,
        created_by=actor,
        queued_at=now,
    )
    today = timezone.localdate(now)
    phenomena = {a.phenomenon for _item, a in members}
    designations = [d for d in org.active_designations(today) if phenomena & set(d.phenomena)]
    rendered = render_notice(
        NoticeDraft(
            reference=notice.reference,
            platform=platform,
            organisation=org,
            items=members,
            is_trusted_flagger=is_tf,
            designations=designations,
            is_anonymous=anonymous,
            issued_at=now,
        )
    )
    if has_line_break(rendered.subject):
        raise ValidationFailed(_("The notice subject contains a line break."))
    notice.language = rendered.language
    notice.subject = rendered.subject
    notice.body = rendered.body
    notice.payload = rendered.payload
    notice.message_id = f"<{notice.reference}.{notice.id.hex[:12]}@{domain}>"
    notice.save()
    notice.items.set([item for item, _a in members])
    return notice


@transaction.atomic
def queue_notices(
    items: Sequence[Item],
    *,
    actor: User,
    anonymous: bool = False,
    now: dt.datetime | None = None,
) -> list[Notice]:
    """Freeze one notice per platform (two when only some items are designated) and queue it.

    Preconditions (each refusal names the offending items): every item is ``approved`` with a
    reviewer-approved ``illegal`` latest assessment (``Conflict``), has a platform with a notice
    address (``Conflict``), and is in no queued/sent/acknowledged notice (``Conflict``);
    ``anonymous`` is allowed only for art. 16(2)(c) phenomena (``ValidationFailed``).
    Writes the notices, their outbox rows and one ``notice_queued`` event per item; items stay
    ``approved`` until the notice is sent. Sending starts after commit.
    """
    require_role(actor, *QUEUE_ROLES)
    now = now or timezone.now()
    ids = list(dict.fromkeys(i.pk for i in items))
    if not ids:
        raise ValidationFailed(
            _("Choose at least one item to notify."), fields={"item_ids": [_("Required.")]}
        )
    if len(ids) > MAX_ITEMS:
        raise ValidationFailed(
            _("One request can notify at most %(limit)d items.") % {"limit": MAX_ITEMS},
            fields={"item_ids": [_("Too many items.")]},
        )
    locked = list(
        Item.objects.select_for_update(of=("self",))
        .select_related("platform", "case")
        .filter(pk__in=ids)
        .order_by("created_at", "id")
    )
    approved = _approved_assessments(locked)
    _check_platforms(locked)
    _check_not_already_open(locked)
    if anonymous:
        _check_anonymity(approved)
    org = current_organisation()
    domain = _check_organisation(org)
    designated = org.designated_phenomena(on=timezone.localdate(now))
    notices = []
    for platform, is_tf, members in _split(approved, designated):
        notice = _freeze(
            platform,
            members,
            org=org,
            is_tf=is_tf,
            anonymous=anonymous,
            actor=actor,
            domain=domain,
            now=now,
        )
        row = OutboxRow.objects.create(
            notice=notice, key=f"notice:{notice.id}", next_attempt_at=now
        )
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case_id=item.case_id,
                item=item,
                kind=CaseEvent.Kind.NOTICE_QUEUED,
                actor=actor,
                data={
                    "notice": str(notice.id),
                    "reference": notice.reference,
                    "trusted_flagger": is_tf,
                    "anonymous": anonymous,
                },
            )
            for item, _a in members
        )
        record(
            "notice.queued",
            actor=actor,
            target=f"notice:{notice.id}",
            data={"reference": notice.reference, "items": len(members)},
        )
        log.info(
            "notice.queued",
            extra={"notice": notice.reference, "platform": platform.slug, "tf": is_tf},
        )
        # partial, not lambda: a lambda in this loop would enqueue the last row N times (S8).
        transaction.on_commit(partial(send_outbox_row.enqueue, str(row.id)))
        notices.append(notice)
    return notices
