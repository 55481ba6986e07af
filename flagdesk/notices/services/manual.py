"""Notices a person submits by hand, on the platform's own web form.

No worker sends them: the notice page shows the frozen notice as a copy sheet, field by field,
with a checklist. Once the analyst has submitted it, they confirm here with the reference the
platform gave (its case or ticket number, or "none given"), which settles the notice exactly as
a delivery would: the notice is ``sent`` at the time they submitted it and its items are
``notified``. A second confirmation of the same notice is refused, never recorded twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.audit.services import record
from flagdesk.core.errors import Conflict, ValidationFailed
from flagdesk.notices.models import DeliveryAttempt, Notice, OutboxRow
from flagdesk.notices.outbox import mark_sent
from flagdesk.platforms.channels import Delivery, has_line_break

from .queueing import QUEUE_ROLES
from .responses import CLOCK_SKEW, MAX_REFERENCE


@transaction.atomic
def confirm_submitted(
    notice: Notice,
    *,
    actor: User,
    platform_reference: str,
    submitted_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Notice:
    """Record that ``actor`` submitted ``notice`` on the platform's form at ``submitted_at``."""
    require_role(actor, *QUEUE_ROLES)
    now = now or timezone.now()
    submitted_at = submitted_at or now
    if timezone.is_naive(submitted_at):  # a time typed without its zone is the site's
        submitted_at = timezone.make_aware(submitted_at)
    reference = platform_reference.strip()
    problems: dict[str, str] = {}
    if not reference or len(reference) > MAX_REFERENCE or has_line_break(reference):
        problems["platform_reference"] = _(
            "Paste the reference the platform gave (at most %(n)d characters on one line), or "
            "write “none given”."
        ) % {"n": MAX_REFERENCE}
    if submitted_at > now + CLOCK_SKEW:
        problems["submitted_at"] = _("The time of submission cannot be in the future.")
    elif notice.queued_at and submitted_at < notice.queued_at - CLOCK_SKEW:
        problems["submitted_at"] = _("The notice cannot have been submitted before it was made.")
    if problems:
        raise ValidationFailed(_("The submission was not confirmed."), fields=problems)
    row = OutboxRow.objects.select_for_update().get(notice=notice)
    if row.status != OutboxRow.Status.MANUAL:
        raise Conflict(_("This notice is not waiting to be submitted by hand."))
    number = row.attempts + 1
    OutboxRow.objects.filter(pk=row.pk).update(attempts=number)
    row.attempts = number
    DeliveryAttempt.objects.create(
        notice=notice,
        number=number,
        channel=notice.channel_kind,
        worker=f"by hand: {actor.username}"[:100],
        started_at=submitted_at,
    )
    mark_sent(
        row,
        Delivery(
            reference=f"webform:{notice.reference}",
            sent_at=submitted_at,
            platform_reference=reference,
            detail=_("Submitted by hand by %(user)s") % {"user": actor.username},
        ),
    )
    record(
        "notice.submitted_by_hand",
        actor=actor,
        target=f"notice:{notice.id}",
        data={"reference": notice.reference, "platform_reference": reference},
    )
    notice.refresh_from_db()
    return notice


def copy_sheet(notice: Notice) -> list[tuple[str, str]]:
    """The notice as (label, value) pairs in the order a platform's form asks for them: what
    the analyst copies, field by field. Built from the frozen payload, never re-rendered."""
    payload = notice.payload or {}
    rows: list[tuple[str, str]] = [(_("Subject"), notice.subject)]
    notifier = payload.get("notifier") or {}
    if notifier:
        rows += [(_("Notifier's name"), notifier.get("name", ""))]
        rows += [(_("Notifier's email"), notifier.get("email", ""))]
    for n, item in enumerate(payload.get("items") or [], start=1):
        label = _("Item %(n)d") % {"n": n}
        rows.append((f"{label} · {_('URL')}", str(item.get("url", ""))))
        bases = "; ".join(str(b.get("citation", "")) for b in item.get("legal_bases") or [])
        if bases:
            rows.append((f"{label} · {_('Legal basis')}", bases))
        if item.get("reasons"):
            rows.append((f"{label} · {_('Reasons')}", str(item["reasons"])))
    if payload.get("good_faith_statement"):
        rows.append((_("Good-faith statement"), str(payload["good_faith_statement"])))
    rows.append((_("Whole notice text"), notice.body))
    return rows
