"""The status page shows what staff asked and the pictures sent as fingerprints only.

Camille (fictional) is asked a question from her case: the status page shows it, dated, and
leads to the "add information" form; once she answers, it is gone. A report of fingerprints
alone says how many pictures were sent and whether we keep looking, with no address list.
"""

from __future__ import annotations

import json
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from flagdesk.intake.messages import add_message
from flagdesk.intake.reporter_updates import write_to_reporter
from flagdesk.intake.tests.factories import submitted_report, with_contact

from .test_device_signals_api import hashes_only

pytestmark = pytest.mark.django_db

QUESTION = "On which account did the second picture appear?"


def status_page(client: Client, reference: str, code: str, language: str = "en") -> str:
    page = client.post(
        reverse("intake:report-status"),
        {"form": "status", "reference": reference, "receipt_code": code},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert page.status_code == 200
    return unescape(page.content.decode())


def test_an_open_request_is_shown_until_the_reporter_answers(client: Client, users: Any) -> None:
    submitted = submitted_report(
        "https://social.test/p/ask-1",
        language="nl",
        **with_contact(reporter_email="camille@mail.example.test"),
    )
    report = submitted.report
    write_to_reporter(
        report, actor=users["analyst"], kind="needs_info", subject="Uw melding", text=QUESTION
    )
    page = status_page(client, report.reference, submitted.receipt_code, "nl")
    assert "We hebben meer informatie van u nodig" in page
    assert QUESTION in page and 'href="#add-information"' in page
    add_message(report, text="Op het account @fictief.", urls=[])
    page = status_page(client, report.reference, submitted.receipt_code, "nl")
    assert QUESTION not in page and "meer informatie van u nodig" not in page


def test_a_report_of_fingerprints_alone_speaks_of_the_pictures(client: Client) -> None:
    answer = client.post(
        "/api/v1/reports", json.dumps(hashes_only()), content_type="application/json"
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    page = status_page(client, body["reference"], body["receipt_code"], "fr")
    assert "Vos images" in page
    assert "empreintes de 1 image" in page
    assert "Nous continuons à chercher des copies" in page
    assert "Ce qui s'est passé pour chaque adresse" not in page  # no address: no empty list
    withdrawn = client.delete(
        f"/api/v1/reports/{body['reference']}/bank-consent",
        HTTP_X_RECEIPT_CODE=body["receipt_code"],
    )
    assert withdrawn.status_code == 200
    page = status_page(client, body["reference"], body["receipt_code"], "fr")
    assert "Nous avons cherché des copies parmi ce que nous connaissons déjà" in page


def test_a_copy_staff_found_shows_on_the_reporters_status(client: Client, users: Any) -> None:
    """A report of fingerprints alone: once staff move a copy into its case, the reporter
    sees that address, dated, with its progress."""
    from flagdesk.cases.services.merge import move_item
    from flagdesk.intake.models import Report

    answer = client.post(
        "/api/v1/reports", json.dumps(hashes_only()), content_type="application/json"
    )
    body = answer.json()
    report = Report.objects.get(reference=body["reference"])
    copy = submitted_report("https://social.test/p/copy-found").items[0]
    move_item(copy, report.case, actor=users["analyst"], reason="Same picture (PDQ match).")
    page = status_page(client, body["reference"], body["receipt_code"], "en")
    assert "https://social.test/p/copy-found" in page
    assert "We found a copy of your picture at this address." in page
    status = client.get(
        f"/api/v1/reports/{body['reference']}", HTTP_X_RECEIPT_CODE=body["receipt_code"]
    ).json()
    assert [i["url"] for i in status["items"]] == ["https://social.test/p/copy-found"]


def test_the_keep_looking_form_goes_through_the_lock_out(client: Client, settings: Any) -> None:
    """Wrong codes on the consent form count, and a locked reference refuses it too."""
    settings.RECEIPT_LOCKOUT_FAILURES = 3
    body = client.post(
        "/api/v1/reports", json.dumps(hashes_only()), content_type="application/json"
    ).json()
    url = reverse("intake:report-bank-consent")

    def consent(code: str, address: str) -> Any:
        data = {
            "consent-reference": body["reference"],
            "consent-receipt_code": code,
            "consent-choice": "stop",
        }
        return client.post(url, data, REMOTE_ADDR=address)

    for n in range(3):
        assert consent("AAAA-BBBB-CCCC-DDDD", f"192.0.2.{n}").status_code in (200, 429)
    locked = consent(body["receipt_code"], "192.0.2.50")
    assert locked.status_code == 429
    from flagdesk.intake.models import Report

    assert Report.objects.get(reference=body["reference"]).bank_consent_withdrawn_at is None
