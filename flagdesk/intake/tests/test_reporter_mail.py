"""The reporter-mail outbox, over a real SMTP server (aiosmtpd on 127.0.0.1).

A caller's receipt goes out in their language with the reference, the receipt code and the
status page; the body is erased once sent. With the mail server down the mail waits and is
sent once, when the server is back; a mail is never sent twice; a refusal gives up; nothing a
caller typed becomes a header.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from conftest import free_port
from flagdesk.intake import reporter_mail
from flagdesk.intake.models import ReporterMail
from flagdesk.intake.phone import Call, take_phone_report
from flagdesk.intake.services import ReportSubmission
from flagdesk.intake.tasks import PERIODIC, send_reporter_mail
from flagdesk.intake.tests.factories import submitted_report
from flagdesk.site.worker import periodic_jobs

pytestmark = pytest.mark.django_db

EMAIL = "camille@mail.example.test"
DANGER = "If you or someone else is in immediate danger, call 112."


def phone_receipt(users: dict[str, Any], language: str = "fr") -> tuple[ReporterMail, str]:
    """A call whose caller wants the receipt by mail; the mail and the receipt code."""
    sub = ReportSubmission(
        urls=["https://social.example.test/p/mail-1"],
        role="victim",
        language=language,
        is_anonymous=False,
        reporter_name="Camille Fictive",
        reporter_email=EMAIL,
        has_consented=True,
    )
    now = timezone.now()
    call = Call(started_at=now - dt.timedelta(minutes=5), ended_at=now)
    taken = take_phone_report(sub, call, actor=users["intake"], mail_receipt=True)
    assert taken.mail is not None
    return taken.mail, taken.submitted.receipt_code


def test_the_receipt_goes_over_smtp_in_the_caller_s_language(users, smtp_server):
    mail, code = phone_receipt(users, "fr")
    assert reporter_mail.send(mail.pk) == ReporterMail.Status.SENT
    [message] = smtp_server.wait_for(1)
    assert message["To"] == EMAIL
    assert message["Message-ID"] == mail.message_id
    assert message["Content-Language"] == "fr"
    body = message.get_content()
    with translation.override("fr"):
        danger = translation.gettext(DANGER)
    assert danger != DANGER and danger in body  # French, as the caller spoke
    assert code in body and mail.report.reference in body
    assert reverse("intake:report-status") in body
    mail.refresh_from_db()
    assert mail.status == "sent" and mail.sent_at is not None and mail.attempts == 1
    assert mail.body == ""  # the receipt code is not kept once sent
    assert mail.report.reference in mail.subject  # the record stays


def test_the_task_sends_it_and_a_second_run_sends_nothing(users, smtp_server):
    mail, _code = phone_receipt(users, "en")
    send_reporter_mail.call(str(mail.pk))
    send_reporter_mail.call(str(mail.pk))
    assert len(smtp_server.wait_for(1)) == 1
    assert reporter_mail.sweep() == 0
    assert len(smtp_server.messages) == 1


def test_with_the_server_down_the_mail_waits_and_is_sent_once_when_it_is_back(
    users, smtp_server, settings
):
    mail, code = phone_receipt(users, "nl")
    settings.EMAIL_PORT = free_port()  # nothing listens there
    now = timezone.now()
    assert reporter_mail.send(mail.pk, now=now) == ReporterMail.Status.QUEUED
    mail.refresh_from_db()
    assert mail.attempts == 1 and mail.last_error and mail.next_attempt_at > now
    assert code in mail.body  # still to be sent
    assert reporter_mail.send(mail.pk, now=now) is None  # not due yet
    assert reporter_mail.sweep(now=now) == 0

    settings.EMAIL_PORT = smtp_server.port  # back
    later = mail.next_attempt_at + dt.timedelta(seconds=1)
    tasks_before = DBTaskResult.objects.count()
    assert reporter_mail.sweep(now=later) == 1  # the retry becomes a task once due
    assert DBTaskResult.objects.count() == tasks_before + 1
    assert reporter_mail.sweep(now=later) == 0  # and only once
    assert reporter_mail.send(mail.pk, now=later) == ReporterMail.Status.SENT
    assert reporter_mail.send(mail.pk, now=later) is None
    assert len(smtp_server.wait_for(1)) == 1
    mail.refresh_from_db()
    assert mail.status == "sent" and mail.attempts == 2 and mail.body == ""


def test_a_temporary_refusal_is_retried_and_a_permanent_one_gives_up(users, smtp_server):
    mail, _code = phone_receipt(users)
    smtp_server.fail_next = [451]
    assert reporter_mail.send(mail.pk) == ReporterMail.Status.QUEUED
    other, _ = phone_receipt(users)
    smtp_server.fail_next = [550]
    assert reporter_mail.send(other.pk) == ReporterMail.Status.FAILED
    other.refresh_from_db()
    assert other.body == "" and other.last_error == "SMTP 550"
    assert reporter_mail.sweep(now=timezone.now() + dt.timedelta(hours=1)) == 1  # only the 451
    assert smtp_server.messages == []


def test_a_mail_is_never_sent_by_two_workers_at_once(users, smtp_server):
    mail, _code = phone_receipt(users)
    now = timezone.now()
    first = reporter_mail.claim(mail.pk, now=now)
    assert first is not None
    assert reporter_mail.claim(mail.pk, now=now) is None  # leased
    # The first worker died: once its lease expires the mail is claimed again, same Message-ID.
    expired = now + dt.timedelta(seconds=reporter_mail.LEASE_SECONDS + 1)
    assert reporter_mail.sweep(now=expired) == 1
    second = reporter_mail.claim(mail.pk, now=expired)
    assert second is not None and second.message_id == first.message_id
    assert reporter_mail.deliver(second, now=expired) == ReporterMail.Status.SENT
    # The first worker wakes up: the mail is no longer under its lease, it sends nothing.
    assert reporter_mail.deliver(first, now=expired) == ReporterMail.Status.SENT
    assert len(smtp_server.wait_for(1)) == 1


def test_nothing_typed_becomes_a_header(users, smtp_server):
    report = submitted_report().report
    mail = reporter_mail.queue_reporter_mail(
        report,
        to=EMAIL,
        subject="Your report\r\nBcc: everyone@elsewhere.test",
        body="Hello",
        language="en",
    )
    assert "\n" not in mail.subject and "\r" not in mail.subject
    reporter_mail.send(mail.pk)
    [message] = smtp_server.wait_for(1)
    assert message["Bcc"] is None
    assert smtp_server.envelopes == [(smtp_server.envelopes[0][0], [EMAIL])]
    with pytest.raises(Exception, match="not valid"):
        reporter_mail.queue_reporter_mail(
            report, to="a@b.test\r\nBcc: x@y.test", subject="s", body="b", language="en"
        )


def test_the_worker_runs_the_sweep():
    assert "intake.reporter_mail" in [job.name for job in PERIODIC]
    assert "intake.reporter_mail" in [job.name for job in periodic_jobs()]
