"""The reporter's two requests with the receipt code (docs/api.md): erase my details, add to my
report; through the API and on the status page. A wrong code learns nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.services.legal_hold import set_legal_hold
from flagdesk.intake.models import Report, ReportMessage

from .factories import URL, submitted_report, with_contact

pytestmark = pytest.mark.django_db

STATUS = reverse("intake:report-status")
ERROR = "No report matches this reference and receipt code."


def erase(client: Client, reference: str, code: str | None) -> Any:
    headers = {} if code is None else {"HTTP_X_RECEIPT_CODE": code}
    return client.post(f"/api/v1/reports/{reference}/erasure", **headers)


def add(client: Client, reference: str, code: str, body: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        f"/api/v1/reports/{reference}/messages",
        data=data,
        content_type="application/json",
        HTTP_X_RECEIPT_CODE=code,
    )


@pytest.fixture
def submitted() -> Any:
    return submitted_report(URL, phenomenon="ncii", **with_contact())


def test_the_reporter_erases_contact_and_description_with_the_receipt_code(
    client: Client, submitted: Any
) -> None:
    report = submitted.report
    ReportMessage.objects.create(report=report, text="Another detail.")
    response = erase(client, report.reference.lower(), submitted.receipt_code.lower())
    assert response.status_code == 202, response.content
    assert response.json() == {"reference": report.reference, "status": "erased"}
    report.refresh_from_db()
    assert (report.reporter_name, report.reporter_email, report.reporter_phone) == ("", "", "")
    assert report.description == "" and ReportMessage.objects.get().text == ""
    assert report.reporter_email_index == "" and report.reporter_phone_index == ""
    assert report.contact_erased_at and report.description_erased_at
    # What statistics count stays.
    assert (report.phenomenon, report.victim_age_band, report.role) == ("ncii", "", "witness")
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.ERASURE)
    assert event.data == {"classes": ["contact", "description"], "by": "reporter"}
    entry = AuditEntry.objects.get(action="report.erasure")
    assert entry.data == {"outcome": "erased"} and entry.actor is None
    # The reporter can still follow the report, and asking again is harmless.
    assert erase(client, report.reference, submitted.receipt_code).json()["status"] == "erased"
    status = client.get(
        f"/api/v1/reports/{report.reference}", HTTP_X_RECEIPT_CODE=submitted.receipt_code
    )
    assert status.status_code == 200


@pytest.mark.parametrize("which", ["wrong_code", "unknown_reference", "no_code", "garbage"])
def test_a_wrong_code_erases_nothing_and_tells_nothing(
    client: Client, submitted: Any, which: str
) -> None:
    reference, code = submitted.report.reference, submitted.receipt_code
    reference, code = {
        "wrong_code": (reference, "AAAA-AAAA-AAAA-AAAA"),
        "unknown_reference": ("R-0000-0000", code),
        "no_code": (reference, None),
        "garbage": ("R-\u2603", code),
    }[which]
    response = erase(client, reference, code)
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": ERROR}
    assert Report.objects.get().reporter_email == "reporter@example.test"
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.ERASURE).exists()


def test_under_legal_hold_the_request_is_recorded_and_the_answer_says_so(
    client: Client, submitted: Any, users: Any
) -> None:
    report = submitted.report
    set_legal_hold(report.case, actor=users["coordinator"], is_held=True, reason="Proceedings.")
    response = erase(client, report.reference, submitted.receipt_code)
    assert response.status_code == 202
    assert response.json() == {"reference": report.reference, "status": "held"}
    report.refresh_from_db()
    assert report.erasure_held_at is not None
    assert report.reporter_email == "reporter@example.test" and report.description


def test_the_reporter_adds_text_and_addresses(client: Client, submitted: Any) -> None:
    report = submitted.report
    body = {"text": "It was also posted here.", "urls": [URL, "https://other.example.test/p/9"]}
    response = add(client, report.reference, submitted.receipt_code, body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["reference"] == report.reference and answer["received_at"]
    urls = sorted(i["url"] for i in answer["items"])
    assert urls == sorted([URL, "https://other.example.test/p/9"])
    # The address already reported joins its open item; the new one opens an item in the case.
    assert report.items.count() == 2
    new = Item.objects.get(url="https://other.example.test/p/9")
    assert new.case_id == report.case_id and new.phenomenon == "ncii"
    message = ReportMessage.objects.get()
    assert message.text == "It was also posted here."
    assert {i.url for i in message.items.all()} == set(urls)
    # Encrypted at rest, and the timeline says a message came, never what it says.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM intake_reportmessage")
        [(stored,)] = cursor.fetchall()
    assert "posted here" not in stored
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.REPORTER_MESSAGE)
    assert events.count() == 2 and all("posted" not in (e.note + str(e.data)) for e in events)


def test_a_message_is_checked_like_a_report(client: Client, submitted: Any) -> None:
    reference, code = submitted.report.reference, submitted.receipt_code
    empty = add(client, reference, code, {"text": "  ", "urls": []})
    assert empty.status_code == 422 and "text" in empty.json()["error"]["fields"]
    bad = add(client, reference, code, {"urls": ["ftp://example.test/x"]})
    assert bad.status_code == 422 and "urls" in bad.json()["error"]["fields"]
    wrong_type = add(client, reference, code, {"text": 5})
    assert wrong_type.status_code == 422 and "text" in wrong_type.json()["error"]["fields"]
    assert add(client, reference, code, "[1, 2").status_code == 422
    assert add(client, reference, code, [1]).status_code == 422
    assert not ReportMessage.objects.exists()


def test_a_message_with_a_wrong_code_stores_nothing_and_is_not_validated(
    client: Client, submitted: Any
) -> None:
    response = add(client, submitted.report.reference, "AAAA-AAAA-AAAA-AAAA", {"text": 5})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == ERROR
    assert not ReportMessage.objects.exists()


def test_the_reporters_requests_share_the_status_rate_limit(
    client: Client, submitted: Any, settings: Any
) -> None:
    settings.PUBLIC_RATE_LIMIT = "2/m"
    reference = submitted.report.reference
    assert erase(client, reference, "AAAA").status_code == 404
    assert add(client, reference, "AAAA", {"text": "x"}).status_code == 404
    assert erase(client, reference, submitted.receipt_code).status_code == 429
    assert Report.objects.get().reporter_email


def test_the_status_page_offers_both_forms(client: Client, submitted: Any) -> None:
    page = client.get(STATUS).content.decode()
    assert 'name="message-text"' in page and 'name="erasure-confirm"' in page
    report = submitted.report
    sent = client.post(
        STATUS,
        {
            "form": "message",
            "message-reference": report.reference,
            "message-receipt_code": submitted.receipt_code,
            "message-text": "One more thing.",
            "message-urls": "https://other.example.test/p/2",
        },
    )
    assert sent.status_code == 200 and sent.context["message_sent"]
    assert submitted.receipt_code not in sent.content.decode()
    assert ReportMessage.objects.get().text == "One more thing."

    unconfirmed = client.post(
        STATUS,
        {
            "form": "erasure",
            "erasure-reference": report.reference,
            "erasure-receipt_code": submitted.receipt_code,
        },
    )
    assert "erasure_outcome" not in unconfirmed.context
    assert "Tick the box to confirm." in unconfirmed.content.decode()
    wrong = client.post(
        STATUS,
        {
            "form": "erasure",
            "erasure-reference": report.reference,
            "erasure-receipt_code": "AAAA-AAAA-AAAA-AAAA",
            "erasure-confirm": "on",
        },
    )
    assert "We found no report with this reference" in wrong.content.decode()
    assert Report.objects.get().reporter_email
    done = client.post(
        STATUS,
        {
            "form": "erasure",
            "erasure-reference": report.reference,
            "erasure-receipt_code": submitted.receipt_code,
            "erasure-confirm": "on",
        },
    )
    assert "have been erased" in done.content.decode()
    assert submitted.receipt_code not in done.content.decode()
    report.refresh_from_db()
    assert report.reporter_email == "" and report.description == ""
    assert ReportMessage.objects.get().text == ""


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("fr", "Effacer vos données personnelles"),
        ("nl", "Uw persoonsgegevens wissen"),
        ("de", "Ihre personenbezogenen Daten löschen"),
    ],
)
def test_the_status_page_speaks_the_reporters_language(
    client: Client, language: str, heading: str
) -> None:
    page = client.get(STATUS, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert heading in page


def test_in_a_real_browser_the_reporter_adds_information_then_erases_their_details(
    browser_page: Any, live_url: Any, settings: Any
) -> None:
    """Both forms of the status page under the real CSP, with the reporter's typing."""
    from playwright.sync_api import expect

    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    submitted = submitted_report(URL, phenomenon="ncii", **with_contact())
    reference, code = submitted.report.reference, submitted.receipt_code
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto(live_url("intake:report-status"))
    page.fill("#id_message-reference", reference)
    page.fill("#id_message-receipt_code", code)
    page.fill("#id_message-text", "It is also in a group chat.")
    page.fill("#id_message-urls", "https://other.example.test/p/browser")
    page.locator("#add-information button[type=submit]").click()
    expect(page.locator("#add-information .msg-success")).to_be_visible()
    assert ReportMessage.objects.get().text == "It is also in a group chat."
    assert Item.objects.filter(url="https://other.example.test/p/browser").exists()

    page.fill("#id_erasure-reference", reference)
    page.fill("#id_erasure-receipt_code", code)
    page.locator("#erase-details button[type=submit]").click()  # not confirmed yet
    expect(page.locator("#erase-details")).to_contain_text("Tick the box to confirm.")
    assert Report.objects.get().reporter_email
    page.check("#id_erasure-confirm")
    page.locator("#erase-details button[type=submit]").click()
    expect(page.locator("#erase-details .msg-success")).to_contain_text("have been erased")
    report = Report.objects.get()
    assert (report.reporter_email, report.description) == ("", "")
    assert code not in page.content()
    assert not [p for p in problems if "Content Security Policy" in p]
