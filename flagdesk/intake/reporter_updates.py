"""Staff write to a reporter from the case; requests for more information; failed mails again.

A mail staff write goes through the reporter-mail outbox (``reporter_mail``) like every mail
to a reporter, in the reporter's language (the writer writes in it; the frame around the
text is translated), signed with the organisation's name, never the writer's. One
transaction writes the mail (kind ``staff``, or ``needs_info`` when asking for more
information, ``sent_by`` the writer), its line in the case's contact log (the text as the
entry's encrypted summary: the mail's own body is erased once sent), a ``reporter_mail``
event on each item of the report (never the text) and an audit entry.

The reporter answers on the public status page with their reference and receipt code ("Add
information"), never by replying to the mail: a reply proves nothing about who wrote it,
while the receipt code does. Asking for more information opens an ``InfoRequest`` that the
status page shows (``open_request``) until the reporter adds information
(``messages.add_message`` calls ``mark_answered``) or staff close it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.services import record
from flagdesk.cases.models import CaseEvent
from flagdesk.cases.queries import visible_case, visible_items
from flagdesk.core.errors import Conflict, NotFound, ValidationFailed
from flagdesk.organisation.queries import organisation_name

from .models import ContactEntry, InfoRequest, Report, ReporterMail, ReportMessage
from .outcome_mail import compose_outcome_mail
from .phone import status_url
from .reporter_contact import why_not_writable
from .reporter_mail import MAX_SUBJECT, queue_reporter_mail, requeue
from .services import MAX_DESCRIPTION

WRITE_ROLES = roles_for(Action.REPORTER_WRITE)
K = ReporterMail.Kind
WRITABLE_KINDS = (K.STAFF, K.NEEDS_INFO)


class NotWritable(Conflict):
    """The reporter may not be written to; the message says why."""

    code = "reporter_not_writable"


@dataclass(frozen=True)
class OpenRequest:
    """What the status page shows while staff wait for the reporter's answer."""

    question: str  # what staff asked; "" once erased with the report's description
    asked_at: dt.datetime


def _check_reach(report: Report, actor: User) -> None:
    require_role(actor, *WRITE_ROLES)
    # Need-to-know: the report must be one of a case the writer may open (an item of it,
    # or its own case, which has no item when it holds a picture's fingerprints alone).
    if visible_case(actor, report.case_id) is None and not (
        visible_items(actor).filter(reports__id=report.pk).exists()
    ):
        raise NotFound(_("No such report."))


def default_subject(report: Report, kind: str) -> str:
    """The subject a mail of ``kind`` starts with, in the reporter's language."""
    with translation.override(report.language):
        if kind == K.NEEDS_INFO:
            return _("Your report %(reference)s: we need more information") % {
                "reference": report.reference
            }
        # The receipt mail's subject: the reporter knows it already.
        return _("Your report %(reference)s") % {"reference": report.reference}


def _problems(kind: str, subject: str, text: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in WRITABLE_KINDS:
        errors["kind"] = [_("Choose a message or a request for more information.")]
    if not subject.strip():
        errors["subject"] = [_("Write a subject.")]
    elif any(c in subject for c in "\r\n\x00") or not subject.isprintable():
        # A line break in a header would start a new one (Bcc:...): refused, not mended.
        errors["subject"] = [_("The subject must be one line, without control characters.")]
    elif len(subject.strip()) > MAX_SUBJECT:
        errors["subject"] = [
            _("The subject can be at most %(limit)d characters; yours has %(count)d.")
            % {"limit": MAX_SUBJECT, "count": len(subject.strip())}
        ]
    if not text.strip():
        errors["text"] = [_("Write the text of the mail.")]
    elif len(text) > MAX_DESCRIPTION:
        errors["text"] = [
            _("The text can be at most %(limit)d characters; yours has %(count)d.")
            % {"limit": MAX_DESCRIPTION, "count": len(text)}
        ]
    return errors


def compose_staff_mail(report: Report, *, kind: str, subject: str, text: str) -> tuple[str, str]:
    """(subject, body) as the reporter will read them: what the preview shows and the send
    queues. Raises ``ValidationFailed`` (fields ``kind``, ``subject``, ``text``)."""
    if errors := _problems(kind, subject, text):
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    with translation.override(report.language):
        body = render_to_string(
            "intake/staff_mail.txt",
            {
                "reference": report.reference,
                "needs_info": kind == K.NEEDS_INFO,
                "text": text.strip(),
                "status_url": status_url(),
                "org_name": organisation_name(),
            },
        )
    return subject.strip(), body


def _events(report: Report, *, actor: User | None, data: dict[str, object], note: str) -> None:
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=item.case_id,
            item=item,
            kind=CaseEvent.Kind.REPORTER_MAIL,
            actor=actor,
            data=data,
            note=note,
        )
        for item in report.items.all()
    )


@transaction.atomic
def write_to_reporter(
    report: Report,
    *,
    actor: User,
    kind: str,
    subject: str,
    text: str,
    now: dt.datetime | None = None,
) -> ReporterMail:
    """Queue a mail from staff to the reporter, with its contact-log entry, events and audit
    entry (and, for ``needs_info``, the open request).

    Raises ``NotFound`` for a report of a case the actor may not open, ``NotWritable`` when
    the reporter may not be written to (anonymous, no address, no consent, erased), and
    ``ValidationFailed`` per field; nothing is stored then.
    """
    _check_reach(report, actor)
    if reason := why_not_writable(report):
        raise NotWritable(reason)
    subject, body = compose_staff_mail(report, kind=kind, subject=subject, text=text)
    now = now or timezone.now()
    mail = queue_reporter_mail(
        report,
        to=report.reporter_email,
        subject=subject,
        body=body,
        language=report.language,
        kind=kind,
        sent_by=actor,
        now=now,
    )
    entry = ContactEntry.objects.create(
        case_id=report.case_id,
        report=report,
        at=now,
        channel=ContactEntry.Channel.EMAIL,
        direction=ContactEntry.Direction.OUTGOING,
        summary=text.strip(),
        author=actor,
        mail=mail,
    )
    if kind == K.NEEDS_INFO:
        InfoRequest.objects.create(report=report, mail=mail, asked_by=actor)
        note = _("Report %(reference)s: the reporter is asked for more information.")
    else:
        note = _("Report %(reference)s: a message to the reporter.")
    data = {"mail": str(mail.pk), "kind": kind, "report": report.reference}
    _events(
        report,
        actor=actor,
        data={**data, "contact": str(entry.pk)},
        note=note % {"reference": report.reference},
    )
    record("reporter.mail_written", actor=actor, target=f"report:{report.pk}", data=data)
    return mail


def open_request(report: Report) -> OpenRequest | None:
    """The newest request for more information the reporter has not answered and staff have
    not closed, for the status page ("We need more information from you: ..."); None when
    there is none."""
    found = (
        InfoRequest.objects.filter(report=report, answered_at__isnull=True, closed_at__isnull=True)
        .select_related("mail__contact")
        .order_by("-created_at")
        .first()
    )
    if found is None:
        return None
    contact = getattr(found.mail, "contact", None)
    return OpenRequest(question=contact.summary if contact else "", asked_at=found.created_at)


def mark_answered(report: Report, message: ReportMessage, *, now: dt.datetime | None = None) -> int:
    """The reporter added information: every open request of the report is answered by it.
    Runs in the caller's transaction (``add_message``)."""
    return InfoRequest.objects.filter(
        report=report, answered_at__isnull=True, closed_at__isnull=True
    ).update(answered_at=now or timezone.now(), answer=message)


@transaction.atomic
def close_request(
    request: InfoRequest, *, actor: User, now: dt.datetime | None = None
) -> InfoRequest:
    """Staff no longer wait for an answer (they reached the reporter another way, or the
    question is moot). Raises ``Conflict`` when it was answered or closed meanwhile."""
    _check_reach(request.report, actor)
    now = now or timezone.now()
    closed = InfoRequest.objects.filter(
        pk=request.pk, answered_at__isnull=True, closed_at__isnull=True
    ).update(closed_at=now, closed_by=actor)
    if not closed:
        raise Conflict(_("This request was already answered or closed."))
    record(
        "reporter.request_closed",
        actor=actor,
        target=f"report:{request.report_id}",
        data={"request": str(request.pk)},
    )
    request.refresh_from_db()
    return request


def _body_again(mail: ReporterMail) -> str:
    """The body of a failed mail, written anew from what is kept (its body was erased)."""
    report = mail.report
    if mail.kind in (K.REMOVED, K.REFUSED):
        events = list(
            CaseEvent.objects.filter(pk__in=mail.outcomes.values("event_id")).select_related("item")
        )
        if events:
            return compose_outcome_mail(report, events)[1]
    elif mail.kind in WRITABLE_KINDS:
        contact = getattr(mail, "contact", None)
        if contact is not None and contact.summary:
            return compose_staff_mail(
                report, kind=mail.kind, subject=mail.subject, text=contact.summary
            )[1]
        raise Conflict(_("The text of this mail was erased; write a new one if needed."))
    raise Conflict(
        _("A receipt cannot be sent again: its receipt code is not kept. Give the reporter a call.")
    )


def may_send_again(mail: ReporterMail) -> bool:
    """Whether a failed mail has what it takes to be sent again (a receipt never does)."""
    return mail.status == ReporterMail.Status.FAILED and mail.kind != K.RECEIPT


@transaction.atomic
def send_again(mail: ReporterMail, *, actor: User, now: dt.datetime | None = None) -> ReporterMail:
    """Queue a failed mail again, with the same Message-ID, to the reporter's current
    address. Raises ``Conflict`` when it is not failed or cannot be written anew, and
    ``NotWritable`` when the reporter may no longer be written to."""
    report = mail.report
    _check_reach(report, actor)
    if mail.status != ReporterMail.Status.FAILED:
        raise Conflict(_("Only a mail that failed can be sent again."))
    if reason := why_not_writable(report):
        raise NotWritable(reason)
    body = _body_again(mail)
    if not requeue(mail, to=report.reporter_email, body=body, now=now):
        raise Conflict(_("Only a mail that failed can be sent again."))
    data = {"mail": str(mail.pk), "kind": mail.kind, "report": report.reference}
    note = _("Report %(reference)s: a mail that failed is sent again.")
    note %= {"reference": report.reference}
    _events(report, actor=actor, data={**data, "again": True}, note=note)
    record("reporter.mail_sent_again", actor=actor, target=f"report:{report.pk}", data=data)
    mail.refresh_from_db()
    return mail
