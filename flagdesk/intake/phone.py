"""The phone line: an intake officer takes a report while talking to the caller.

One service, one transaction: the report (channel ``phone``, the officer as actor), the call's
log entry, its line in the case's contact log and a ``contact`` event per item, and, when the
caller wants it, the receipt mail in the reporter-mail outbox. Any refusal stores none of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.models import CaseEvent
from flagdesk.core.errors import ValidationFailed

from .models import CallLog, ContactEntry, Report, ReporterMail
from .reporter_mail import queue_reporter_mail
from .services import (
    MAX_DESCRIPTION,
    ReportSubmission,
    SubmittedReport,
    report_problems,
    submit_report,
)

# A call that "started" a little ahead of the server's clock is the officer's watch, not a lie.
CLOCK_SLACK = dt.timedelta(minutes=5)
MAX_CALL = dt.timedelta(hours=8)


@dataclass(frozen=True)
class Call:
    """What the officer notes about the call itself."""

    started_at: dt.datetime
    ended_at: dt.datetime
    notes: str = ""
    direction: str = CallLog.Direction.INBOUND


@dataclass(frozen=True)
class PhoneReport:
    submitted: SubmittedReport
    call: CallLog
    mail: ReporterMail | None


def status_url() -> str:
    """The public page where a caller follows their report with the reference and code."""
    return settings.BASE_URL.rstrip("/") + reverse("intake:report-status")


def _call_errors(call: Call, now: dt.datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if call.started_at > now + CLOCK_SLACK:
        errors["started_at"] = [_("The call cannot start in the future.")]
    if call.ended_at < call.started_at:
        errors["ended_at"] = [_("The call cannot end before it started.")]
    elif call.ended_at - call.started_at > MAX_CALL:
        errors["ended_at"] = [_("A call can last at most eight hours.")]
    if call.direction not in CallLog.Direction.values:
        errors["direction"] = [_("Choose an incoming or outgoing call.")]
    if len(call.notes) > MAX_DESCRIPTION:
        errors["call_notes"] = [
            _("The notes can be at most %(limit)d characters; yours have %(count)d.")
            % {"limit": MAX_DESCRIPTION, "count": len(call.notes)}
        ]
    return errors


def _mail_errors(sub: ReportSubmission, mail_receipt: bool) -> dict[str, list[str]]:
    if mail_receipt and (sub.is_anonymous or not sub.reporter_email.strip()):
        return {
            "mail_receipt": [
                _("To send the receipt by email, note the caller's consent and email address.")
            ]
        }
    return {}


def phone_report_problems(
    sub: ReportSubmission,
    call: Call | None,
    *,
    mail_receipt: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, list[str]]:
    """Every problem ``take_phone_report`` would refuse, per field, storing nothing; the
    call's are left out when ``call`` is None (its time could not be read)."""
    errors = report_problems(replace(sub, channel=Report.Channel.PHONE))
    if call is not None:
        errors.update(_call_errors(call, now or timezone.now()))
    errors.update(_mail_errors(sub, mail_receipt))
    return errors


def receipt_mail_text(report: Report, receipt_code: str) -> tuple[str, str]:
    """The receipt mail's subject and body, in the report's (the caller's) language."""
    with translation.override(report.language):
        subject = _("Your report %(reference)s") % {"reference": report.reference}
        body = render_to_string(
            "intake/receipt_mail.txt",
            {
                "reference": report.reference,
                "receipt_code": receipt_code,
                "status_url": status_url(),
            },
        )
    return subject, body


@transaction.atomic
def take_phone_report(
    sub: ReportSubmission,
    call: Call,
    *,
    actor: User,
    mail_receipt: bool = False,
    now: dt.datetime | None = None,
) -> PhoneReport:
    """Store what the caller reported and the call it came from.

    Raises ``ValidationFailed`` with every field's problem at once (the report's and the
    call's) and stores nothing. ``mail_receipt`` needs the caller's consent and email
    address; the mail then carries the reference, the receipt code and the status page.
    """
    require_role(actor, *roles_for(Action.INTAKE_PHONE))
    now = now or timezone.now()
    errors = {**_call_errors(call, now), **_mail_errors(sub, mail_receipt)}
    try:
        submitted = submit_report(replace(sub, channel=Report.Channel.PHONE), actor=actor)
    except ValidationFailed as e:
        raise ValidationFailed(e.message, fields={**e.fields, **errors}) from None
    if errors:  # the report above is rolled back with this transaction
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    report = submitted.report
    log = CallLog.objects.create(
        report=report,
        case=report.case,
        officer=actor,
        direction=call.direction,
        language=report.language,
        started_at=call.started_at,
        ended_at=call.ended_at,
        notes=call.notes,
    )
    incoming = call.direction == CallLog.Direction.INBOUND
    entry = ContactEntry.objects.create(
        case=report.case,
        report=report,
        call=log,
        at=call.started_at,
        channel=ContactEntry.Channel.PHONE,
        direction=ContactEntry.Direction.INCOMING if incoming else ContactEntry.Direction.OUTGOING,
        author=actor,
    )
    data = {
        "contact": str(entry.pk),
        "call": str(log.pk),
        "channel": entry.channel,
        "direction": entry.direction,
        "report": report.reference,
        "minutes": log.duration_minutes,
    }
    # What the timeline says: that a call was taken and how long it lasted, never its notes.
    note = _("Report taken on the phone line (%(minutes)s min).") % {
        "minutes": log.duration_minutes
    }
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=item.case_id,
            item=item,
            kind=CaseEvent.Kind.CONTACT,
            actor=actor,
            data=data,
            note=note,
        )
        for item in submitted.items
    )
    mail = None
    if mail_receipt:
        subject, body = receipt_mail_text(report, submitted.receipt_code)
        mail = queue_reporter_mail(
            report, to=report.reporter_email, subject=subject, body=body, language=report.language
        )
    return PhoneReport(submitted=submitted, call=log, mail=mail)
