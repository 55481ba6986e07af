"""The retention run (docs/retention.md) erases what the phone line and the contact log hold:
call notes and contact summaries with the descriptions, mail addresses with the contact
details, once their periods are over after the case closed; nothing before."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from flagdesk.cases.retention import add_months
from flagdesk.intake.contacts import record_contact
from flagdesk.intake.models import CallLog, ContactEntry, ReporterMail
from flagdesk.intake.phone import Call, take_phone_report
from flagdesk.intake.services import ReportSubmission
from flagdesk.intake.tests.factories import close
from flagdesk.site.retention import run_retention

pytestmark = pytest.mark.django_db


def later(months: int) -> dt.datetime:
    return add_months(timezone.now(), months)


def test_phone_data_goes_when_its_period_is_over(users: Any) -> None:
    dave = users["intake"]
    sub = ReportSubmission(
        urls=["https://social.example.test/p/retention"],
        role="victim",
        phenomenon="ncii",
        is_anonymous=False,
        reporter_name="Camille Fictive",
        reporter_email="camille@mail.example.test",
        has_consented=True,
    )  # no description: only the call holds what was said
    now = timezone.now()
    call = Call(started_at=now - dt.timedelta(minutes=5), ended_at=now, notes="Caller notes")
    report = take_phone_report(sub, call, actor=dave, mail_receipt=True).submitted.report
    at = now - dt.timedelta(minutes=1)
    common = {"actor": dave, "at": at, "channel": "phone", "direction": "outgoing"}
    record_contact(report.case, summary="About the report", report=report, **common)
    record_contact(report.case, summary="About the case", **common)
    close(report)

    run_retention(now=later(7))  # contact details (6 months) go, what was said stays
    assert ReporterMail.objects.get().to == ""
    assert CallLog.objects.get().notes == "Caller notes"
    assert set(ContactEntry.objects.values_list("summary", flat=True)) == {
        "",  # the call's entry: its notes are the call's
        "About the report",
        "About the case",
    }

    run = run_retention(now=later(25))  # descriptions (24 months) go
    assert CallLog.objects.get().notes == ""
    assert set(ContactEntry.objects.values_list("summary", flat=True)) == {""}
    assert sum(r.erased for r in run.rows if r.data_class == "description") == 2
    assert not run_retention(now=later(26)).erased  # done once
