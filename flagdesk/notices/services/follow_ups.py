"""Follow-ups of a notice: a reminder, a re-notice, an art. 20 complaint, and the file for the
Digital Services Coordinator (art. 53).

A reminder, re-notice or complaint is a new notice through the channel the first one went
through (the frozen recipient and configuration), in its language, linked to it by
``previous``. Its text names the earlier reference and its sending date and then quotes the
earlier notice unchanged, so what the platform reads is exactly what was assessed and
approved: no new claim enters a follow-up without a new assessment. A complaint quotes the
platform's own reasons and can be lodged for six months after the decision (art. 20(1) DSA).
The DSC file is not sent: it is a document (``documents.dsc_file_pdf``) with the whole
history, "sent" when a coordinator records that it was lodged.

Legal.md g.10 and g.14: a re-notice needs a recorded reason, and escalations (re-notice,
complaint, the DSC file) need a reviewer's approval, by someone other than their author. So
those are made as drafts, with the reason, and leave only once ``approve`` ran; a reminder
asks nothing new and is queued at once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.services import record
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.notices.models import ItemDecision, Notice, NoticeResponse
from flagdesk.notices.outbox import open_row
from flagdesk.notices.queries import followed
from flagdesk.notices.sla import COMPLAINT_MONTHS, add_months
from flagdesk.notices.transitions import move
from flagdesk.organisation.services import current_organisation
from flagdesk.platforms.channels import has_line_break

from .queueing import QUEUE_ROLES
from .responses import CLOCK_SKEW, MAX_REFERENCE

log = logging.getLogger(__name__)

K = Notice.Kind
S = Notice.Status
# Who approves escalations (legal.md g.14): a reviewer or coordinator, never their author.
APPROVER_ROLES = roles_for(Action.ESCALATION_APPROVE)


class FourEyes(PermissionDenied):
    code = "four_eyes"


# Items a re-notice may concern: a notice went out and the content is not gone.
STILL_THERE = (
    Item.Status.NOTIFIED,
    Item.Status.STILL_ONLINE,
    Item.Status.REFUSED,
    Item.Status.RESTRICTED,
    Item.Status.ESCALATED,
)
NOT_REMOVED = tuple(d for d in NoticeResponse.Decision.values if d != "removed")
ESCALATIONS = (K.RENOTICE, K.COMPLAINT, K.DSC_COMPLAINT)
MIN_REASON_CHARS = 30
MAX_REASON_CHARS = 5000


def latest_decisions(notice: Notice) -> dict[object, ItemDecision]:
    """Each item's current decision on this notice (the newest row; corrections come later)."""
    latest: dict[object, ItemDecision] = {}
    for decision in ItemDecision.objects.filter(notice=notice).order_by("created_at"):
        latest[decision.item_id] = decision
    return latest


def _complainable(notice: Notice, now: dt.datetime) -> list[ItemDecision]:
    """The notice's standing decisions short of removal whose six months (art. 20(1) DSA) have
    not run out: each decision has its own deadline."""
    return [
        d
        for d in latest_decisions(notice).values()
        if d.decision in NOT_REMOVED and add_months(d.decided_at, COMPLAINT_MONTHS) >= now
    ]


def complaint_deadline(notice: Notice, now: dt.datetime | None = None) -> dt.datetime | None:
    """The most urgent deadline for an art. 20 complaint on this notice (the earliest of its
    open decisions), or None when nothing can be complained of any more."""
    open_ = _complainable(notice, now or timezone.now())
    if not open_:
        return None
    return min(add_months(d.decided_at, COMPLAINT_MONTHS) for d in open_)


def _items_for(notice: Notice, kind: str, now: dt.datetime) -> tuple[list[Item], list[str]]:
    """The items a follow-up of ``kind`` concerns, and the platform's statements to quote."""
    items = list(notice.items.order_by("created_at"))
    decisions = latest_decisions(notice)
    if notice.kind in (K.DSC_COMPLAINT,) or notice.status in (S.DRAFT, S.QUEUED, S.CANCELLED):
        raise Conflict(_("Only a notice that was sent can be followed up."))
    if notice.status == S.FAILED:
        raise Conflict(_("This notice was never delivered: queue it again instead."))
    if kind == K.REMINDER:
        if notice.status == S.DECIDED:
            raise Conflict(_("The platform has decided on every item: nothing to remind it of."))
        return [i for i in items if i.id not in decisions], []
    if kind == K.RENOTICE:
        chosen = [i for i in items if i.status in STILL_THERE]
        if not chosen:
            raise Conflict(_("No item of this notice is still online."))
        return chosen, []
    refused = [d for d in decisions.values() if d.decision in NOT_REMOVED]
    if not refused:
        raise Conflict(_("The platform did not refuse anything on this notice: no complaint."))
    open_ = _complainable(notice, now)
    if not open_:
        last = max(add_months(d.decided_at, COMPLAINT_MONTHS) for d in refused)
        raise Conflict(
            _("The six months to complain (art. 20(1) DSA) ended on %(date)s.")
            % {"date": timezone.localdate(last).isoformat()}
        )
    ids = {d.item_id for d in open_}
    statements = list(
        dict.fromkeys(
            s.strip()
            for s in NoticeResponse.objects.filter(
                notice=notice, kind=NoticeResponse.Kind.DECISION
            ).values_list("statement", flat=True)
            if s.strip()
        )
    )
    return [i for i in items if i.id in ids], statements


def available(notice: Notice, now: dt.datetime | None = None) -> list[str]:
    """The follow-ups ``notice`` allows now, for the notice page to offer only those."""
    now = now or timezone.now()
    kinds: list[str] = []
    for kind in (K.REMINDER, K.RENOTICE, K.COMPLAINT):
        try:
            items, _statements = _items_for(notice, kind, now)
        except Conflict:
            continue
        if items:
            kinds.append(kind)
    if notice.kind != K.DSC_COMPLAINT and notice.status in (S.SENT, S.ACKNOWLEDGED, S.DECIDED):
        kinds.append(K.DSC_COMPLAINT)
    return kinds


def _still_designated(notice: Notice, items: list[Item], now: dt.datetime) -> bool:
    """A follow-up claims art. 22(1) priority only if the first notice did and the
    organisation is still designated, today, for every item's phenomenon (a suspension since
    the first notice stops the claim, legal.md b.)."""
    if not notice.is_trusted_flagger:
        return False
    designated = current_organisation().designated_phenomena(on=timezone.localdate(now))
    phenomena = {
        a.phenomenon
        for item in items
        if (a := item.assessments.order_by("-created_at").first()) is not None
    }
    return bool(phenomena) and phenomena <= designated


def _utc(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@transaction.atomic
def follow_up(
    notice: Notice,
    *,
    kind: str,
    actor: User,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Notice:
    """Make the follow-up of ``kind`` of ``notice``: a ``reminder`` is queued at once; a
    ``renotice``, ``complaint`` or ``dsc_complaint`` is a draft with its ``reason`` until a
    second person approves it (``approve``). Refuses with ``Conflict`` when the notice's state
    does not allow it, and while the same follow-up waits unsent."""
    require_role(actor, *QUEUE_ROLES)
    if kind not in (K.REMINDER, *ESCALATIONS):
        raise ValidationFailed(
            _("Choose reminder, renotice, complaint or dsc_complaint."),
            fields={"kind": _("Unknown follow-up.")},
        )
    reason = reason.strip()
    if kind in ESCALATIONS and not MIN_REASON_CHARS <= len(reason) <= MAX_REASON_CHARS:
        raise ValidationFailed(
            _("Say why, in %(min)d to %(max)d characters: it is written into the text.")
            % {"min": MIN_REASON_CHARS, "max": MAX_REASON_CHARS},
            fields={"reason": _("Give the reason.")},
        )
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().select_related("platform").get(pk=notice.pk)
    if kind == K.DSC_COMPLAINT:
        return _dsc_file(notice, actor=actor, reason=reason, now=now)
    waiting = notice.follow_ups.filter(kind=kind, status__in=(S.QUEUED, S.DRAFT)).first()
    if waiting is not None:
        raise Conflict(
            _("A follow-up of this type (%(kind)s) is waiting to be sent: %(reference)s.")
            % {"kind": K(kind).label, "reference": waiting.reference}
        )
    items, statements = _items_for(notice, kind, now)
    if not items:
        raise Conflict(_("No item of this notice needs this follow-up."))
    escalation = kind in ESCALATIONS
    new = Notice(
        platform=notice.platform,
        kind=kind,
        previous=notice,
        reason=reason,
        status=S.DRAFT if escalation else S.QUEUED,
        channel_kind=notice.channel_kind,
        channel_config=notice.channel_config,
        recipient=notice.recipient,
        sender=notice.sender,
        language=notice.language,
        is_trusted_flagger=_still_designated(notice, items, now),
        is_anonymous=notice.is_anonymous,
        designations=notice.designations,
        created_by=actor,
        queued_at=None if escalation else now,
    )
    domain = notice.message_id.rsplit("@", 1)[-1].rstrip(">")
    new.message_id = f"<{new.reference}.{new.id.hex[:12]}@{domain}>"
    decided = [d.decided_at for d in latest_decisions(notice).values()]
    with translation.override(notice.language):
        context = {
            "kind": kind,
            "reference": new.reference,
            "previous": notice.reference,
            "previous_sent": _utc(notice.sent_at),
            "decided_on": _utc(max(decided)) if decided else "",
            "platform": notice.platform.name,
            "issued_at": _utc(now),
            "is_trusted_flagger": new.is_trusted_flagger,
            "statements": statements,
            "reason": reason,
            "items": [i.url for i in items],
            "previous_body": notice.body,
        }
        new.body = render_to_string("notices/follow_up.txt", context).strip() + "\n"
        labels: dict[str, str] = {
            K.REMINDER: _("Reminder"),
            K.RENOTICE: _("Re-notice"),
            K.COMPLAINT: _("Complaint (art. 20 DSA)"),
        }
        label = labels[kind]
        new.subject = f"{label} {new.reference}: {notice.subject}"[:300]
    new.payload = {
        "schema": notice.payload.get("schema", ""),
        "reference": new.reference,
        "kind": kind,
        "issued_at": now.astimezone(dt.UTC).replace(microsecond=0).isoformat(),
        "follows": {
            "reference": notice.reference,
            "sent_at": notice.sent_at.isoformat() if notice.sent_at else None,
        },
        "items": [{"url": i.url} for i in items],
        "platform_statements": statements,
        "notice": notice.payload,
    }
    new.save()
    new.items.set(items)
    _events(new, items, actor=actor)
    record(
        "notice.follow_up",
        actor=actor,
        target=f"notice:{new.id}",
        data={"kind": kind, "reference": new.reference, "previous": notice.reference},
    )
    log.info("notice.follow_up", extra={"notice": new.reference, "kind": kind})
    if not escalation:
        open_row(new, now=now)
    return new


@transaction.atomic
def approve(new: Notice, *, actor: User, now: dt.datetime | None = None) -> Notice:
    """A reviewer's approval of an escalation another person wrote: a re-notice or complaint
    is queued; the DSC file becomes final. Audited, and a case event on each item."""
    require_role(actor, *APPROVER_ROLES)
    now = now or timezone.now()
    new = Notice.objects.select_for_update().get(pk=new.pk)
    if new.kind not in ESCALATIONS or new.status != S.DRAFT or new.approved_at is not None:
        raise Conflict(_("This follow-up is not waiting for approval."))
    if new.created_by_id == actor.pk:
        raise FourEyes(_("Another reviewer must approve what you wrote."))
    fields = {"approved_by": actor, "approved_at": now}
    if new.kind == K.DSC_COMPLAINT:
        Notice.objects.filter(pk=new.pk).update(**fields)
        for name, value in fields.items():
            setattr(new, name, value)
    else:
        move(new, S.QUEUED, at=now, **fields)
        open_row(new, now=now)
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=item.case_id,
            item=item,
            kind=CaseEvent.Kind.FOLLOW_UP,
            actor=actor,
            note=_("Approved: %(kind)s %(reference)s")
            % {"kind": K(new.kind).label, "reference": new.reference},
            data={"notice": str(new.id), "reference": new.reference, "approved": new.kind},
        )
        for item in new.items.all()
    )
    record(
        "notice.follow_up_approved",
        actor=actor,
        target=f"notice:{new.id}",
        data={"kind": new.kind, "reference": new.reference},
    )
    return new


@transaction.atomic
def record_lodged(
    new: Notice, *, actor: User, dsc_reference: str, lodged_at: dt.datetime | None = None
) -> Notice:
    """A coordinator records that the approved DSC file was lodged, with the DSC's reference."""
    require_role(actor, *roles_for(Action.DSC_LODGE))
    new = Notice.objects.select_for_update().get(pk=new.pk)
    if new.kind != K.DSC_COMPLAINT or new.approved_at is None or new.status != S.DRAFT:
        raise Conflict(
            _("Only an approved complaint file that was not lodged yet can be recorded as lodged.")
        )
    reference = dsc_reference.strip()
    if not reference or len(reference) > MAX_REFERENCE or has_line_break(reference):
        raise ValidationFailed(
            _("Give the reference the Digital Services Coordinator gave."),
            fields={"dsc_reference": _("One line, at most 200 characters.")},
        )
    now = timezone.now()
    lodged_at = lodged_at or now
    if timezone.is_naive(lodged_at):
        lodged_at = timezone.make_aware(lodged_at)
    if lodged_at > now + CLOCK_SKEW:
        raise ValidationFailed(
            _("The time it was lodged cannot be in the future."),
            fields={"lodged_at": _("In the future.")},
        )
    move(new, S.SENT, at=lodged_at, platform_reference=reference)
    record(
        "notice.dsc_lodged",
        actor=actor,
        target=f"notice:{new.id}",
        data={"reference": new.reference, "dsc_reference": reference},
    )
    return new


def _events(new: Notice, items: list[Item], *, actor: User | None) -> None:
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=item.case_id,
            item=item,
            # A reminder is queued at once; a draft waits for approval (its own event then).
            kind=CaseEvent.Kind.NOTICE_QUEUED
            if new.status == S.QUEUED
            else CaseEvent.Kind.FOLLOW_UP,
            actor=actor,
            data={
                "notice": str(new.id),
                "reference": new.reference,
                "follow_up": new.kind,
                "previous": new.previous.reference if new.previous else "",
            },
        )
        for item in items
    )


def _dsc_file(notice: Notice, *, actor: User, reason: str, now: dt.datetime) -> Notice:
    """The complaint file for the Digital Services Coordinator (art. 53 DSA): a document, not
    a message, so it has no channel and no outbox row; ``documents.dsc_file_pdf`` draws it."""
    if notice.kind == K.DSC_COMPLAINT or notice.status in (
        S.DRAFT,
        S.QUEUED,
        S.CANCELLED,
        S.FAILED,
    ):
        raise Conflict(
            _("Only a notice that reached the platform can be the subject of a complaint.")
        )
    waiting = notice.follow_ups.filter(kind=K.DSC_COMPLAINT, status=S.DRAFT).first()
    if waiting is not None:
        raise Conflict(
            _("A complaint file about this notice is being prepared: %(reference)s.")
            % {"reference": waiting.reference}
        )
    items = list(notice.items.order_by("created_at"))
    new = Notice(
        platform=notice.platform,
        kind=K.DSC_COMPLAINT,
        previous=notice,
        reason=reason,
        status=S.DRAFT,
        channel_kind="document",
        recipient="",
        sender=notice.sender,
        language=notice.language,
        is_trusted_flagger=notice.is_trusted_flagger,
        is_anonymous=notice.is_anonymous,
        designations=notice.designations,
        created_by=actor,
    )
    new.message_id = f"<{new.reference}.{new.id.hex[:12]}@document>"
    new.subject = _("Complaint to the Digital Services Coordinator about notice %(reference)s") % {
        "reference": notice.reference
    }
    new.body = ""
    new.payload = {"kind": K.DSC_COMPLAINT, "follows": {"reference": notice.reference}}
    new.save()
    new.items.set(items)
    _events(new, items, actor=actor)
    record(
        "notice.dsc_file",
        actor=actor,
        target=f"notice:{new.id}",
        data={"reference": new.reference, "previous": notice.reference},
    )
    return new


# At most this many automatic re-notices follow one another: after that a person decides.
MAX_AUTO_RENOTICES = 3


def _depth(notice: Notice) -> int:
    """How many re-notices in a row end with ``notice``."""
    depth = 0
    for link in followed(notice):
        if link.kind != K.RENOTICE or link.previous_id is None:
            break
        depth += 1
    return depth


def auto_renotices(now: dt.datetime | None = None) -> int:
    """Re-notify, on platforms with a cadence (``renotice_every_hours``), the items of notices
    left without a decision that long: the cadence's coordinator approved them in advance.
    Returns how many re-notices were queued."""
    now = now or timezone.now()
    made = 0
    candidates = (
        Notice.objects.filter(
            kind__in=(K.NOTICE, K.RENOTICE),
            status__in=(S.SENT, S.ACKNOWLEDGED),
            platform__renotice_every_hours__isnull=False,
            platform__renotice_approved_by__isnull=False,
        )
        .exclude(
            follow_ups__kind=K.RENOTICE,
            follow_ups__status__in=(S.DRAFT, S.QUEUED, S.SENT, S.ACKNOWLEDGED, S.DECIDED),
        )
        .select_related("platform", "platform__renotice_approved_by", "created_by")
    )
    for notice in candidates:
        cadence = dt.timedelta(hours=notice.platform.renotice_every_hours or 0)
        if notice.sent_at is None or notice.sent_at > now - cadence:
            continue
        if _depth(notice) >= MAX_AUTO_RENOTICES:
            continue
        approver = notice.platform.renotice_approved_by
        assert approver is not None  # noqa: S101 - filtered above
        if approver.pk == notice.created_by_id or not approver.has_any_role(*APPROVER_ROLES):
            continue  # four eyes: the notice's author cannot approve its re-notice
        with translation.override(notice.language):
            reason = _(
                "No decision %(hours)d hours after notice %(reference)s: re-notified "
                "automatically at the cadence set for %(platform)s."
            ) % {
                "hours": notice.platform.renotice_every_hours,
                "reference": notice.reference,
                "platform": notice.platform.name,
            }
        try:
            with transaction.atomic():
                draft = follow_up(
                    notice, kind=K.RENOTICE, actor=notice.created_by, reason=reason, now=now
                )
                move(draft, S.QUEUED, at=now, approved_by=approver, approved_at=now)
                open_row(draft, now=now)
        except (Conflict, PermissionDenied, ValidationFailed) as e:
            log.info(
                "notice.auto_renotice_skipped", extra={"notice": notice.reference, "why": e.code}
            )
            continue
        made += 1
    return made
