"""The victim-support contact log of a case: recording a contact, revealing its summary.

One table, ``ContactEntry``, holds the whole log. A call taken on the phone line gets its entry
at intake (``phone.take_phone_report``), linked to its ``CallLog``, whose notes are that
entry's summary; every later contact (a call back, a mail, a meeting, a referral to the police
or a support service) is recorded here. Case events say that a contact happened, with its
channel, direction and referral, never what was said.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.reasons import access_reason
from flagdesk.audit.services import record
from flagdesk.cases.models import Case, CaseEvent
from flagdesk.cases.queries import case_entry
from flagdesk.core.errors import NotFound, ValidationFailed

from .models import ContactEntry, Report
from .services import MAX_DESCRIPTION

CLOCK_SLACK = dt.timedelta(minutes=5)
MAX_REFERRED_TO = 200


def _check_reach(case: Case, actor: User) -> None:
    require_role(actor, *roles_for(Action.SUPPORT))
    if case_entry(actor, case.pk) is None:  # need-to-know: as if the case did not exist
        raise NotFound(_("No such case."))


@transaction.atomic
def record_contact(
    case: Case,
    *,
    actor: User,
    at: dt.datetime,
    channel: str,
    direction: str,
    summary: str = "",
    referral: str = ContactEntry.Referral.NONE,
    referred_to: str = "",
    report: Report | None = None,
    now: dt.datetime | None = None,
) -> ContactEntry:
    """Add one contact to the case's log, with a ``contact`` event on each of its items.

    Raises ``ValidationFailed`` per field and stores nothing; ``NotFound`` for a case the
    actor may not open.
    """
    _check_reach(case, actor)
    now = now or timezone.now()
    referred_to = " ".join(referred_to.split())
    errors: dict[str, list[str]] = {}
    if at > now + CLOCK_SLACK:
        errors["at"] = [_("A contact cannot be in the future.")]
    if channel not in ContactEntry.Channel.values:
        errors["channel"] = [_("Choose how the contact took place.")]
    if direction not in ContactEntry.Direction.values:
        errors["direction"] = [_("Choose who contacted whom.")]
    if referral not in ContactEntry.Referral.values:
        errors["referral"] = [_("Choose a referral from the list.")]
    elif referral == ContactEntry.Referral.OTHER and not referred_to:
        errors["referred_to"] = [_("Name the service the person was referred to.")]
    if len(referred_to) > MAX_REFERRED_TO:
        errors["referred_to"] = [_("The name is too long.")]
    if len(summary) > MAX_DESCRIPTION:
        errors["summary"] = [
            _("The summary can be at most %(limit)d characters; yours has %(count)d.")
            % {"limit": MAX_DESCRIPTION, "count": len(summary)}
        ]
    if report is not None and report.case_id != case.pk:
        errors["report"] = [_("This report belongs to another case.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    entry = ContactEntry.objects.create(
        case=case,
        report=report,
        at=at,
        channel=channel,
        direction=direction,
        summary=summary.strip(),
        referral=referral,
        referred_to="" if referral == ContactEntry.Referral.NONE else referred_to,
        author=actor,
    )
    data = {
        "contact": str(entry.pk),
        "channel": channel,
        "direction": direction,
        "referral": referral,
    }
    if entry.referred_to:
        data["referred_to"] = entry.referred_to  # a service's name, not a person's
    # What the timeline says: how, and where the person was referred; never the summary.
    note = _("%(channel)s, %(direction)s.") % {
        "channel": entry.get_channel_display(),
        "direction": str(entry.get_direction_display()).lower(),
    }
    if entry.referral != ContactEntry.Referral.NONE:
        service = entry.get_referral_display()
        if entry.referred_to:
            service = f"{service} ({entry.referred_to})"
        note += " " + _("Referred to: %(service)s.") % {"service": service}
    items = list(report.items.all()) if report is not None else list(case.items.all())
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=item.case_id,
            item=item,
            kind=CaseEvent.Kind.CONTACT,
            actor=actor,
            data=data,
            note=note,
        )
        for item in items
    )
    return entry


@transaction.atomic
def reveal_contact(entry: ContactEntry, *, actor: User, reason: str) -> str:
    """The summary of one contact (for a call, the officer's notes), behind an audit entry
    with the reader's reason, written before anything is decrypted (S5)."""
    _check_reach(entry.case, actor)
    reason = access_reason(
        reason,
        too_short=_(
            "Say in a few words why you need to read this (for example: to prepare the call "
            "back); it is kept in the audit trail."
        ),
    )
    record("contact.revealed", actor=actor, target=f"contact:{entry.pk}", reason=reason)
    return entry.call.notes if entry.call_id else entry.summary
