"""What ``flagdesk demo`` shows of the phone line and the contact log: the demo's phone report
is taken by Dave through the phone line (with its call in the log), and a call back a day
later referred the caller to a (fictional) victim support service. Every person, address
and service here is made up."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from flagdesk.accounts.models import User

from .contacts import record_contact
from .models import ContactEntry, Report
from .phone import Call, take_phone_report
from .services import ReportSubmission, SubmittedReport


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


def load(users: dict[str, User]) -> dict[str, int]:
    """A call back on every demo phone report, with a referral to a support service."""
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
    return {"contacts": ContactEntry.objects.count()}
