"""The phone line: Dave, an intake officer, takes reports while on the phone.

A report taken on the phone is a report like any other (channel ``phone``, the officer as
actor), with its call in the log and the case's contact log, and a ``contact`` event per item
that never carries the notes. The caller hears the reference and receipt code once; a reload
shows them no more. A refusal stores nothing, and says why in the officer's language.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.core.errors import PermissionDenied, ValidationFailed
from flagdesk.core.references import hash_receipt_code
from flagdesk.intake.models import CallLog, ContactEntry, Report, ReporterMail
from flagdesk.intake.phone import Call, take_phone_report
from flagdesk.intake.phonetic import spell
from flagdesk.intake.services import ReportSubmission

PHONE = reverse("intake:phone-report")
RECEIPT = reverse("intake:phone-receipt")
URL = "https://social.example.test/p/phone-1"
NOTES = "Caller is frightened; her ex-partner posted the pictures last night."

pytestmark = pytest.mark.django_db


def form(**overrides: Any) -> dict[str, Any]:
    """What Dave types for a caller who agrees to be contacted and wants the mail."""
    data: dict[str, Any] = {
        "language": "fr",
        "role": "victim",
        "phenomenon": "ncii",
        "urls": URL,
        "description": "Des photos intimes publiées sans mon accord.",
        "victim_age_band": "25-34",
        "victim_gender": "female",
        "has_consented": "on",
        "reporter_name": "Camille Fictive",
        "reporter_email": "camille@mail.example.test",
        "reporter_phone": "+32 470 00 00 00",
        "mail_receipt": "on",
        "started_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "duration_minutes": "12",
        "call_notes": NOTES,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def call(minutes: int = 10, **overrides: Any) -> Call:
    start = timezone.now() - dt.timedelta(minutes=minutes)
    fields: dict[str, Any] = {"started_at": start, "ended_at": timezone.now(), "notes": NOTES}
    fields.update(overrides)
    return Call(**fields)


def stored() -> dict[str, int]:
    return {
        "reports": Report.objects.count(),
        "items": Item.objects.count(),
        "calls": CallLog.objects.count(),
        "contacts": ContactEntry.objects.count(),
        "events": CaseEvent.objects.count(),
        "mails": ReporterMail.objects.count(),
    }


NOTHING = {"reports": 0, "items": 0, "calls": 0, "contacts": 0, "events": 0, "mails": 0}


# -- the service --------------------------------------------------------------------------


def test_a_phone_report_is_stored_with_its_call_and_a_contact_event_per_item(users):
    dave = users["intake"]
    sub = ReportSubmission(
        urls=[URL, "https://social.example.test/p/phone-2"], role="witness", language="nl"
    )
    taken = take_phone_report(sub, call(), actor=dave)
    report = taken.submitted.report
    assert report.channel == Report.Channel.PHONE
    assert report.language == "nl" and report.is_anonymous
    log = CallLog.objects.get()
    assert (log.report, log.case, log.officer, log.language) == (report, report.case, dave, "nl")
    assert log.notes == NOTES and log.duration_minutes == 10
    entry = ContactEntry.objects.get()
    assert (entry.call, entry.report, entry.channel, entry.direction) == (
        log,
        report,
        "phone",
        "incoming",
    )
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.CONTACT)
    assert sorted(e.item_id for e in events) == sorted(i.pk for i in taken.submitted.items)
    assert len(events) == 2
    for event in events:
        assert event.actor == dave
        assert event.data["call"] == str(log.pk) and event.data["channel"] == "phone"
        assert "frightened" not in str(event.data) + event.note  # never the notes
        assert event.note == "Report taken on the phone line (10 min)."
    assert taken.mail is None and not ReporterMail.objects.exists()


def test_the_notes_are_encrypted_at_rest(users):
    take_phone_report(ReportSubmission(urls=[URL], role="victim"), call(), actor=users["intake"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM intake_calllog")
        [(raw,)] = cursor.fetchall()
    assert "frightened" not in raw


def test_a_refusal_names_every_field_and_stores_nothing(users):
    bad_call = call(ended_at=timezone.now() - dt.timedelta(hours=1))
    sub = ReportSubmission(urls=["ftp://nowhere"], role="victim")
    with pytest.raises(ValidationFailed) as refused:
        take_phone_report(sub, bad_call, actor=users["intake"])
    assert {"urls", "ended_at"} <= set(refused.value.fields)
    assert stored() == NOTHING


def test_a_call_refused_alone_rolls_the_report_back(users):
    """The report itself was valid and written; the call's refusal undoes it."""
    sub = ReportSubmission(urls=[URL], role="victim")
    future = timezone.now() + dt.timedelta(hours=2)
    with pytest.raises(ValidationFailed) as refused:
        take_phone_report(sub, call(started_at=future, ended_at=future), actor=users["intake"])
    assert set(refused.value.fields) == {"started_at"}
    assert stored() == NOTHING


def test_the_receipt_by_mail_needs_consent_and_an_address(users):
    sub = ReportSubmission(urls=[URL], role="victim")
    with pytest.raises(ValidationFailed) as refused:
        take_phone_report(sub, call(), actor=users["intake"], mail_receipt=True)
    assert "mail_receipt" in refused.value.fields
    assert stored() == NOTHING


def test_a_role_without_the_phone_line_cannot_take_a_report(users):
    sub = ReportSubmission(urls=[URL], role="victim")
    with pytest.raises(PermissionDenied):
        take_phone_report(sub, call(), actor=users["auditor"])
    assert stored() == NOTHING


def test_the_receipt_mail_is_queued_with_the_report_in_the_caller_s_language(users):
    sub = ReportSubmission(
        urls=[URL],
        role="victim",
        language="fr",
        is_anonymous=False,
        reporter_name="Camille Fictive",
        reporter_email="camille@mail.example.test",
        has_consented=True,
    )
    taken = take_phone_report(sub, call(), actor=users["intake"], mail_receipt=True)
    mail = ReporterMail.objects.get()
    assert mail == taken.mail and mail.report == taken.submitted.report
    assert (mail.to, mail.language, mail.status) == ("camille@mail.example.test", "fr", "queued")
    assert taken.submitted.receipt_code in mail.body
    assert taken.submitted.report.reference in mail.subject
    with translation.override("fr"):
        danger = translation.gettext("If you or someone else is in immediate danger, call 112.")
    assert danger != "If you or someone else is in immediate danger, call 112."
    assert danger in mail.body
    assert reverse("intake:report-status") in mail.body


# -- spelling aloud -----------------------------------------------------------------------


def test_codes_are_spelled_in_the_caller_s_language():
    [[r], group] = spell("R-7KQ3", "fr")
    assert r.reading == "R comme Raoul"
    assert [c.reading for c in group] == [
        "7 (sept)",
        "K comme Kléber",
        "Q comme Quintal",
        "3 (trois)",
    ]
    assert spell("R", "en")[0][0].reading == "R as in Romeo"
    assert spell("2", "de")[0][0].reading == "2 (zwo)"
    assert spell("W", "nl")[0][0].reading == "W van Willem"
    assert spell("R", "xx")[0][0].reading == "R as in Romeo"


# -- the pages ----------------------------------------------------------------------------


def test_the_form_is_ready_for_the_keyboard(client, users):
    client.force_login(users["intake"])
    html = client.get(PHONE).content.decode()
    [language_tag] = re.findall(r"<select[^>]*id=\"id_language\"[^>]*>", html)
    assert "autofocus" in language_tag  # the first thing a call needs
    order = [html.index(f'id="id_{name}"') for name in ("language", "urls", "started_at")]
    assert order == sorted(order)
    for name in ("language", "role", "urls", "reporter_email", "started_at", "call_notes"):
        assert f'for="id_{name}"' in html  # every field has its label
    assert timezone.localtime().strftime("%Y-%m-%d") in html  # the call starts now


def test_dave_takes_a_call_and_reads_the_receipt_out_once(client, users):
    client.force_login(users["intake"])
    response = client.post(PHONE, form())
    assert response.status_code == 302 and response["Location"] == RECEIPT
    report = Report.objects.get()
    assert report.channel == "phone" and report.reporter_name == "Camille Fictive"
    assert CallLog.objects.get().duration_minutes == 12
    page = unescape(client.get(RECEIPT).content.decode())
    assert report.reference in page
    code = page.split('id="phone-receipt-code">')[1].split("<")[0]
    assert report.receipt_code_hash == hash_receipt_code(code)
    assert "R comme Raoul" in page  # spelled in the caller's language (French)
    assert reverse("intake:report-status") in page
    assert ReporterMail.objects.get().status == "queued"
    # Kept nowhere: not in the session, and a reload shows it no more.
    assert not any(code in str(s.get_decoded()) for s in Session.objects.all())
    again = unescape(client.get(RECEIPT).content.decode())
    assert code not in again and report.reference not in again
    assert reverse("intake:phone-report") in again  # "New call"


def test_field_errors_are_in_the_officer_s_language_and_nothing_is_stored(client, users, settings):
    client.force_login(users["intake"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.post(PHONE, form(urls="", mail_receipt=None))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    with translation.override("fr"):
        expected = translation.gettext("Give at least one web address (URL) of the content.")
    assert expected != "Give at least one web address (URL) of the content."
    assert expected in html
    assert NOTES in html  # what Dave typed is still there
    assert stored() == NOTHING


def test_contact_details_need_the_caller_s_consent(client, users):
    client.force_login(users["intake"])
    response = client.post(PHONE, form(has_consented=None, mail_receipt=None))
    assert response.status_code == 200
    assert "Ask the caller" in unescape(response.content.decode())
    assert stored() == NOTHING


def test_without_contact_details_the_report_is_anonymous(client, users):
    client.force_login(users["intake"])
    fields = form(has_consented=None, mail_receipt=None, reporter_name="", reporter_email="")
    response = client.post(PHONE, {**fields, "reporter_phone": "", "duration_minutes": ""})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.is_anonymous and report.reporter_name == "" and not report.has_consented
    log = CallLog.objects.get()
    assert log.ended_at >= log.started_at  # no duration: the call ends as it is saved


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_other_roles_get_a_styled_refusal(client, users, role):
    client.force_login(users[role])
    for url in (PHONE, RECEIPT):
        response = client.get(url)
        assert response.status_code == 403
        html = response.content.decode()
        assert "<h1>You cannot open this page</h1>" in html and 'class="topnav"' in html
    assert client.post(PHONE, form()).status_code == 403
    assert stored() == NOTHING


@pytest.mark.parametrize("role", ["intake", "analyst", "reviewer", "coordinator"])
def test_casework_roles_take_calls(client, users, role):
    client.force_login(users[role])
    assert client.get(PHONE).status_code == 200
    assert client.post(PHONE, form(mail_receipt=None)).status_code == 302


def test_the_menu_leads_to_the_phone_line_through_the_intake_hub(client, users):
    client.force_login(users["intake"])
    html = client.get(reverse("workbench:queue")).content.decode()
    nav = html.split('class="topnav"')[1].split("</nav>")[0]
    hub = reverse("intake:intake-hub")
    assert nav.index(reverse("workbench:queue")) < nav.index(hub) and PHONE not in nav
    assert f'href="{PHONE}"' in client.get(hub).content.decode()
