"""Erasing what a reporter told us: contact details, and the description with later messages.

Only personal content goes. The report row stays with its reference, dates, channel, role,
phenomenon, the victim's age band and gender, and its items, so statistics keep their counts
(docs/retention.md). A person's request (the reporter's own, or for a data subject) also
clears the facts recorded about the victim of the report's case (``forget_victim_facts``).
Nothing of a case under legal hold is erased: a request made meanwhile is
recorded on the report (``erasure_held_at``) and the retention run carries it out once the
hold is lifted (``retention.erase_held_requests``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.audit.services import record
from flagdesk.cases import retention
from flagdesk.cases.retention import CONTACT, DESCRIPTION, Clock
from flagdesk.cases.services.case_facts import clear_facts_after_erasure

from . import consent
from .models import CallLog, ContactEntry, Report, ReporterMail, ReportMessage

ERASED = "erased"
HELD = "held"


def report_clock(report: Report) -> Clock:
    """The clock of every case the report touches: its own and those of the items it joined."""
    case_ids = {report.case_id, *(i.case_id for i in report.items.all())}
    return retention.joined(list(retention.clocks(case_ids).values()))


def blank(
    report: Report,
    classes: Sequence[str],
    *,
    by: str,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> list[str]:
    """Blank ``classes`` of ``report`` and write the erasure events; returns the classes that
    held something. The updates are conditional, so of two runs at once only one records the
    erasure. The caller has checked the legal hold and holds the transaction."""
    now = now or timezone.now()
    this = Report.objects.filter(pk=report.pk)
    erased = []
    if CONTACT in classes:
        holding = this.exclude(
            reporter_name="",
            reporter_email="",
            reporter_phone="",
            reporter_email_index="",
            reporter_phone_index="",
        )
        if holding.update(
            reporter_name="",
            reporter_email="",
            reporter_phone="",
            reporter_email_index="",
            reporter_phone_index="",
            contact_erased_at=now,
        ):
            erased.append(CONTACT)
        # The addresses of mails to the reporter go with the other contact details; a mail
        # not sent yet is then never sent.
        mails = ReporterMail.objects.filter(report=report)
        mails.exclude(status=ReporterMail.Status.SENT).update(
            status=ReporterMail.Status.FAILED, last_error="erased before sending"
        )
        mails.exclude(to="").update(to="", body="")
    if DESCRIPTION in classes:
        texts = ReportMessage.objects.filter(report=report).exclude(text="").update(text="")
        # What the caller said on the phone, and what was said in later contacts about it.
        texts += CallLog.objects.filter(report=report).exclude(notes="").update(notes="")
        texts += ContactEntry.objects.filter(report=report).exclude(summary="").update(summary="")
        described = this.exclude(description="").update(description="")
        if texts or described:
            this.update(description_erased_at=now)
            erased.append(DESCRIPTION)
    if erased:
        retention.record_erasure(report.items.all(), classes=erased, by=by, actor=actor)
    return erased


def forget_victim_facts(report: Report, *, by: str, actor: User | None = None) -> bool:
    """Clear the facts recorded for the statistics about the victim of the report's case
    (age, school level, gender...; ``cases.CaseFacts``) when a person asked for erasure.

    The report's own case only: that is the victim the report is about. Any report of the
    case clears them, even when the case has several: nothing tells which reporter is the
    victim or speaks for them, and the facts are about the victim. The routine retention run
    does not clear them (they name no one; the report's age band and gender stay too).
    The caller holds the transaction and has checked the legal hold."""
    return clear_facts_after_erasure(report.case, by=by, actor=actor)


@transaction.atomic
def erase_report(
    report: Report, *, by: str, actor: User | None = None, now: dt.datetime | None = None
) -> str:
    """Erase the report's contact details, description and messages now (``ERASED``), or,
    under a legal hold, record the request for the retention run (``HELD``).

    Either way the consent to the reporters' bank is withdrawn at once: its entries stop
    matching (they stay as removed rows, so a legal hold loses nothing)."""
    now = now or timezone.now()
    consent.withdraw_bank_consent(report, now=now, actor=actor)
    this = Report.objects.filter(pk=report.pk)
    if report_clock(report).is_held:
        this.filter(erasure_held_at__isnull=True).update(erasure_held_at=now)
        return HELD
    blank(report, [CONTACT, DESCRIPTION], by=by, actor=actor, now=now)
    forget_victim_facts(report, by=by, actor=actor)
    this.update(erasure_held_at=None)
    return ERASED


@transaction.atomic
def request_erasure(report: Report) -> str:
    """The reporter's own request, proved by the receipt code (docs/api.md); audited with the
    outcome and no personal data."""
    outcome = erase_report(report, by=retention.BY_REPORTER)
    record("report.erasure", actor=None, target=f"report:{report.pk}", data={"outcome": outcome})
    return outcome
