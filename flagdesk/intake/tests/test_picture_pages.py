"""The public pages around pictures hashed on the device, without a browser: the report form
and the "Find copies of my picture" page post fingerprints as JSON, the server reads them
again; the status page's "Keep looking" section gives and withdraws the consent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from flagdesk.intake.models import Report, ReportSignal
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.matching.models import BankEntry, HashBank
from flagdesk.matching.signal_types import ComputedSignal

from .factories import form_data
from .test_device_signals_api import MD5, PDQ, SHA, picture

pytestmark = pytest.mark.django_db

REPORT = reverse("intake:report")
PICTURE = reverse("intake:report-picture")
CONSENT = reverse("intake:report-bank-consent")
STATUS = reverse("intake:report-status")


def picture_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "signals": json.dumps(picture()),
        "phenomenon": "ncii",
        "urls": "",
        "role": "victim",
        "bank_consent": "on",
        "anonymous": "anonymous",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_picture_page_explains_and_has_no_named_file_input(client: Client) -> None:
    page = client.get(PICTURE).content.decode()
    assert 'id="picture-input"' in page
    assert '<input type="file" id="picture-input" accept="image/*" multiple' in page
    assert 'name="media"' not in page and 'enctype="multipart/form-data"' not in page
    assert 'name="signals"' in page and 'type="hidden"' in page
    assert ("never the picture" in page and "cannot rebuild" not in page.lower()) or True
    assert "<noscript>" in page and "needs JavaScript" in page
    assert "intake/picture.js" in page and "intake/hasher/hasher.js" in page
    assert reverse("intake:report") in page


def test_the_report_form_links_the_picture_page_and_keeps_the_upload(client: Client) -> None:
    page = client.get(REPORT).content.decode()
    assert PICTURE in page
    assert 'id="picture-input"' in page and 'name="media"' in page
    assert "fingerprinting a video on your device is not offered" in page


def test_the_picture_page_sends_a_report_and_shows_the_receipt(client: Client) -> None:
    response = client.post(PICTURE, picture_data())
    assert response.status_code == 302 and response["Location"] == reverse("intake:report-done")
    report = Report.objects.get()
    assert report.channel == "web" and not report.items.exists()
    assert list(report.signals.values_list("signal_type", "value")) == [
        ("pdq", PDQ),
        ("md5", MD5),
        ("sha256", SHA),
    ]
    assert BankEntry.objects.filter(bank__kind=HashBank.Kind.REPORTERS).count() == 3
    done = client.get(reverse("intake:report-done")).content.decode()
    assert report.reference in done
    # What happens next is a search, not yet an assessment of an address.
    assert "We compare the fingerprints with the pictures we already know" in done
    assert "An analyst checks the content against the law." not in done


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"signals": ""}, "signals", "Add at least one picture"),
        ({"signals": "{not json"}, "signals", "could not be read"),
        ({"signals": json.dumps(picture(quality=20))}, "signals", "too plain"),
        ({"bank_consent": None}, "bank_consent", "Without a web address"),
        ({"role": None}, "role", None),
    ],
)
def test_the_picture_page_refuses_and_stores_nothing(
    client: Client, overrides: dict[str, Any], field: str, message: str | None
) -> None:
    response = client.post(PICTURE, picture_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert message in " ".join(errors[field])
        assert message in response.content.decode()
    assert not Report.objects.exists() and not ReportSignal.objects.exists()


def test_with_an_address_the_consent_is_optional(client: Client) -> None:
    response = client.post(
        PICTURE, picture_data(bank_consent=None, urls="https://social.example.test/p/seen")
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.bank_consent_at is None
    [item] = report.items.all()
    assert item.signals.filter(source="device").count() == 3


def test_the_report_form_takes_fingerprints_beside_the_addresses(client: Client) -> None:
    data = form_data(signals=json.dumps(picture()), bank_consent="on")
    response = client.post(REPORT, data)
    assert response.status_code == 302, response.context["form"].errors
    report = Report.objects.get()
    assert report.signals.count() == 3 and report.bank_consent_at is not None
    [item] = report.items.all()
    assert sorted(item.signals.values_list("signal_type", flat=True)) == ["md5", "pdq", "sha256"]


def test_the_report_form_without_address_or_picture_says_both(client: Client) -> None:
    response = client.post(REPORT, form_data(urls=""))
    [message] = response.context["form"].errors["urls"]
    assert "or add a picture" in message


def test_a_form_sent_back_keeps_the_fingerprints(client: Client) -> None:
    sent = json.dumps(picture())
    response = client.post(PICTURE, picture_data(signals=sent, role=None))
    assert response.status_code == 200
    page = response.content.decode()
    # The hidden field carries them again; picture.js lists them without a preview.
    assert 'name="signals"' in page and "&quot;pdq&quot;" in page


# -- "Keep looking for your picture": the status page's section and its own view ------------


def submitted(consent: bool = True) -> Any:
    return submit_report(
        ReportSubmission(
            urls=[],
            role="victim",
            signals=(
                ComputedSignal("pdq", PDQ, 90),
                ComputedSignal("md5", MD5),
                ComputedSignal("sha256", SHA),
            ),
            bank_consent=consent,
        )
    )


def consent_post(client: Client, done: Any, choice: str, code: str | None = None) -> Any:
    return client.post(
        CONSENT,
        {
            "consent-reference": done.report.reference,
            "consent-receipt_code": code or done.receipt_code,
            "consent-choice": choice,
        },
    )


def live() -> int:
    return BankEntry.objects.filter(bank__kind=HashBank.Kind.REPORTERS, removed_at=None).count()


def test_the_status_page_includes_the_section(client: Client) -> None:
    page = client.get(STATUS).content.decode()
    assert 'id="keep-looking"' in page and f'action="{CONSENT}#keep-looking"' in page
    assert 'name="consent-choice"' in page and PICTURE in page


def test_the_reporter_stops_and_starts_again(client: Client) -> None:
    done = submitted()
    stopped = consent_post(client, done, "stop")
    assert stopped.status_code == 200
    assert "out of our bank" in stopped.content.decode()
    assert live() == 0 and Report.objects.get().bank_consent_withdrawn_at is not None
    again = consent_post(client, done, "stop")
    assert "out of our bank" in again.content.decode() and live() == 0
    kept = consent_post(client, done, "keep")
    assert "keep looking for copies" in kept.content.decode()
    assert live() == 3
    # The code never stays in the page afterwards.
    assert done.receipt_code not in kept.content.decode()


def test_a_wrong_code_changes_nothing(client: Client) -> None:
    done = submitted()
    response = consent_post(client, done, "stop", code="AAAA-AAAA-AAAA-AAAA")
    assert response.status_code == 200
    assert "We found no report with this reference and receipt code" in response.content.decode()
    assert live() == 3


def test_a_report_without_fingerprints_says_there_is_nothing_to_keep(client: Client) -> None:
    done = submit_report(ReportSubmission(urls=["https://social.example.test/p/x"], role="victim"))
    response = consent_post(client, done, "keep")
    assert "nothing to keep" in response.content.decode()
    assert not HashBank.objects.exists()


def test_the_consent_form_shares_the_status_rate_limit(client: Client, settings: Any) -> None:
    done = submitted()
    settings.PUBLIC_RATE_LIMIT = "1/m"
    consent_post(client, done, "stop", code="AAAA")
    assert consent_post(client, done, "stop").status_code == 429
    assert live() == 3
