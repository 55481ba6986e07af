"""Queueing art. 16 notices: pre-flight, grouping per platform, trusted-flagger split, freezing.

Every rule of legal.md g. that can block a notice is checked by the pre-flight
(``preflight.py``) before anything is written, so the web form, the API and scripts refuse the
same things with the same messages, all of them at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.audit.services import record
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.core.errors import ValidationFailed
from flagdesk.notices.models import Notice
from flagdesk.notices.outbox import open_row
from flagdesk.notices.transitions import move
from flagdesk.organisation.models import Organisation
from flagdesk.organisation.queries import designation_snapshot
from flagdesk.organisation.services import current_organisation
from flagdesk.platforms.channels import channel_for, has_line_break
from flagdesk.platforms.models import Platform
from flagdesk.platforms.services import notice_channel

from .anonymity import find_organisation, payload_text
from .preflight import (
    OPEN_STATUSES,
    QUEUE_ROLES,
    Approved,
    Preflight,
    Problem,
    preflight,
)
from .rendering import NoticeDraft, render_notice

log = logging.getLogger(__name__)

MAX_ITEMS = 200

__all__ = ["MAX_ITEMS", "OPEN_STATUSES", "QUEUE_ROLES", "queue_notices"]


def _refuse_leak(notice: Notice, org: Organisation) -> None:
    """The last look before an anonymous notice is frozen: whatever put it there, a text or
    header that names the organisation stops it (a leak is worse than a refusal)."""
    texts = (notice.subject, notice.body, payload_text(notice.payload), notice.sender)
    found = sorted({mark for text in texts for mark in find_organisation(text, org)})
    found += find_organisation(notice.message_id, org)
    if found:
        problem = Problem(
            None,
            "anonymous",
            "organisation_named",
            _(
                "The anonymous notice to %(platform)s would name the organisation "
                "(%(found)s); nothing was queued."
            )
            % {"platform": notice.platform.name, "found": ", ".join(dict.fromkeys(found))},
        )
        raise Preflight(problems=[problem], checklist=[], can_be_anonymous=False).error()


def _split(
    approved: Sequence[Approved], designated: set[str]
) -> list[tuple[Platform, bool, list[Approved]]]:
    """One notice per platform, split in two when only some items are designated (g.6)."""
    groups: dict[tuple[str, bool], list[Approved]] = {}
    platforms: dict[str, Platform] = {}
    for item, assessment in approved:
        assert item.platform is not None  # noqa: S101 - checked by the pre-flight
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
    now: dt.datetime,
) -> Notice:
    # An anonymous notice comes from the configured no-reply sender, and its Message-ID and
    # envelope carry that sender's domain: the organisation's would name it (legal.md a.).
    sender = settings.ANONYMOUS_SENDER if anonymous else org.email
    domain = sender.rsplit("@", 1)[1].strip().lower()
    today = timezone.localdate(now)
    phenomena = {a.phenomenon for _item, a in members}
    relied_on = designation_snapshot(org, on=today, phenomena=phenomena) if is_tf else []
    # The channel is chosen and frozen now: a coordinator's later edit never redirects a
    # queued notice, and its retries all go where the first attempt went.
    config = notice_channel(platform)
    notice = Notice(
        platform=platform,
        status=Notice.Status.QUEUED,
        channel_kind=config.kind,
        channel_config={
            "kind": config.kind,
            "auth": config.auth,
            "secret_ref": config.secret_ref,
            "options": dict(config.options),
        },
        recipient=channel_for(config).recipient(),
        sender=sender,
        is_trusted_flagger=is_tf,
        is_anonymous=anonymous,
        designations=relied_on,
        created_by=actor,
        queued_at=now,
    )
    rendered = render_notice(
        NoticeDraft(
            reference=notice.reference,
            platform=platform,
            organisation=org,
            items=members,
            is_trusted_flagger=is_tf,
            designations=relied_on,
            is_anonymous=anonymous,
            issued_at=now,
            language=config.language,
        )
    )
    if has_line_break(rendered.subject):
        raise ValidationFailed(_("The notice subject contains a line break."))
    notice.language = rendered.language
    notice.subject = rendered.subject
    notice.body = rendered.body
    notice.payload = rendered.payload
    notice.message_id = f"<{notice.reference}.{notice.id.hex[:12]}@{domain}>"
    if anonymous:
        _refuse_leak(notice, org)
    notice.save()
    notice.items.set([item for item, _a in members])
    return notice


def _supersede_failed(notice: Notice, items: Sequence[Item], *, actor: User) -> None:
    """A failed notice whose items are queued again is replaced: it is cancelled, so it
    leaves the coordinators' alerts and the follow-up list, and its page names the new one."""
    for old in Notice.objects.filter(status=Notice.Status.FAILED, items__in=items).distinct():
        move(old, Notice.Status.CANCELLED)
        record(
            "notice.superseded",
            actor=actor,
            target=f"notice:{old.id}",
            data={"reference": old.reference, "by": notice.reference},
        )


@transaction.atomic
def queue_notices(
    items: Sequence[Item],
    *,
    actor: User,
    anonymous: bool = False,
    confirm_language: bool = False,
    now: dt.datetime | None = None,
) -> list[Notice]:
    """Freeze one notice per platform (two when only some items are designated) and queue it.

    Runs the pre-flight (``preflight.preflight``) on the locked items first and refuses with
    every problem it found: ``Conflict`` (409) when an item is not approved as illegal, has no
    platform or notice address, is in a queued/sent/acknowledged notice, or the organisation
    lacks a name or email; ``ValidationFailed`` (422) otherwise (anonymity not allowed or not
    set up, reasons in another language without ``confirm_language``, a blocking assessment
    check). Both carry ``fields`` and the ``preflight``. An ``anonymous`` notice comes from
    ``FLAGDESK_ANONYMOUS_SENDER``, never claims trusted-flagger status and is refused if its
    text would name the organisation.
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
    checked = preflight(
        locked, actor=actor, anonymous=anonymous, confirm_language=confirm_language, now=now
    )
    if not checked.ok:
        raise checked.error()
    org = current_organisation()
    # Priority is tied to an identity an anonymous notice withholds: it never claims it.
    designated = set() if anonymous else org.designated_phenomena(on=timezone.localdate(now))
    notices = []
    for platform, is_tf, members in _split(checked.approved, designated):
        notice = _freeze(
            platform, members, org=org, is_tf=is_tf, anonymous=anonymous, actor=actor, now=now
        )
        open_row(notice, now=now)
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
        _supersede_failed(notice, [item for item, _a in members], actor=actor)
        notices.append(notice)
    return notices
