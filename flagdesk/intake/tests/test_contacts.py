"""The contact log of a case (victim-support follow-up).

Dave logs the calls back, mails and referrals; a summary is read only with a reason, which
the audit trail keeps; a case restricted to other staff has no log for Dave (404, as if it did
not exist); the case page's panel sums the log up.
"""

from __future__ import annotations

import datetime as dt
from html import unescape
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import CaseEvent
from flagdesk.core.errors import NotFound, ValidationFailed
from flagdesk.intake.contacts import record_contact, reveal_contact
from flagdesk.intake.models import ContactEntry
from flagdesk.intake.panels import case_contacts_panel
from flagdesk.intake.phone import Call, take_phone_report
from flagdesk.intake.services import ReportSubmission
from flagdesk.intake.tests.factories import submitted_report

pytestmark = pytest.mark.django_db

SUMMARY = "Called her back; she will file a complaint with the police tomorrow."
REASON = "To prepare the call back planned for Friday."


def contact(case: Any, actor: Any, **overrides: Any) -> ContactEntry:
    fields: dict[str, Any] = {
        "at": timezone.now() - dt.timedelta(hours=1),
        "channel": "phone",
        "direction": "outgoing",
        "summary": SUMMARY,
        "referral": "victim_support",
        "referred_to": "Fictional Victim Support Centre",
    }
    fields.update(overrides)
    return record_contact(case, actor=actor, **fields)


def contacts_url(case: Any) -> str:
    return reverse("intake:case-contacts", kwargs={"case_id": case.pk})


def reveal_url(entry: ContactEntry) -> str:
    return reverse(
        "intake:contact-reveal", kwargs={"case_id": entry.case_id, "contact_id": entry.pk}
    )


def test_a_contact_is_logged_with_an_event_that_never_says_what_was_said(users):
    submitted = submitted_report("https://social.example.test/p/c1")
    case = submitted.report.case
    entry = contact(case, users["intake"], report=submitted.report)
    assert entry.summary == SUMMARY and entry.author == users["intake"]
    [event] = CaseEvent.objects.filter(kind=CaseEvent.Kind.CONTACT)
    assert event.item == submitted.items[0] and event.actor == users["intake"]
    assert event.data["referral"] == "victim_support"
    assert event.data["referred_to"] == "Fictional Victim Support Centre"
    assert event.note == (
        "Phone, outgoing. Referred to: Victim support service (Fictional Victim Support Centre)."
    )
    assert "police tomorrow" not in str(event.data) + event.note


def test_bad_input_is_refused_per_field_and_stores_nothing(users):
    case = submitted_report().report.case
    future = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        contact(
            case, users["intake"], at=future, channel="pigeon", referral="other", referred_to=""
        )
    assert set(refused.value.fields) == {"at", "channel", "referred_to"}
    assert not ContactEntry.objects.exists()
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.CONTACT).exists()


def test_the_page_lists_the_log_and_adds_to_it(client, users):
    case = submitted_report().report.case
    sub = ReportSubmission(urls=["https://social.example.test/p/c2"], role="victim")
    now = timezone.now()
    take_phone_report(
        sub,
        Call(started_at=now - dt.timedelta(minutes=7), ended_at=now, notes="Caller notes"),
        actor=users["intake"],
    )
    client.force_login(users["intake"])
    response = client.post(
        contacts_url(case),
        {
            "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "channel": "email",
            "direction": "outgoing",
            "summary": SUMMARY,
            "referral": "police",
            "referred_to": "Fictional police zone",
        },
    )
    assert response.status_code == 302 and response["Location"] == contacts_url(case)
    html = unescape(client.get(contacts_url(case)).content.decode())
    assert "Police: Fictional police zone" in html
    assert SUMMARY not in html  # shown only on request
    entry = ContactEntry.objects.get(case=case)
    assert entry.channel == "email" and entry.referral == "police"


def test_the_phone_call_taken_at_intake_is_in_the_log(client, users):
    sub = ReportSubmission(urls=["https://social.example.test/p/c3"], role="victim")
    now = timezone.now()
    taken = take_phone_report(
        sub,
        Call(started_at=now - dt.timedelta(minutes=7), ended_at=now, notes="Caller notes"),
        actor=users["intake"],
    )
    case = taken.submitted.report.case
    client.force_login(users["intake"])
    html = unescape(client.get(contacts_url(case)).content.decode())
    assert taken.submitted.report.reference in html and "7 minutes" in html
    entry = ContactEntry.objects.get(case=case)
    response = client.post(reveal_url(entry), {"reason": REASON})
    assert "Caller notes" in unescape(response.content.decode())  # a call's notes


def test_errors_of_the_form_are_shown_in_french(client, users, settings):
    case = submitted_report().report.case
    client.force_login(users["intake"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.post(contacts_url(case), {"at": "yesterday", "channel": "phone"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html and "errorlist" in html
    assert not ContactEntry.objects.exists()


def test_reading_a_summary_is_audited_with_the_reason(client, users):
    case = submitted_report().report.case
    entry = contact(case, users["analyst"])
    client.force_login(users["intake"])
    too_short = client.post(reveal_url(entry), {"reason": "x"})
    assert too_short.status_code == 200 and SUMMARY not in unescape(too_short.content.decode())
    assert not AuditEntry.objects.filter(action="contact.revealed").exists()
    response = client.post(reveal_url(entry), {"reason": REASON})
    assert SUMMARY in unescape(response.content.decode())
    audit = AuditEntry.objects.get(action="contact.revealed")
    assert audit.actor == users["intake"] and audit.reason == REASON
    assert audit.target == f"contact:{entry.pk}"
    assert client.get(reveal_url(entry)).status_code == 405


def test_a_restricted_case_s_log_is_not_found_for_others(client, users):
    case = submitted_report().report.case
    entry = contact(case, users["coordinator"])
    case.restricted_to.add(users["coordinator"])
    client.force_login(users["intake"])
    assert client.get(contacts_url(case)).status_code == 404
    assert client.post(reveal_url(entry), {"reason": REASON}).status_code == 404
    assert client.post(contacts_url(case), {"channel": "phone"}).status_code == 404
    assert not AuditEntry.objects.filter(action="contact.revealed").exists()
    with pytest.raises(NotFound):
        reveal_contact(entry, actor=users["intake"], reason=REASON)
    with pytest.raises(NotFound):
        contact(case, users["intake"])
    request = RequestFactory().get("/")
    request.user = users["intake"]
    assert case_contacts_panel(request, case) is None
    client.force_login(users["coordinator"])  # named on the case
    assert client.get(contacts_url(case)).status_code == 200
    assert ContactEntry.objects.count() == 1


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_other_roles_get_a_styled_refusal(client, users, role):
    case = submitted_report().report.case
    entry = contact(case, users["intake"])
    client.force_login(users[role])
    response = client.get(contacts_url(case))
    assert response.status_code == 403
    assert "<h1>You cannot open this page</h1>" in response.content.decode()
    assert client.post(reveal_url(entry), {"reason": REASON}).status_code == 403
    assert not AuditEntry.objects.filter(action="contact.revealed").exists()


def test_the_panel_sums_up_the_log_with_a_link(users):
    case = submitted_report().report.case
    contact(case, users["intake"])
    contact(case, users["intake"], referral="police", referred_to="")
    request = RequestFactory().get("/")
    request.user = users["intake"]
    panel = case_contacts_panel(request, case)
    assert panel is not None
    assert panel.context["count"] == 2
    assert set(panel.context["referrals"]) == {
        "Victim support service: Fictional Victim Support Centre",
        "Police",
    }
    html = panel.render(request)
    assert contacts_url(case) in html and "2 contacts recorded." in html
    request.user = users["auditor"]
    assert case_contacts_panel(request, case) is None


def test_the_demo_s_phone_report_has_its_call_and_a_referral(users):
    from flagdesk.intake import demo

    by_name = {u.username: u for u in users.values()}
    sub = ReportSubmission(urls=["https://social.example.test/p/demo"], role="victim")
    submitted = demo.take_call(sub, officer=by_name["dave"])
    assert demo.load(by_name)["contacts"] == 2
    case = submitted.report.case
    assert [e.channel for e in ContactEntry.objects.filter(case=case)] == ["phone", "phone"]
    assert ContactEntry.objects.filter(case=case, referral="victim_support").exists()


def test_erasing_a_report_erases_its_call_notes_contact_summaries_and_mails(users):
    from flagdesk.intake.erasure import erase_report
    from flagdesk.intake.models import CallLog, ReporterMail

    sub = ReportSubmission(
        urls=["https://social.example.test/p/erase"],
        role="victim",
        is_anonymous=False,
        reporter_name="Camille Fictive",
        reporter_email="camille@mail.example.test",
        has_consented=True,
    )
    now = timezone.now()
    call = Call(started_at=now - dt.timedelta(minutes=3), ended_at=now, notes="Caller notes")
    report = take_phone_report(sub, call, actor=users["intake"], mail_receipt=True).submitted.report
    contact(report.case, users["intake"], report=report)
    assert erase_report(report, by="reporter") == "erased"
    assert CallLog.objects.get().notes == ""
    assert set(ContactEntry.objects.values_list("summary", flat=True)) == {""}
    mail = ReporterMail.objects.get()
    assert (mail.to, mail.body, mail.status) == ("", "", "failed")  # never sent now
    assert mail.subject  # the record stays


def test_an_access_request_exports_the_calls_and_contacts_without_staff_names(users):
    from flagdesk.intake.subjects import access_export

    sub = ReportSubmission(urls=["https://social.example.test/p/access"], role="victim")
    now = timezone.now()
    call = Call(started_at=now - dt.timedelta(minutes=3), ended_at=now, notes="Caller notes")
    report = take_phone_report(sub, call, actor=users["intake"]).submitted.report
    contact(report.case, users["intake"], report=report)
    data = access_export([report], actor=users["coordinator"], reason="Request of 1 December.")
    [exported] = data["reports"]
    assert exported["channel"] == "phone"
    assert [c["notes"] for c in exported["calls"]] == ["Caller notes"]
    assert [c["summary"] for c in exported["contacts"]] == [SUMMARY]
    assert exported["contacts"][0]["referred_to"] == "Fictional Victim Support Centre"
    assert "dave" not in str(data)


def test_the_item_page_sums_up_the_log_and_links_to_it(client, users):
    submitted = submitted_report("https://social.example.test/p/item-page")
    contact(submitted.report.case, users["intake"])
    client.force_login(users["intake"])
    item_url = reverse("cases:item-detail", args=[submitted.items[0].pk])
    html = unescape(client.get(item_url).content.decode())
    assert contacts_url(submitted.report.case) in html
    assert "1 contact recorded." in html
    assert "Phone, outgoing. Referred to: Victim support service" in html  # the timeline
    assert SUMMARY not in html
