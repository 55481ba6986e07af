"""What ``flagdesk demo`` shows of intake's channels: the demo's phone report is taken by Dave
through the phone line (with its call in the log), a call back a day later referred the caller
to a (fictional) victim support service, and one mail from the public waits on the Mailbox
page. Every person, address and service here is made up (``*.example`` addresses)."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.policy import SMTP

from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.core.references import hash_receipt_code

from .contacts import record_contact
from .mail_intake.services import take_mail
from .models import ContactEntry, MailedReport, Report
from .phone import Call, take_phone_report
from .services import ReportSubmission, SubmittedReport

DEMO_MAILBOX = "demo"
# The receipt code of one demo report, printed by ``flagdesk demo`` so that a visitor can try
# the status page (a real receipt code is random and shown once; never load the demo in
# production).
DEMO_RECEIPT_CODE = "DEM0-0000-0000-1008"
DEMO_MESSAGE_ID = "<demo-intake-1@mail.example>"


def take_call(sub: ReportSubmission, *, officer: User) -> SubmittedReport:
    """The demo's phone report, taken on the phone line two days ago."""
    now = timezone.now()
    started = now - dt.timedelta(days=2, hours=3)
    call = Call(
        started_at=started,
        ended_at=started + dt.timedelta(minutes=14),
        notes="Fictional demo notes: the caller was upset; agreed to a call back.",
    )
    return take_phone_report(sub, call, actor=officer, now=now).submitted


def demo_mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Sam Demo <sam.demo@mail.example>"
    message["To"] = "report@demo-flagdesk.example"
    message["Subject"] = "Fake profile using my photos"
    message["Message-ID"] = DEMO_MESSAGE_ID
    message.set_content(
        "Hello,\n\nsomeone made a profile with my photos and my name and is writing to my "
        "friends pretending to be me. This is the profile:\n\n"
        "https://chirp.example/demo_impostor\n\nCan you help me get it removed?\n\nSam"
    )
    return message.as_bytes(policy=SMTP)


def load(users: dict[str, User]) -> dict[str, int]:
    """A call back on every demo phone report, with a referral to a support service; one
    pending draft in the intake mailbox (taken once: the demo can be loaded again)."""
    reports = Report.objects.filter(channel=Report.Channel.PHONE, calls__isnull=False)
    for report in reports.distinct():
        record_contact(
            report.case,
            actor=users["dave"],
            at=timezone.now() - dt.timedelta(hours=20),
            channel=ContactEntry.Channel.PHONE,
            direction=ContactEntry.Direction.OUTGOING,
            summary=(
                "Fictional demo summary: called back as agreed; the caller wants support and "
                "may file a complaint later."
            ),
            referral=ContactEntry.Referral.VICTIM_SUPPORT,
            referred_to="Fictional Victim Support Centre (demo)",
            report=report,
        )
    raw = demo_mail()
    taken = take_mail(raw, mailbox=DEMO_MAILBOX, uidvalidity=1, uid=1, size=len(raw))
    pending = MailedReport.objects.filter(status=MailedReport.Status.PENDING).count()
    return {
        "contacts": ContactEntry.objects.count(),
        "mailed_drafts": pending if taken is not None else 0,
    }


def make_followable(report: Report) -> None:
    """Give ``report`` the demo's known receipt code."""
    Report.objects.filter(pk=report.pk).update(
        receipt_code_hash=hash_receipt_code(DEMO_RECEIPT_CODE)
    )


def followable_report() -> Report | None:
    """The demo report that the known receipt code opens, if the demo is loaded."""
    return Report.objects.filter(receipt_code_hash=hash_receipt_code(DEMO_RECEIPT_CODE)).first()
