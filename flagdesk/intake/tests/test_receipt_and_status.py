"""The receipt is shown once; reference + code then show progress, and nothing else does."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from flagdesk.core.crypto import fernet
from flagdesk.intake import receipt_cookie
from flagdesk.intake.models import Report

from .factories import URL, form_data, submitted_report

pytestmark = pytest.mark.django_db

DONE = reverse("intake:report-done")
STATUS = reverse("intake:report-status")
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def test_receipt_is_shown_once(client: Client) -> None:
    client.post(reverse("intake:report"), form_data())
    page = client.get(DONE).content.decode()
    report = Report.objects.get()
    assert report.reference in page
    [code] = CODE.findall(page)
    assert "What happens next" in page
    assert f'href="{STATUS}"' in page
    again = client.get(DONE).content.decode()
    assert code not in again and report.reference not in again
    assert "already been shown" in again
    # The code shown is the one that opens the report.
    status = client.post(STATUS, {"reference": report.reference, "receipt_code": code})
    assert status.context["status"].reference == report.reference


def test_the_receipt_is_kept_nowhere_on_the_server(client: Client) -> None:
    response = client.post(reverse("intake:report"), form_data())
    assert response.status_code == 302
    assert not Session.objects.exists()  # nothing waits in the session table, not even empty
    assert "sessionid" not in response.cookies
    page = client.get(DONE)
    [code] = CODE.findall(page.content.decode())
    assert not Session.objects.exists()
    assert "sessionid" not in page.cookies
    assert code not in response["Location"]


def test_the_receipt_travels_in_an_encrypted_short_lived_cookie_for_the_done_page_only(
    client: Client,
) -> None:
    response = client.post(reverse("intake:report"), form_data())
    cookie = response.cookies[receipt_cookie.COOKIE]
    assert cookie["path"] == DONE
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert cookie["max-age"] == receipt_cookie.MAX_AGE_SECONDS <= 15 * 60
    report = Report.objects.get()
    assert report.reference not in cookie.value and not CODE.search(cookie.value)
    clear = json.loads(fernet().decrypt(cookie.value.encode()))
    assert clear["reference"] == report.reference
    shown = client.get(DONE)
    assert clear["receipt_code"] in shown.content.decode()
    gone = shown.cookies[receipt_cookie.COOKIE]
    assert gone.value == "" and gone["max-age"] == 0 and gone["path"] == DONE


@pytest.mark.parametrize(("age_seconds", "is_shown"), [(60, True), (11 * 60, False)])
def test_a_receipt_cookie_is_shown_only_within_its_lifetime(
    client: Client, age_seconds: int, is_shown: bool
) -> None:
    clear = json.dumps({"reference": "R-7KQ3-M9XD", "receipt_code": "AAAA-BBBB-CCCC-DDDD"})
    written_at = int(time.time()) - age_seconds
    token = fernet().encrypt_at_time(clear.encode(), written_at).decode()
    client.cookies[receipt_cookie.COOKIE] = token
    page = client.get(DONE).content.decode()
    assert ("AAAA-BBBB-CCCC-DDDD" in page) is is_shown
    assert ("already been shown" in page) is not is_shown


def test_a_receipt_cookie_we_did_not_write_shows_nothing(client: Client) -> None:
    client.cookies[receipt_cookie.COOKIE] = '{"reference": "R-1", "receipt_code": "X"}'
    response = client.get(DONE)
    assert response.status_code == 200
    assert "already been shown" in response.content.decode()


def test_done_page_without_a_report_says_already_shown(client: Client) -> None:
    assert "already been shown" in client.get(DONE).content.decode()


def test_status_page_shows_progress(client: Client) -> None:
    submitted = submitted_report(URL)
    response = client.post(
        STATUS,
        # People type codes in lower case, with spaces and an O for a zero.
        {
            "reference": submitted.report.reference.lower(),
            "receipt_code": submitted.receipt_code.lower().replace("-", " ").replace("0", "o"),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["status"].status == "received"
    assert URL in page
    assert '<span class="badge received">Received</span>' in page
    assert submitted.receipt_code not in page  # the form comes back empty


@pytest.mark.parametrize(
    "typed", ["r 0k1q m1x0", "R0KIQMLX0", "R-OK1Q-M1XO", "r\u20130k1q\u2013m1x0"]
)
def test_status_page_forgives_how_the_reference_is_typed(client: Client, typed: str) -> None:
    submitted = submitted_report(URL)
    Report.objects.filter(pk=submitted.report.pk).update(reference="R-0K1Q-M1X0")
    response = client.post(STATUS, {"reference": typed, "receipt_code": submitted.receipt_code})
    assert response.context["status"].reference == "R-0K1Q-M1X0"


def test_status_page_does_not_guess_for_a_u(client: Client) -> None:
    submitted = submitted_report(URL)
    Report.objects.filter(pk=submitted.report.pk).update(reference="R-0K1Q-M1XV")
    response = client.post(
        STATUS, {"reference": "R-0K1Q-M1XU", "receipt_code": submitted.receipt_code}
    )
    assert "status" not in response.context


@pytest.mark.parametrize("which", ["wrong_code", "unknown_reference", "garbage"])
def test_wrong_pair_gets_one_generic_message(client: Client, which: str) -> None:
    submitted = submitted_report(URL)
    reference, code = submitted.report.reference, submitted.receipt_code
    data = {
        "wrong_code": {"reference": reference, "receipt_code": "AAAA-AAAA-AAAA-AAAA"},
        "unknown_reference": {"reference": "R-0000-0000", "receipt_code": code},
        "garbage": {"reference": "R-\x01\u2603", "receipt_code": code},
    }[which]
    response = client.post(STATUS, data)
    assert response.status_code == 200
    assert "status" not in response.context
    assert response.context["form"].non_field_errors() == [
        "We found no report with this reference and receipt code. Check both and try again."
    ]


def test_status_page_escapes_reported_addresses(client: Client) -> None:
    submitted = submitted_report("https://example.test/<script>alert(1)</script>")
    page = client.post(
        STATUS,
        {"reference": submitted.report.reference, "receipt_code": submitted.receipt_code},
    ).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_status_lookups_are_rate_limited(client: Client, settings: object) -> None:
    settings.PUBLIC_RATE_LIMIT = "2/m"  # type: ignore[attr-defined]
    data = {"reference": "R-0000-0000", "receipt_code": "AAAA"}
    assert client.post(STATUS, data).status_code == 200
    assert client.post(STATUS, data).status_code == 200
    assert client.post(STATUS, data).status_code == 429


def test_status_page_takes_no_code_from_the_url(client: Client) -> None:
    submitted = submitted_report(URL)
    query = {"reference": submitted.report.reference, "receipt_code": submitted.receipt_code}
    response = client.get(STATUS, query)
    assert response.status_code == 200
    assert "status" not in response.context
