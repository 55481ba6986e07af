"""Staff write to a reporter from the case page, through the outbox, audited.

Dave (intake) previews and sends a message to Camille (fictional), who left her address:
the mail goes over a real SMTP server in her language, signed by the organisation, telling
her to answer on the status page with her receipt code; the case's contact log keeps the
text (encrypted), the timeline says a mail went (never what it says), the audit trail names
Dave. Asking for more information opens a request until Camille adds information or staff
stop waiting. Nothing typed becomes a header; a reporter who cannot be written to is
explained, not written to; every role gets what the permission table says.
"""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import PERSONAS
from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import CaseEvent
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.intake import reporter_mail
from flagdesk.intake.erasure import erase_report
from flagdesk.intake.messages import add_message
from flagdesk.intake.models import ContactEntry, InfoRequest, Report, ReporterMail
from flagdesk.intake.reporter_updates import (
    NotWritable,
    close_request,
    open_request,
    send_again,
    write_to_reporter,
)
from flagdesk.intake.services import SubmittedReport
from flagdesk.intake.tests.factories import submitted_report, with_contact

pytestmark = pytest.mark.django_db

EMAIL = "camille@mail.example.test"
TEXT = "Could you tell us on which day the second picture was posted, and by which account?"
QUESTION = "Which account posted the second picture?"
WRITERS = {"intake", "analyst", "reviewer", "coordinator"}


def reported(language: str = "fr", **overrides: Any) -> SubmittedReport:
    contact = with_contact(reporter_name="Camille Fictive", reporter_email=EMAIL, **overrides)
    return submitted_report(
        "https://social.test/p/write-1", "https://social.test/p/write-2", language=language,
        **contact,
    )  # fmt: skip


def write_url(report: Report) -> str:
    return reverse(
        "intake:reporter-write", kwargs={"case_id": report.case_id, "report_id": report.pk}
    )


def case_url(report: Report) -> str:
    return reverse("cases:case-detail", kwargs={"case_id": report.case_id})


def written_nowhere_but_the_log(text: str) -> None:
    """The text is in the contact log (encrypted) and nowhere a timeline or audit shows."""
    for event in CaseEvent.objects.all():
        assert text not in event.note and text not in str(event.data)
    for entry in AuditEntry.objects.all():
        assert text not in entry.reason and text not in str(entry.data)


def test_a_message_goes_out_in_the_reporter_s_language_with_its_traces(smtp_server, users):
    submitted = reported("nl")
    report = submitted.report
    mail = write_to_reporter(
        report, actor=users["intake"], kind="staff", subject="Uw melding", text=TEXT
    )
    assert mail.kind == ReporterMail.Kind.STAFF and mail.sent_by == users["intake"]
    # The contact log keeps the text; the mail's own body goes once sent.
    entry = ContactEntry.objects.get(mail=mail)
    assert entry.summary == TEXT and entry.channel == "email" and entry.direction == "outgoing"
    assert entry.report == report and entry.author == users["intake"]
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.REPORTER_MAIL)
    assert {e.item_id for e in events} == {i.pk for i in submitted.items}
    assert all(e.actor == users["intake"] and e.data["kind"] == "staff" for e in events)
    [audit] = AuditEntry.objects.filter(action="reporter.mail_written")
    assert audit.actor == users["intake"] and audit.target == f"report:{report.pk}"
    written_nowhere_but_the_log(TEXT)

    assert reporter_mail.send(mail.pk) == ReporterMail.Status.SENT
    [message] = smtp_server.wait_for(1)
    assert message["To"] == EMAIL and message["Subject"] == "Uw melding"
    assert message["Content-Language"] == "nl"
    assert message["Reply-To"] is None  # answers go through the status page
    body = message.get_content()
    assert TEXT in body and report.reference in body
    assert reverse("intake:report-status") in body
    with translation.override("nl"):
        assert (
            translation.gettext("If you or someone else is in immediate danger, call 112.") in body
        )
    assert "dave" not in body.lower()  # signed by the organisation, never the writer
    assert submitted.receipt_code not in body
    mail.refresh_from_db()
    assert mail.body == "" and ContactEntry.objects.get(mail=mail).summary == TEXT


def test_asking_for_more_information_waits_until_the_reporter_adds_it(smtp_server, users):
    submitted = reported("de")
    report = submitted.report
    assert open_request(report) is None
    mail = write_to_reporter(
        report,
        actor=users["analyst"],
        kind="needs_info",
        subject="Ihre Meldung",
        text=QUESTION,
    )
    assert mail.kind == ReporterMail.Kind.NEEDS_INFO
    waiting = open_request(report)
    assert waiting is not None and waiting.question == QUESTION
    reporter_mail.send(mail.pk)
    body = smtp_server.wait_for(1)[0].get_content()
    assert QUESTION in body and reverse("intake:report-status") in body  # how to answer
    # The reporter answers with the receipt code (the status page's "add information").
    added = add_message(report, text="It was posted on 3 November by @fictional.", urls=[])
    assert open_request(report) is None
    request = InfoRequest.objects.get()
    assert request.answer == added.message and request.answered_at is not None
    answered = CaseEvent.objects.filter(kind=CaseEvent.Kind.REPORTER_MESSAGE)
    assert answered and all(e.data["answers_request"] for e in answered)
    # Staff may no longer close what is answered.
    with pytest.raises(Conflict):
        close_request(request, actor=users["analyst"])


def test_staff_may_stop_waiting(users):
    report = reported("en").report
    write_to_reporter(report, actor=users["intake"], kind="needs_info", subject="S", text=QUESTION)
    request = InfoRequest.objects.get()
    close_request(request, actor=users["reviewer"])
    assert open_request(report) is None
    request.refresh_from_db()
    assert request.closed_by == users["reviewer"] and request.answered_at is None
    assert AuditEntry.objects.filter(action="reporter.request_closed").count() == 1
    # A later message from the reporter answers nothing any more.
    add_message(report, text="More.", urls=[])
    request.refresh_from_db()
    assert request.answered_at is None


@pytest.mark.parametrize(
    "subject",
    ["Your report\r\nBcc: everyone@elsewhere.test", "Your report\nX-Evil: 1", "Tab\tin it"],
)
def test_a_subject_that_could_smuggle_a_header_is_refused_and_nothing_stored(users, subject):
    report = reported().report
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        write_to_reporter(report, actor=users["intake"], kind="staff", subject=subject, text=TEXT)
    assert set(refused.value.fields) == {"subject"}
    assert not ReporterMail.objects.exists() and not ContactEntry.objects.exists()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.REPORTER_MAIL).exists()
    assert AuditEntry.objects.count() == audits


def test_the_page_refuses_a_header_in_the_subject_too(client, users):
    report = reported().report
    client.force_login(users["intake"])
    data = {"kind": "staff", "subject": "Hi\r\nBcc: x@elsewhere.test", "text": TEXT}
    response = client.post(write_url(report), {**data, "action": "send"})
    assert response.status_code == 422
    assert "The subject must be one line" in unescape(response.content.decode())
    assert not ReporterMail.objects.exists()


def test_empty_or_unknown_input_is_refused_per_field(users):
    report = reported().report
    with pytest.raises(ValidationFailed) as refused:
        write_to_reporter(report, actor=users["intake"], kind="gossip", subject=" ", text=" ")
    assert set(refused.value.fields) == {"kind", "subject", "text"}


UNWRITABLE = {
    "anonymous": {"is_anonymous": True, "reporter_name": "", "reporter_email": "",
                  "reporter_phone": ""},
    "no email": {"reporter_email": ""},
}  # fmt: skip


@pytest.mark.parametrize("who", sorted(UNWRITABLE))
def test_a_reporter_without_an_address_is_explained_not_written_to(client, users, who):
    report = submitted_report(
        "https://social.test/p/nowrite-1", **with_contact(**UNWRITABLE[who])
    ).report
    with pytest.raises(NotWritable):
        write_to_reporter(report, actor=users["intake"], kind="staff", subject="S", text=TEXT)
    client.force_login(users["intake"])
    page = client.get(write_url(report))
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert 'id="not-writable"' in html and 'name="text"' not in html
    sent = client.post(write_url(report), {"kind": "staff", "subject": "S", "text": TEXT,
                                           "action": "send"})  # fmt: skip
    assert sent.status_code == 409
    assert not ReporterMail.objects.exists()


def test_no_mail_without_consent_or_after_erasure(users):
    no_consent = reported().report
    Report.objects.filter(pk=no_consent.pk).update(has_consented=False)
    no_consent.refresh_from_db()
    with pytest.raises(NotWritable, match="did not agree"):
        write_to_reporter(no_consent, actor=users["intake"], kind="staff", subject="S", text=TEXT)
    erased = submitted_report(
        "https://social.test/p/erased-1", **with_contact(reporter_email=EMAIL)
    ).report
    erase_report(erased, by="reporter")
    erased.refresh_from_db()
    with pytest.raises(NotWritable, match="erased"):
        write_to_reporter(erased, actor=users["intake"], kind="staff", subject="S", text=TEXT)
    assert not ReporterMail.objects.exists()


def test_the_form_previews_then_sends(client, users):
    report = reported("fr").report
    client.force_login(users["intake"])
    page = unescape(client.get(write_url(report)).content.decode())
    with translation.override("fr"):
        subject = translation.gettext("Your report %(reference)s") % {"reference": report.reference}
    assert subject != f"Your report {report.reference}"  # really French
    assert f'value="{subject}"' in page  # prefilled in the reporter's language
    assert EMAIL not in page  # never the address
    data = {"kind": "staff", "subject": subject, "text": TEXT}
    preview = client.post(write_url(report), {**data, "action": "preview"})
    assert preview.status_code == 200
    html = unescape(preview.content.decode())
    assert 'id="preview"' in html and TEXT in html and 'id="send-mail"' in html
    assert not ReporterMail.objects.exists()  # a preview stores nothing
    sent = client.post(write_url(report), {**data, "action": "send"})
    assert sent.status_code == 302 and sent["Location"].endswith("#reporter-mails")
    mail = ReporterMail.objects.get()
    assert mail.subject == subject and mail.sent_by == users["intake"]


def test_the_subject_follows_the_kind_while_untouched(client, users):
    """Without the page's script: the message's default subject, sent as a request for more
    information, becomes the request's default."""
    report = reported("en").report
    client.force_login(users["intake"])
    data = {"kind": "needs_info", "subject": f"Your report {report.reference}", "text": QUESTION}
    client.post(write_url(report), {**data, "action": "send"})
    mail = ReporterMail.objects.get()
    assert mail.kind == "needs_info"
    assert mail.subject == f"Your report {report.reference}: we need more information"


@pytest.mark.parametrize("role", [*PERSONAS, None])
def test_who_may_write(client, users, role):
    report = reported().report
    if role:
        client.force_login(users[role])
    data = {"kind": "staff", "subject": "S", "text": TEXT, "action": "send"}
    response = client.post(write_url(report), data)
    if role in WRITERS:
        assert response.status_code == 302 and ReporterMail.objects.count() == 1
    else:
        expected = 403 if role else 302  # anonymous: to the login page
        assert response.status_code == expected and not ReporterMail.objects.exists()
        if role:
            with pytest.raises(PermissionDenied):
                write_to_reporter(report, actor=users[role], kind="staff", subject="S", text=TEXT)


def test_the_case_page_lists_the_mails_and_sends_a_failed_one_again(client, users, smtp_server):
    report = reported("en").report
    mail = write_to_reporter(
        report, actor=users["coordinator"], kind="staff", subject="About it", text=TEXT
    )
    smtp_server.fail_next = [550]
    assert reporter_mail.send(mail.pk) == ReporterMail.Status.FAILED
    client.force_login(users["intake"])
    html = unescape(client.get(case_url(report)).content.decode())
    assert 'id="reporter-mails"' in html and f'id="reporter-mail-{mail.pk}"' in html
    assert "carol" in html and "SMTP 550" in html and "Send again" in html
    assert TEXT not in html and EMAIL not in html  # neither the text nor the address
    again = reverse(
        "intake:reporter-mail-again",
        kwargs={"case_id": report.case_id, "reporter_mail_id": mail.pk},
    )
    response = client.post(again)
    assert response.status_code == 302
    mail.refresh_from_db()
    assert mail.status == "queued" and mail.attempts == 0
    assert reporter_mail.send(mail.pk) == ReporterMail.Status.SENT
    [message] = smtp_server.wait_for(1)
    assert TEXT in message.get_content() and message["Message-ID"] == mail.message_id
    assert AuditEntry.objects.filter(action="reporter.mail_sent_again", actor=users["intake"])
    written_nowhere_but_the_log(TEXT)


def test_a_receipt_is_never_sent_again(users, smtp_server):
    """Its receipt code is not kept, so its body cannot be written again."""
    import datetime as dt

    from django.utils import timezone

    from flagdesk.intake.phone import Call, take_phone_report
    from flagdesk.intake.services import ReportSubmission

    now = timezone.now()
    sub = ReportSubmission(
        urls=["https://social.test/p/receipt-1"],
        role="victim",
        language="fr",
        **with_contact(reporter_email=EMAIL),
    )
    call = Call(started_at=now - dt.timedelta(minutes=5), ended_at=now)
    mail = take_phone_report(sub, call, actor=users["intake"], mail_receipt=True).mail
    smtp_server.fail_next = [550]
    reporter_mail.send(mail.pk)
    mail.refresh_from_db()
    with pytest.raises(Conflict, match="receipt code"):
        send_again(mail, actor=users["intake"])


def test_the_case_page_explains_who_cannot_be_written_to(client, users):
    anonymous = submitted_report("https://social.test/p/anon-1")
    client.force_login(users["intake"])
    html = unescape(client.get(case_url(anonymous.report)).content.decode())
    assert "made anonymously" in html
    assert write_url(anonymous.report) not in html
    camille = reported("en").report
    html = unescape(client.get(case_url(camille)).content.decode())
    assert write_url(camille) in html
